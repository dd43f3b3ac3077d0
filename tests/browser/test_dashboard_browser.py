"""The organizer's whole flow in a real Chromium: with htmx, and once with JavaScript off."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image
from playwright.sync_api import Page, expect

from tests.browser.conftest import _flask, serve

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


def test_organizer_flow_with_htmx(browser, dashboard_server, photo):
    base = dashboard_server
    context = browser.new_context(timezone_id="Europe/London")
    page = context.new_page()
    log_in(page, base)

    # Create a talk with a photo.
    create_talk(page, "Compilers and privacy", "2030-06-12", photo)
    expect(row(page, "Compilers and privacy")).to_contain_text("Grace Hopper")

    # Edit it: the preview follows the abstract as it is typed.
    row(page, "Compilers and privacy").get_by_role("link", name="Edit").click()
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
    the_row.get_by_role("link", name="Edit").click()
    page.get_by_role("link", name="Reschedule").click()
    page.get_by_label("New date").fill("2030-06-19")
    page.get_by_label("Reason").fill("Speaker travelling")
    page.get_by_role("button", name="Reschedule").click()
    expect(page.locator(".flash")).to_contain_text("is rescheduled")
    public.goto(base + "/series/prisec-ml")
    talk = public.locator("li.talk", has_text="Compilers and privacy, revised")
    expect(talk.locator("del.earlier-date")).to_contain_text("12 June 2030")
    expect(talk.locator("time.talk-time")).to_contain_text("19 June 2030, 13:00 BST")

    # Cancel, then withdraw the cancellation.
    row(page, "Compilers and privacy, revised").get_by_role("link", name="Edit").click()
    page.get_by_role("link", name="Cancel the talk…").click()
    page.get_by_role("dialog").get_by_role("button", name="Cancel the talk").click()
    expect(row(page, "Compilers and privacy, revised")).to_contain_text("Cancelled")
    public.goto(base + "/series/prisec-ml")
    expect(talk.locator(".badge-cancelled")).to_be_visible()
    row(page, "Compilers and privacy, revised").get_by_role("link", name="Edit").click()
    page.get_by_role("button", name="Withdraw the cancellation").click()
    expect(row(page, "Compilers and privacy, revised")).to_contain_text("Scheduled")
    public.goto(base + "/series/prisec-ml")
    expect(talk.locator(".badge-cancelled")).to_have_count(0)

    # Move it to the trash: gone from the public page; restore it from the trash.
    row(page, "Compilers and privacy, revised").get_by_role("link", name="Edit").click()
    page.get_by_role("button", name="Move to the trash").click()
    expect(row(page, "Compilers and privacy, revised")).to_have_count(0)
    public.goto(base + "/series/prisec-ml")
    expect(public.locator("li.talk", has_text="Compilers and privacy")).to_have_count(0)
    page.get_by_role("button", name="Restore “Compilers and privacy, revised”").click()
    expect(row(page, "Compilers and privacy, revised")).to_have_count(1)
    public.goto(base + "/series/prisec-ml")
    expect(talk).to_have_count(1)

    # Restore the first revision: the original title comes back.
    row(page, "Compilers and privacy, revised").get_by_role("link", name="History").click()
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
    row(page, "Plain HTML talk").get_by_role("link", name="Edit").click()

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
    row(first, "Contested talk").get_by_role("link", name="Edit").click()
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
