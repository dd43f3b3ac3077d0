"""The first start: the token-guarded setup page, `flask setup`, PRISEC_DEMO and the demo banner."""

from __future__ import annotations

import stat
import threading
from datetime import time
from pathlib import Path

from sqlalchemy import func, select

from prisec import demo
from prisec.models import Organizer, Series
from tests.conftest import ORGANIZER_PASSWORD
from tests.helpers import csrf_token, make_app

PASSWORD = "a first administrator's password"


def token_path(instance_path: str) -> Path:
    """Where the server keeps the setup token (imported late: the app's rooms import in order)."""
    from prisec.setup.token import token_path as path_of_token

    return path_of_token(instance_path)


def _token(app) -> str:
    return token_path(app.instance_path).read_text().strip()


def _form(**overrides: str) -> dict[str, str]:
    return {
        "name": "Ada Lovelace",
        "email": "Ada@Example.org",
        "password": PASSWORD,
        "confirm": PASSWORD,
        "series_name": "Reading Group on Robust ML",
        "timezone": "America/New_York",
        "weekday": "3",
        "start_time": "16:30",
        **overrides,
    }


def _open_setup(client, token: str):
    """The setup form, as the link printed on the console opens it; returns its CSRF token."""
    response = client.get(f"/setup?token={token}")
    assert response.status_code == 200
    return csrf_token(response.get_data(as_text=True))


def _accounts(db) -> int:
    return db.session.scalar(select(func.count()).select_from(Organizer))


