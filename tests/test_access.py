"""Every URL of the application against the access rule: a table of who may open which route.

Each rule of the URL map must be in ACCESS below; a route added later without a place in the
table fails `test_every_route_is_in_the_access_table`. Then each kind of visitor tries every
route: an organizer of series A on every URL of series B (404), the organizers of B and the
administrators (allowed), anonymous visitors (sent to log in, or served if public).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from werkzeug.routing import Rule

from prisec.auth.accounts import create_invite, create_organizer
from prisec.extensions import db
from prisec.models import Role
from prisec.papers.models import Paper, TalkPaper
from prisec.speakerform import operations
from prisec.team.access import SERIES_OF_ARGUMENT, in_organizer_area
from tests.helpers import csrf_token

# Open to everyone, no login.
PUBLIC = "public"
# Account pages reached without a session: login, an invitation or speaker link's token.
ANONYMOUS = "anonymous"
# One's own session or account, outside the organizer area: any logged-in account.
OWN_ACCOUNT = "own account"
# Any logged-in account, on nothing of a particular series.
ANY_ACCOUNT = "any account"
# Something of one series: its organizers and the administrators only.
SERIES = "series"
# Administrators only.
ADMIN = "admin"

ACCESS: dict[str, str] = {
    "static": PUBLIC,
    "atom.feed": PUBLIC,
    "archive.speakers": PUBLIC,
    "api.talk": PUBLIC,
    "api.talks": PUBLIC,
    "api.unknown": PUBLIC,
    "archive.talks": PUBLIC,
    "embed.upcoming": PUBLIC,
    "feeds.all_series": PUBLIC,
    "feeds.help_page": PUBLIC,
    "feeds.series_feed": PUBLIC,
    "feeds.talk_file": PUBLIC,
    "papers.papers": PUBLIC,
    "schedule.healthz": PUBLIC,
    "schedule.index": PUBLIC,
    "schedule.series_page": PUBLIC,
    "schedule.talk_page": PUBLIC,
    "public.series_list": PUBLIC,
    "public.my_calendar": PUBLIC,
    "feeds.my_feed": PUBLIC,
    "seo.robots": PUBLIC,
    "seo.sitemap": PUBLIC,
    "seo.sitemap_pages": PUBLIC,
    "seo.sitemap_talks": PUBLIC,
    "uploads.photo": PUBLIC,
    "uploads.slides": PUBLIC,
    "auth.login": ANONYMOUS,
    "auth.logout": OWN_ACCOUNT,
    "auth.accept": ANONYMOUS,
    "setup.setup": ANONYMOUS,
    "auth.forgot": ANONYMOUS,
    "auth.reset": ANONYMOUS,
    "auth.confirm_email": ANONYMOUS,
    "auth.account": OWN_ACCOUNT,
    "auth.account_name": OWN_ACCOUNT,
    "auth.account_email": OWN_ACCOUNT,
    "auth.account_password": OWN_ACCOUNT,
    "auth.account_sessions": OWN_ACCOUNT,
    "speakerform.speaker_form": ANONYMOUS,
    "preview.abstract": ANONYMOUS,
    "dashboard.index": ANY_ACCOUNT,
    "dashboard.all_series": ANY_ACCOUNT,
    "dashboard.remove_speaker_row": ANY_ACCOUNT,
    "dashboard.series_dashboard": SERIES,
    "dashboard.new_talk": SERIES,
    "dashboard.check_talk_field": SERIES,
    "dashboard.add_speaker_row": SERIES,
    "dashboard.fill_speaker_row": SERIES,
    "dashboard.edit_talk": SERIES,
    "dashboard.set_listing": SERIES,
    "dashboard.reschedule": SERIES,
    "dashboard.undo_reschedule": SERIES,
    "dashboard.cancel": SERIES,
    "dashboard.duplicate": SERIES,
    "dashboard.uncancel": SERIES,
    "dashboard.delete": SERIES,
    "dashboard.restore": SERIES,
    "dashboard.history": SERIES,
    "dashboard.restore_revision": SERIES,
    "dashboard.series_settings": SERIES,
    "dashboard.plan": SERIES,
    "dashboard.plan_slot": SERIES,
    "dashboard.skip_slot": SERIES,
    "dashboard.publish_draft": SERIES,
    "dashboard.publish_plan": SERIES,
    "dashboard.announcement": SERIES,
    "dashboard.send_announcement": SERIES,
    "dashboard.speaker_links": SERIES,
    "dashboard.revoke_speaker_link": SERIES,
    "dashboard.proposal": SERIES,
    "team.activity": SERIES,
    "dashboard.talk_papers": SERIES,
    "dashboard.edit_talk_paper": SERIES,
    "dashboard.remove_talk_paper": SERIES,
    "dashboard.new_series": ADMIN,
    "team.accounts_page": ADMIN,
    "team.account": ADMIN,
    "team.invite": ADMIN,
    "team.resend_invite": ADMIN,
    "team.withdraw_invite": ADMIN,
    "team.deactivate": ADMIN,
    "team.reactivate": ADMIN,
    "dashboard.delete_series": ADMIN,
    "dashboard.trash": ADMIN,
    "dashboard.site_settings_page": ADMIN,
    "dashboard.restore_series": ADMIN,
}

PASSWORD = "a password for the access table"


def rules_of(app: Flask, *kinds: str) -> list[Rule]:
    """The URL map's rules whose endpoint the table puts in one of `kinds`."""
    return [rule for rule in app.url_map.iter_rules() if ACCESS.get(rule.endpoint) in kinds]


