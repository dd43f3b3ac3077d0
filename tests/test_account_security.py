"""Issue 19's account findings, each replayed as the attack: redirects, sessions, hosts,
the login limit, caching, e-mail look-alikes, weak passwords, the security log."""

from __future__ import annotations

import json
import logging
import time
from pathlib import Path

import pytest
from sqlalchemy import select

from prisec.auth.accounts import (
    AccountError,
    create_invite,
    create_organizer,
    deactivate,
    normalise_email,
    set_password,
)
from prisec.auth.sessions import end_sessions
from prisec.models import Organizer
from tests.conftest import ORGANIZER_PASSWORD
from tests.helpers import csrf_token, make_app, raw_sql

GOOD_PASSWORD = "a long enough password"


def _login(client, email: str, password: str, address: str = "127.0.0.1", next_: str = ""):
    query = f"?next={next_}" if next_ else ""
    token = csrf_token(client.get("/login").get_data(as_text=True))
    return client.post(
        f"/login{query}",
        data={"email": email, "password": password, "csrf_token": token},
        environ_base={"REMOTE_ADDR": address},
    )


# --- item 2: one safe-redirect rule ---------------------------------------------------------

OFF_SITE = [
    "/%09/evil.example",
    "/%0A/evil.example",
    "/%0D/evil.example",
    "/%0d%0a/evil.example",
    "//evil.example",
    "///evil.example",
    "/%2F/evil.example",
    "%2F%2Fevil.example",
    "/%252F/evil.example",
    "/%5C/evil.example",
    "/%5Cevil.example",
    "%5C%5Cevil.example",
    "/%09%09/evil.example",
    "%20//evil.example",
    "https://evil.example/",
    "https:evil.example",
    "http%3A%2F%2Fevil.example",
    "javascript:alert(1)",
    "evil.example",
    "/%00/evil.example",
    "/%E2%80%A8/evil.example",
]


@pytest.mark.parametrize("target", OFF_SITE)
def test_login_post_never_redirects_off_site_nor_fails(client, organizer, target):
    response = _login(client, organizer.email, ORGANIZER_PASSWORD, next_=target)
    assert response.status_code == 302
    assert response.headers["Location"] == "/dashboard"


@pytest.mark.parametrize("target", OFF_SITE)
def test_login_get_never_redirects_off_site_nor_fails(client, organizer_client, target):
    # A visitor not logged in sees the form; one logged in is sent on at once.
    assert client.get(f"/login?next={target}").status_code == 200
    response = organizer_client.get(f"/login?next={target}")
    assert response.status_code == 302
    assert response.headers["Location"] == "/dashboard"


def test_a_path_on_this_site_is_kept(client, organizer):
    target = "/dashboard/series/x?view=past%20talks"
    response = _login(client, organizer.email, ORGANIZER_PASSWORD, next_=target)
    assert response.headers["Location"] == target


# --- item 3: sessions the server can end ----------------------------------------------------


def _copied(app, client):
    """A second browser holding a copy of `client`'s session cookie."""
    thief = app.test_client()
    cookie = client.get_cookie(app.config["SESSION_COOKIE_NAME"])
    thief.set_cookie(cookie.key, cookie.value)
    return thief


def test_a_cookie_copied_before_logout_opens_nothing_after_it(app, organizer_client):
    thief = _copied(app, organizer_client)
    assert thief.get("/dashboard").status_code == 200
    assert organizer_client.post("/logout").status_code == 302
    assert thief.get("/dashboard").status_code == 302
    assert organizer_client.get("/dashboard").status_code == 302


@pytest.mark.parametrize("ending", ["password", "deactivation", "end_sessions"])
def test_password_change_deactivation_and_role_change_end_sessions(
    app, db, organizer, organizer_client, ending
):
    thief = _copied(app, organizer_client)
    assert thief.get("/dashboard").status_code == 200
    if ending == "password":
        set_password(organizer, "another long passphrase here")
    elif ending == "deactivation":
        deactivate(organizer)
    else:
        # What a role change calls.
        end_sessions(organizer)
    db.session.commit()
    assert thief.get("/dashboard").status_code == 302
    assert organizer_client.get("/dashboard").status_code == 302


def _clock(monkeypatch, offset_days: float) -> None:
    """Move the clock the session code and cookie signing read by `offset_days`."""
    import itsdangerous.timed

    import prisec.auth.sessions

    real = time.time
    fake = type("FakeTime", (), {"time": staticmethod(lambda: real() + offset_days * 86400)})
    monkeypatch.setattr(itsdangerous.timed, "time", fake)
    monkeypatch.setattr(prisec.auth.sessions, "time", fake)


def test_a_session_idle_for_fourteen_days_ends(organizer_client, monkeypatch):
    _clock(monkeypatch, 13.9)
    assert organizer_client.get("/dashboard").status_code == 200
    _clock(monkeypatch, 13.9 + 14.1)
    assert organizer_client.get("/dashboard").status_code == 302


