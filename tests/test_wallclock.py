"""Wall-clock times in a series' zone and their UTC instants, DST included."""

from datetime import UTC, date, datetime, time, timedelta

import pytest

from prisec import wallclock


@pytest.mark.parametrize(
    ("local", "expected_utc"),
    [
        # 13:30 London is BST (UTC+1) in July and GMT in December.
        (datetime(2026, 7, 15, 13, 30), datetime(2026, 7, 15, 12, 30, tzinfo=UTC)),
        (datetime(2026, 12, 16, 13, 30), datetime(2026, 12, 16, 13, 30, tzinfo=UTC)),
    ],
)
def test_london_wall_clock_to_utc_across_seasons(local, expected_utc):
    assert wallclock.to_utc(local, "Europe/London") == expected_utc


def test_time_skipped_by_spring_forward_is_refused():
    with pytest.raises(wallclock.NonexistentTime, match="does not exist"):
        wallclock.to_utc(datetime(2026, 3, 29, 1, 30), "Europe/London")


def test_time_repeated_by_autumn_fold_needs_a_choice():
    local = datetime(2026, 10, 25, 1, 30)
    with pytest.raises(wallclock.AmbiguousTime, match="happens twice"):
        wallclock.to_utc(local, "Europe/London")
    assert wallclock.to_utc(local, "Europe/London", fold=0) == datetime(
        2026, 10, 25, 0, 30, tzinfo=UTC
    )
    assert wallclock.to_utc(local, "Europe/London", fold=1) == datetime(
        2026, 10, 25, 1, 30, tzinfo=UTC
    )


def test_non_european_zones():
    assert wallclock.to_utc(datetime(2026, 6, 10, 9, 0), "America/Los_Angeles") == datetime(
        2026, 6, 10, 16, 0, tzinfo=UTC
    )
    assert wallclock.to_utc(datetime(2026, 1, 10, 18, 0), "Asia/Kolkata") == datetime(
        2026, 1, 10, 12, 30, tzinfo=UTC
    )


def test_unknown_zone_is_a_value_error():
    with pytest.raises(ValueError, match="unknown time zone"):
        wallclock.to_utc(datetime(2026, 1, 1, 12), "Mars/Olympus_Mons")
    assert not wallclock.is_valid_zone("Mars/Olympus_Mons")
    assert wallclock.is_valid_zone("Europe/London")


def test_aware_input_is_refused():
    with pytest.raises(ValueError, match="naive"):
        wallclock.to_utc(datetime(2026, 1, 1, tzinfo=UTC), "Europe/London")


def test_shift_weeks_keeps_wall_clock_across_dst():
    # 13:30 BST in October, moved four weeks into GMT: still 13:30 on the clock.
    october = wallclock.to_utc(datetime(2021, 10, 27, 13, 30), "Europe/London")
    moved = wallclock.shift_weeks(october, "Europe/London", 3)
    local = wallclock.in_zone(moved, "Europe/London")
    assert (local.date().isoformat(), local.hour, local.minute) == ("2021-11-17", 13, 30)
    assert moved == datetime(2021, 11, 17, 13, 30, tzinfo=UTC)
    assert moved - october == timedelta(weeks=3, hours=1)  # the clocks went back


def test_display_helpers():
    instant = datetime(2021, 11, 17, 13, 30, tzinfo=UTC)
    local = wallclock.in_zone(instant, "Europe/London")
    assert wallclock.format_date(local) == "17 November 2021"
    assert wallclock.format_time(local) == "13:30"
    assert wallclock.zone_abbreviation(local) == "GMT"
    assert wallclock.zone_abbreviation(wallclock.in_zone(instant, "Asia/Kolkata")) == "IST"
    # Zones without letters get a readable offset instead of "-03".
    assert wallclock.zone_abbreviation(wallclock.in_zone(instant, "America/Sao_Paulo")) == "UTC-03"
    assert wallclock.zone_abbreviation(wallclock.in_zone(instant, "Asia/Kathmandu")) == "UTC+05:45"
    assert wallclock.iso_utc(local) == "2021-11-17T13:30:00Z"
    url = wallclock.worldclock_url(instant, "Privacy Auditing")
    assert "iso=20211117T1330" in url
    assert "p1=1440" in url
    assert "msg=Privacy+Auditing" in url


def test_a_date_before_the_first_instant_is_a_wall_clock_error():
    # Midnight on 1 January of year 1 in Canberra is before datetime's first UTC instant.
    with pytest.raises(wallclock.WallClockError, match="outside the dates"):
        wallclock.combine(date(1, 1, 1), time(0, 0), "Australia/ACT")