def methods_of(rule: Rule) -> list[str]:
    return sorted((rule.methods or set()) - {"HEAD", "OPTIONS"})


def unclassified(app: Flask) -> list[str]:
    """Rules the table says nothing about, or says something the URL contradicts."""
    problems = []
    for rule in app.url_map.iter_rules():
        kind = ACCESS.get(rule.endpoint)
        if kind is None:
            problems.append(f"{rule.rule} ({rule.endpoint}) is not in tests/test_access.py ACCESS")
        elif in_organizer_area(rule.rule) != (kind in (ANY_ACCOUNT, SERIES, ADMIN)):
            # The guard protects exactly the organizer area: an account route outside it
            # would be unguarded, a public route inside it unreachable.
            problems.append(f"{rule.rule} ({rule.endpoint}) is {kind} but the URL says otherwise")
    return problems


def test_every_route_is_in_the_access_table(app):
    assert unclassified(app) == []
    assert set(ACCESS) <= {rule.endpoint for rule in app.url_map.iter_rules()}, "stale entries"


def test_a_route_added_without_a_place_in_the_table_fails(tmp_path):
    from tests.helpers import make_app

    fresh = make_app(tmp_path)
    fresh.add_url_rule("/organizers/<int:talk_id>/notes", "notes.edit", lambda talk_id: "")
    assert unclassified(fresh) == [
        "/organizers/<int:talk_id>/notes (notes.edit) is not in tests/test_access.py ACCESS"
    ]


def test_the_guard_knows_every_argument_of_a_series_route(app):
    for rule in rules_of(app, SERIES):
        assert rule.arguments, f"{rule.rule} names no series: it cannot be {SERIES}"
        assert rule.arguments <= set(SERIES_OF_ARGUMENT), rule.rule


@dataclass
class World:
    """Two series and everything of series B that a URL can name."""

    values: dict[str, object]
    admin: FlaskClient
    organizer_of_a: FlaskClient
    organizer_of_b: FlaskClient
    anonymous: FlaskClient


