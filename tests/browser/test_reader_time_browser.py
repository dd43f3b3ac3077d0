"""The reader's time first, the zone picker and the site frame, in a real Chromium on a phone.

A two-series site: a London series and a Tokyo series, read from Tokyo in Japanese and in
American English, from New York by choice in the zone picker, and from London.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from prisec.editing import create_talk
from prisec.extensions import db
from prisec.models import Series, Speaker
from tests.browser.conftest import _flask, serve
from tests.browser.test_accessibility_browser import axe_violations, horizontal_overflow
from tests.helpers import make_app

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
SCREENSHOTS = Path(__file__).resolve().parents[1] / "screenshots"
# 12:00 UTC on 10 June: 13:00 in London (BST), 21:00 in Tokyo (JST), 08:00 in New York (EDT).
START = datetime(datetime.now(UTC).year + 1, 6, 10, 12, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def two_series_site(tmp_path_factory) -> Iterator[tuple[str, dict[str, int]]]:
    """A London series with an upcoming and a past talk, and a Tokyo series with one talk."""
    instance = tmp_path_factory.mktemp("two-series-instance")
    _flask(instance, "db", "upgrade", "heads")
    app = make_app(instance)
    with app.app_context():
        london = Series(slug="london", name="London Privacy Seminar", timezone="Europe/London")
        tokyo = Series(slug="tokyo", name="Tokyo Crypto Lunch", timezone="Asia/Tokyo")
        ahead = create_talk(
            london,
            [Speaker(name="Ada Lovelace")],
            start=START,
            end=START + timedelta(hours=1),
            title="Private counting",
            published=True,
        )
        past = datetime(2024, 1, 10, 13, 0, tzinfo=UTC)
        create_talk(
            london,
            [Speaker(name="Alan Turing")],
            start=past,
            end=past + timedelta(hours=1),
            title="Past counting",
            published=True,
        )
        other = create_talk(
            tokyo,
            [Speaker(name="Kiyoshi Ito")],
            start=START + timedelta(days=1),
            end=START + timedelta(days=1, hours=1),
            title="Lattices at lunch",
            published=True,
        )
        db.session.commit()
        ids = {"ahead": ahead.id, "other": other.id}
        db.session.remove()
        db.engine.dispose()
    with serve(instance) as url:
        yield url, ids


def _reader(browser: Browser, zone: str, locale: str, **options):
    return browser.new_context(viewport=PHONE, timezone_id=zone, locale=locale, **options)


def _time_line(page: Page, scope: str = "") -> str:
    line = page.locator(f"{scope} .viewer-time".strip()).first
    expect(line).to_be_visible()
    return line.inner_text()


def _pages(base: str, ids: dict[str, int]) -> dict[str, str]:
    return {
        "schedule": base + "/series/london",
        "talk": base + f"/talks/{ids['ahead']}",
        "archive": base + "/talks?series=london",
    }


def test_a_tokyo_reader_in_japanese_sees_one_line_in_both_zones(browser, two_series_site):
    base, ids = two_series_site
    context = _reader(browser, "Asia/Tokyo", "ja-JP")
    page = context.new_page()
    for name, url in _pages(base, ids).items():
        page.goto(url)
        line = _time_line(page)
        # The reader's time first, named by city and the locale's abbreviation, 24-hour clock.
        assert re.search(r"21:00 Tokyo \(JST\) · 13:00 London$", line), (name, line)
        assert line.startswith(f"{START.year}年6月10日"), (name, line)
        assert "GMT+9" not in line
        expect(page.locator("time.talk-time").first).to_be_hidden()
        assert horizontal_overflow(page) <= 0, name
        SCREENSHOTS.mkdir(exist_ok=True)
        page.screenshot(path=SCREENSHOTS / f"reader-time-ja-{name}-390.png")
    context.close()


def test_an_american_reader_in_tokyo_gets_a_12_hour_clock(browser, two_series_site):
    base, ids = two_series_site
    context = _reader(browser, "Asia/Tokyo", "en-US")
    page = context.new_page()
    for name, url in _pages(base, ids).items():
        page.goto(url)
        line = _time_line(page)
        # English knows Tokyo only as "GMT+9": the city stands alone.
        assert re.search(r"9:00\s?PM Tokyo · 1:00\s?PM London$", line), (name, line)
        assert "GMT" not in line
        assert "Jun" in line, (name, line)
    context.close()


def test_the_zone_picker_changes_every_page_and_is_kept_in_the_browser(browser, two_series_site):
    base, ids = two_series_site
    context = _reader(browser, "Asia/Tokyo", "en-US")
    page = context.new_page()
    pages = _pages(base, ids)
    page.goto(pages["schedule"])
    picker = page.get_by_label("Show times in")
    expect(picker).to_have_value("Asia/Tokyo")
    assert page.locator("#zone-names option[value='America/New_York']").count() == 1
    picker.fill("America/New_York")
    page.get_by_role("button", name="Set", exact=True).click()
    expect(page.locator(".viewer-time").first).to_contain_text(re.compile(r"8:00\s?AM New York"))
    assert page.evaluate("localStorage.getItem('prisec.zone')") == "America/New_York"
    assert not context.cookies(), "the zone must not travel to the server"
    for name, url in pages.items():
        page.goto(url)
        line = _time_line(page)
        assert re.search(r"8:00\s?AM New York \(EDT\) · 1:00\s?PM London$", line), (name, line)
    # A name that is no zone is refused beside the field; the times stay.
    picker = page.get_by_label("Show times in")
    picker.fill("Atlantis/Capital")
    page.get_by_role("button", name="Set", exact=True).click()
    expect(page.locator(".zone-status")).to_contain_text("Unknown time zone")
    expect(page.locator(".viewer-time").first).to_contain_text("New York")
    # Back to the device's own zone.
    page.get_by_role("button", name="Use this device's zone").click()
    expect(page.locator(".viewer-time").first).to_contain_text("Tokyo")
    assert page.evaluate("localStorage.getItem('prisec.zone')") is None
    context.close()


def test_a_london_reader_of_a_london_series_sees_one_time_and_no_empty_line(
    browser, two_series_site
):
    base, ids = two_series_site
    context = _reader(browser, "Europe/London", "en-GB")
    page = context.new_page()
    for name, url in _pages(base, ids).items():
        page.goto(url)
        when = page.locator(".talk-when").first
        line = _time_line(page)
        # One time, in the reader's format: no second time, no separator, no empty line.
        assert re.fullmatch(rf"\w+,? 10 June? {START.year},? 13:00 London \(BST\)", line), line
        expect(when.locator(".series-time")).to_have_count(0)
        expect(when.locator("time.talk-time")).to_be_hidden()
        # As many lines as the time's own text takes: no slot kept empty beside it.
        lines, text_lines = when.evaluate(
            """el => {
                 const lh = parseFloat(getComputedStyle(el).lineHeight);
                 const range = document.createRange();
                 range.selectNodeContents(el);
                 const tops = [...range.getClientRects()].filter(r => r.width)
                   .map(r => r.top).sort((a, b) => a - b);
                 const text = tops.filter((t, i) => i === 0 || t - tops[i - 1] > lh / 2).length;
                 return [Math.round(el.getBoundingClientRect().height / lh), text];
               }"""
        )
        assert lines == text_lines, (name, lines, text_lines)
    context.close()


def test_without_javascript_the_series_time_stands_alone(browser, two_series_site):
    base, ids = two_series_site
    context = _reader(browser, "Asia/Tokyo", "ja-JP", java_script_enabled=False)
    page = context.new_page()
    page.goto(base + "/series/london")
    expect(page.locator("time.talk-time").first).to_have_text(f"10 June {START.year}, 13:00 BST")
    expect(page.locator("#zone-bar")).to_be_hidden()
    assert page.locator("a.worldclock").count() == 0
    page.goto(base + f"/talks/{ids['ahead']}")
    expect(page.get_by_role("link", name="world clock")).to_be_visible()
    context.close()


def test_a_two_series_site_has_a_series_page_and_a_menu_on_a_phone(browser, two_series_site):
    base, ids = two_series_site
    context = _reader(browser, "Asia/Tokyo", "en-US", java_script_enabled=False)
    page = context.new_page()
    page.goto(base + "/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("the series")
    cards = page.locator(".series-card")
    expect(cards).to_have_count(2)
    expect(cards.nth(0)).to_contain_text("Private counting")
    expect(cards.nth(1)).to_contain_text("Lattices at lunch")
    page.goto(base + "/series/london")
    # The phone's menu is folded, and opens without JavaScript.
    wide = page.locator(".site-menu-wide")
    expect(wide).to_be_hidden()
    menu = page.locator("details.site-menu-compact")
    menu.locator("summary").click()
    expect(menu.get_by_role("link", name="Tokyo Crypto Lunch")).to_be_visible()
    expect(menu.get_by_role("link", name="My calendar")).to_be_visible()
    expect(menu.get_by_role("link", name="Papers")).to_have_count(0)
    assert horizontal_overflow(page) <= 0
    page.screenshot(path=SCREENSHOTS / "menu-open-390.png")
    menu.get_by_role("link", name="All series").click()
    expect(page).to_have_url(base + "/series")
    context.close()


def test_a_reader_ticks_series_and_a_talk_and_gets_one_address(browser, two_series_site):
    base, ids = two_series_site
    context = _reader(browser, "Asia/Tokyo", "en-US")
    page = context.new_page()
    page.goto(base + "/my")
    page.get_by_label("London Privacy Seminar", exact=True).check()
    page.get_by_role("checkbox", name=re.compile("Lattices at lunch")).check()
    page.get_by_role("button", name="Make my calendar").click()
    expect(page).to_have_url(base + f"/my?series=london&talks={ids['other']}")
    address = page.get_by_label("Calendar address")
    expect(address).to_have_value(f"{base}/my.ics?series=london&talks={ids['other']}")
    coming = page.locator("#my-talks-heading + ol")
    expect(coming.locator("li")).to_have_count(2)
    expect(coming).to_contain_text("Tokyo Crypto Lunch")
    assert horizontal_overflow(page) <= 0
    page.screenshot(path=SCREENSHOTS / "my-calendar-390.png", full_page=True)
    context.close()


@pytest.mark.parametrize("path", ["/", "/series", "/my", "/my?series=london&talks={other}"])
def test_the_new_pages_pass_axe_and_fit_375_px(browser, two_series_site, path):
    base, ids = two_series_site
    context = browser.new_context(
        viewport={"width": 1280, "height": 900}, bypass_csp=True, timezone_id="Asia/Tokyo"
    )
    page = context.new_page()
    page.goto(base + path.format(**ids))
    problems = axe_violations(page, "light")
    name = re.sub(r"\W+", "-", path).strip("-") or "home"
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=SCREENSHOTS / f"site-{name}-1280.png", full_page=True)
    page.set_viewport_size({"width": 375, "height": 800})
    overflow = horizontal_overflow(page)
    page.screenshot(path=SCREENSHOTS / f"site-{name}-375.png", full_page=True)
    context.close()
    assert not problems, "\n".join(problems)
    assert overflow <= 0


def test_a_reader_in_utc_is_not_told_the_same_clock_twice(browser, two_series_site):
    base, _ = two_series_site
    context = _reader(browser, "UTC", "en-GB")
    page = context.new_page()
    # The past London talk fell in January, when London keeps UTC.
    page.goto(base + "/talks?series=london")
    past = page.locator(".archive-item", has_text="Past counting")
    line = past.locator(".viewer-time")
    expect(line).to_contain_text("13:00 UTC")
    expect(line.locator(".series-time")).to_have_count(0)
    # In June London is an hour ahead: both times, the reader's first.
    ahead = page.locator(".archive-item", has_text="Private counting").locator(".viewer-time")
    expect(ahead).to_contain_text("12:00 UTC · 13:00 London")
    context.close()
