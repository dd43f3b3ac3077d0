"""Organizers editing the same talks at once through the real server: nothing is lost silently."""

from __future__ import annotations

import json
import random
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from prisec.auth.accounts import create_organizer
from prisec.extensions import db
from prisec.models import Role, Series
from tests.browser.conftest import _flask, serve
from tests.helpers import make_app, raw_sql
from tests.liveclient import Organizer, replace

PASSWORD = "a concurrency test password"
CLIENTS = 6
SAVES_PER_CLIENT = 8
TALKS = (1, 2)


def add_organizers(instance: Path, count: int) -> list[str]:
    """`count` organizer accounts, each an organizer of every series; their emails."""
    app = make_app(instance)
    emails = [f"organizer{i}@example.org" for i in range(count)]
    with app.app_context():
        every_series = list(db.session.scalars(db.select(Series)))
        for i, email in enumerate(emails):
            account = create_organizer(email, f"Organizer {i}", PASSWORD, role=Role.ORGANIZER)
            account.series = every_series
        db.session.commit()
        db.engine.dispose()
    return emails


@pytest.fixture(scope="module")
def busy_site(tmp_path_factory) -> Iterator[tuple[str, Path, list[str]]]:
    """The demo site with several organizers, under waitress."""
    instance = tmp_path_factory.mktemp("concurrency-instance")
    _flask(instance, "db", "upgrade", "heads")
    _flask(instance, "seed-demo", "--if-empty")
    emails = add_organizers(instance, CLIENTS)
    with serve(instance) as url:
        yield url, instance, emails


def test_concurrent_edits_land_or_conflict_and_history_has_every_landed_save(busy_site):
    base, instance, emails = busy_site
    outcomes: list[tuple[int, str, int]] = []  # (talk, title, status)
    failures: list[BaseException] = []
    lock = threading.Lock()
    start = threading.Barrier(CLIENTS)

    def organizer_at_work(number: int) -> None:
        try:
            client = Organizer(base)
            client.log_in(emails[number], PASSWORD)
            rng = random.Random(number)
            start.wait()
            for save in range(SAVES_PER_CLIENT):
                talk = rng.choice(TALKS)
                fields = client.edit_form(talk)
                title = f"Edit {number}-{save} of talk {talk}"
                status = client.save_talk(talk, replace(fields, title=title))
                with lock:
                    outcomes.append((talk, title, status))
        except BaseException as error:  # noqa: BLE001 -- reported by the main thread
            failures.append(error)

    workers = [threading.Thread(target=organizer_at_work, args=(n,)) for n in range(CLIENTS)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=120)
    assert not failures, failures
    assert len(outcomes) == CLIENTS * SAVES_PER_CLIENT
    statuses = {status for _, _, status in outcomes}
    assert statuses <= {303, 409}, statuses
    landed = {(talk, title) for talk, title, status in outcomes if status == 303}
    refused = {(talk, title) for talk, title, status in outcomes if status == 409}
    assert landed, "no save landed"

    app = make_app(instance)
    history = [
        (talk, (json.loads(snapshot) if isinstance(snapshot, str) else snapshot)["title"], version)
        for talk, snapshot, version in raw_sql(
            app,
            "SELECT talk_id, snapshot, talk_version "
            "FROM talk_revision WHERE talk_id IN (1, 2) ORDER BY talk_id, talk_version",
        )
    ]
    current = dict(raw_sql(app, "SELECT id, title FROM talk WHERE id IN (1, 2)"))
    recorded = [(talk, title) for talk, title, _ in history if title.startswith("Edit ")]
    # Every landed save has exactly one revision; no refused save has any.
    assert sorted(recorded) == sorted(landed)
    assert not refused & set(recorded)
    # Versions rise by one with each revision: no two saves wrote the same version.
    for talk in TALKS:
        versions = [version for t, _, version in history if t == talk]
        assert versions == sorted(set(versions))
        last = [title for t, title, _ in history if t == talk][-1]
        assert current[talk] == last