def test_a_session_in_use_ends_ninety_days_after_login(organizer_client, monkeypatch):
    for day in range(10, 90, 10):
        _clock(monkeypatch, day)
        assert organizer_client.get("/dashboard").status_code == 200, day
    _clock(monkeypatch, 90.1)
    assert organizer_client.get("/dashboard").status_code == 302


def test_session_cookie_has_the_idle_lifetime(client, organizer):
    response = _login(client, organizer.email, ORGANIZER_PASSWORD)
    assert "Expires=" in response.headers["Set-Cookie"]


# --- item 5: trusted host names -------------------------------------------------------------


def test_another_host_is_refused_and_never_written_into_links(client, create_talk):
    talk = create_talk()
    for path in ("/", f"/talks/{talk.id}/{talk.slug}", "/sitemap.xml", "/feed.atom"):
        response = client.get(path, headers={"Host": "evil.example"})
        assert response.status_code == 400, path
        assert "evil.example" not in response.get_data(as_text=True)
    page = client.get(f"/talks/{talk.id}/{talk.slug}").get_data(as_text=True)
    assert '<link rel="canonical" href="http://localhost/talks/' in page
    assert client.get("/", headers={"Host": "127.0.0.1:5000"}).status_code == 200


def test_site_url_sets_the_trusted_host_and_links_outside_a_request(tmp_path, app):
    site = make_app(
        Path(app.instance_path),
        SITE_URL="https://seminars.example.org/",
        TRUSTED_HOSTS="intranet.example.org, other.example.org",
    )
    from flask import url_for

    with site.app_context():
        assert url_for("schedule.index", _external=True) == "https://seminars.example.org/"
    client = site.test_client()
    # Answered (a new site sends its first visitor to the setup page), not refused.
    assert client.get("/", headers={"Host": "seminars.example.org"}).status_code in (200, 302)
    assert client.get("/", headers={"Host": "intranet.example.org"}).status_code in (200, 302)
    assert client.get("/", headers={"Host": "localhost"}).status_code == 400
    assert client.get("/", headers={"Host": "evil.example"}).status_code == 400


# --- item 7: the login limit never locks the owner out --------------------------------------


def test_a_stranger_cannot_lock_the_owner_out(app, client, organizer):
    # The owner logged in from home earlier.
    home = app.test_client()
    assert _login(home, organizer.email, ORGANIZER_PASSWORD, "192.0.2.10").status_code == 302
    # A stranger, spread over ten addresses, tries ten wrong passwords for the account.
    for i in range(10):
        assert _login(client, organizer.email, "wrong", f"10.0.0.{i}").status_code == 401
    # A new address must wait; the owner's own address still gets in at once.
    assert _login(client, organizer.email, ORGANIZER_PASSWORD, "10.0.1.1").status_code == 429
    assert _login(client, organizer.email, ORGANIZER_PASSWORD, "192.0.2.10").status_code == 302


def test_wrong_passwords_from_the_owners_address_still_count_for_that_address(
    app, client, organizer
):
    home = app.test_client()
    assert _login(home, organizer.email, ORGANIZER_PASSWORD, "192.0.2.10").status_code == 302
    for _ in range(10):
        assert _login(client, organizer.email, "wrong", "192.0.2.10").status_code == 401
    assert _login(client, organizer.email, ORGANIZER_PASSWORD, "192.0.2.10").status_code == 429


# --- item 8: no-store on organizer pages ----------------------------------------------------


def test_organizer_pages_and_logged_in_answers_are_never_stored(
    client, organizer_client, create_talk
):
    talk = create_talk()
    public = f"/talks/{talk.id}/{talk.slug}"
    for path in ("/dashboard", "/dashboard/accounts", public, "/", "/calendar.ics"):
        response = organizer_client.get(path)
        assert response.headers.get("Cache-Control") == "no-store", path
    assert client.get("/login").headers["Cache-Control"] == "no-store"
    assert client.get("/dashboard").headers["Cache-Control"] == "no-store"
    # Anonymous public answers keep their own caching.
    assert client.get(public).headers.get("Cache-Control") != "no-store"
    assert "max-age" in client.get("/calendar.ics").headers["Cache-Control"]


# --- item 13: e-mail addresses --------------------------------------------------------------


@pytest.mark.parametrize(
    "look_alike",
    [
        "ADA@EXAMPLE.ORG",
        "\uff41\uff44\uff41@example.org",  # fullwidth
        "ada@\uff45\uff58\uff41\uff4d\uff50\uff4c\uff45.org",  # fullwidth domain
        "ada@example.org.",  # trailing dot
        " ada@example.org ",
    ],
)
def test_a_look_alike_of_an_address_is_the_same_account(organizer, look_alike):
    assert normalise_email(look_alike) == "ada@example.org"
    with pytest.raises(AccountError, match="already exists"):
        create_organizer(look_alike, "Ada Again", GOOD_PASSWORD)


