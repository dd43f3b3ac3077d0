"""Planning a term: the next free dates of a series' recurrence (the rule, then its query)."""

from __future__ import annotations

import math
from datetime import date, timedelta

from sqlalchemy import select

from .. import wallclock
from ..database import utcnow
from ..extensions import db
from ..models import Series, Talk
from .models import SkippedSlot

TERM_LENGTH = 12


def term_slots(
    weekday: int,
    every_weeks: int,
    anchor: date | None,
    today: date,
    taken: set[date],
    skipped: set[date],
    count: int = 12,
) -> list[tuple[date, bool]]:
    """The next `count` free dates of the recurrence from `today`, with skipped ones among them.

    Each item is (date, skipped). `anchor` is a date of an existing talk on the recurrence
    weekday, so that a fortnightly series keeps its phase; without one the next such
    weekday starts the term. Dates holding a talk are left out.
    """
    step = 7 * max(every_weeks, 1)
    if anchor is None or anchor.weekday() != weekday:
        first = today + timedelta(days=(weekday - today.weekday()) % 7)
    else:
        first = anchor + timedelta(days=step * math.ceil((today - anchor).days / step))
    slots: list[tuple[date, bool]] = []
    free = 0
    day = first
    # Bounded: a term with every date taken or skipped must still end.
    for _ in range(count * 10):
        if day not in taken:
            is_skipped = day in skipped
            slots.append((day, is_skipped))
            free += not is_skipped
            if free == count:
                break
        day += timedelta(days=step)
    return slots


def free_slots(series: Series) -> list[tuple[date, bool]]:
    """The next free dates of the series' recurrence (with skipped ones); none if irregular."""
    if not series.recurrence_weeks or series.recurrence_weekday is None:
        return []
    zone_name = series.timezone
    talks = db.session.scalars(
        select(Talk.start).where(Talk.series_id == series.id, Talk.deleted_at.is_(None))
    ).all()
    taken = {wallclock.in_zone(start, zone_name).date() for start in talks}
    today = wallclock.in_zone(utcnow(), zone_name).date()
    on_weekday = sorted(d for d in taken if d.weekday() == series.recurrence_weekday)
    anchor = on_weekday[-1] if on_weekday else None
    skipped = set(
        db.session.scalars(select(SkippedSlot.day).where(SkippedSlot.series_id == series.id))
    )
    return term_slots(
        series.recurrence_weekday,
        series.recurrence_weeks,
        anchor,
        today,
        taken,
        skipped,
        TERM_LENGTH,
    )
