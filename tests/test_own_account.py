"""The own-account page, "Forgot your password?" and `flask organizer` reset, list, deactivate."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import select

from prisec.auth.accounts import create_organizer
from prisec.auth.models import AccountToken
from prisec.database import utcnow
from prisec.models import Organizer, Role
from tests.conftest import ORGANIZER_PASSWORD
from tests.helpers import csrf_token, raw_sql
from tests.mailbox import Mailbox, mail_config, smtp_server

NEW_PASSWORD = "violet kettle under moonlight"


@pytest.fixture
def mailbox(app) -> Iterator[Mailbox]:
    with smtp_server() as (box, port):
        app.config.update(mail_config(port))
        yield box


def _post(client, path: str, data: dict, address: str = "127.0.0.1", page: str | None = None):
    token = csrf_token(client.get(page or path).get_data(as_text=True))
    return client.post(
        path, data={**data, "csrf_token": token}, environ_base={"REMOTE_ADDR": address}
    )


def _copied(app, client):
    thief = app.test_client()
    cookie = client.get_cookie(app.config["SESSION_COOKIE_NAME"])
    thief.set_cookie(cookie.key, cookie.value)
    return thief


def _login(client, email: str, password: str):
    return _post(client, "/login", {"email": email, "password": password})


# --- Forgot your password? ------------------------------------------------------------------


def test_forgot_answers_the_same_whether_the_address_exists(app, client, organizer, mailbox):
    known = _post(client, "/forgot", {"email": "ADA@example.org"})
    unknown = _post(app.test_client(), "/forgot", {"email": "nobody@example.org"})
    assert known.status_code == unknown.status_code == 200

    def message(response):
        html = response.get_data(as_text=True)
        return html[html.index('<div class="notice') : html.index("</div>")]

    assert message(known).replace("ADA@example.org", "X") == message(unknown).replace(
        "nobody@example.org", "X"
    )
    assert len(mailbox.to("ada@example.org")) == 1
    assert mailbox.to("nobody@example.org") == []


def test_a_reset_link_works_once_and_ends_every_session(app, client, organizer, mailbox):
    logged_in = app.test_client()
    assert _login(logged_in, organizer.email, ORGANIZER_PASSWORD).status_code == 302
    thief = _copied(app, logged_in)
    _post(client, "/forgot", {"email": organizer.email})
    mail = mailbox.to("ada@example.org")[-1]
    assert "Reset your prisec password" in mail["Subject"]
    link = mailbox.link("ada@example.org").removeprefix("http://localhost")
    assert "60 minutes" in mail.get_body(("plain",)).get_content()
    # The token is stored only as its hash.
    assert link.rsplit("/", 1)[1] not in str(raw_sql(app, "SELECT * FROM account_token"))
    response = _post(client, link, {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert response.status_code == 302
    assert response.headers["Location"] == "/login"
    assert thief.get("/dashboard").status_code == 302
    assert logged_in.get("/dashboard").status_code == 302
    assert client.get(link).status_code == 410
    assert _login(app.test_client(), organizer.email, ORGANIZER_PASSWORD).status_code == 401
    assert _login(app.test_client(), organizer.email, NEW_PASSWORD).status_code == 302


def test_a_reset_link_expires_after_one_hour(app, client, db, organizer, mailbox):
    _post(client, "/forgot", {"email": organizer.email})
    row = db.session.scalar(select(AccountToken))
    assert timedelta(minutes=59) < row.expires_at - utcnow() <= timedelta(hours=1)
    row.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    link = mailbox.link("ada@example.org").removeprefix("http://localhost")
    response = client.get(link)
    assert response.status_code == 410
    assert "expired or has already been used" in response.get_data(as_text=True)


def test_a_reset_refuses_a_weak_password_beside_the_field(client, organizer, mailbox):
    _post(client, "/forgot", {"email": organizer.email})
    link = mailbox.link("ada@example.org").removeprefix("http://localhost")
    response = _post(client, link, {"password": "123456789012", "confirm": "123456789012"})
    assert response.status_code == 422
    assert "commonly used password" in response.get_data(as_text=True)
    # Refused: the link still works.
    assert client.get(link).status_code == 200


def test_reset_requests_are_limited_like_logins(app, client, organizer, mailbox):
    for _ in range(10):
        assert _post(client, "/forgot", {"email": "x@example.org"}, "10.7.7.7").status_code == 200
    limited = _post(client, "/forgot", {"email": organizer.email}, "10.7.7.7")
    assert limited.status_code == 429
    assert mailbox.to("ada@example.org") == []
    # Another address is not held back.
    assert _post(client, "/forgot", {"email": organizer.email}, "10.7.7.8").status_code == 200


def test_without_mail_the_page_says_whom_to_ask(client, organizer):
    response = _post(client, "/forgot", {"email": organizer.email})
    assert "flask organizer reset-password" in response.get_data(as_text=True)


def test_the_login_page_offers_the_reset(client):
    assert 'href="/forgot"' in client.get("/login").get_data(as_text=True)


# --- the own account ------------------------------------------------------------------------


def test_change_the_name(organizer_client, organizer, db):
    response = organizer_client.post("/account/name", data={"name": "Ada Lovelace"})
    assert response.status_code == 303
    db.session.expire_all()
    assert organizer.name == "Ada Lovelace"
    refused = organizer_client.post("/account/name", data={"name": "   "})
    assert refused.status_code == 422


def test_change_the_password_needs_the_current_one_and_ends_other_sessions(
    app, organizer_client, organizer
):
    other_device = app.test_client()
    assert _login(other_device, organizer.email, ORGANIZER_PASSWORD).status_code == 302
    wrong = organizer_client.post(
        "/account/password",
        data={"current_password": "not it", "password": NEW_PASSWORD, "confirm": NEW_PASSWORD},
    )
    assert wrong.status_code == 422
    assert "not your current password" in wrong.get_data(as_text=True)
    weak = organizer_client.post(
        "/account/password",
        data={
            "current_password": ORGANIZER_PASSWORD,
            "password": "password1234",
            "confirm": "password1234",
        },
    )
    assert weak.status_code == 422
    assert "very common password" in weak.get_data(as_text=True)
    response = organizer_client.post(
        "/account/password",
        data={
            "current_password": ORGANIZER_PASSWORD,
            "password": NEW_PASSWORD,
            "confirm": NEW_PASSWORD,
        },
    )
    assert response.status_code == 303
    # This session goes on; the other device is logged out.
    assert organizer_client.get("/dashboard").status_code == 200
    assert other_device.get("/dashboard").status_code == 302
    assert _login(app.test_client(), organizer.email, NEW_PASSWORD).status_code == 302


def test_log_out_everywhere_else(app, organizer_client, organizer):
    other_device = app.test_client()
    assert _login(other_device, organizer.email, ORGANIZER_PASSWORD).status_code == 302
    assert organizer_client.post("/account/sessions").status_code == 303
    assert organizer_client.get("/dashboard").status_code == 200
    assert other_device.get("/dashboard").status_code == 302


def test_a_new_email_is_confirmed_by_a_link_sent_to_it(
    app, organizer_client, organizer, db, mailbox
):
    response = organizer_client.post(
        "/account/email",
        data={"email": "Ada.Lovelace@Example.net", "current_password": ORGANIZER_PASSWORD},
    )
    assert response.status_code == 303
    db.session.expire_all()
    assert organizer.email == "ada@example.org"
    link = mailbox.link("ada.lovelace@example.net").removeprefix("http://localhost")
    assert app.test_client().get(link).status_code == 302
    db.session.expire_all()
    assert organizer.email == "ada.lovelace@example.net"
    assert app.test_client().get(link).status_code == 410


def test_without_mail_a_new_email_applies_at_once(organizer_client, organizer, db):
    response = organizer_client.post(
        "/account/email",
        data={"email": "ada@example.net", "current_password": ORGANIZER_PASSWORD},
    )
    assert response.status_code == 303
    db.session.expire_all()
    assert organizer.email == "ada@example.net"


@pytest.mark.parametrize(
    ("email", "password", "message"),
    [
        ("grace@example.org", ORGANIZER_PASSWORD, "already exists"),
        ("ＧＲＡＣＥ@example.org", ORGANIZER_PASSWORD, "already exists"),
        ("x@example.org\r\nBcc: y@evil.example", ORGANIZER_PASSWORD, "invalid characters"),
        ("ada@example.net", "wrong password", "not your current password"),
    ],
)
def test_email_change_refusals_beside_the_field(
    app, organizer_client, organizer, email, password, message
):
    from prisec.auth.accounts import create_organizer
    from prisec.extensions import db

    create_organizer("grace@example.org", "Grace", "another long passphrase")
    db.session.commit()
    response = organizer_client.post(
        "/account/email", data={"email": email, "current_password": password}
    )
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)


# --- flask organizer ------------------------------------------------------------------------


def test_cli_reset_password_prints_a_one_time_link(app, runner, organizer, db):
    result = runner.invoke(args=["organizer", "reset-password", "ADA@example.org"])
    assert result.exit_code == 0, result.output
    assert "60 minutes" in result.output
    path = result.output.split("/reset/", 1)[1].split()[0]
    client = app.test_client()
    response = _post(client, f"/reset/{path}", {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert response.status_code == 302
    assert _login(app.test_client(), organizer.email, NEW_PASSWORD).status_code == 302
    missing = runner.invoke(args=["organizer", "reset-password", "nobody@example.org"])
    assert missing.exit_code != 0
    assert "No organizer has the email nobody@example.org" in missing.output


def test_cli_list_and_deactivate(app, runner, organizer, organizer_client, db):
    # Another administrator, so that this one is not the last and may be deactivated.
    create_organizer("grace@example.org", "Grace", "another long passphrase", role=Role.ADMIN)
    db.session.commit()
    listing = runner.invoke(args=["organizer", "list"])
    assert "ada@example.org\tAda Organizer\tactive" in listing.output
    result = runner.invoke(args=["organizer", "deactivate", "ada@example.org"])
    assert result.exit_code == 0, result.output
    assert organizer_client.get("/dashboard").status_code == 302
    assert _login(app.test_client(), organizer.email, ORGANIZER_PASSWORD).status_code == 401
    assert "deactivated" in runner.invoke(args=["organizer", "list"]).output
    assert db.session.scalar(select(Organizer.active).where(Organizer.id == organizer.id)) is False
    # The last active administrator stays.
    refused = runner.invoke(args=["organizer", "deactivate", "grace@example.org"])
    assert refused.exit_code == 1
    assert "last active administrator" in refused.output
