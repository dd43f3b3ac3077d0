"""The demo series seeded from the PriSec-ML page."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from prisec import demo, wallclock
from prisec.models import Series, Speaker, Talk


def _talks(db) -> dict[str, Talk]:
    return {t.speakers[0].name: t for t in db.session.scalars(select(Talk))}


def test_seeded_as_published_keeps_the_2021_page(db):
    demo.seed_demo(as_published=True)
    talks = _talks(db)
    assert set(talks) == {"Sara Hooker", "Reza Shokri", "Konrad Rieck"}
    shokri = talks["Reza Shokri"]
    assert shokri.start == datetime(2021, 11, 17, 13, 30, tzinfo=UTC)
    # 27 October 2021 was still British Summer Time: 13:30 London is 12:30 UTC.
    assert shokri.previous_starts == [datetime(2021, 10, 27, 12, 30, tzinfo=UTC)]
    assert talks["Sara Hooker"].start == datetime(2021, 11, 3, 16, 0, tzinfo=UTC)
    assert talks["Konrad Rieck"].start == datetime(2021, 10, 13, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    "now",
    [
        datetime(2026, 11, 25, 11, 0, tzinfo=UTC),
        datetime(2026, 11, 25, 17, 0, tzinfo=UTC),  # the moment Hooker's shifted talk ends
        datetime(2027, 3, 28, 0, 30, tzinfo=UTC),  # the night the clocks go forward
        datetime(2027, 7, 1, 9, 0, tzinfo=UTC),
        datetime(2021, 1, 1, tzinfo=UTC),  # before the page: nothing to shift
    ],
)
def test_shifted_demo_has_two_upcoming_and_one_past(db, now):
    demo.seed_demo(now=now)
    talks = _talks(db)
    assert talks["Sara Hooker"].is_upcoming(now)
    assert talks["Reza Shokri"].is_upcoming(now)
    assert not talks["Konrad Rieck"].is_upcoming(now) or now.year == 2021
    for name, (weekday, hour, minute) in {
        "Sara Hooker": (2, 16, 0),
        "Reza Shokri": (2, 13, 30),
        "Konrad Rieck": (2, 13, 0),
    }.items():
        local = wallclock.in_zone(talks[name].start, "Europe/London")
        assert (local.weekday(), local.hour, local.minute) == (weekday, hour, minute), name
    # The reschedule moved by the same weeks: still three weeks before the new date.
    shokri = talks["Reza Shokri"]
    old = wallclock.in_zone(shokri.previous_starts[0], "Europe/London")
    new = wallclock.in_zone(shokri.start, "Europe/London")
    assert new.date() - old.date() == timedelta(weeks=3)
    assert (old.hour, old.minute) == (13, 30)


def test_smallest_shift_is_chosen():
    now = datetime(2026, 11, 25, 11, 0, tzinfo=UTC)
    weeks = demo.weeks_to_shift(now)
    first = wallclock.to_utc(datetime(2021, 11, 3, 16, 0), "Europe/London")
    assert wallclock.shift_weeks(first, "Europe/London", weeks) > now
    assert wallclock.shift_weeks(first, "Europe/London", weeks - 1) + timedelta(hours=1) <= now


def test_seed_content_matches_the_page(db):
    series = demo.seed_demo(as_published=True)
    assert series.timezone == "Europe/London"
    assert "PriSec-ML" in series.description
    assert series.mailing_list_url.startswith("https://www.jiscmail.ac.uk/")
    assert "youtube.com/c/PrivacyandMachineLearningInterestGroup" in series.youtube_url
    assert series.calendar_ics_url.endswith("/public/basic.ics")
    assert [o.name for o in series.organizers] == [
        "Emiliano De Cristofaro",
        "Giovanni Cherubin",
        "Lorenzo Cavallaro",
        "Vasilis Mavroudis",
    ]
    talks = _talks(db)
    rieck = talks["Konrad Rieck"]
    # The page's mojibake "Universit√§t" is repaired.
    assert rieck.speakers[0].affiliation == "Technische Universität Braunschweig"
    assert rieck.speakers[0].honorific == "Prof."
    assert rieck.registration_url.startswith("https://ucl.zoom.us/meeting/register/")
    assert rieck.livestream_url == "https://youtu.be/kCKayHjZd3E"
    assert "image scaling" in rieck.abstract
    assert talks["Reza Shokri"].abstract == ""  # "TBA" on the page
    assert talks["Sara Hooker"].speakers[0].affiliation == "Google Brain"
    assert all(t.published for t in talks.values())


def test_seed_demo_is_idempotent(db, runner):
    first = runner.invoke(args=["seed-demo"])
    assert "Seeded demo series" in first.output
    second = runner.invoke(args=["seed-demo"])
    assert "already exists" in second.output
    assert db.session.scalar(select(func.count()).select_from(Talk)) == 3
    assert db.session.scalar(select(func.count()).select_from(Speaker)) == 3


def test_seed_demo_if_empty_leaves_a_used_site_alone(db, runner, create_series):
    create_series(slug="reading-group", name="Reading Group")
    result = runner.invoke(args=["seed-demo", "--if-empty"])
    assert "not seeded" in result.output
    assert db.session.scalar(select(func.count()).select_from(Series)) == 1


def test_seed_demo_as_published_flag(db, runner):
    runner.invoke(args=["seed-demo", "--as-published"])
    assert _talks(db)["Sara Hooker"].start.year == 2021
