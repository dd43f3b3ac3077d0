"""Every page as a browser sees it: axe-core in light and dark, no sideways scrolling on a phone.

axe-core (npm `axe-core`, vendored beside this file with its licence) is injected into
each page of the demo site, public and organizer, and into the states a reader meets:
a form with errors, a search that finds nothing, a missing page. Screenshots at 375 and
1280 px wide go to the git-ignored tests/screenshots/.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from prisec.models import Talk
from tests.browser.conftest import PROJECT_ROOT, _flask, serve
from tests.helpers import make_app

pytestmark = pytest.mark.browser

AXE = Path(__file__).parent / "vendor" / "axe-4.14.1.min.js"
SCREENSHOTS = PROJECT_ROOT / "tests" / "screenshots"
EMAIL = "audit@example.org"
PASSWORD = "an accessibility audit password"
PHONE, DESKTOP = 375, 1280


def _create_organizer(instance: Path) -> None:
    """`flask organizer create`, the password on standard input as a script would pipe it."""
    _flask(
        instance, "organizer", "create", EMAIL, "--name", "Audrey Auditor", stdin=PASSWORD + "\n"
    )


@pytest.fixture(scope="module")
def audit_site(tmp_path_factory) -> Iterator[tuple[str, dict[str, str]]]:
    """The demo site with an organizer, and the paths of one talk of each kind."""
    instance = tmp_path_factory.mktemp("audit-instance")
    _flask(instance, "db", "upgrade", "heads")
    _flask(instance, "seed-demo", "--if-empty")
    _create_organizer(instance)
    app = make_app(instance)
    with app.app_context():
        from prisec.extensions import db

        talk = db.session.scalars(db.select(Talk).order_by(Talk.id)).first()
        ids = {"talk_id": str(talk.id), "talk_path": f"/talks/{talk.id}"}
        # The read holds a connection until the session lets it go; then the pool can close it.
        db.session.remove()
        db.engine.dispose()
    with serve(instance) as url:
        yield url, ids


PUBLIC_PAGES = {
    "schedule": "/",
    "series": "/series/prisec-ml",
    "talk": "{talk_path}",
    "archive": "/talks",
    "archive-search": "/talks?q=privacy",
    "archive-no-results": "/talks?q=zzzqqqxxnothing",
    "papers": "/papers",
    "embed": "/embed/upcoming",
    "calendar-help": "/calendar/help",
    "series-list": "/series",
    "my-calendar": "/my",
    "my-calendar-selection": "/my?series=prisec-ml&talks={talk_id}",
    "not-found": "/no/such/page",
    "login": "/login",
}
ORGANIZER_PAGES = {
    "dashboard": "/dashboard",
    "dashboard-series": "/dashboard/series/prisec-ml",
    "talk-new": "/dashboard/series/prisec-ml/talks/new",
    "talk-edit": "/dashboard/talks/{talk_id}/edit",
    "talk-history": "/dashboard/talks/{talk_id}/history",
    "reschedule": "/dashboard/talks/{talk_id}/reschedule",
    "settings": "/dashboard/series/prisec-ml/settings",
    "series-new": "/dashboard/series/new",
    "site-settings": "/dashboard/site",
    "talk-papers": "/dashboard/talks/{talk_id}/papers",
    "plan": "/dashboard/series/prisec-ml/plan",
    "accounts": "/dashboard/accounts",
}


def log_in(page: Page, base: str) -> None:
    """Log in through the form, as an organizer does."""
    page.goto(base + "/login")
    page.get_by_label("Email").fill(EMAIL)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name=re.compile("^Dashboard"))).to_be_visible()


@pytest.fixture(scope="module", params=["light", "dark"])
def scheme(request) -> str:
    return request.param


@pytest.fixture(scope="module")
def contexts(
    browser: Browser, audit_site: tuple[str, dict[str, str]], scheme: str
) -> Iterator[dict[str, BrowserContext]]:
    """A visitor's and a logged-in organizer's browser, in one colour scheme."""
    base, _ = audit_site
    made = {
        # bypass_csp lets the audit inject axe-core; the pages' own policy forbids inline scripts.
        role: browser.new_context(
            color_scheme=scheme, viewport={"width": DESKTOP, "height": 900}, bypass_csp=True
        )
        for role in ("visitor", "organizer")
    }
    page = made["organizer"].new_page()
    log_in(page, base)
    page.close()
    yield made
    for context in made.values():
        context.close()


AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]
# Only colours change with the scheme: the dark pass runs the rules that read them.
COLOUR_RULES = ["color-contrast", "link-in-text-block"]


def axe_violations(page: Page, scheme: str) -> list[str]:
    """axe-core's WCAG 2.x A/AA and best-practice violations, one readable line each."""
    page.add_script_tag(path=str(AXE))
    only = (
        {"type": "tag", "values": AXE_TAGS}
        if scheme == "light"
        else {"type": "rule", "values": COLOUR_RULES}
    )
    results = page.evaluate(
        "(only) => axe.run(document, {resultTypes: ['violations'], runOnly: only})", only
    )
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at "
        + "; ".join(" ".join(node["target"]) for node in v["nodes"][:5])
        for v in results["violations"]
    ]


