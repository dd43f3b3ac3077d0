"""The organizer's whole flow in a real Chromium: with htmx, and once with JavaScript off."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from PIL import Image
from playwright.sync_api import Page, expect

from prisec.editing import create_talk as create_talk_operation
from prisec.extensions import db
from prisec.models import Series, Speaker
from tests.browser.conftest import PROJECT_ROOT, _flask, serve
from tests.helpers import make_app

pytestmark = pytest.mark.browser

EMAIL = "organizer@example.org"
PASSWORD = "a browser test password"


def _create_organizer(instance: Path) -> None:
    """`flask organizer create`, the password on standard input as a script would pipe it."""
    _flask(
        instance, "organizer", "create", EMAIL, "--name", "Olga Organizer", stdin=PASSWORD + "\n"
    )


@pytest.fixture(scope="module")
def dashboard_server(tmp_path_factory) -> Iterator[str]:
    """The demo site with one organizer account, served by waitress."""
    instance = tmp_path_factory.mktemp("dashboard-instance")
    _flask(instance, "db", "upgrade", "heads")
    _flask(instance, "seed-demo", "--if-empty")
    _create_organizer(instance)
    with serve(instance) as url:
        yield url


@pytest.fixture
def photo(tmp_path) -> Path:
    path = tmp_path / "speaker.jpg"
    out = io.BytesIO()
    Image.new("RGB", (1200, 900), "teal").save(out, "JPEG")
    path.write_bytes(out.getvalue())
    return path


def log_in(page: Page, base: str) -> None:
    page.goto(base + "/dashboard")
    expect(page).to_have_url(re.compile(r"/login\?next="))
    page.get_by_label("Email").fill(EMAIL)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name=re.compile("^Dashboard"))).to_be_visible()


def create_talk(page: Page, title: str, day: str, photo: Path | None = None) -> None:
    page.get_by_role("link", name="New talk").click()
    page.get_by_label("Title", exact=True).fill(title)
    page.get_by_label("Name", exact=True).fill("Grace Hopper")
    page.get_by_label("Affiliation", exact=True).fill("Yale University")
    if photo:
        page.get_by_label(re.compile("^Photo")).set_input_files(str(photo))
    page.get_by_label("Date", exact=True).fill(day)
    # The series' usual start and length are filled in already.
    expect(page.get_by_label("Starts")).to_have_value("13:00")
    expect(page.get_by_label("Ends")).to_have_value("14:00")
    page.get_by_label(re.compile("^Abstract")).fill("We study *compilers*.")
    page.get_by_label("Zoom registration").fill("https://zoom.example/register/1")
    page.get_by_role("checkbox", name=re.compile("Published")).check()
    page.get_by_role("button", name="Save talk").click()
    expect(page.locator(".flash")).to_contain_text(f"Saved “{title}”")


def row(page: Page, title: str):
    return page.locator("tr", has_text=title)


def menu(page: Page, title: str):
    """The row's actions menu, opened."""
    the_row = row(page, title)
    the_row.locator("summary", has_text="Actions").click()
    return the_row.locator(".row-menu-items")


