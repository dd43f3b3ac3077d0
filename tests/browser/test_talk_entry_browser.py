"""Entering a talk in one pass, duplicating it, the overlap warning and a cancellation with a
note, in a real Chromium served by waitress; axe checks the pages these change."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import select

from prisec.models import Series, Talk
from tests.browser.conftest import _flask, serve
from tests.browser.test_accessibility_browser import axe_violations, horizontal_overflow
from tests.helpers import make_app

pytestmark = pytest.mark.browser

EMAIL = "entry@example.org"
PASSWORD = "a talk entry test password"
ZOOM = "https://zoom.example/j/4242"
LIVE = "https://youtube.example/live/prisec"
ROOM = "Roberts Building, room 106"
DAY = "2031-01-15"  # a Wednesday, as the demo series meets
NOTE = "The speaker is ill; <b>a new date</b> will be announced."


@pytest.fixture(scope="module")
def entry_site(tmp_path_factory) -> Iterator[tuple[str, Path]]:
    """The demo site with an organizer and the series' defaults for new talks set."""
    instance = tmp_path_factory.mktemp("entry-instance")
    _flask(instance, "db", "upgrade", "heads")
    _flask(instance, "seed-demo", "--if-empty")
    _flask(instance, "organizer", "create", EMAIL, "--name", "Eve Entry", stdin=PASSWORD + "\n")
    app = make_app(instance)
    with app.app_context():
        from prisec.extensions import db

        series = db.session.scalar(select(Series).where(Series.slug == "prisec-ml"))
        series.zoom_url, series.livestream_url, series.location = ZOOM, LIVE, ROOM
        db.session.commit()
        db.session.remove()
        db.engine.dispose()
    with serve(instance) as url:
        yield url, instance


def talk_id(instance: Path, title: str) -> list[int]:
    """The ids of the talks with that title, oldest first."""
    app = make_app(instance)
    with app.app_context():
        from prisec.extensions import db

        ids = list(db.session.scalars(select(Talk.id).where(Talk.title == title).order_by(Talk.id)))
        db.session.remove()
        db.engine.dispose()
    return ids


def scheduled_talk(instance: Path) -> int:
    """A talk of the demo that is not cancelled."""
    from prisec.models import TalkStatus

    app = make_app(instance)
    with app.app_context():
        from prisec.extensions import db

        found = db.session.scalar(
            select(Talk.id).where(Talk.status == TalkStatus.SCHEDULED).order_by(Talk.id)
        )
        db.session.remove()
        db.engine.dispose()
    return found


def log_in(page: Page, base: str) -> None:
    page.goto(base + "/login")
    page.get_by_label("Email").fill(EMAIL)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name=re.compile("^Dashboard"))).to_be_visible()


def assert_accessible(page: Page, name: str) -> None:
    problems = axe_violations(page, "light")
    assert not problems, f"{name}:\n" + "\n".join(problems)
    page.set_viewport_size({"width": 375, "height": 800})
    overflow = horizontal_overflow(page)
    page.set_viewport_size({"width": 1280, "height": 900})
    assert overflow <= 0, f"{name} scrolls sideways by {overflow}px at 375px"


def new_talk(page: Page, base: str, title: str, speaker: str) -> None:
    page.goto(base + "/dashboard/series/prisec-ml/talks/new")
    page.get_by_label("Title", exact=True).fill(title)
    page.get_by_label("Name", exact=True).fill(speaker)
    page.get_by_label("Date", exact=True).fill(DAY)


