"""A benchmark archive of N published talks, written with bulk inserts in a few statements.

Talks of four series spread over ten past years, ten ahead (at most half of all), one or
two speakers each, every tenth rescheduled, abstracts and bios a few paragraphs long.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from serving import flask
from sqlalchemy import insert, text

PROJECT_ROOT = Path(__file__).resolve().parent.parent
ZONES = ("Europe/London", "America/Los_Angeles", "Asia/Kolkata", "America/New_York")
ABSTRACT = (
    "We study **membership inference** against models trained with DP-SGD, and show that "
    "auditing with $\\varepsilon$-canaries gives tight lower bounds; see "
    "[the paper](https://example.org/paper).\n\n"
    "- the attack needs *no* shadow models\n- it works on `CIFAR-10` and on language models\n\n"
    "Joint work with colleagues at three universities. "
) * 3
BIO = "Researcher in privacy-preserving machine learning, **differential privacy** and audits. " * 4


def migrate(instance: Path) -> None:
    """A fresh database in `instance` with every migration applied."""
    flask(instance, "db", "upgrade", "heads")


def fill(talks: int) -> None:
    """Insert `talks` published talks into the current app's database (inside an app context)."""
    from prisec.dataversion import invalidate_everything
    from prisec.extensions import db
    from prisec.models import Listing, Reschedule, Series, Speaker, Talk, TalkSpeaker, TalkStatus
    from prisec.search import refresh_search_index

    now = datetime.now(UTC).replace(second=0, microsecond=0)
    db.session.execute(
        insert(Series),
        [
            {"slug": f"series-{i}", "name": f"Seminar {i}", "timezone": zone}
            for i, zone in enumerate(ZONES)
        ],
    )
    speaker_count = max(5, talks // 4)
    db.session.execute(
        insert(Speaker),
        [
            {
                "name": f"Speaker Nº{i} Müller",
                "affiliation": "Universität Zürich",
                "honorific": "Dr.",
            }
            for i in range(speaker_count)
        ],
    )
    upcoming = min(10, talks // 2)
    past = talks - upcoming
    step = timedelta(days=10 * 365) / max(past, 1)
    rows = []
    for i in range(talks):
        # Past talks oldest first up to yesterday; then one a week from tomorrow.
        if i < past:
            start = now - timedelta(days=1) - step * (past - 1 - i)
        else:
            start = now + timedelta(days=1 + 7 * (i - past))
        rows.append(
            {
                "id": i + 1,
                "series_id": i % len(ZONES) + 1,
                "title": f"Talk {i}: auditing private learning, with commas; and semicolons",
                "abstract": f"{ABSTRACT}(Talk {i}.)",
                "bio": BIO,
                "start": start,
                "end": start + timedelta(hours=1),
                "registration_url": f"https://zoom.example/register/{i}",
                "status": TalkStatus.CANCELLED if i % 50 == 7 else TalkStatus.SCHEDULED,
                "listing": Listing.AUTO,
                "published": True,
                "created_at": now,
                "updated_at": now,
                "sequence": 1 if i % 10 == 3 else 0,
            }
        )
    db.session.execute(insert(Talk), rows)
    links = []
    for i in range(talks):
        links.append({"talk_id": i + 1, "speaker_id": i % speaker_count + 1, "position": 0})
        if i % 3 == 0:
            second = (i + 1) % speaker_count + 1
            links.append({"talk_id": i + 1, "speaker_id": second, "position": 1})
    db.session.execute(insert(TalkSpeaker), links)
    db.session.execute(
        insert(Reschedule),
        [
            {
                "talk_id": row["id"],
                "previous_start": row["start"] - timedelta(days=7),
                "previous_end": row["end"] - timedelta(days=7),
                "changed_at": now,
            }
            for row in rows
            if row["sequence"]
        ],
    )
    # A bulk insert bypasses the hook that raises the cache versions.
    invalidate_everything(db.session)
    refresh_search_index(db.session.connection())
    db.session.commit()
    db.session.execute(text("PRAGMA wal_checkpoint(TRUNCATE)"))


def build(instance: Path, talks: int) -> None:
    """Migrate and fill a database of `talks` talks under `instance`."""
    from prisec import create_app
    from prisec.extensions import db

    migrate(instance)
    app = create_app({"INSTANCE_PATH": str(instance)})
    with app.app_context():
        fill(talks)
        db.engine.dispose()


def edit_one_talk(instance: Path) -> None:
    """Retitle the newest talk through the real editing operation, as an organizer's save does."""
    from sqlalchemy import select

    from prisec import create_app
    from prisec.editing import record_revision
    from prisec.extensions import db
    from prisec.models import Talk

    app = create_app({"INSTANCE_PATH": str(instance)})
    with app.app_context():
        talk = db.session.scalar(select(Talk).order_by(Talk.start.desc()).limit(1))
        talk.title = "Retitled: " + talk.title
        record_revision(talk, None, "Edited")
        db.session.commit()
        db.engine.dispose()
