"""An administrator invites an organizer of one series, who joins and sees only that series."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from prisec.extensions import db
from prisec.models import Series
from tests.browser.conftest import _flask, serve
from tests.helpers import make_app

pytestmark = pytest.mark.browser

ADMIN_EMAIL = "chair@example.org"
ADMIN_PASSWORD = "the chair's browser password"
NEW_PASSWORD = "grace's own long password"


@pytest.fixture(scope="module")
def team_server(tmp_path_factory) -> Iterator[str]:
    """Two series and the site's first account (an administrator), served by waitress."""
    instance = tmp_path_factory.mktemp("team-instance")
    _flask(instance, "db", "upgrade", "heads")
    app = make_app(instance)
    with app.app_context():
        db.session.add(Series(slug="seminar", name="Privacy Seminar", timezone="Europe/London"))
        db.session.add(Series(slug="reading", name="Reading Group", timezone="Europe/Paris"))
        db.session.commit()
        db.engine.dispose()
    _flask(
        instance, "organizer", "create", ADMIN_EMAIL, "--name", "Ada Chair",
        stdin=ADMIN_PASSWORD + "\n",
    )  # fmt: skip
    with serve(instance) as url:
        yield url


def log_in(page: Page, base: str, email: str, password: str) -> None:
    page.goto(base + "/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name=re.compile("^Dashboard"))).to_be_visible()


def test_an_invited_organizer_sees_only_their_series(browser: Browser, team_server: str):
    base = team_server
    chair = browser.new_page()
    log_in(chair, base, ADMIN_EMAIL, ADMIN_PASSWORD)
    chair.get_by_role("link", name="Accounts").click()
    expect(chair.get_by_role("heading", name="Accounts")).to_be_visible()
    chair.get_by_label("Email address").fill("grace@example.org")
    chair.get_by_label("Organizer of the series chosen below").check()
    chair.get_by_label("Privacy Seminar").check()
    chair.get_by_role("button", name="Invite", exact=True).click()
    # No mail on this site: the link is shown to pass on, with a Copy button.
    link_field = chair.get_by_label("Invitation link")
    expect(link_field).to_have_value(re.compile(r"/invite/"))
    expect(chair.get_by_role("button", name="Copy")).to_be_visible()
    expect(chair.locator(".pending-invitations")).to_contain_text(
        "grace@example.org: organizer of Privacy Seminar"
    )
    link = link_field.input_value()
    chair.close()

    grace_context = browser.new_context()
    grace = grace_context.new_page()
    grace.goto(link)
    expect(grace.locator(".invitation-from")).to_contain_text("Ada Chair invited you to 127.0.0.1")
    expect(grace.locator(".invitation-from")).to_contain_text("as an organizer of Privacy Seminar")
    expect(grace.get_by_text("At least 12 characters", exact=False)).to_be_visible()
    expect(grace.get_by_label("Email")).to_have_value("grace@example.org")
    grace.get_by_label("Name").fill("Grace Hopper")
    grace.get_by_label("Password", exact=True).fill(NEW_PASSWORD)
    grace.get_by_label("Password again").fill(NEW_PASSWORD)
    grace.get_by_role("button", name="Create account").click()
    expect(grace.get_by_role("heading", name="Dashboard: Privacy Seminar")).to_be_visible()
    grace.get_by_role("button", name="Log out").click()

    log_in(grace, base, "grace@example.org", NEW_PASSWORD)
    expect(grace.get_by_role("heading", name="Dashboard: Privacy Seminar")).to_be_visible()
    expect(grace.locator("main")).not_to_contain_text("Reading Group")
    expect(grace.get_by_role("link", name="Accounts")).to_have_count(0)
    expect(grace.get_by_role("link", name="New series")).to_have_count(0)
    for path in ("/dashboard/series/reading", "/dashboard/series/reading/settings"):
        response = grace.goto(base + path)
        assert response is not None
        assert response.status == 404, path
    response = grace.goto(base + "/dashboard/accounts")
    assert response is not None
    assert response.status == 403
    grace_context.close()
