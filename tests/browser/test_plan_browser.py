"""Plan the term in a real Chromium: a free date filled inline, a row and the whole term
published after their confirmation, with htmx and with JavaScript off; axe and phone widths."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import _flask, serve
from tests.browser.test_accessibility_browser import (
    SCREENSHOTS,
    axe_violations,
    horizontal_overflow,
)

pytestmark = pytest.mark.browser

EMAIL = "planner@example.org"
PASSWORD = "a plan the term password"
PLAN = "/dashboard/series/prisec-ml/plan"


@pytest.fixture(scope="module")
def plan_server(tmp_path_factory) -> Iterator[str]:
    """The demo site (a fortnightly series) with one organizer, served by waitress."""
    instance: Path = tmp_path_factory.mktemp("plan-instance")
    _flask(instance, "db", "upgrade", "heads")
    _flask(instance, "seed-demo", "--if-empty")
    _flask(instance, "organizer", "create", EMAIL, "--name", "Pat Planner", stdin=PASSWORD + "\n")
    with serve(instance) as url:
        yield url


def log_in(page: Page, base: str) -> None:
    page.goto(base + "/login")
    page.get_by_label("Email").fill(EMAIL)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name=re.compile("^Dashboard"))).to_be_visible()


def fill_first_free_slot(page: Page, speaker: str, title: str) -> str:
    """Type a draft into the first free row and save it; the id of the draft's row."""
    free = page.locator("tr[data-state=free]").first
    day = free.get_attribute("id").removeprefix("slot-")
    free.get_by_label("Speaker").fill(speaker)
    free.get_by_label("Affiliation").fill("University of Toronto")
    free.get_by_label("Title").fill(title)
    free.get_by_role("button", name="Save draft").click()
    saved = page.locator("tr.plan-row", has=page.locator(".plan-saved", has_text=speaker))
    expect(saved).to_contain_text(f"Draft saved: {speaker}")
    expect(page.locator(f"#slot-{day}")).to_have_count(0)
    return saved.get_attribute("id")


def test_fill_a_free_slot_inline_and_publish_its_row(browser: Browser, plan_server: str):
    base = plan_server
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    log_in(page, base)
    page.goto(base + PLAN)
    free_before = page.locator("tr[data-state=free]").count()
    assert free_before == 12
    url_before = page.url

    row_id = fill_first_free_slot(page, "Nicolas Papernot", "Private $\\varepsilon$-learning")
    assert page.url == url_before
    # Focus stays where the organizer is: on the message of the row just saved.
    expect(page.locator(f"#{row_id} .plan-saved")).to_be_focused()
    row = page.locator(f"#{row_id}")
    expect(row).to_have_attribute("data-state", "draft")
    # The title's maths is typeset, not left as TeX.
    expect(row.locator(".math.inline")).to_have_attribute("data-typeset", "1")
    # The "publish all" bar counted the new draft without a reload.
    expect(page.locator("#plan-bulk")).to_contain_text("1 draft in this term")

    # Publish the row: a confirmation first, which can be declined.
    row.get_by_role("link", name=re.compile("^Publish")).click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text("on the public schedule")
    dialog.get_by_role("button", name="Keep as draft").click()
    expect(page.get_by_role("dialog")).to_have_count(0)
    expect(row).to_have_attribute("data-state", "draft")

    row.get_by_role("link", name=re.compile("^Publish")).click()
    page.get_by_role("dialog").get_by_role("button", name="Publish", exact=True).click()
    expect(page.get_by_role("dialog")).to_have_count(0)
    expect(row).to_have_attribute("data-state", "published")
    notice = row.locator(".plan-notice")
    expect(notice).to_contain_text("Published “Private")
    expect(notice).to_be_focused()
    expect(page.locator("#plan-bulk")).to_contain_text("No drafts in this term")
    assert page.url == url_before

    public = context.new_page()
    public.goto(base + "/series/prisec-ml")
    expect(public.get_by_text("Nicolas Papernot").first).to_be_visible()
    context.close()


