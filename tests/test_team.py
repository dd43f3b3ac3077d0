"""The team: the accounts page, invitations with a role and series, roles, activity, commands."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from prisec.auth.accounts import create_organizer
from prisec.auth.models import Invite
from prisec.models import Organizer, Role
from tests.conftest import ORGANIZER_PASSWORD
from tests.helpers import csrf_token
from tests.test_announcing import Inbox, smtp_server  # noqa: F401  (the SMTP fixture)

LINK = re.compile(r"http://localhost(/invite/[A-Za-z0-9_\-]+)")


def _invite(client, **fields) -> tuple[int, str]:
    response = client.post("/dashboard/accounts/invite", data=fields)
    return response.status_code, response.get_data(as_text=True)


def _accept(app, path: str, email: str, name: str = "Grace Hopper"):
    invited = app.test_client()
    page = invited.get(path)
    assert page.status_code == 200, page.get_data(as_text=True)
    response = invited.post(
        path,
        data={
            "name": name,
            "email": email,
            "password": "a long enough password",
            "confirm": "a long enough password",
            "csrf_token": csrf_token(page.get_data(as_text=True)),
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    return invited


def _account(db, email: str) -> Organizer:
    return db.session.scalar(select(Organizer).where(Organizer.email == email))


def test_the_first_account_is_an_administrator_and_existing_ones_stay_so(organizer, db):
    assert organizer.role == Role.ADMIN
    assert organizer.is_admin
    later = create_organizer("later@example.org", "Later", ORGANIZER_PASSWORD)
    assert later.role == Role.ORGANIZER


def test_an_invitation_gives_its_role_and_series(app, organizer_client, create_series, db):
    seminar = create_series(slug="seminar", name="Seminar")
    reading = create_series(slug="reading", name="Reading group")
    status, html = _invite(
        organizer_client, email="Grace@Example.org", role="organizer", series=[seminar.id]
    )
    assert status == 200
    # Without mail, the page shows the link in a field one can select, with a Copy button.
    assert 'class="copy-button" data-copy-from="invite-link-url"' in html
    path = LINK.search(html).group(1)
    invite_page = app.test_client().get(path).get_data(as_text=True)
    assert "Ada Organizer invited you to localhost" in invite_page
    assert "as an organizer of Seminar" in invite_page
    assert "At least 12 characters" in invite_page
    assert 'value="grace@example.org"' in invite_page
    grace = _accept(app, path, "grace@example.org")
    account = _account(db, "grace@example.org")
    assert account.role == Role.ORGANIZER
    assert [s.slug for s in account.series] == ["seminar"]
    # She sees her series and only hers.
    dashboard = grace.get("/dashboard").get_data(as_text=True)
    assert "Dashboard: Seminar" in dashboard
    assert "Reading group" not in dashboard
    assert "Accounts" not in dashboard
    assert "New series" not in dashboard
    assert grace.get(f"/dashboard/series/{reading.slug}").status_code == 404
    assert grace.get("/dashboard/accounts").status_code == 403
    assert grace.get("/dashboard/series/new").status_code == 403


def test_an_organizer_must_be_given_a_series_and_a_taken_address_is_refused(
    organizer_client, create_series
):
    status, html = _invite(organizer_client, email="x@example.org", role="organizer")
    assert status == 422
    assert "Choose the series the organizer will organize." in html
    status, html = _invite(organizer_client, email="ADA@example.org", role="admin")
    assert status == 422
    assert "There is already an account with the email ada@example.org." in html
    status, html = _invite(organizer_client, email="not an address", role="admin")
    assert status == 422
    assert "Enter a valid email address" in html


def test_with_mail_the_invitation_is_emailed(app, organizer_client, create_series, smtp_server):  # noqa: F811
    inbox, port = smtp_server
    app.config.update(
        MAIL_HOST="127.0.0.1", MAIL_PORT=port, MAIL_SECURITY="none", MAIL_FROM="site@example.org"
    )
    series = create_series(slug="seminar", name="Seminar")
    response = organizer_client.post(
        "/dashboard/accounts/invite",
        data={"email": "grace@example.org", "role": "organizer", "series": [series.id]},
        follow_redirects=True,
    )
    html = response.get_data(as_text=True)
    assert "The invitation was e-mailed to grace@example.org." in html
    assert "invite-link-url" not in html
    [(envelope, message)] = inbox.messages
    assert envelope.rcpt_tos == ["grace@example.org"]
    assert message["Subject"] == "Ada Organizer invites you to localhost"
    body = message.get_body(("plain",)).get_content()
    assert "as an organizer of Seminar" in body
    path = LINK.search(body).group(1)
    _accept(app, path, "grace@example.org")


def test_resend_makes_a_new_link_and_withdraw_closes_it(app, organizer_client, db):
    _, html = _invite(organizer_client, email="grace@example.org", role="admin")
    first = LINK.search(html).group(1)
    invite = db.session.scalar(select(Invite).where(Invite.email == "grace@example.org"))
    _, html = (lambda r: (r.status_code, r.get_data(as_text=True)))(
        organizer_client.post(f"/dashboard/accounts/invitations/{invite.id}/resend")
    )
    second = LINK.search(html).group(1)
    assert second != first
    assert app.test_client().get(first).status_code == 410
    assert app.test_client().get(second).status_code == 200
    pending = db.session.scalar(
        select(Invite).where(Invite.email == "grace@example.org", Invite.withdrawn_at.is_(None))
    )
    response = organizer_client.post(f"/dashboard/accounts/invitations/{pending.id}/withdraw")
    assert response.status_code == 303
    assert app.test_client().get(second).status_code == 410
    page = organizer_client.get("/dashboard/accounts").get_data(as_text=True)
    assert "No pending invitations." in page


def test_the_accounts_page_lists_role_series_last_login_and_status(
    organizer_client, create_series, db
):
    series = create_series(slug="seminar", name="Seminar")
    alan = create_organizer("alan@example.org", "Alan Turing", ORGANIZER_PASSWORD)
    alan.series = [series]
    db.session.commit()
    page = organizer_client.get("/dashboard/accounts").get_data(as_text=True)
    row = re.search(rf'<tr role="row" id="account-{alan.id}">(.*?)</tr>', page, re.S).group(1)
    assert "organizer" in row
    assert "Seminar" in row
    assert "never" in row
    assert "active" in row
    me = re.search(r'<tr role="row" id="account-1">(.*?)</tr>', page, re.S).group(1)
    assert "administrator" in me
    assert "every series" in me
    assert "UTC" in me


def test_deactivation_ends_the_sessions_and_reactivation_opens_the_account(
    app, organizer_client, create_series, db
):
    series = create_series(slug="seminar", name="Seminar")
    create_organizer("alan@example.org", "Alan Turing", ORGANIZER_PASSWORD).series = [series]
    db.session.commit()
    alan = app.test_client()
    token = csrf_token(alan.get("/login").get_data(as_text=True))
    alan.post(
        "/login",
        data={"email": "alan@example.org", "password": ORGANIZER_PASSWORD, "csrf_token": token},
    )
    assert alan.get("/dashboard/series/seminar").status_code == 200
    account = _account(db, "alan@example.org")
    response = organizer_client.post(
        f"/dashboard/accounts/{account.id}/deactivate", follow_redirects=True
    )
    assert "account is deactivated." in response.get_data(as_text=True)
    assert alan.get("/dashboard/series/seminar").status_code == 302
    organizer_client.post(f"/dashboard/accounts/{account.id}/reactivate")
    assert _account(db, "alan@example.org").active


def test_the_last_active_administrator_cannot_be_demoted_or_deactivated(
    organizer_client, organizer, create_series, db
):
    series = create_series(slug="seminar", name="Seminar")
    response = organizer_client.post(
        f"/dashboard/accounts/{organizer.id}", data={"role": "organizer", "series": [series.id]}
    )
    assert response.status_code == 422
    assert "This is the last active administrator" in response.get_data(as_text=True)
    response = organizer_client.post(
        f"/dashboard/accounts/{organizer.id}/deactivate", follow_redirects=True
    )
    assert "Nothing changed: This is the last active administrator" in response.get_data(
        as_text=True
    )
    db.session.expire_all()
    assert organizer.is_admin
    assert organizer.active
    # With a second administrator, the first may step down.
    other = create_organizer("b@example.org", "Bea", ORGANIZER_PASSWORD, role=Role.ADMIN)
    db.session.commit()
    response = organizer_client.post(
        f"/dashboard/accounts/{organizer.id}", data={"role": "organizer", "series": [series.id]}
    )
    assert response.status_code == 303
    db.session.expire_all()
    assert not organizer.is_admin
    assert other.is_admin
    # The change of role ended her session; logged in again, as an organizer of Seminar
    # only, the accounts page is closed to her.
    assert organizer_client.get("/dashboard/accounts").status_code == 302
    token = csrf_token(organizer_client.get("/login").get_data(as_text=True))
    organizer_client.post(
        "/login",
        data={"email": organizer.email, "password": ORGANIZER_PASSWORD, "csrf_token": token},
    )
    organizer_client.environ_base["HTTP_X_CSRFTOKEN"] = token
    assert organizer_client.get("/dashboard/accounts").status_code == 403


def test_change_role_to_organizer_of_series(organizer_client, create_series, db):
    a = create_series(slug="a", name="A")
    b = create_series(slug="b", name="B")
    alan = create_organizer("alan@example.org", "Alan", ORGANIZER_PASSWORD, role=Role.ADMIN)
    db.session.commit()
    response = organizer_client.post(
        f"/dashboard/accounts/{alan.id}", data={"role": "organizer", "series": [a.id, b.id]}
    )
    assert response.status_code == 303
    db.session.expire_all()
    assert alan.role == Role.ORGANIZER
    assert [s.slug for s in alan.series] == ["a", "b"]
    settings = organizer_client.get("/dashboard/series/a/settings").get_data(as_text=True)
    text = " ".join(re.sub(r"<[^>]+>", "", settings).split())
    assert "Accounts that may edit it, besides the administrators: Alan." in text


def test_cli_promote_and_assign(runner, organizer, create_series, db):
    create_series(slug="seminar", name="Seminar")
    alan = create_organizer("alan@example.org", "Alan", ORGANIZER_PASSWORD)
    db.session.commit()
    result = runner.invoke(args=["organizer", "assign", "alan@example.org", "seminar"])
    assert result.exit_code == 0, result.output
    assert "Alan <alan@example.org> is now an organizer of Seminar." in result.output
    result = runner.invoke(args=["organizer", "assign", "alan@example.org", "nope"])
    assert result.exit_code != 0
    assert "no series with the slug nope" in result.output
    result = runner.invoke(args=["organizer", "promote", "ALAN@example.org"])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    assert alan.is_admin
    result = runner.invoke(args=["organizer", "promote", "nobody@example.org"])
    assert result.exit_code != 0
    assert "no account with the email" in result.output


def test_activity_lists_who_did_what(app, organizer_client, create_series, create_talk, db):
    series = create_series(slug="seminar", name="Seminar")
    talk = create_talk(series=series, title="Private inference")
    organizer_client.post(f"/dashboard/talks/{talk.id}/cancel")
    _invite(organizer_client, email="grace@example.org", role="organizer", series=[series.id])
    page = organizer_client.get("/dashboard/series/seminar/activity").get_data(as_text=True)
    items = re.findall(r"<li>(.*?)</li>", page, re.S)
    texts = [" ".join(re.sub(r"<[^>]+>", "", item).split()) for item in items]
    assert "Ada Organizer invited grace@example.org as an organizer of Seminar" in texts[0]
    assert "Ada Organizer. Cancelled: “Private inference”" in texts[1]
    assert "Created: “Private inference”" in texts[2]
    other = create_series(slug="other", name="Other")
    create_talk(series=other, title="Elsewhere")
    page = organizer_client.get("/dashboard/series/seminar/activity").get_data(as_text=True)
    assert "Elsewhere" not in page


@pytest.mark.parametrize("count", [205])
def test_activity_shows_the_last_200(organizer_client, create_series, create_talk, db, count):
    from prisec import editing

    series = create_series(slug="seminar", name="Seminar")
    talk = create_talk(series=series, title="Busy")
    for n in range(count):
        editing.set_listing(talk, editing.Listing.PAST if n % 2 else editing.Listing.AUTO)
    db.session.commit()
    page = organizer_client.get("/dashboard/series/seminar/activity").get_data(as_text=True)
    assert page.count("<li>") == 200


def test_the_migration_makes_existing_accounts_administrators(app, db):
    from flask_migrate import downgrade, upgrade
    from sqlalchemy import text

    from prisec.extensions import init_migrations

    db.session.remove()
    init_migrations(app)
    downgrade(revision="0010")
    db.session.execute(
        text(
            "INSERT INTO organizer (email, name, password_hash, active, created_at)"
            " VALUES ('old@example.org', 'Old Hand', 'x', :yes, :now)"
        ),
        {"yes": True, "now": "2026-01-01 00:00:00"},
    )
    db.session.commit()
    upgrade(revision="heads")
    db.session.remove()
    assert _account(db, "old@example.org").role == Role.ADMIN
    assert create_organizer("new@example.org", "New", ORGANIZER_PASSWORD).role == Role.ORGANIZER


def _log_in(app, email: str):
    client = app.test_client()
    token = csrf_token(client.get("/login").get_data(as_text=True))
    response = client.post(
        "/login", data={"email": email, "password": ORGANIZER_PASSWORD, "csrf_token": token}
    )
    assert response.status_code == 302
    client.environ_base["HTTP_X_CSRFTOKEN"] = token
    return client


def test_an_organizer_of_no_series_is_told_so(app, organizer, create_series, db):
    create_series(slug="seminar", name="Seminar")
    create_organizer("new@example.org", "New", ORGANIZER_PASSWORD)
    db.session.commit()
    page = _log_in(app, "new@example.org").get("/dashboard").get_data(as_text=True)
    assert "You organize no series yet." in page
    # The site's public name may be the series' own; the page offers nothing of it.
    main = page.split('<main id="main"', 1)[1].split("</main>", 1)[0]
    assert "Seminar" not in main
    assert "/dashboard/series/seminar" not in page
    assert "Create a series" not in page


def test_activity_lists_announcements_and_speaker_proposals(
    app, organizer, create_series, create_talk, db
):
    from prisec.announcing.models import AnnouncementSend
    from prisec.speakerform import operations

    series = create_series(slug="seminar", name="Seminar")
    talk = create_talk(series=series, title="Private inference")
    db.session.add(
        AnnouncementSend(
            talk=talk, talk_version=talk.version, organizer=organizer, recipient="list@example.org"
        )
    )
    link, _ = operations.create_link(talk, organizer)
    proposal = operations.submit(
        link,
        {"title": "Private inference, revised", "abstract": "", "bio": "", "affiliation": "",
         "homepage": "", "photo": ""},
    )  # fmt: skip
    operations.accept(proposal, ["title"], organizer)
    db.session.commit()
    page = _log_in(app, organizer.email).get("/dashboard/series/seminar/activity")
    text = " ".join(re.sub(r"<[^>]+>", "", page.get_data(as_text=True)).split())
    assert "Ada Organizer. Accepted from the speaker: Title" in text
    assert "The speaker. Speaker proposal for “Private inference, revised”" in text
    assert "Ada Organizer. Speaker link made for" in text
    assert "Announcement of “Private inference, revised” sent to list@example.org" in text