def horizontal_overflow(page: Page) -> int:
    """How many pixels the page is wider than the window (0 when it fits)."""
    return page.evaluate(
        "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )


def audit(page: Page, name: str, scheme: str) -> None:
    """axe at desktop width; in the light scheme also screenshots and a phone's width.

    The layout does not depend on the colour scheme, so widths are checked once.
    """
    page.set_viewport_size({"width": DESKTOP, "height": 900})
    problems = axe_violations(page, scheme)
    overflow = 0
    if scheme == "light":
        SCREENSHOTS.mkdir(exist_ok=True)
        page.screenshot(path=SCREENSHOTS / f"{name}-{DESKTOP}.png", full_page=True)
        page.set_viewport_size({"width": PHONE, "height": 800})
        page.screenshot(path=SCREENSHOTS / f"{name}-{PHONE}.png", full_page=True)
        overflow = horizontal_overflow(page)
    assert not problems, f"{name} ({scheme}):\n" + "\n".join(problems)
    assert overflow <= 0, f"{name} scrolls sideways by {overflow}px at {PHONE}px"


@pytest.mark.parametrize("name", sorted(PUBLIC_PAGES))
def test_public_page_passes_axe_and_fits_a_phone(
    name: str, contexts: dict[str, BrowserContext], audit_site, scheme: str
) -> None:
    base, ids = audit_site
    page = contexts["visitor"].new_page()
    page.goto(base + PUBLIC_PAGES[name].format(**ids))
    audit(page, name, scheme)
    page.close()


@pytest.mark.parametrize("name", sorted(ORGANIZER_PAGES))
def test_organizer_page_passes_axe_and_fits_a_phone(
    name: str, contexts: dict[str, BrowserContext], audit_site, scheme: str
) -> None:
    base, ids = audit_site
    page = contexts["organizer"].new_page()
    page.goto(base + ORGANIZER_PAGES[name].format(**ids))
    expect(page).not_to_have_url(re.compile(r"/login"))
    audit(page, name, scheme)
    page.close()


def _login_with_wrong_password(page: Page, base: str) -> None:
    page.goto(base + "/login")
    page.get_by_label("Email").fill(EMAIL)
    page.get_by_label("Password").fill("not the password at all")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_text("Wrong email or password.")).to_be_visible()


def _talk_form_without_a_title(page: Page, base: str) -> None:
    page.goto(base + "/dashboard/series/prisec-ml/talks/new")
    page.get_by_role("button", name="Save talk").click()
    # The refusal is announced, and focus lands on it rather than on a vanished button.
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("Some fields need attention")
    expect(alert).to_be_focused()


STATES: dict[str, tuple[str, Callable[[Page, str], None]]] = {
    "login-error": ("visitor", _login_with_wrong_password),
    "talk-form-errors": ("organizer", _talk_form_without_a_title),
}


@pytest.mark.parametrize("name", sorted(STATES))
def test_error_states_pass_axe(
    name: str, contexts: dict[str, BrowserContext], audit_site, scheme: str
) -> None:
    base, _ = audit_site
    role, reach = STATES[name]
    page = contexts[role].new_page()
    reach(page, base)
    audit(page, name, scheme)
    page.close()


def test_printed_schedule_shows_abstracts_without_navigation(
    contexts: dict[str, BrowserContext], audit_site, scheme: str
) -> None:
    if scheme == "dark":
        pytest.skip("print is checked once")
    base, _ = audit_site
    page = contexts["visitor"].new_page()
    page.goto(base + "/")
    details = page.locator("details.talk-details").first
    abstract = details.locator("> :not(summary)").first
    expect(abstract).to_be_hidden()
    page.emulate_media(media="print")
    expect(abstract).to_be_visible()
    expect(page.locator(".site-header")).to_be_hidden()
    expect(page.get_by_role("link", name="Skip to content")).to_be_hidden()
    page.pdf(path=SCREENSHOTS / "schedule-print.pdf")
    page.close()


def test_listing_toggle_works_from_the_keyboard_and_keeps_focus(
    contexts: dict[str, BrowserContext], audit_site, scheme: str
) -> None:
    if scheme == "dark":
        pytest.skip("keyboard use is checked once")
    base, _ = audit_site
    page = contexts["organizer"].new_page()
    page.goto(base + "/dashboard/series/prisec-ml")
    for value in ("past", "auto"):  # and back, leaving the demo as it was
        button = page.get_by_role("button", name=re.compile(f"as {value}$")).first
        button.focus()
        page.keyboard.press("Enter")
        # htmx replaced the row: the new button is pressed, and focus is back on it.
        expect(button).to_have_attribute("aria-pressed", "true")
        expect(button).to_be_focused()
    page.close()