def test_the_grid_publishes_all_its_drafts(browser: Browser, plan_server: str):
    base = plan_server
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    log_in(page, base)
    page.goto(base + PLAN)
    first = fill_first_free_slot(page, "Reza Shokri", "Membership inference, again")
    second = fill_first_free_slot(page, "Sara Hooker", "Compression and fairness")
    bulk = page.locator("#plan-bulk")
    expect(bulk).to_contain_text("2 drafts in this term")
    bulk.get_by_role("link", name="Publish all 2 drafts…").click()
    dialog = page.get_by_role("dialog")
    expect(dialog.locator("li")).to_have_count(2)
    expect(dialog).to_contain_text("Membership inference, again")
    dialog.get_by_role("button", name="Publish 2 talks").click()
    expect(page.get_by_role("dialog")).to_have_count(0)
    expect(page.locator("#plan-grid .flash")).to_have_text("Published 2 talks.")
    for row_id in (first, second):
        expect(page.locator(f"#{row_id}")).to_have_attribute("data-state", "published")
    expect(bulk).to_contain_text("No drafts in this term")
    context.close()


def test_without_javascript_a_row_is_saved_and_published_through_pages(
    browser: Browser, plan_server: str
):
    base = plan_server
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    log_in(page, base)
    page.goto(base + PLAN)
    free = page.locator("tr[data-state=free]").first
    day = free.get_attribute("id").removeprefix("slot-")
    free.get_by_label("Speaker").fill("Florian Tramèr")
    free.get_by_label("Title").fill("Adversarial examples, offline")
    free.get_by_role("button", name="Save draft").click()
    expect(page.locator(".flash")).to_have_text("Draft saved.")
    row = page.locator("tr.plan-row", has_text="Adversarial examples, offline")
    expect(row).to_have_attribute("data-state", "draft")
    expect(page.locator(f"#slot-{day}")).to_have_count(0)
    # A bad row comes back with its message beside the field.
    page.locator("tr[data-state=free]").first.get_by_role("button", name="Save draft").click()
    expect(page.locator("tr[data-state=free] .field-error").first).to_have_text(
        "Enter the speaker's name."
    )
    row = page.locator("tr.plan-row", has_text="Adversarial examples, offline")
    row.get_by_role("link", name=re.compile("^Publish")).click()
    expect(page.get_by_role("heading", name="Publish this talk")).to_be_visible()
    page.get_by_role("button", name="Publish", exact=True).click()
    expect(page.locator(".flash")).to_contain_text("Published “Adversarial examples, offline”.")
    expect(row).to_have_attribute("data-state", "published")
    context.close()


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_the_plan_passes_axe_and_fits_375_390_and_1280(
    browser: Browser, plan_server: str, scheme: str
):
    base = plan_server
    # bypass_csp lets the audit inject axe-core; the page's own policy forbids inline scripts.
    context = browser.new_context(
        color_scheme=scheme, viewport={"width": 1280, "height": 900}, bypass_csp=True
    )
    page = context.new_page()
    log_in(page, base)
    page.goto(base + PLAN)
    # The open confirmation is audited, then a row with a message beside a field.
    row_id = fill_first_free_slot(page, f"Ada {scheme}", f"Audited in {scheme}")
    page.locator(f"#{row_id}").get_by_role("link", name=re.compile("^Publish")).click()
    expect(page.get_by_role("dialog")).to_be_visible()
    assert axe_violations(page, scheme) == []
    if scheme == "light":
        SCREENSHOTS.mkdir(exist_ok=True)
        page.set_viewport_size({"width": 390, "height": 800})
        page.screenshot(path=SCREENSHOTS / "plan-dialog-390.png")
        page.set_viewport_size({"width": 1280, "height": 900})
    page.get_by_role("dialog").get_by_role("button", name="Keep as draft").click()
    expect(page.get_by_role("dialog")).to_have_count(0)
    page.locator("tr[data-state=free]").first.get_by_role("button", name="Save draft").click()
    expect(page.locator("tr[data-state=free] [aria-invalid=true]").first).to_be_focused()
    assert axe_violations(page, scheme) == []
    for width in (1280, 390, 375):
        page.set_viewport_size({"width": width, "height": 800})
        if scheme == "light":
            page.screenshot(path=SCREENSHOTS / f"plan-{width}.png", full_page=True)
        assert horizontal_overflow(page) <= 0, f"the plan scrolls sideways at {width}px"
    # On a phone each slot is a card: the date above the fields, not beside them.
    free = page.locator("tr[data-state=free]").first
    when = free.locator("th").bounding_box()
    speaker = free.get_by_label("Speaker").bounding_box()
    assert when
    assert speaker
    assert speaker["y"] >= when["y"] + when["height"]
    assert speaker["x"] + speaker["width"] <= 375
    context.close()
