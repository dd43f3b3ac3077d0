"""Planning a term: the dates of a series' recurrence and what each holds (the rules, then queries).

The term is the series' recurrence from today through its TERM_LENGTH-th free date: every
date in between is shown, whether it holds a talk, was skipped (a holiday) or is free. A
cancelled talk does not hold its date: the slot is free again.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from .. import wallclock
from ..database import utcnow
from ..extensions import db
from ..models import Series, Talk, TalkSpeaker
from .models import SkippedSlot

TERM_LENGTH = 12


def recurrence_days(
    weekday: int, every_weeks: int, anchor: date | None, today: date
) -> Iterator[date]:
    """The dates of the recurrence from `today` on, endlessly.

    `anchor` is a date of an existing talk on the recurrence weekday, so that a fortnightly
    series keeps its phase; without one the next such weekday starts the term.
    """
    step = 7 * max(every_weeks, 1)
    if anchor is None or anchor.weekday() != weekday:
        day = today + timedelta(days=(weekday - today.weekday()) % 7)
    else:
        day = anchor + timedelta(days=step * math.ceil((today - anchor).days / step))
    while True:
        yield day
        day += timedelta(days=step)


def term_days(
    weekday: int,
    every_weeks: int,
    anchor: date | None,
    today: date,
    taken: set[date],
    skipped: set[date],
    count: int = TERM_LENGTH,
) -> list[date]:
    """Every date of the recurrence from `today` through its `count`-th free one.

    A free date is neither `taken` (it holds a talk that takes place) nor `skipped`.
    """
    days: list[date] = []
    free = 0
    # Bounded: a term with every date taken or skipped must still end.
    for day in itertools.islice(recurrence_days(weekday, every_weeks, anchor, today), count * 10):
        days.append(day)
        free += day not in taken and day not in skipped
        if free == count:
            break
    return days


def term_slots(
    weekday: int,
    every_weeks: int,
    anchor: date | None,
    today: date,
    taken: set[date],
    skipped: set[date],
    count: int = TERM_LENGTH,
) -> list[tuple[date, bool]]:
    """The next `count` free dates of the recurrence from `today`, with skipped ones among them.

    Each item is (date, skipped). Dates holding a talk are left out.
    """
    days = term_days(weekday, every_weeks, anchor, today, taken, skipped, count)
    return [(day, day in skipped) for day in days if day not in taken]


@dataclass
class Slot:
    """One date of the term and what it holds."""

    day: date
    # Talks that take place that day, by start; cancelled ones apart (they free the date).
    talks: list[Talk] = field(default_factory=list)
    cancelled: list[Talk] = field(default_factory=list)
    skipped: bool = False
    # False for a talk held on a date the recurrence does not name.
    on_recurrence: bool = True
    # The series' usual start on that date (None where the clocks skip that hour).
    start: datetime | None = None

    @property
    def free(self) -> bool:
        """Whether a talk can be typed into the slot."""
        return not self.talks and not self.skipped

    @property
    def state(self) -> str:
        """'taken', 'skipped' or 'free'."""
        if self.talks:
            return "taken"
        return "skipped" if self.skipped else "free"


def has_recurrence(series: Series) -> bool:
    """Whether the series meets on a regular day, so that it has a term to plan."""
    return bool(series.recurrence_weeks) and series.recurrence_weekday is not None


def _today(series: Series) -> date:
    return wallclock.in_zone(utcnow(), series.timezone).date()


def _talks_from(series: Series, first: date) -> list[Talk]:
    """The series' talks (not in the trash) from the local date `first` on, by start."""
    # A day of margin either side of UTC: the local date is decided below, in the zone.
    since = datetime.combine(first - timedelta(days=1), time(0), tzinfo=UTC)
    return list(
        db.session.scalars(
            select(Talk)
            .where(Talk.series_id == series.id, Talk.deleted_at.is_(None), Talk.start >= since)
            .order_by(Talk.start, Talk.id)
            .options(selectinload(Talk.speaker_links).selectinload(TalkSpeaker.speaker))
        )
    )


def _anchor(series: Series) -> date | None:
    """The last talk's date on the recurrence weekday (cancelled ones too: they keep the phase)."""
    starts = db.session.scalars(
        select(Talk.start).where(Talk.series_id == series.id, Talk.deleted_at.is_(None))
    ).all()
    on_weekday = [
        day
        for day in (wallclock.in_zone(start, series.timezone).date() for start in starts)
        if day.weekday() == series.recurrence_weekday
    ]
    return max(on_weekday, default=None)


def _skipped(series: Series) -> set[date]:
    return set(
        db.session.scalars(select(SkippedSlot.day).where(SkippedSlot.series_id == series.id))
    )


def _live_days(series: Series, talks: list[Talk]) -> set[date]:
    return {wallclock.in_zone(t.start, series.timezone).date() for t in talks if not t.cancelled}


def term_grid(series: Series) -> list[Slot]:
    """Every date of the term in order, each with its talks; empty for an irregular series."""
    if not has_recurrence(series):
        return []
    today = _today(series)
    talks = [t for t in _talks_from(series, today) if _local_day(series, t) >= today]
    skipped = _skipped(series)
    days = term_days(
        series.recurrence_weekday,
        series.recurrence_weeks,
        _anchor(series),
        today,
        _live_days(series, talks),
        skipped,
        TERM_LENGTH,
    )
    slots = {day: Slot(day, skipped=day in skipped, start=usual_start(series, day)) for day in days}
    end = days[-1] if days else today
    for talk in talks:
        day = _local_day(series, talk)
        if day > end:
            break
        if day not in slots:
            if talk.cancelled:
                continue  # off the recurrence and not taking place: no slot to offer
            slots[day] = Slot(day, on_recurrence=False)
        (slots[day].cancelled if talk.cancelled else slots[day].talks).append(talk)
    return [slots[day] for day in sorted(slots)]


def slot_on(series: Series, day: date) -> Slot:
    """The slot of one date, as the grid shows it."""
    talks = [t for t in _talks_from(series, day) if _local_day(series, t) == day]
    slot = Slot(day, skipped=day in _skipped(series), start=usual_start(series, day))
    for talk in talks:
        (slot.cancelled if talk.cancelled else slot.talks).append(talk)
    return slot


def usual_start(series: Series, day: date) -> datetime | None:
    """The instant of the series' usual start time on `day`, or None if that hour does not exist."""
    try:
        return wallclock.combine(day, series.default_start_time, series.timezone, fold=0)
    except ValueError:
        return None


def drafts_in(slots: list[Slot]) -> list[Talk]:
    """The term's drafts that can be published: not cancelled, in date order."""
    return [talk for slot in slots for talk in slot.talks if not talk.published]


def _local_day(series: Series, talk: Talk) -> date:
    return wallclock.in_zone(talk.start, series.timezone).date()


def free_slots(series: Series) -> list[tuple[date, bool]]:
    """The next free dates of the series' recurrence (with skipped ones); none if irregular."""
    if not has_recurrence(series):
        return []
    today = _today(series)
    talks = _talks_from(series, today)
    return term_slots(
        series.recurrence_weekday,
        series.recurrence_weeks,
        _anchor(series),
        today,
        _live_days(series, talks),
        _skipped(series),
        TERM_LENGTH,
    )
