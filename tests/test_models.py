"""Model rules: listing, UTC storage, reschedule history, revisions and versions."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select
from sqlalchemy.orm.exc import StaleDataError

from prisec import wallclock
from prisec.editing import reschedule_talk
from prisec.models import (
    Listing,
    Talk,
    TalkStatus,
    listed_upcoming,
    past_clause,
    slugify,
    upcoming_clause,
)
from tests.helpers import raw_sql

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("listing", "end", "upcoming"),
    [
        (Listing.AUTO, NOW + timedelta(minutes=1), True),
        (Listing.AUTO, NOW, False),  # ended at this very instant
        (Listing.AUTO, NOW - timedelta(days=30), False),
        (Listing.UPCOMING, NOW - timedelta(days=30), True),  # pinned despite the clock
        (Listing.PAST, NOW + timedelta(days=30), False),
    ],
)
def test_listing_rule(listing, end, upcoming):
    assert listed_upcoming(listing, end, NOW) is upcoming


def test_listing_rule_in_sql_agrees_with_python(db, create_talk):
    cases = [
        (Listing.AUTO, NOW + timedelta(hours=2)),
        (Listing.AUTO, NOW - timedelta(hours=2)),
        (Listing.UPCOMING, NOW - timedelta(days=3)),
        (Listing.PAST, NOW + timedelta(days=3)),
    ]
    talks = [create_talk(start=end - timedelta(hours=1), listing=lst) for lst, end in cases]
    upcoming = set(db.session.scalars(select(Talk.id).where(upcoming_clause(NOW))))
    past = set(db.session.scalars(select(Talk.id).where(past_clause(NOW))))
    for talk in talks:
        assert (talk.id in upcoming) is talk.is_upcoming(NOW)
        assert (talk.id in past) is not talk.is_upcoming(NOW)


def test_times_are_stored_as_utc_and_read_back_aware(app, db, create_talk):
    london = ZoneInfo("Europe/London")
    start = datetime(2026, 7, 15, 13, 30, tzinfo=london)
    talk = create_talk(start=start)
    db.session.expire_all()
    reloaded = db.session.get(Talk, talk.id)
    assert reloaded.start == start
    assert reloaded.start.tzinfo is UTC
    stored = raw_sql(app, f"SELECT start FROM talk WHERE id = {talk.id}")[0][0]
    if isinstance(stored, str):  # SQLite keeps text without an offset: it must be UTC
        assert stored.startswith("2026-07-15 12:30:00")
    else:  # PostgreSQL keeps the instant itself (timestamptz)
        assert stored == datetime(2026, 7, 15, 12, 30, tzinfo=UTC)


def test_naive_datetimes_are_refused(db, create_talk):
    talk = create_talk()
    talk.start = datetime(2026, 1, 1, 12, 0)
    with pytest.raises(Exception, match="naive datetime"):
        db.session.commit()
    db.session.rollback()


@pytest.mark.parametrize(
    ("local", "utc_hour"),
    [(datetime(2026, 7, 15, 13, 30), 12), (datetime(2026, 12, 16, 13, 30), 13)],
)
def test_talk_at_london_wall_clock_stores_the_right_instant(db, create_talk, local, utc_hour):
    start = wallclock.to_utc(local, "Europe/London")
    talk = create_talk(start=start)
    db.session.expire_all()
    stored = db.session.get(Talk, talk.id).start
    assert (stored.hour, stored.minute) == (utc_hour, 30)
    assert wallclock.in_zone(stored, "Europe/London").hour == 13


def test_reschedule_keeps_every_earlier_start_in_order(db, create_talk):
    first = datetime(2026, 10, 28, 13, 0, tzinfo=UTC)
    talk = create_talk(start=first)
    second = first + timedelta(weeks=3)
    third = second + timedelta(weeks=1, hours=2)
    reschedule_talk(talk, second, reason="Speaker ill")
    db.session.commit()
    reschedule_talk(talk, third)
    db.session.commit()
    db.session.expire_all()
    talk = db.session.get(Talk, talk.id)
    assert talk.previous_starts == [first, second]
    assert talk.start == third
    assert talk.end == third + timedelta(hours=1)  # the duration is kept
    assert talk.reschedules[0].reason == "Speaker ill"


def test_reschedule_refuses_nonsense(create_talk):
    talk = create_talk()
    with pytest.raises(ValueError, match="current time"):
        reschedule_talk(talk, talk.start)
    with pytest.raises(ValueError, match="end after"):
        reschedule_talk(talk, talk.start + timedelta(days=1), talk.start)


def test_every_change_is_a_revision_and_calendar_changes_raise_sequence(db, create_talk):
    talk = create_talk(title="Old title")
    assert [r.summary for r in talk.revisions] == ["Created"]
    assert (talk.version, talk.sequence) == (1, 0)

    reschedule_talk(talk, talk.start + timedelta(days=7))
    db.session.commit()
    assert (talk.version, talk.sequence) == (2, 1)

    from prisec.editing import record_revision

    talk.title = "New title"
    record_revision(talk, None, "Edited")
    db.session.commit()
    # The title is on the face of the calendar event: SEQUENCE rises with it.
    assert (talk.version, talk.sequence) == (3, 2)
    assert talk.revisions[-1].changes == {"title": ["Old title", "New title"]}
    assert [r.talk_version for r in talk.revisions] == [1, 2, 3]

    talk.status = TalkStatus.CANCELLED
    record_revision(talk, None, "Cancelled")
    db.session.commit()
    assert talk.sequence == 3

    talk.abstract = "A new abstract."
    record_revision(talk, None, "Edited")
    db.session.commit()
    # Not on the face of the event: version rises, SEQUENCE does not.
    assert (talk.version, talk.sequence) == (5, 3)


def test_a_stale_save_is_refused_not_silently_applied(app, db, create_talk):
    talk = create_talk(title="Original")
    # Another organizer saves first, straight to the database.
    raw_sql(app, f"UPDATE talk SET title = 'Theirs', version = version + 1 WHERE id = {talk.id}")
    talk.title = "Mine"
    with pytest.raises(StaleDataError):
        db.session.commit()
    db.session.rollback()
    assert raw_sql(app, f"SELECT title FROM talk WHERE id = {talk.id}") == [("Theirs",)]


def test_speakers_keep_their_order(create_talk, create_speaker):
    first, second = create_speaker(name="Ada Lovelace"), create_speaker(name="Alan Turing")
    talk = create_talk(speakers=[second, first])
    assert [s.name for s in talk.speakers] == ["Alan Turing", "Ada Lovelace"]
    assert first.initials == "AL"
    assert second.display_name == "Dr. Alan Turing"


@pytest.mark.parametrize(
    ("title", "slug"),
    [
        ("Privacy Auditing in Machine Learning", "privacy-auditing-in-machine-learning"),
        ("Adversarial Preprocessing: Image-Scaling!", "adversarial-preprocessing-image-scaling"),
        ("Universität Braunschweig", "universitat-braunschweig"),
        ("$\\varepsilon$-DP", "varepsilon-dp"),
        ("<script>", "script"),
        ("数学", ""),
    ],
)
def test_slugify(title, slug):
    assert slugify(title) == slug


def test_slugify_cuts_long_titles_at_a_word():
    slug = slugify(
        "The myth of the interpretable, robust, compact and high performance deep neural network"
    )
    assert len(slug) <= 60
    assert slug.endswith("high")