def test_organizer_flow_with_htmx(browser, dashboard_server, photo):
    base = dashboard_server
    context = browser.new_context(timezone_id="Europe/London")
    page = context.new_page()
    log_in(page, base)

    # Create a talk with a photo.
    create_talk(page, "Compilers and privacy", "2030-06-12", photo)
    expect(row(page, "Compilers and privacy")).to_contain_text("Grace Hopper")

    # Edit it: the preview follows the abstract as it is typed.
    menu(page, "Compilers and privacy").get_by_role("link", name="Edit").click()
    page.get_by_label(re.compile("^Abstract")).fill("Now with **bold** claims.")
    expect(page.locator("#abstract-preview strong")).to_have_text("bold")
    # A bad link is reported beside its field when the field loses focus.
    page.get_by_label("Recording").fill("javascript:alert(1)")
    page.get_by_label("Location").focus()
    expect(page.locator("#error-recording_url")).to_contain_text("http:// or https://")
    page.get_by_label("Recording").fill("")
    page.get_by_label("Title", exact=True).fill("Compilers and privacy, revised")
    page.get_by_role("button", name="Save talk").click()
    expect(page.locator(".flash")).to_contain_text("Saved “Compilers and privacy, revised”")

    # Toggle its listing in place: no navigation, the row changes, the public page follows.
    the_row = row(page, "Compilers and privacy, revised")
    url_before = page.url
    the_row.get_by_role("button", name=re.compile("as past$")).click()
    expect(the_row.get_by_role("button", name=re.compile("as past$"))).to_have_attribute(
        "aria-pressed", "true"
    )
    assert page.url == url_before
    public = context.new_page()
    public.goto(base + "/series/prisec-ml")
    expect(public.locator("#past")).to_contain_text("Compilers and privacy, revised")
    expect(public.locator("#past img.speaker-photo").first).to_be_visible()
    the_row.get_by_role("button", name=re.compile("as auto$")).click()
    expect(the_row.get_by_role("button", name=re.compile("as auto$"))).to_have_attribute(
        "aria-pressed", "true"
    )

    # Reschedule: the public page shows the old date struck through.
    menu(page, "Compilers and privacy, revised").get_by_role("link", name="Reschedule").click()
    page.get_by_label("New date").fill("2030-06-19")
    page.get_by_label("Reason").fill("Speaker travelling")
    page.get_by_role("button", name="Reschedule").click()
    expect(page.locator(".flash")).to_contain_text("is rescheduled")
    public.goto(base + "/series/prisec-ml")
    talk = public.locator("li.talk", has_text="Compilers and privacy, revised")
    expect(talk.locator("del.earlier-date")).to_contain_text("12 June 2030")
    expect(talk.locator("time.talk-time")).to_contain_text("19 June 2030, 13:00 BST")

    # Cancel, then withdraw the cancellation.
    menu(page, "Compilers and privacy, revised").get_by_role("link", name="Edit").click()
    page.get_by_role("link", name="Cancel the talk…").click()
    page.get_by_role("dialog").get_by_role("button", name="Cancel the talk").click()
    expect(row(page, "Compilers and privacy, revised")).to_contain_text("Cancelled")
    public.goto(base + "/series/prisec-ml")
    expect(talk.locator(".badge-cancelled")).to_be_visible()
    menu(page, "Compilers and privacy, revised").get_by_role("link", name="Edit").click()
    page.get_by_role("button", name="Withdraw the cancellation").click()
    expect(row(page, "Compilers and privacy, revised")).to_contain_text("Scheduled")
    public.goto(base + "/series/prisec-ml")
    expect(talk.locator(".badge-cancelled")).to_have_count(0)

    # Move it to the trash: gone from the public page; restore it from the trash.
    menu(page, "Compilers and privacy, revised").get_by_role("link", name="Edit").click()
    page.get_by_role("button", name="Move to the trash").click()
    expect(row(page, "Compilers and privacy, revised")).to_have_count(0)
    public.goto(base + "/series/prisec-ml")
    expect(public.locator("li.talk", has_text="Compilers and privacy")).to_have_count(0)
    page.get_by_role("button", name="Restore “Compilers and privacy, revised”").click()
    expect(row(page, "Compilers and privacy, revised")).to_have_count(1)
    public.goto(base + "/series/prisec-ml")
    expect(talk).to_have_count(1)

    # Restore the first revision: the original title comes back.
    menu(page, "Compilers and privacy, revised").get_by_role("link", name="History").click()
    expect(page.locator("ins", has_text="Compilers and privacy, revised")).to_be_visible()
    page.get_by_role("button", name="Restore this revision").last.click()
    expect(page.locator(".flash")).to_contain_text("Restored the earlier revision")
    page.get_by_role("link", name="Back to the talk").click()
    expect(page.get_by_label("Title", exact=True)).to_have_value("Compilers and privacy")
    # The first revision had the first date: the talk is back there, nothing struck through.
    public.goto(base + "/series/prisec-ml")
    restored = public.locator("li.talk", has_text="Compilers and privacy")
    expect(restored.locator("time.talk-time")).to_contain_text("12 June 2030, 13:00 BST")
    expect(restored.locator("del.earlier-date")).to_have_count(0)
    context.close()


