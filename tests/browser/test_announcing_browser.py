"""Announcement preview and history in Chromium: a very long link, no sideways scroll, axe."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import Browser, expect

from prisec.editing import create_talk, reschedule_talk, set_listing, update_talk
from prisec.extensions import db
from prisec.models import Listing, Series, Speaker
from tests.browser.conftest import _flask, serve
from tests.browser.test_accessibility_browser import (
    EMAIL,
    PASSWORD,
    axe_violations,
    horizontal_overflow,
    log_in,
)
from tests.helpers import make_app

pytestmark = pytest.mark.browser

LONG_LINK = "https://zoom.example/webinar/register/WN_" + "a1B2c3D4e5F6" * 40


@pytest.fixture(scope="module")
def announcement_site(tmp_path_factory) -> Iterator[tuple[str, int]]:
    """An organizer and a talk whose registration link is 520 characters without a space."""
    instance = tmp_path_factory.mktemp("announcement-instance")
    _flask(instance, "db", "upgrade", "heads")
    _flask(instance, "organizer", "create", EMAIL, "--name", "Audrey", stdin=PASSWORD + "\n")
    app = make_app(instance)
    with app.app_context():
        series = Series(slug="dp", name="DP Seminar", timezone="Europe/London")
        start = datetime.now(UTC).replace(microsecond=0) + timedelta(days=5)
        talk = create_talk(
            series,
            [Speaker(name="Ada Lovelace", affiliation="Test University")],
            start=start,
            end=start + timedelta(hours=1),
            title="$\\varepsilon$-DP in practice",
            abstract=f"We show **strong** results; see [the slides]({LONG_LINK}).",
            registration_url=LONG_LINK,
            published=True,
        )
        db.session.commit()
        # A history with a line of each kind, the long link among them.
        update_talk(talk, title="$\\varepsilon$-DP, revisited", livestream_url=LONG_LINK)
        reschedule_talk(talk, start + timedelta(days=7), reason="Speaker travelling")
        set_listing(talk, Listing.PAST)
        db.session.commit()
        talk_id = talk.id
        db.session.remove()
        db.engine.dispose()
    with serve(instance) as url:
        yield url, talk_id


@pytest.mark.parametrize("width", [375, 390, 1280])
def test_the_preview_fits_the_window_with_a_very_long_link_and_passes_axe(
    browser: Browser, announcement_site: tuple[str, int], width: int
) -> None:
    base, talk_id = announcement_site
    # bypass_csp lets the test inject axe-core; the page's own policy forbids inline scripts.
    context = browser.new_context(viewport={"width": width, "height": 900}, bypass_csp=True)
    page = context.new_page()
    log_in(page, base)
    page.goto(f"{base}/dashboard/talks/{talk_id}/announcement")
    expect(page.get_by_role("heading", name="Announcement", exact=True)).to_be_visible()
    # The whole link is in the text to copy, and behind the link on screen.
    body = page.get_by_label("Body (plain text)")
    expect(body).to_have_value(re.compile(re.escape(f"Register: {LONG_LINK}\n")))
    expect(page.locator(f'.announcement-html a[href="{LONG_LINK}"]').first).to_be_visible()
    assert horizontal_overflow(page) <= 0, f"the preview scrolls sideways at {width}px"
    problems = axe_violations(page, "light")
    assert not problems, "\n".join(problems)
    context.close()


@pytest.mark.parametrize("width", [375, 390, 1280])
def test_the_history_in_words_fits_the_window_and_passes_axe(
    browser: Browser, announcement_site: tuple[str, int], width: int
) -> None:
    base, talk_id = announcement_site
    context = browser.new_context(viewport={"width": width, "height": 900}, bypass_csp=True)
    page = context.new_page()
    log_in(page, base)
    page.goto(f"{base}/dashboard/talks/{talk_id}/history")
    changes = page.locator(".changes li")
    expect(changes.filter(has_text="Listing: automatic → pinned to past")).to_have_count(1)
    expect(changes.filter(has_text=re.compile(r"^Date: .* GMT → .* GMT$"))).to_have_count(1)
    # The title's maths is typeset in the heading and in the change.
    expect(page.locator("h1 .math.inline .katex")).to_have_count(1)
    assert page.title().startswith("History of “ε-DP, revisited”")
    assert horizontal_overflow(page) <= 0, f"the history scrolls sideways at {width}px"
    problems = axe_violations(page, "light")
    assert not problems, "\n".join(problems)
    context.close()
