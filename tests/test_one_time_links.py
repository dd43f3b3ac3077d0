"""One-time links used at once by several people through the real server: they work once."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from prisec.auth.accounts import (
    RESET_LIFETIME,
    create_account_token,
    create_invite,
    create_organizer,
    organizer_by_email,
)
from prisec.extensions import db
from tests.browser.conftest import _flask, serve
from tests.helpers import make_app, raw_sql
from tests.liveclient import Organizer, form_fields

CLIENTS = 6
PASSWORD = "a one-time link test password"


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Iterator[tuple[str, Path]]:
    """An empty site with one organizer, under waitress with enough threads for every client."""
    instance = tmp_path_factory.mktemp("one-time-links")
    _flask(instance, "db", "upgrade", "heads")
    app = make_app(instance)
    with app.app_context():
        create_organizer("ada@example.org", "Ada Organizer", PASSWORD)
        db.session.commit()
        db.engine.dispose()
    with serve(instance) as url:
        yield url, instance


def _new_invitation(instance: Path) -> str:
    app = make_app(instance)
    with app.app_context():
        inviter = organizer_by_email("ada@example.org")
        _, token = create_invite(inviter)
        db.session.commit()
        db.engine.dispose()
    return f"/invite/{token}"


def _all_at_once(work, count: int = CLIENTS) -> list:
    """Run `work(number, barrier)` in `count` threads; their results, or the first error."""
    results: list = [None] * count
    failures: list[BaseException] = []
    barrier = threading.Barrier(count)

    def run(number: int) -> None:
        try:
            results[number] = work(number, barrier)
        except BaseException as error:  # noqa: BLE001 -- reported by the main thread
            failures.append(error)
            barrier.abort()

    threads = [threading.Thread(target=run, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not failures, failures
    return results


def test_six_simultaneous_submissions_of_one_invitation_create_one_account(site):
    base, instance = site
    link = _new_invitation(instance)

    def accept(number: int, barrier: threading.Barrier) -> int:
        browser = Organizer(base)
        status, html, _ = browser.request(link)
        assert status == 200, status
        fields = [
            (name, value)
            for name, value in form_fields(html, "confirm")
            if name not in {"name", "email", "password", "confirm"}
        ]
        fields += [
            ("name", f"Invited {number}"),
            ("email", f"invited{number}@example.org"),
            ("password", PASSWORD),
            ("confirm", PASSWORD),
        ]
        barrier.wait()
        status, _, _ = browser.request(link, fields)
        return status

    statuses = _all_at_once(accept)
    assert sorted(statuses) == [302] + [410] * (CLIENTS - 1), statuses
    app = make_app(instance)
    accounts = raw_sql(app, "SELECT email FROM organizer WHERE email LIKE 'invited%'")
    assert len(accounts) == 1, accounts
    used_by = raw_sql(app, "SELECT used_by_id FROM organizer_invite")
    assert used_by[-1][0] is not None


def test_six_simultaneous_uses_of_one_reset_link_change_the_password_once(site):
    base, instance = site
    app = make_app(instance)
    with app.app_context():
        token = create_account_token(organizer_by_email("ada@example.org"), "reset", RESET_LIFETIME)
        db.session.commit()
        db.engine.dispose()
    link = f"/reset/{token}"

    def reset(number: int, barrier: threading.Barrier) -> int:
        browser = Organizer(base)
        status, html, _ = browser.request(link)
        assert status == 200, status
        password = f"new password number {number} of six"
        fields = [
            (name, value)
            for name, value in form_fields(html, "confirm")
            if name not in {"password", "confirm"}
        ]
        barrier.wait()
        status, _, _ = browser.request(
            link, [*fields, ("password", password), ("confirm", password)]
        )
        return status

    statuses = _all_at_once(reset)
    assert sorted(statuses) == [302] + [410] * (CLIENTS - 1), statuses
    winner = statuses.index(302)
    # The one password that was saved is the winner's.
    Organizer(base).log_in("ada@example.org", f"new password number {winner} of six")