def test_the_token_is_kept_in_a_file_only_its_owner_reads(app, client):
    response = client.get("/setup")
    assert response.status_code == 200
    assert "one-time token the server printed on its console" in response.get_data(as_text=True)
    path = token_path(app.instance_path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert len(_token(app)) >= 40


def test_a_wrong_token_opens_nothing(app, client, db):
    client.get("/setup")
    response = client.get("/setup?token=guessed")
    assert response.status_code == 403
    assert "not the one this server issued" in response.get_data(as_text=True)
    # Nor can a POST with a guessed token create an account.
    form_token = _open_setup(client, _token(app))
    response = client.post("/setup", data={**_form(), "csrf_token": form_token, "token": "guess"})
    assert response.status_code == 403
    assert _accounts(db) == 0


def test_setup_creates_the_administrator_and_series_and_lands_on_its_dashboard(app, client, db):
    client.get("/setup")
    token = _token(app)
    form_token = _open_setup(client, token)
    response = client.post("/setup", data={**_form(), "csrf_token": form_token, "token": token})
    assert response.status_code == 303
    series = db.session.scalar(select(Series))
    assert response.headers["Location"] == f"/dashboard/series/{series.slug}"
    assert (series.name, series.timezone) == ("Reading Group on Robust ML", "America/New_York")
    assert (series.recurrence_weekday, series.recurrence_weeks) == (3, 1)
    assert series.default_start_time == time(16, 30)
    account = db.session.scalar(select(Organizer))
    assert (account.email, account.name) == ("ada@example.org", "Ada Lovelace")

    # Logged in: the dashboard opens without a login.
    dashboard = client.get(response.headers["Location"])
    assert dashboard.status_code == 200
    assert "Reading Group on Robust ML" in dashboard.get_data(as_text=True)
    assert "Welcome, Ada Lovelace" in dashboard.get_data(as_text=True)

    # The token is spent, and with an account the page is gone.
    assert not token_path(app.instance_path).exists()
    assert client.get(f"/setup?token={token}").status_code == 404
    again = client.post("/setup", data={**_form(email="eve@example.org"), "token": token})
    assert again.status_code in (400, 404)
    assert app.test_client().get("/setup").status_code == 404
    assert _accounts(db) == 1


def test_refused_values_are_explained_beside_their_field_and_keep_the_token(app, client, db):
    client.get("/setup")
    token = _token(app)
    form_token = _open_setup(client, token)
    response = client.post(
        "/setup",
        data={
            **_form(timezone="Mars/Olympus", confirm="something else", series_name=""),
            "csrf_token": form_token,
            "token": token,
        },
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Enter an IANA time zone such as Europe/London" in page
    assert "The two passwords differ." in page
    assert "Enter the series&#39; name." in page
    assert f'value="{token}"' in page  # the form can be corrected and sent again
    assert _accounts(db) == 0
    assert _token(app) == token


def test_script_in_the_setup_form_is_stored_as_text(app, client, db):
    client.get("/setup")
    token = _token(app)
    form_token = _open_setup(client, token)
    evil = '<script>alert("x")</script>'
    response = client.post(
        "/setup",
        data={**_form(series_name=evil, name=evil), "csrf_token": form_token, "token": token},
    )
    assert response.status_code == 303
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert evil not in page
    assert "&lt;script&gt;" in page


def test_two_workers_agree_on_one_token_and_print_it_at_start(app, capsys):
    from prisec.setup import announce
    from prisec.setup.token import issue_token

    other = make_app(Path(app.instance_path))  # a second worker over the same instance
    announce(app)
    announce(other)
    printed = capsys.readouterr().err
    token = _token(app)
    assert printed.count(f"http://127.0.0.1:5000/setup?token={token}") == 2
    assert issue_token(other.instance_path) == (token, False)


def test_nothing_is_printed_once_an_account_exists(app, organizer, capsys):
    from prisec.setup import announce

    announce(app)
    assert capsys.readouterr().err == ""
    assert not token_path(app.instance_path).exists()


def test_two_submissions_of_the_token_at_once_create_one_administrator(app, db):
    app.test_client().get("/setup")
    token = _token(app)
    # Two workers over one instance, each with a visitor holding the token.
    workers = [make_app(Path(app.instance_path)) for _ in range(2)]
    clients = [worker.test_client() for worker in workers]
    forms = [_open_setup(c, token) for c in clients]
    start = threading.Barrier(2)
    statuses: list[int] = []

    def submit(index: int) -> None:
        start.wait()
        response = clients[index].post(
            "/setup",
            data={
                **_form(email=f"admin{index}@example.org"),
                "csrf_token": forms[index],
                "token": token,
            },
        )
        statuses.append(response.status_code)

    threads = [threading.Thread(target=submit, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == [303, 404]
    assert not token_path(app.instance_path).exists()  # and no new token left behind
    db.session.expire_all()
    assert _accounts(db) == 1
    assert db.session.scalar(select(func.count()).select_from(Series)) == 1


def test_flask_setup_from_a_script(app, runner, db):
    app.test_client().get("/setup")  # a token was issued; the terminal needs none
    result = runner.invoke(
        args=[
            "setup",
            "--email", "grace@example.org",
            "--name", "Grace Hopper",
            "--series", "Compilers Seminar",
            "--timezone", "Europe/Berlin",
            "--weekday", "wednesday",
            "--time", "14:15",
        ],
        input=PASSWORD + "\n",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "Created administrator Grace Hopper <grace@example.org>" in result.output
    series = db.session.scalar(select(Series))
    assert (series.name, series.timezone, series.recurrence_weekday) == (
        "Compilers Seminar",
        "Europe/Berlin",
        2,
    )
    assert series.default_start_time == time(14, 15)
    assert not token_path(app.instance_path).exists()
    client = app.test_client()
    assert client.get("/setup").status_code == 404
    login_token = csrf_token(client.get("/login").get_data(as_text=True))
    login = client.post(
        "/login",
        data={"email": "grace@example.org", "password": PASSWORD, "csrf_token": login_token},
    )
    assert login.status_code == 302

    again = runner.invoke(
        args=["setup", "--email", "x@example.org", "--name", "X", "--series", "S",
              "--timezone", "UTC", "--weekday", "none", "--time", "10:00"],
        input=PASSWORD + "\n",
    )  # fmt: skip
    assert again.exit_code != 0
    assert "set up already" in again.output
    assert _accounts(db) == 1


def test_flask_setup_refuses_bad_values_and_writes_nothing(runner, db):
    base = ["setup", "--email", "grace@example.org", "--name", "Grace Hopper",
            "--series", "Compilers", "--weekday", "none", "--time", "14:15"]  # fmt: skip
    result = runner.invoke(args=[*base, "--timezone", "Europe/Atlantis"], input=PASSWORD + "\n")
    assert result.exit_code != 0
    assert "IANA time zone" in result.output
    short = runner.invoke(args=[*base, "--timezone", "UTC"], input="short\n")
    assert short.exit_code != 0
    assert "at least 12 characters" in short.output
    missing = runner.invoke(args=["setup", "--email", "grace@example.org"], input="x\n")
    assert missing.exit_code != 0
    assert "--name" in missing.output
    assert _accounts(db) == 0
    assert db.session.scalar(select(func.count()).select_from(Series)) == 0


def test_prisec_demo_0_seeds_nothing(app, runner, db):
    app.config["DEMO"] = 0  # PRISEC_DEMO=0, as read from the environment
    result = runner.invoke(args=["seed-demo", "--if-empty"])
    assert result.exit_code == 0
    assert "demo not seeded" in result.output
    assert db.session.scalar(select(func.count()).select_from(Series)) == 0
    assert [demo.demo_wanted({"DEMO": v}) for v in ("0", "false", "off", "1", 1, True)] == [
        False,
        False,
        False,
        True,
        True,
        True,
    ]
    assert demo.demo_wanted({})


def test_an_emptied_site_with_an_account_does_not_get_the_demo_back(runner, db, organizer):
    result = runner.invoke(args=["seed-demo", "--if-empty"])
    assert "demo not seeded" in result.output
    assert db.session.scalar(select(func.count()).select_from(Series)) == 0


def test_every_page_of_the_demo_says_it_is_a_demo_and_how_to_remove_it(app, client, db):
    demo.seed_demo()
    for path in ("/", "/talks", "/calendar/help", "/papers", "/login"):
        page = client.get(path).get_data(as_text=True)
        assert "This is a demo." in page, path
        assert "flask setup" in page, path
        assert "make run DEMO=0" in page, path
    # With an account, removing it is the administrator's delete.
    from prisec.auth.accounts import create_organizer

    create_organizer("ada@example.org", "Ada", ORGANIZER_PASSWORD)
    db.session.commit()
    page = app.test_client().get("/").get_data(as_text=True)
    assert "an administrator deletes the series from its settings" in page


def test_a_real_series_shows_no_demo_banner(client, create_talk):
    create_talk(title="A real talk")
    assert "This is a demo." not in client.get("/").get_data(as_text=True)


def test_the_migration_marks_a_demo_seeded_before_it(app, db, organizer):
    from flask_migrate import downgrade, upgrade

    from prisec.editing import update_talk
    from prisec.extensions import init_migrations

    demo.seed_demo()
    organizer_id = organizer.id
    db.session.remove()
    init_migrations(app)

    def migrated_again() -> bool:
        downgrade(revision="0012")
        upgrade(revision="heads")
        db.session.remove()
        return db.session.scalar(select(Series.is_demo).where(Series.slug == "prisec-ml"))

    assert migrated_again() is True
    # Once an organizer edited its talks, the PriSec-ML series is the group's own.
    talk = db.session.scalar(select(Series).where(Series.slug == "prisec-ml")).talks[0]
    update_talk(talk, organizer=db.session.get(Organizer, organizer_id), title="Edited")
    db.session.commit()
    db.session.remove()
    assert migrated_again() is False


def test_setup_reads_the_zone_in_any_case_and_needs_no_time_without_a_day(app, client, db):
    client.get("/setup")
    token = _token(app)
    form_token = _open_setup(client, token)
    near = client.post(
        "/setup",
        data={**_form(timezone="Asia/Tokio"), "csrf_token": form_token, "token": token},
    )
    assert near.status_code == 422
    assert "Did you mean Asia/Tokyo?" in near.get_data(as_text=True)
    with_day = client.post(
        "/setup",
        data={**_form(start_time=""), "csrf_token": form_token, "token": token},
    )
    assert with_day.status_code == 422
    assert "Enter the usual start time." in with_day.get_data(as_text=True)
    response = client.post(
        "/setup",
        data={
            **_form(timezone="asia/tokyo", weekday="", start_time=""),
            "csrf_token": form_token,
            "token": token,
        },
    )
    assert response.status_code == 303
    series = db.session.scalar(select(Series))
    assert series.timezone == "Asia/Tokyo"
    assert series.recurrence_weekday is None
    assert series.default_start_time == time(13, 0)