def test_create_and_edit_without_javascript(browser, dashboard_server, photo):
    base = dashboard_server
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    log_in(page, base)
    create_talk(page, "Plain HTML talk", "2030-07-03", photo)
    menu(page, "Plain HTML talk").get_by_role("link", name="Edit").click()

    # A second speaker row, added by a plain form submission.
    page.get_by_role("button", name="Add another speaker").click()
    page.get_by_label("Name", exact=True).nth(1).fill("Alan Turing")
    # A bad link comes back with its message beside the field, the rest kept.
    page.get_by_label("Paper").fill("ftp://example.org/paper.pdf")
    page.get_by_role("button", name="Save talk").click()
    expect(page.locator("#error-paper_url")).to_contain_text("http:// or https://")
    expect(page.get_by_label("Name", exact=True).nth(1)).to_have_value("Alan Turing")
    page.get_by_label("Paper").fill("https://example.org/paper.pdf")
    page.get_by_label("Title", exact=True).fill("Plain HTML talk, edited")
    page.get_by_role("button", name="Save talk").click()
    expect(page.locator(".flash")).to_contain_text("Saved “Plain HTML talk, edited”")
    expect(row(page, "Plain HTML talk, edited")).to_contain_text("Grace Hopper, Alan Turing")

    # The listing toggle is a plain form too.
    row(page, "Plain HTML talk, edited").get_by_role("button", name=re.compile("as past$")).click()
    expect(page.locator(".flash")).to_contain_text("is now listed as past")
    page.goto(base + "/series/prisec-ml")
    expect(page.locator("#past")).to_contain_text("Plain HTML talk, edited")
    context.close()


def test_two_organizers_editing_at_once_get_a_conflict_not_an_overwrite(browser, dashboard_server):
    base = dashboard_server
    context = browser.new_context()
    first = context.new_page()
    log_in(first, base)
    create_talk(first, "Contested talk", "2030-08-07")
    menu(first, "Contested talk").get_by_role("link", name="Edit").click()
    second = context.new_page()
    second.goto(first.url)
    # Speaker rows come and go in place.
    second.get_by_role("button", name="Add another speaker").click()
    expect(second.locator(".speaker-row")).to_have_count(2)
    second.get_by_role("button", name="Remove this speaker").nth(1).click()
    expect(second.locator(".speaker-row")).to_have_count(1)

    first.get_by_label("Title", exact=True).fill("Contested talk, first version")
    first.get_by_role("button", name="Save talk").click()
    expect(first.locator(".flash")).to_contain_text("Saved")

    second.get_by_label("Title", exact=True).fill("Contested talk, second version")
    second.get_by_role("button", name="Save talk").click()
    expect(second.locator(".notice-conflict")).to_contain_text("saved this talk while you")
    expect(second.locator(".conflict-note")).to_contain_text("Contested talk, first version")
    expect(second.get_by_label("Title", exact=True)).to_have_value("Contested talk, second version")
    context.close()


def test_plan_the_term_inline(browser, dashboard_server):
    base = dashboard_server
    context = browser.new_context()
    page = context.new_page()
    log_in(page, base)
    page.get_by_role("link", name="Plan the term").click()
    rows = page.locator(".plan-row[data-state=free]")
    expect(rows).to_have_count(12)
    first = rows.first
    first.get_by_label("Speaker").fill("Nicolas Papernot")
    first.get_by_label("Title").fill("Machine unlearning")
    url_before = page.url
    first.get_by_role("button", name="Save draft").click()
    expect(page.locator(".plan-saved")).to_contain_text("Draft saved: Nicolas Papernot")
    second = rows.nth(1)
    second.get_by_role("button", name=re.compile("^Skip")).click()
    expect(page.locator(".plan-skipped")).to_have_count(1)
    assert page.url == url_before
    page.goto(base + "/dashboard")
    expect(row(page, "Machine unlearning")).to_contain_text("Draft")
    context.close()


def test_on_a_phone_each_talk_is_a_card_with_its_listing_buttons_in_reach(
    browser, dashboard_server
):
    context = browser.new_context(viewport={"width": 375, "height": 800})
    page = context.new_page()
    log_in(page, dashboard_server)
    row = page.locator("tr[id^=row-talk-]").first
    # The values stand one under the other, each named by its column.
    when = row.locator("td.cell-when").bounding_box()
    speaker = row.locator("td[data-label=Speaker]").bounding_box()
    assert when
    assert speaker
    assert speaker["y"] >= when["y"] + when["height"] - 1
    label = row.locator("td[data-label=Speaker]").evaluate(
        "cell => getComputedStyle(cell, '::before').content"
    )
    assert label == '"Speaker: "'
    # Every toggle lies inside the screen: nothing to scroll sideways to reach it.
    for name in ("Auto", "Upcoming", "Past"):
        box = row.get_by_role("button", name=re.compile(f"as {name.lower()}$")).bounding_box()
        assert box, name
        assert box["x"] >= 0, name
        assert box["x"] + box["width"] <= 375, name
    # Toggling from the card still swaps the card in place.
    row.get_by_role("button", name=re.compile("as past$")).click()
    expect(row.get_by_role("button", name=re.compile("as past$"))).to_have_attribute(
        "aria-pressed", "true"
    )
    context.close()


