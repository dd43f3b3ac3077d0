"""VTIMEZONE components written with one observance per transition, which every parser reads alike.

icalendar's own generator puts all transitions of a zone into one multi-valued RDATE;
ical.js (Thunderbird) and vobject read only its first value and then place a summer
talk an hour off. A component of its own for each transition, found from the zone
database, needs no recurrence support at all and parses the same everywhere.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache

from icalendar import Timezone, TimezoneDaylight, TimezoneStandard

from ..wallclock import zone

_DAY = timedelta(days=1)


@dataclass(frozen=True)
class Observance:
    """From `instant` on, the zone's clocks read UTC + `offset_to`, called `name`."""

    instant: datetime
    offset_from: timedelta
    offset_to: timedelta
    name: str
    daylight: bool


def _state(zone_name: str, instant: datetime) -> tuple[timedelta, timedelta, str]:
    local = instant.astimezone(zone(zone_name))
    return local.utcoffset() or timedelta(0), local.dst() or timedelta(0), local.tzname() or ""


@lru_cache(maxsize=256)
def observances(zone_name: str, first_year: int, last_year: int) -> tuple[Observance, ...]:
    """The zone's state on 1 January of `first_year`, then each change to the end of `last_year`."""
    start = datetime(first_year, 1, 1, tzinfo=UTC)
    end = datetime(last_year + 1, 1, 1, tzinfo=UTC)
    offset, dst, name = _state(zone_name, start)
    found = [Observance(start, offset, offset, name, bool(dst))]
    before, state = start, (offset, dst, name)
    while before < end:
        after = before + _DAY
        new_state = _state(zone_name, after)
        if new_state != state:
            # Narrow the change down to the second: zones change on the hour, some on odd minutes.
            low, high = before, after
            while high - low > timedelta(seconds=1):
                middle = low + (high - low) / 2
                if _state(zone_name, middle) == state:
                    low = middle
                else:
                    high = middle
            high = high.replace(microsecond=0)
            found.append(Observance(high, state[0], new_state[0], new_state[2], bool(new_state[1])))
            state = new_state
        before = after
    return tuple(found)


def vtimezone(zone_name: str, first_year: int, last_year: int) -> Timezone:
    """A VTIMEZONE for `zone_name` valid from `first_year` to `last_year` (talks' years).

    Whole years keep the component the same while talks are added within them.
    """
    component = Timezone()
    component.add("tzid", zone_name)
    for observance in observances(zone_name, first_year - 1, last_year + 1):
        kind = TimezoneDaylight() if observance.daylight else TimezoneStandard()
        # DTSTART is the wall-clock time just before the change, read in the old offset.
        local_start = (observance.instant + observance.offset_from).replace(tzinfo=None)
        kind.add("dtstart", local_start)
        kind.add("tzoffsetfrom", observance.offset_from)
        kind.add("tzoffsetto", observance.offset_to)
        if observance.name:
            kind.add("tzname", observance.name)
        component.add_component(kind)
    return component