@pytest.mark.parametrize(
    ("address", "message"),
    [
        ("x@example.org\r\nBcc: y@evil.example", "invalid characters"),
        ("ada@\u0435\u0445\u0430mple.org", "mixes alphabets"),  # Cyrillic е, х, а
        ("\u0430da@example.org", "mixes alphabets"),  # Cyrillic а
        ("a\u200bda@example.org", "unsafe characters"),  # zero-width space
        ("ada\u200d@example.org", "unsafe characters"),  # zero-width joiner
        ("ada@exa\u00admple.org", "Enter a valid email"),  # soft hyphen
        ("not an address", "Enter a valid email"),
    ],
)
def test_invitation_refuses_broken_and_confusable_addresses_beside_the_field(
    app, db, organizer, address, message
):
    _, token = create_invite(organizer)
    db.session.commit()
    invited = app.test_client()
    link = f"/invite/{token}"
    data = {
        "name": "Mallory",
        "email": address,
        "password": GOOD_PASSWORD,
        "confirm": GOOD_PASSWORD,
        "csrf_token": csrf_token(invited.get(link).get_data(as_text=True)),
    }
    response = invited.post(link, data=data)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert message in html
    assert 'id="email-error"' in html or "field-error" in html
    assert raw_sql(app, "SELECT email FROM organizer") == [("ada@example.org",)]


def test_international_addresses_are_kept(app, db):
    organizer = create_organizer("Jürgen@Bücher.de", "Jürgen", GOOD_PASSWORD)
    assert organizer.email == "jürgen@bücher.de"


# --- item 14: passwords and the security log ------------------------------------------------


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("1234567890", "at least 12 characters"),
        ("elevenchars", "at least 12 characters"),
        ("123456789012", "commonly used password"),
        ("password1234", "very common password"),
        ("qwertyuiopas", "commonly used password"),
        ("abcdefghijkl", "easy to guess"),
    ],
)
def test_weak_passwords_are_refused_beside_the_field(app, db, organizer, password, message):
    _, token = create_invite(organizer)
    db.session.commit()
    invited = app.test_client()
    link = f"/invite/{token}"
    data = {
        "name": "Grace Hopper",
        "email": "grace@example.org",
        "password": password,
        "confirm": password,
        "csrf_token": csrf_token(invited.get(link).get_data(as_text=True)),
    }
    response = invited.post(link, data=data)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True).replace("&#39;", "'")
    assert (
        db.session.scalar(select(Organizer).where(Organizer.email == "grace@example.org")) is None
    )


def _events(caplog) -> list[dict]:
    return [
        json.loads(record.getMessage())
        for record in caplog.records
        if record.name == "prisec.security"
    ]


def test_the_security_log_has_a_line_for_each_account_event(app, client, db, organizer, caplog):
    caplog.set_level(logging.INFO, logger="prisec.security")
    assert _login(client, organizer.email, "wrong\r\nforged line", "10.5.5.5").status_code == 401
    assert _login(client, organizer.email, ORGANIZER_PASSWORD, "10.5.5.5").status_code == 302
    client.post("/logout", headers={"X-CSRFToken": csrf_token(client.get("/").text)})
    for _ in range(10):
        _login(client, "x@example.org", "wrong", "10.6.6.6")
    assert _login(client, "x@example.org", "wrong", "10.6.6.6").status_code == 429
    _, token = create_invite(organizer)
    db.session.commit()
    invited = app.test_client()
    link = f"/invite/{token}"
    invited.post(
        link,
        data={
            "name": "Grace Hopper",
            "email": "grace@example.org",
            "password": GOOD_PASSWORD,
            "confirm": GOOD_PASSWORD,
            "csrf_token": csrf_token(invited.get(link).get_data(as_text=True)),
        },
    )
    set_password(organizer, "another long passphrase here")
    deactivate(organizer)
    db.session.commit()
    events = _events(caplog)
    names = [event["event"] for event in events]
    for name in (
        "login.failure",
        "login.success",
        "logout",
        "login.locked",
        "invitation.created",
        "invitation.accepted",
        "account.created",
        "password.changed",
        "account.deactivated",
    ):
        assert name in names, name
    failure = next(event for event in events if event["event"] == "login.failure")
    assert failure["address"] == "10.5.5.5"
    assert failure["email"] == "ada@example.org"
    # Every line is one line: nothing typed can start another.
    assert all("\n" not in record.getMessage() for record in caplog.records)
    # The password, right or wrong, is never logged.
    assert not any(
        "forged" in r.getMessage() or ORGANIZER_PASSWORD in r.getMessage() for r in caplog.records
    )
