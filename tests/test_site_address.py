"""PRISEC_SITE_URL: the public address outside a request, and calendar UIDs that never change."""

from __future__ import annotations

from pathlib import Path

from flask import url_for

from tests.helpers import make_app

SITE_URL = "https://seminars.example.org/"


def _uid(app, talk_id: int) -> str:
    body = app.test_client().get(f"/talks/{talk_id}.ics").get_data(as_text=True)
    return next(line for line in body.splitlines() if line.startswith("UID:"))


def _with_site_url(app, **config):
    return make_app(Path(app.instance_path), SITE_URL=SITE_URL, TRUSTED_HOSTS="localhost", **config)


def test_a_site_that_published_under_localhost_keeps_its_uids(app, create_talk):
    talk = create_talk()
    assert _uid(app, talk.id) == f"UID:talk-{talk.id}@localhost"
    moved = _with_site_url(app)
    assert moved.config["SITE_HOST"] == "localhost"
    assert _uid(moved, talk.id) == f"UID:talk-{talk.id}@localhost"
    # Decided once: the next start reads the same host.
    assert (Path(app.instance_path) / "calendar_host").read_text().strip() == "localhost"


def test_a_new_site_takes_the_host_of_its_address_for_good(app, create_talk):
    fresh = _with_site_url(app)
    assert fresh.config["SITE_HOST"] == "seminars.example.org"
    talk = create_talk()
    again = _with_site_url(app)
    assert _uid(again, talk.id) == f"UID:talk-{talk.id}@seminars.example.org"


def test_an_explicit_site_host_wins(app, create_talk):
    create_talk()
    chosen = _with_site_url(app, SITE_HOST="calendar.example.org")
    assert chosen.config["SITE_HOST"] == "calendar.example.org"


def test_links_outside_a_request_use_the_site_url_with_its_sub_path(app):
    site = make_app(Path(app.instance_path), SITE_URL="https://www.example.org/seminars/")
    with site.app_context():
        assert url_for("schedule.index", _external=True) == "https://www.example.org/seminars/"
        assert url_for("auth.reset", token="t", _external=True) == (
            "https://www.example.org/seminars/reset/t"
        )
