"""Organizer accounts: the command, login and logout, the login limit, invitations."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from prisec.auth.accounts import LOGIN_WINDOW
from prisec.auth.models import Invite, LoginAttempt
from prisec.database import utcnow
from prisec.models import Organizer
from tests.conftest import ORGANIZER_PASSWORD
from tests.helpers import csrf_token, raw_sql, wait_until


def _login(client, email: str, password: str, address: str = "127.0.0.1"):
    token = csrf_token(client.get("/login").get_data(as_text=True))
    return client.post(
        "/login",
        data={"email": email, "password": password, "csrf_token": token},
        environ_base={"REMOTE_ADDR": address},
    )


def test_cli_creates_an_organizer_with_a_password_from_stdin(app, runner, db):
    result = runner.invoke(
        args=["organizer", "create", "Grace@Example.org", "--name", "Grace Hopper"],
        input="a long enough password\n",
    )
    assert result.exit_code == 0, result.output
    assert "Created organizer Grace Hopper <grace@example.org>" in result.output
    organizer = db.session.scalar(select(Organizer).where(Organizer.email == "grace@example.org"))
    assert organizer.name == "Grace Hopper"
    # Stored as a memory-hard scrypt hash, never the password itself.
    stored = raw_sql(app, "SELECT password_hash FROM organizer")[0][0]
    assert stored.startswith("scrypt:")
    assert "a long enough password" not in stored


def test_cli_refuses_a_short_password_and_a_taken_email(runner, organizer):
    short = runner.invoke(
        args=["organizer", "create", "x@example.org", "--name", "X"], input="short\n"
    )
    assert short.exit_code != 0
    assert "at least 12 characters" in short.output
    taken = runner.invoke(
        args=["organizer", "create", "ADA@example.org", "--name", "Ada"],
        input="another long password\n",
    )
    assert taken.exit_code != 0
    assert "already exists" in taken.output


def test_anonymous_visitor_of_an_organizer_page_is_sent_to_login(client):
    for url in (
        "/dashboard",
        "/dashboard/accounts",
        "/dashboard/talks/1/edit",
        "/dashboard/series/x/plan",
    ):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response.headers["Location"].startswith("/login?next="), url


def test_the_login_page_links_to_the_address_it_was_asked_at(client, db):
    # Behind a proxy's prefix and straight at the server, the same site: the kept frame's
    # links must follow each, or one of them loses its style sheet and scripts.
    direct = client.get("/login").get_data(as_text=True)
    prefixed = client.get("/login", environ_overrides={"SCRIPT_NAME": "/seminars"})
    page = prefixed.get_data(as_text=True)
    assert 'href="/static/css/prisec.css' in direct
    assert 'href="/seminars/static/css/prisec.css' in page
    assert 'href="/seminars/forgot"' in page  # the form's own part, kept apart
    assert 'href="/static/css/prisec.css' not in page


def test_the_login_page_is_the_same_for_every_stranger_but_its_token(app, client, db):
    from prisec.public.site import SiteSettings

    first = client.get("/login").get_data(as_text=True)
    second = app.test_client().get("/login").get_data(as_text=True)
    assert csrf_token(first) != csrf_token(second)
    assert first.replace(csrf_token(first), "") == second.replace(csrf_token(second), "")
    # Its frame follows the site; a message for the visitor still shows.
    db.session.add(SiteSettings(name="Cambridge Security Talks"))
    db.session.commit()
    renamed = client.get("/login").get_data(as_text=True)
    assert '<a class="site-name" href="/">Cambridge Security Talks</a>' in renamed
    sent = client.get("/dashboard", follow_redirects=True).get_data(as_text=True)
    assert "Log in to see that page." in sent
    assert "Log in to see that page." not in client.get("/login").get_data(as_text=True)
    # What was typed comes back, with the message beside its field.
    refused = client.post(
        "/login", data={"email": "ada@example.org", "csrf_token": csrf_token(renamed)}
    )
    assert refused.status_code == 422
    page = refused.get_data(as_text=True)
    assert 'value="ada@example.org"' in page
    assert "Enter your password." in page


def test_public_pages_stay_public(client, create_talk):
    talk = create_talk()
    assert client.get("/").status_code == 200
    assert client.get(f"/talks/{talk.id}/{talk.slug}").status_code == 200


def test_login_then_back_to_the_page_asked_for(client, organizer):
    client.get("/dashboard")
    token = csrf_token(client.get("/login?next=/dashboard/accounts").get_data(as_text=True))
    response = client.post(
        "/login?next=/dashboard/accounts",
        data={"email": "ADA@example.org", "password": ORGANIZER_PASSWORD, "csrf_token": token},
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/dashboard/accounts"
    assert client.get("/dashboard/accounts").status_code == 200


def test_login_never_redirects_to_another_site(client, organizer):
    token = csrf_token(client.get("/login").get_data(as_text=True))
    response = client.post(
        "/login?next=//evil.example/",
        data={"email": organizer.email, "password": ORGANIZER_PASSWORD, "csrf_token": token},
    )
    assert response.headers["Location"] == "/dashboard"


def test_wrong_password_says_so_beside_the_field(client, organizer):
    response = _login(client, organizer.email, "wrong password")
    assert response.status_code == 401
    assert "Wrong email or password." in response.get_data(as_text=True)
    assert client.get("/dashboard").status_code == 302


def test_session_cookie_is_httponly_and_lax(client, organizer):
    response = _login(client, organizer.email, ORGANIZER_PASSWORD)
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie


def test_session_cookie_is_secure_when_configured_for_https(app, client, organizer):
    app.config["SESSION_COOKIE_SECURE"] = True
    response = _login(client, organizer.email, ORGANIZER_PASSWORD)
    assert "Secure" in response.headers["Set-Cookie"]


def test_logout_ends_the_session(organizer_client):
    assert organizer_client.get("/dashboard").status_code in (200, 404)
    response = organizer_client.post("/logout")
    assert response.status_code == 302
    assert organizer_client.get("/dashboard").status_code == 302


def test_ten_failures_for_one_account_lock_it_for_fifteen_minutes(client, organizer, db):
    for i in range(10):
        assert _login(client, organizer.email, "wrong", address=f"10.0.0.{i}").status_code == 401
    # Even the right password from a fresh address is refused now.
    response = _login(client, organizer.email, ORGANIZER_PASSWORD, address="10.0.1.1")
    assert response.status_code == 429
    assert "Too many failed logins" in response.get_data(as_text=True)
    assert int(response.headers["Retry-After"]) == LOGIN_WINDOW.total_seconds()
    # Another account is not affected.
    assert _login(client, "someone@example.org", "x", address="10.0.1.2").status_code == 401
    # Once the failures are older than the window, the account opens again.
    for attempt in db.session.scalars(select(LoginAttempt)):
        attempt.attempted_at = utcnow() - LOGIN_WINDOW - timedelta(seconds=1)
    db.session.commit()
    assert _login(client, organizer.email, ORGANIZER_PASSWORD, "10.0.1.3").status_code == 302


def test_ten_failures_from_one_address_block_that_address(client, organizer):
    for i in range(10):
        assert _login(client, f"guess{i}@example.org", "x", address="10.9.9.9").status_code == 401
    assert _login(client, organizer.email, ORGANIZER_PASSWORD, "10.9.9.9").status_code == 429
    assert _login(client, organizer.email, ORGANIZER_PASSWORD, "10.9.9.8").status_code == 302


def test_login_without_csrf_token_is_refused(client, organizer):
    response = client.post(
        "/login", data={"email": organizer.email, "password": ORGANIZER_PASSWORD}
    )
    assert response.status_code == 400


def _invite_link(organizer_client) -> str:
    response = organizer_client.post(
        "/dashboard/accounts/invite", data={"email": "grace@example.org", "role": "admin"}
    )
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    start = html.index("http://localhost/invite/")
    return html[start : html.index('"', start)].removeprefix("http://localhost")


def test_an_invitation_link_creates_an_account_once(app, organizer_client, db):
    link = _invite_link(organizer_client)
    # The token itself is not stored, only its hash.
    token = link.rsplit("/", 1)[1]
    assert token not in str(raw_sql(app, "SELECT * FROM organizer_invite"))
    invited = app.test_client()
    form = invited.get(link)
    assert form.status_code == 200
    response = invited.post(
        link,
        data={
            "name": "Grace Hopper",
            "email": "grace@example.org",
            "password": "a long enough password",
            "confirm": "a long enough password",
            "csrf_token": csrf_token(form.get_data(as_text=True)),
        },
    )
    assert response.status_code == 302
    assert invited.get("/dashboard").status_code != 302
    # Used up: the same link no longer opens.
    assert app.test_client().get(link).status_code == 410


def test_an_invitation_expires_after_seven_days(app, organizer_client, db):
    link = _invite_link(organizer_client)
    invite = db.session.scalar(select(Invite))
    assert timedelta(days=6, hours=23) < invite.expires_at - utcnow() <= timedelta(days=7)
    invite.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    response = app.test_client().get(link)
    assert response.status_code == 410
    assert "expired or has already been used" in response.get_data(as_text=True)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"password": "short", "confirm": "short"}, "at least 12 characters"),
        ({"confirm": "something else entirely"}, "The two passwords differ."),
        ({"email": "ada@example.org"}, "already exists"),
        ({"name": ""}, "Enter your name."),
    ],
)
def test_invitation_form_messages(app, organizer_client, fields, message):
    link = _invite_link(organizer_client)
    invited = app.test_client()
    data = {
        "name": "Grace Hopper",
        "email": "grace@example.org",
        "password": "a long enough password",
        "confirm": "a long enough password",
        **fields,
        "csrf_token": csrf_token(invited.get(link).get_data(as_text=True)),
    }
    response = invited.post(link, data=data)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)


def test_the_login_limit_holds_across_worker_processes(app, client, organizer, db):
    from pathlib import Path

    from tests.helpers import make_app

    # A second application over the same database file stands in for another worker.
    other_app = make_app(Path(app.instance_path))
    other_worker = other_app.test_client()
    for i in range(5):
        assert _login(client, organizer.email, "wrong", f"10.1.0.{i}").status_code == 401
        assert _login(other_worker, organizer.email, "wrong", f"10.2.0.{i}").status_code == 401
    assert _login(client, organizer.email, ORGANIZER_PASSWORD, "10.3.0.1").status_code == 429
    assert _login(other_worker, organizer.email, ORGANIZER_PASSWORD, "10.3.0.2").status_code == 429
    with other_app.app_context():
        db.engine.dispose()


def _lock_out(client, address: str) -> None:
    for i in range(10):
        assert _login(client, f"guess{i}@example.org", "x", address).status_code == 401


def test_a_locked_out_address_is_told_until_when_and_offered_no_form(client, organizer, db):
    from prisec.public.site import SiteSettings

    _lock_out(client, "10.7.7.7")
    response = _login(client, organizer.email, ORGANIZER_PASSWORD, "10.7.7.7")
    assert response.status_code == 429
    page = response.get_data(as_text=True)
    assert "Too many failed logins from this address (10 in 15 minutes)" in page
    assert re.search(r"Try again after <time datetime=\"[^\"]+\">\d\d:\d\d UTC</time>", page)
    # Nothing from there can log in: no form to fill in, and no session to keep.
    assert 'name="password"' not in page
    assert 0 < int(response.headers["Retry-After"]) <= LOGIN_WINDOW.total_seconds()
    # Every later request from the address gets that answer, the right password too.
    asked = client.get("/login", environ_base={"REMOTE_ADDR": "10.7.7.7"})
    assert asked.status_code == 429
    assert "Set-Cookie" not in asked.headers
    assert "Content-Security-Policy" in asked.headers
    assert "Too many failed logins from this address" in asked.get_data(as_text=True)
    posted = client.post(
        "/login",
        data={"email": organizer.email, "password": ORGANIZER_PASSWORD},
        environ_base={"REMOTE_ADDR": "10.7.7.7"},
    )
    assert posted.status_code == 429
    assert client.get("/dashboard").status_code == 302
    # The page keeps the site's frame current.
    db.session.add(SiteSettings(name="Cambridge Security Talks"))
    db.session.commit()
    renamed = client.get("/login", environ_base={"REMOTE_ADDR": "10.7.7.7"})
    assert renamed.status_code == 429
    assert ">Cambridge Security Talks</a>" in renamed.get_data(as_text=True)
    # Another address logs in as before.
    assert _login(client, organizer.email, ORGANIZER_PASSWORD, "10.7.7.8").status_code == 302


def test_an_address_lockout_ends_when_its_window_does(client, organizer, db):
    _lock_out(client, "10.6.6.6")
    # The oldest failures leave the window two seconds from now.
    for attempt in db.session.scalars(select(LoginAttempt)):
        attempt.attempted_at = utcnow() - LOGIN_WINDOW + timedelta(seconds=2)
    db.session.commit()
    response = _login(client, organizer.email, ORGANIZER_PASSWORD, "10.6.6.6")
    assert response.status_code == 429
    wait = int(response.headers["Retry-After"])
    assert wait <= 3
    # Asked again and again meanwhile (each answered by the lockout page), the form comes back.
    wait_until(
        lambda: client.get("/login", environ_base={"REMOTE_ADDR": "10.6.6.6"}).status_code == 200,
        seconds=wait + 2,
        what="the login form offered again",
    )
    assert _login(client, organizer.email, ORGANIZER_PASSWORD, "10.6.6.6").status_code == 302
