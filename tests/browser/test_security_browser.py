"""In Chromium: no page breaks its Content-Security-Policy, and stored hostile text never runs."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from prisec.editing import create_talk
from prisec.extensions import db
from prisec.models import Series, SeriesOrganizer, Speaker
from tests.browser.conftest import _flask, serve
from tests.browser.test_dashboard_browser import _create_organizer, log_in
from tests.helpers import make_app
from tests.hostile.corpus import CORPUS, EVIL_HOST

pytestmark = pytest.mark.browser

# Text shown on pages: every script, handler, URL and direction trick of the corpus.
SHOWN = CORPUS["script"] + CORPUS["event-handler"] + CORPUS["url"][:20] + CORPUS["rtl"]
# Cut to the columns' 2000 characters, as the forms require (PostgreSQL enforces it).
URLS = [url[:2000] for url in CORPUS["url"]]


def _seed_hostile(instance: Path) -> list[int]:
    """A series whose every text field, speaker and talk is hostile; returns the talk ids."""
    app = make_app(instance)
    ids = []
    with app.app_context():
        series = Series(
            slug="hostile",
            name=SHOWN[0],
            timezone="Europe/London",
            description="\n\n".join(SHOWN),
            mailing_list_url=URLS[0],
            youtube_url=URLS[11],
            zoom_url=URLS[19],
        )
        series.organizers = [
            SeriesOrganizer(name=value, affiliation=value, homepage=URLS[i % 20])
            for i, value in enumerate(SHOWN[:5])
        ]
        now = datetime.now(UTC).replace(microsecond=0)
        for i, value in enumerate(SHOWN):
            start = now + timedelta(days=(i % 7) - 3, hours=i)
            url = URLS[i % len(URLS)]
            speaker = Speaker(
                name=value[:200], honorific=value[:40], affiliation=value[:300], homepage=url
            )
            talk = create_talk(
                series,
                [speaker],
                start=start,
                end=start + timedelta(hours=1),
                title=value[:300],
                abstract=value + "\n\n$x^2$ " + SHOWN[(i + 1) % len(SHOWN)],
                bio=SHOWN[(i + 2) % len(SHOWN)],
                registration_url=url,
                livestream_url=url,
                recording_url=url if i % 3 else "https://www.youtube.com/watch?v=dQw4w9WgXcQ",
                slides_url=url,
                code_url=url,
                paper_url=url,
                event_name=value[:300],
                event_url=url,
                location=value[:300],
                published=True,
            )
            db.session.flush()
            ids.append(talk.id)
        db.session.commit()
        db.engine.dispose()
    return ids


@pytest.fixture(scope="module")
def hostile_site(tmp_path_factory) -> Iterator[tuple[str, list[int]]]:
    """The demo site plus the hostile series, with an organizer account, under waitress."""
    instance = tmp_path_factory.mktemp("hostile-instance")
    _flask(instance, "db", "upgrade", "heads")
    _flask(instance, "seed-demo", "--if-empty")
    _create_organizer(instance)
    ids = _seed_hostile(instance)
    with serve(instance) as url:
        yield url, ids


class Watch:
    """What a page did that it must not: dialogs, console errors, CSP reports, evil requests."""

    def __init__(self, page: Page) -> None:
        self.problems: list[str] = []
        page.add_init_script(
            "window.__csp = [];"
            "document.addEventListener('securitypolicyviolation', e => window.__csp.push("
            "e.violatedDirective + ' ' + e.blockedURI + ' ' + e.sourceFile + ':' + e.lineNumber));"
        )
        page.on("dialog", self._dialog)
        page.on("console", self._console)
        page.on("request", self._request)
        page.on("pageerror", lambda error: self.problems.append(f"page error: {error}"))
        self.page = page

    def _dialog(self, dialog) -> None:
        self.problems.append(f"dialog: {dialog.message}")
        dialog.dismiss()

    def _console(self, message) -> None:
        where = message.location.get("url", "")
        # The site has no icon; the browser's own request for one is not the page's doing.
        if message.type == "error" and not where.endswith("/favicon.ico"):
            self.problems.append(f"console error: {message.text} ({where})")

    def _request(self, request) -> None:
        if EVIL_HOST in request.url or request.url.startswith(("javascript:", "data:text")):
            self.problems.append(f"request: {request.url}")

    def visit(self, url: str) -> None:
        """Load `url` and let its scripts run; every problem so far is kept."""
        response = self.page.goto(url)
        assert response is not None
        assert response.status < 500, url
        self.page.wait_for_load_state("load")
        # Scripts are deferred; reading the report list after load sees what they did.
        for report in self.page.evaluate("window.__csp || []"):
            self.problems.append(f"CSP violation on {url}: {report}")


def _public_pages(base: str, ids: list[int]) -> list[str]:
    pages = [
        "/", "/series/hostile", "/series/prisec-ml", "/talks", "/talks?series=hostile",
        "/talks?q=script", "/talks?q=%3Cscript%3Ealert(1)%3C%2Fscript%3E", "/papers",
        "/embed/upcoming?series=hostile", "/calendar/help", "/login",
    ]  # fmt: skip
    pages += [f"/talks/{talk_id}" for talk_id in ids]
    return [base + page for page in pages]


def test_public_pages_keep_their_policy_and_run_no_stored_script(browser: Browser, hostile_site):
    base, ids = hostile_site
    page = browser.new_page()
    watch = Watch(page)
    for url in _public_pages(base, ids):
        watch.visit(url)
    # The demo's talk pages too (maths typeset by KaTeX under the policy).
    for talk_id in range(1, 4):
        watch.visit(f"{base}/talks/{talk_id}")
    assert watch.problems == [], "\n".join(watch.problems)
    page.close()


def test_a_recording_plays_under_the_policy(browser: Browser, hostile_site):
    base, ids = hostile_site
    page = browser.new_page()
    watch = Watch(page)
    # Route the player so the test never leaves the machine; the frame must still be allowed.
    page.route(re.compile(r"https://www\.youtube-nocookie\.com/.*"), _empty_player)
    watch.visit(f"{base}/talks/{ids[0]}")
    page.get_by_role("button", name=re.compile("Play the recording here")).click()
    expect(page.locator("iframe.recording-player")).to_be_attached()
    player = page.frame_locator("iframe.recording-player")
    expect(player.locator("body")).to_contain_text("player")
    assert watch.problems == [], "\n".join(watch.problems)
    page.close()


def _empty_player(route) -> None:
    route.fulfill(status=200, content_type="text/html", body="<p>player</p>")


def test_htmx_search_works_under_the_policy(browser: Browser, hostile_site):
    base, _ = hostile_site
    page = browser.new_page()
    watch = Watch(page)
    watch.visit(base + "/talks")
    page.get_by_role("searchbox").fill("Hooker")
    expect(page).to_have_url(re.compile(r"q=Hooker"))
    expect(page.locator("#archive-results")).to_contain_text("Sara Hooker")
    assert watch.problems == [], "\n".join(watch.problems)
    page.close()


def test_dashboard_pages_keep_their_policy_and_run_no_stored_script(browser: Browser, hostile_site):
    base, ids = hostile_site
    page = browser.new_page()
    watch = Watch(page)
    log_in(page, base)
    pages = ["/dashboard", "/dashboard/series/hostile", "/dashboard/series/hostile/settings",
             "/dashboard/series/hostile/plan", "/dashboard/series/hostile/talks/new",
             "/dashboard/accounts"]  # fmt: skip
    for talk_id in ids[:12]:
        pages += [f"/dashboard/talks/{talk_id}/edit", f"/dashboard/talks/{talk_id}/history"]
        pages += [f"/dashboard/talks/{talk_id}/reschedule"]
    for path in pages:
        watch.visit(base + path)
    # htmx under the policy: the listing buttons change a row in place.
    watch.visit(base + "/dashboard/series/hostile")
    row = page.locator("tr", has=page.locator(f'a[href*="/talks/{ids[1]}/"]'))
    row.get_by_role("button", name=re.compile("as past$")).click()
    expect(row.get_by_role("button", name=re.compile("as past$"))).to_have_attribute(
        "aria-pressed", "true"
    )
    assert watch.problems == [], "\n".join(watch.problems)
    page.close()