def _logged_in(app: Flask, email: str) -> FlaskClient:
    client = app.test_client()
    token = csrf_token(client.get("/login").get_data(as_text=True))
    response = client.post(
        "/login", data={"email": email, "password": PASSWORD, "csrf_token": token}
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    client.environ_base["HTTP_X_CSRFTOKEN"] = token
    return client


@pytest.fixture
def world(app, create_series, create_talk) -> World:
    series_a = create_series(slug="series-a", name="Series A")
    series_b = create_series(slug="series-b", name="Series B")
    talk_a = create_talk(series=series_a, title="A talk of A")
    talk_b = create_talk(series=series_b, title="A talk of B")
    # Discussed in both series' talks, so removing it from B's talk leaves it in A's.
    paper = Paper(title="A paper", authors=["Ada"], published_on=date(2024, 1, 1))
    db.session.add_all(
        [paper, TalkPaper(talk=talk_a, paper=paper), TalkPaper(talk=talk_b, paper=paper)]
    )
    db.session.flush()
    admin = create_organizer("admin@example.org", "Ada Admin", PASSWORD, role=Role.ADMIN)
    of_a = create_organizer("a@example.org", "Alan A", PASSWORD, role=Role.ORGANIZER)
    of_a.series = [series_a]
    of_b = create_organizer("b@example.org", "Barbara B", PASSWORD, role=Role.ORGANIZER)
    of_b.series = [series_b]
    link, speaker_token = operations.create_link(talk_b, admin)
    proposal = operations.submit(
        link, {"title": "Proposed", "abstract": "", "bio": "", "affiliation": "", "homepage": ""}
    )
    invite, invite_token = create_invite(admin, note="someone")
    db.session.commit()
    values = {
        "slug": series_b.slug,
        "series_id": series_b.id,
        "talk_id": talk_b.id,
        "revision_id": talk_b.revisions[0].id,
        "link_id": link.id,
        "proposal_id": proposal.id,
        "paper_id": paper.id,
        "organizer_id": of_b.id,
        "invite_id": invite.id,
        "token": speaker_token,
        "filename": "css/prisec.css",
        "name": "missing.jpg",
        "rest": "nothing",
        "number": 1,
    }
    anonymous = app.test_client()
    anonymous.environ_base["HTTP_X_CSRFTOKEN"] = csrf_token(
        anonymous.get("/login").get_data(as_text=True)
    )
    return World(
        values=values,
        admin=_logged_in(app, "admin@example.org"),
        organizer_of_a=_logged_in(app, "a@example.org"),
        organizer_of_b=_logged_in(app, "b@example.org"),
        anonymous=anonymous,
    )


def _url(rule: Rule, values: dict[str, object]) -> str:
    missing = rule.arguments - set(values)
    assert not missing, f"add a sample value for {missing} of {rule.rule} to the world fixture"
    built = rule.build({name: values[name] for name in rule.arguments}, append_unknown=False)
    assert built is not None, rule.rule
    return built[1]


def _visit(client: FlaskClient, rule: Rule, values: dict[str, object]):
    """Every method of the rule: (method, url, status, location)."""
    url = _url(rule, values)
    for method in methods_of(rule):
        response = client.open(url, method=method)
        yield method, url, response.status_code, response.headers.get("Location", "")


def test_an_organizer_of_another_series_gets_404_on_every_url_of_it(app, world):
    reached = [
        f"{method} {url}: {status}"
        for rule in rules_of(app, SERIES)
        for method, url, status, _ in _visit(world.organizer_of_a, rule, world.values)
        if status != 404
    ]
    assert reached == []


def _list_paper_on_talk_b(world: World) -> None:
    # A visit may have removed it from the talk; each client starts from the same world.
    talk_id, paper_id = world.values["talk_id"], world.values["paper_id"]
    if not db.session.scalar(
        select(TalkPaper).where(TalkPaper.talk_id == talk_id, TalkPaper.paper_id == paper_id)
    ):
        db.session.add(TalkPaper(talk_id=talk_id, paper_id=paper_id))
        db.session.commit()


def test_organizers_of_the_series_and_administrators_get_in(app, world):
    for client in (world.organizer_of_b, world.admin):
        _list_paper_on_talk_b(world)
        refused = [
            f"{method} {url}: {status}"
            for rule in rules_of(app, SERIES, ANY_ACCOUNT)
            for method, url, status, _ in _visit(client, rule, world.values)
            if status in (401, 403, 404) or status >= 500 or (method == "GET" and status != 200)
        ]
        assert refused == []


def test_administrators_pages_answer_403_to_organizers(app, world):
    reached = [
        f"{method} {url}: {status}"
        for client in (world.organizer_of_a, world.organizer_of_b)
        for rule in rules_of(app, ADMIN)
        for method, url, status, _ in _visit(client, rule, world.values)
        if status != 403
    ]
    assert reached == []
    opened = [
        f"GET {_url(rule, world.values)}: {world.admin.get(_url(rule, world.values)).status_code}"
        for rule in rules_of(app, ADMIN)
        if "GET" in methods_of(rule)
    ]
    assert all(line.endswith(": 200") for line in opened), opened


def test_anonymous_visitors_log_in_first_on_every_account_route(app, world):
    let_in = [
        f"{method} {url}: {status} {location}"
        for rule in rules_of(app, OWN_ACCOUNT, ANY_ACCOUNT, SERIES, ADMIN)
        for method, url, status, location in _visit(world.anonymous, rule, world.values)
        if status != 302 or not location.startswith("/login?next=")
    ]
    assert let_in == []


def test_public_routes_serve_anonymous_visitors(app, world):
    refused = [
        f"{method} {url}: {status} {location}"
        for rule in rules_of(app, PUBLIC, ANONYMOUS)
        for method, url, status, location in _visit(world.anonymous, rule, world.values)
        if status >= 500 or location.startswith("/login") or status in (401, 403)
    ]
    assert refused == []


def test_a_deactivated_account_is_logged_out_at_once(app, world):
    from prisec.models import Organizer

    assert world.organizer_of_b.get("/dashboard/series/series-b").status_code == 200
    account = db.session.scalar(db.select(Organizer).where(Organizer.email == "b@example.org"))
    account.active = False
    db.session.commit()
    response = world.organizer_of_b.get("/dashboard/series/series-b")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")