# ---------------------------------------------------------------- a term of 12 talks

TERM_EMAIL = "term@example.org"
TERM_PASSWORD = "a term organizer password"
SCREENSHOTS = PROJECT_ROOT / "tests" / "screenshots"
PROPOSED = "Auditing differentially private training"


def _term_title(i: int) -> str:
    return PROPOSED if i == 3 else f"Week {i + 6}: privacy talk"


@pytest.fixture(scope="module")
def term_server(tmp_path_factory) -> Iterator[str]:
    """A series with a term of 12 weekly talks (5 past, 7 to come, one a draft) and a proposal."""
    instance = tmp_path_factory.mktemp("term-instance")
    _flask(instance, "db", "upgrade", "heads")
    _flask(
        instance,
        "organizer",
        "create",
        TERM_EMAIL,
        "--name",
        "Tess Term",
        stdin=TERM_PASSWORD + "\n",
    )
    app = make_app(instance)
    with app.app_context():
        from prisec.speakerform.operations import create_link, submit

        series = Series(
            slug="privacy-reading", name="Privacy Reading Group", timezone="Europe/London"
        )
        now = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
        speakers = ["Cynthia Dwork", "Frank McSherry", "Kobbi Nissim", "Adam Smith"]
        talks = []
        for i in range(-5, 7):
            start = now + timedelta(days=7 * i + 2)
            talks.append(
                create_talk_operation(
                    series,
                    [Speaker(name=speakers[i % 4], affiliation="Privacy Institute")],
                    start=start,
                    end=start + timedelta(hours=1),
                    title=_term_title(i),
                    abstract="" if i in (0, 1) else "We study privacy.",
                    registration_url="https://zoom.example/j/1",
                    published=i != 2,
                )
            )
        link, _ = create_link(talks[5 + 3], None)
        submit(link, {"abstract": "A clearer abstract, from the speaker."})
        db.session.commit()
        db.session.remove()
        db.engine.dispose()
    with serve(instance) as url:
        yield url


