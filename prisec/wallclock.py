"""Time-zone arithmetic: wall-clock times in a series' zone to and from UTC instants."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, tzinfo
from urllib.parse import urlencode
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones


class WallClockError(ValueError):
    """A wall-clock time that does not name exactly one instant."""


class NonexistentTime(WallClockError):
    """A local time skipped by a spring-forward change (01:30 on London's last March Sunday)."""


class AmbiguousTime(WallClockError):
    """A local time that happens twice at an autumn fold; `fold` must say which."""


def zone(name: str) -> ZoneInfo:
    """The IANA zone of that name; ValueError when unknown."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"unknown time zone {name!r}") from exc


def is_valid_zone(name: str) -> bool:
    """Whether `name` is an IANA time-zone name known to this machine."""
    return name in available_timezones()


def to_utc(local: datetime, zone_name: str, fold: int | None = None) -> datetime:
    """The UTC instant of a naive wall-clock time in `zone_name`.

    Refuses a time skipped by a DST change, and an ambiguous one unless `fold`
    (0 for the first occurrence, 1 for the second) says which is meant.
    """
    if local.tzinfo is not None:
        raise ValueError("to_utc takes a naive wall-clock time")
    try:
        return _to_utc(local, zone(zone_name), zone_name, fold)
    except OverflowError as exc:
        # 1 January of year 1 east of Greenwich is before the first instant Python knows.
        raise WallClockError(f"{local:%Y-%m-%d} is outside the dates a calendar holds") from exc


def _to_utc(local: datetime, tz: tzinfo, zone_name: str, fold: int | None) -> datetime:
    first = local.replace(tzinfo=tz, fold=0)
    second = local.replace(tzinfo=tz, fold=1)
    if first.utcoffset() != second.utcoffset():
        # Either a gap (the time never shows on a clock) or a fold (it shows twice).
        when = f"{local:%H:%M} on {local.day} {local:%B %Y}"
        round_trip = first.astimezone(UTC).astimezone(tz).replace(tzinfo=None)
        if round_trip != local:
            raise NonexistentTime(f"{when} does not exist in {zone_name}: the clocks skip it")
        if fold is None:
            raise AmbiguousTime(f"{when} happens twice in {zone_name}: the clocks go back")
        return (second if fold else first).astimezone(UTC)
    return first.astimezone(UTC)


def in_zone(instant: datetime, zone_name: str) -> datetime:
    """The aware wall-clock time of a UTC instant in `zone_name`."""
    return instant.astimezone(zone(zone_name))


def shift_weeks(instant: datetime, zone_name: str, weeks: int) -> datetime:
    """The same weekday and wall-clock time `weeks` weeks later, as a UTC instant."""
    local = in_zone(instant, zone_name).replace(tzinfo=None) + timedelta(weeks=weeks)
    return to_utc(local, zone_name, fold=0)


def combine(day: date, at: time, zone_name: str, fold: int | None = None) -> datetime:
    """The UTC instant of `day` at `at` o'clock in `zone_name`."""
    return to_utc(datetime.combine(day, at), zone_name, fold)


def format_date(local: datetime) -> str:
    """'17 November 2021'."""
    return f"{local.day} {local:%B %Y}"


def format_time(local: datetime) -> str:
    """'13:30'."""
    return f"{local:%H:%M}"


def zone_abbreviation(local: datetime) -> str:
    """'GMT', 'BST', 'PDT'; a numeric offset where the zone has no letters (e.g. '+0530')."""
    abbreviation = local.tzname() or ""
    if abbreviation.startswith(("+", "-")):
        offset = local.strftime("%z")
        return f"UTC{offset[:3]}:{offset[3:]}" if offset[3:] != "00" else f"UTC{offset[:3]}"
    return abbreviation


def iso_utc(instant: datetime) -> str:
    """'2021-11-17T13:30:00Z', for <time datetime> and machines."""
    return instant.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def worldclock_url(instant: datetime, message: str = "Seminar") -> str:
    """A timeanddate.com page showing the instant in cities around the world."""
    # p1=1440 is timeanddate's UTC location, so one link works for every series zone.
    query = {"msg": message, "iso": instant.astimezone(UTC).strftime("%Y%m%dT%H%M"), "p1": "1440"}
    return "https://www.timeanddate.com/worldclock/fixedtime.html?" + urlencode(query)