def test_enter_duplicate_overlap_and_cancel_with_a_note(browser: Browser, entry_site):
    base, instance = entry_site
    # bypass_csp lets the test inject axe-core; the pages' own policy forbids inline scripts.
    context = browser.new_context(
        timezone_id="Europe/London", viewport={"width": 1280, "height": 900}, bypass_csp=True
    )
    page = context.new_page()
    log_in(page, base)

    # A new talk: the series' defaults are there, one submit saves it.
    new_talk(page, base, "Auditing private training", "Grace Hopper")
    expect(page.get_by_label("Zoom registration")).to_have_value(ZOOM)
    expect(page.get_by_label("Live stream")).to_have_value(LIVE)
    expect(page.get_by_label("Location")).to_have_value(ROOM)
    expect(page.get_by_label("Starts")).to_have_value("13:00")
    expect(page.get_by_label("Ends")).to_have_value("14:00")
    page.get_by_role("checkbox", name=re.compile("Published")).check()
    page.get_by_role("button", name="Save talk").click()
    expect(page.locator(".flash")).to_contain_text("Saved “Auditing private training”.")
    (first_id,) = talk_id(instance, "Auditing private training")

    # A second talk at the same hour: warned of beside the date as the date is left...
    new_talk(page, base, "Shadow models at noon", "Alan Turing")
    page.get_by_label("Starts").focus()
    warning = page.locator("#overlap-warning")
    expect(warning).to_be_visible()
    expect(warning).to_contain_text("“Auditing private training”")
    assert_accessible(page, "talk-new-overlap")
    # ...and saved all the same, the message saying so.
    page.get_by_role("button", name="Save talk").click()
    expect(page.locator(".flash")).to_contain_text("Saved “Shadow models at noon”.")
    expect(page.locator(".flash")).to_contain_text("overlaps another talk")

    # Duplicate the first: a draft with the same speaker on the next free slot, opened.
    page.goto(f"{base}/dashboard/talks/{first_id}/edit")
    page.get_by_role("button", name="Duplicate").click()
    expect(page.locator(".flash")).to_contain_text("This is a copy of “Auditing private training”")
    ids = talk_id(instance, "Auditing private training")
    assert len(ids) == 2
    expect(page).to_have_url(f"{base}/dashboard/talks/{ids[1]}/edit")
    expect(page.get_by_label("Name", exact=True)).to_have_value("Grace Hopper")
    expect(page.get_by_label("Zoom registration")).to_have_value(ZOOM)
    expect(page.get_by_role("checkbox", name=re.compile("Published"))).not_to_be_checked()
    expect(page.get_by_label("Date", exact=True)).not_to_have_value(DAY)

    # Cancel the first through the dialog, with a note for attendees.
    page.goto(f"{base}/dashboard/talks/{first_id}/edit")
    page.get_by_role("link", name="Cancel the talk…").click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_be_visible()
    expect(dialog.get_by_label(re.compile("^Note for attendees"))).to_be_focused()
    assert_accessible(page, "cancel-dialog")
    # "Keep the talk" closes it and changes nothing.
    dialog.get_by_role("button", name="Keep the talk").click()
    expect(page.get_by_role("dialog")).to_have_count(0)
    page.get_by_role("link", name="Cancel the talk…").click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_label(re.compile("^Note for attendees")).fill(NOTE)
    dialog.get_by_role("button", name="Cancel the talk").click()
    expect(page.locator(".flash")).to_contain_text("“Auditing private training” is cancelled.")

    # The public page says so, with the note as text, and offers no way to add the talk.
    public = context.new_page()
    public.goto(f"{base}/talks/{first_id}")
    expect(public.locator(".notice-cancelled")).to_contain_text("This talk is cancelled.")
    expect(public.locator(".notice-cancelled")).to_contain_text(NOTE)
    expect(public.locator(".notice-cancelled b")).to_have_count(0)
    expect(public.get_by_text("Add this talk:")).to_have_count(0)
    expect(public.locator(f'a[href="/talks/{first_id}.ics"]')).to_have_count(0)
    assert_accessible(public, "talk-cancelled")
    # And the series' feed carries it.
    feed = public.request.get(f"{base}/talks/{first_id}.ics").text()
    assert "The speaker is ill\\; <b>a new date</b> will be announced." in feed.replace("\r\n ", "")
    context.close()


def test_cancel_without_javascript_asks_on_a_page(browser: Browser, entry_site):
    base, instance = entry_site
    context = browser.new_context(java_script_enabled=False, bypass_csp=True)
    page = context.new_page()
    log_in(page, base)
    new_talk(page, base, "Quiet talk", "Ada Lovelace")
    page.get_by_label("Starts").fill("16:00")
    page.get_by_label("Ends").fill("17:00")
    page.get_by_role("button", name="Save talk").click()
    expect(page.locator(".flash")).to_contain_text("Saved “Quiet talk”.")
    (quiet,) = talk_id(instance, "Quiet talk")
    page.goto(f"{base}/dashboard/talks/{quiet}/edit")
    page.get_by_role("link", name="Cancel the talk…").click()
    expect(page).to_have_url(f"{base}/dashboard/talks/{quiet}/cancel")
    expect(page.get_by_role("heading", name="Cancel “Quiet talk”?")).to_be_visible()
    page.get_by_label(re.compile("^Note for attendees")).fill("Postponed to the spring.")
    page.get_by_role("button", name="Cancel the talk").click()
    expect(page.locator(".flash")).to_contain_text("“Quiet talk” is cancelled.")
    page.goto(f"{base}/dashboard/talks/{quiet}/edit")
    expect(page.locator(".talk-actions")).to_contain_text("Postponed to the spring.")
    context.close()


def test_changed_organizer_pages_pass_axe(browser: Browser, entry_site):
    base, instance = entry_site
    context = browser.new_context(viewport={"width": 1280, "height": 900}, bypass_csp=True)
    page = context.new_page()
    log_in(page, base)
    page.goto(base + "/dashboard/series/prisec-ml/settings")
    expect(page.get_by_label("Registration link (Zoom or other)")).to_have_value(ZOOM)
    assert_accessible(page, "settings")
    # A misspelt zone: the near miss is offered beside the field.
    page.get_by_label("Time zone", exact=True).fill("Asia/Tokio")
    page.get_by_role("button", name="Save settings").click()
    expect(page.locator("#error-timezone")).to_have_text(
        "Not a time zone we know. Did you mean Asia/Tokyo?"
    )
    assert_accessible(page, "settings-zone-error")
    # "No regular day": the usual start time is not asked.
    page.get_by_label("Time zone", exact=True).fill("europe/london")
    page.get_by_label("Every how many weeks").fill("")
    page.get_by_label("On", exact=True).select_option("")
    expect(page.get_by_label("At", exact=True)).to_be_hidden()
    page.get_by_role("button", name="Save settings").click()
    expect(page.locator(".flash")).to_contain_text("Series settings saved.")
    page.goto(f"{base}/dashboard/talks/{scheduled_talk(instance)}/cancel")
    expect(page.get_by_role("heading", name=re.compile("^Cancel “"))).to_be_visible()
    assert_accessible(page, "cancel-page")
    page.goto(base + "/dashboard/series/prisec-ml/settings")
    expect(page.get_by_label("Time zone", exact=True)).to_have_value("Europe/London")
    context.close()