def term_log_in(page: Page, base: str) -> None:
    page.goto(base + "/login")
    page.get_by_label("Email").fill(TERM_EMAIL)
    page.get_by_label("Password").fill(TERM_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Dashboard: Privacy Reading Group")).to_be_visible()


def overflow(page: Page) -> int:
    return page.evaluate(
        "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )


def test_a_term_at_a_glance(browser, term_server):
    from tests.browser.test_accessibility_browser import axe_violations

    context = browser.new_context(viewport={"width": 1280, "height": 900}, bypass_csp=True)
    page = context.new_page()
    term_log_in(page, term_server)

    # The next talk is the first thing under the heading, and says what it lacks.
    next_talk = page.locator("section.next-talk")
    follows = "el => el.closest('header').nextElementSibling.matches('section.next-talk')"
    assert page.locator("main h1").evaluate(follows)
    next_box = next_talk.bounding_box()
    assert next_box
    for later in ("section.attention", "#dashboard-listing"):
        box = page.locator(later).bounding_box()
        assert box, later
        assert box["y"] > next_box["y"], later
    expect(next_talk).to_contain_text("Week 6: privacy talk")
    expect(next_talk).to_contain_text("Cynthia Dwork")
    expect(next_talk).to_contain_text("Still lacks: abstract")
    expect(next_talk).to_contain_text("Announcement not sent.")
    # The page uses the window's width: the listing is wider than the public reading column.
    listing = page.locator("#dashboard-listing").bounding_box()
    assert listing
    assert listing["width"] > 1100

    # The speaker's proposal: in Needs attention, on its row, and counted in the header.
    attention = page.locator("section.attention")
    expect(attention.locator(".attention-proposal")).to_contain_text(PROPOSED)
    expect(
        attention.get_by_role("link", name=re.compile("^Review what the speaker proposed"))
    ).to_be_visible()
    proposed_row = page.locator("tr.talk-row", has_text=PROPOSED)
    expect(proposed_row.get_by_role("link", name="Speaker proposal to review")).to_be_visible()
    expect(page.locator(".organizer-nav .count-badge")).to_contain_text("1")
    # Upcoming soonest first: the next talk heads the section.
    expect(page.locator("#section-upcoming tr.talk-row").first).to_contain_text("Week 6")

    assert overflow(page) <= 0
    SCREENSHOTS.mkdir(exist_ok=True)
    expect(page.locator(".field-error")).to_have_count(0)
    # The README's pictures in docs/ are copies of these two, taken when the dashboard changes.
    page.screenshot(path=SCREENSHOTS / "dashboard-1280.png", full_page=True)
    problems = axe_violations(page, "light")
    assert not problems, "\n".join(problems)
    # The badges and the count keep their contrast in the dark scheme too.
    page.emulate_media(color_scheme="dark")
    problems = axe_violations(page, "dark")
    assert not problems, "dark:\n" + "\n".join(problems)
    page.emulate_media(color_scheme="light")

    # The actions menu opens and offers the talk's pages.
    actions = proposed_row.locator("summary", has_text="Actions")
    actions.click()
    items = proposed_row.locator(".row-menu-items")
    links = ("Edit", "Reschedule", "Cancel the talk…", "Announcement", "Speaker form", "History")
    for name in (*links, "Public page"):
        expect(items.get_by_role("link", name=name)).to_be_visible()
    expect(items.get_by_role("button", name="Duplicate")).to_be_visible()
    # Open, the menu lies over the next rows (as a menu does) without widening the page;
    # axe runs on the closed page above and on the phone's open menu below, which is in the card.
    assert overflow(page) <= 0
    actions.click()

    # The search filters in place with htmx, and the address follows.
    page.evaluate("() => { window.notReloaded = true; }")
    page.get_by_label("Search", exact=True).fill("McSherry")
    rows = page.locator("#dashboard-listing tr.talk-row")
    expect(rows).to_have_count(3)
    for i in range(3):
        expect(rows.nth(i)).to_contain_text("Frank McSherry")
    expect(page).to_have_url(re.compile(r"[?&]q=McSherry"))
    assert page.evaluate("() => window.notReloaded === true")
    page.get_by_label("Published", exact=True).select_option("draft")
    expect(page.locator("#dashboard-listing")).to_contain_text(
        "No drafts talk matches the filters."
    )
    expect(page).to_have_url(re.compile(r"published=draft"))
    page.get_by_label("Search", exact=True).fill("")
    page.get_by_label("Published", exact=True).select_option("")
    expect(rows).to_have_count(12)
    assert page.evaluate("() => window.notReloaded === true")

    # On a phone: one card per talk, nothing to scroll sideways to, the menu inside the card.
    for width in (375, 390):
        page.set_viewport_size({"width": width, "height": 844})
        assert overflow(page) <= 0, width
        card = page.locator("#section-upcoming tr.talk-row").first
        box = card.bounding_box()
        assert box
        assert box["x"] >= 0
        assert box["x"] + box["width"] <= width
        when = card.locator("td.cell-when").bounding_box()
        speaker = card.locator("td.cell-speaker").bounding_box()
        assert when
        assert speaker
        assert speaker["y"] >= when["y"] + when["height"] - 1
    page.goto(term_server + "/dashboard")
    page.screenshot(path=SCREENSHOTS / "dashboard-390.png")
    # The whole page too, its cards included, beside the other pages' pictures (git-ignored).
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=SCREENSHOTS / "dashboard-term-390.png", full_page=True)
    card = page.locator("tr.talk-row", has_text=PROPOSED)
    card.locator("summary", has_text="Actions").click()
    expect(card.get_by_role("link", name="History")).to_be_visible()
    assert overflow(page) <= 0
    problems = axe_violations(page, "light")
    assert not problems, "\n".join(problems)
    context.close()


def test_the_filters_and_pages_work_without_javascript(browser, term_server):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    term_log_in(page, term_server)
    page.get_by_label("Speaker", exact=True).fill("Kobbi")
    page.get_by_role("button", name="Show").click()
    expect(page).to_have_url(re.compile(r"speaker=Kobbi"))
    rows = page.locator("#dashboard-listing tr.talk-row")
    expect(rows).to_have_count(3)
    for i in range(3):
        expect(rows.nth(i)).to_contain_text("Kobbi Nissim")
    # The actions menu is a disclosure: it opens without JavaScript too.
    rows.first.locator("summary", has_text="Actions").click()
    expect(rows.first.get_by_role("link", name="History")).to_be_visible()
    context.close()
