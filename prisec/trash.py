"""The trash: series moved there with their talks, restored from it, purged after 30 days."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, or_, select

from .database import utcnow
from .extensions import db
from .models import Series, Talk

# How long a deleted series or talk can be restored before `flask purge` removes it.
TRASH_LIFETIME = timedelta(days=30)


def delete_series(series: Series) -> None:
    """Move a series to the trash: it and its talks leave every public page and feed."""
    if series.deleted_at is not None:
        raise ValueError("the series is already in the trash")
    # Its talks keep their own deleted_at: restoring the series brings back exactly the
    # talks it had, and a talk trashed before stays in the trash.
    series.deleted_at = utcnow()


def restore_series(series: Series) -> None:
    """Take a series out of the trash, with its talks as they were."""
    if series.deleted_at is None:
        raise ValueError("the series is not in the trash")
    series.deleted_at = None


def purge_after(deleted_at: datetime) -> datetime:
    """When `flask purge` may remove what was moved to the trash at `deleted_at`."""
    return deleted_at + TRASH_LIFETIME


def trashed_series() -> list[Series]:
    """The series in the trash, most recently deleted first."""
    return list(
        db.session.scalars(
            select(Series).where(Series.deleted_at.is_not(None)).order_by(Series.deleted_at.desc())
        )
    )


def talk_counts(series_ids: list[int]) -> dict[int, int]:
    """How many talks (outside their own trash) each of these series holds."""
    rows = db.session.execute(
        select(Talk.series_id, func.count(Talk.id))
        .where(Talk.series_id.in_(series_ids), Talk.deleted_at.is_(None))
        .group_by(Talk.series_id)
    )
    return dict(rows.all())


@dataclass(frozen=True)
class PurgeReport:
    """What one purge removed."""

    series: list[str]
    talks: int


def purge(now: datetime | None = None, *, dry_run: bool = False) -> PurgeReport:
    """Remove series and talks that have been in the trash longer than TRASH_LIFETIME.

    A purged series takes every talk it holds. The caller commits.
    """
    cutoff = (now or utcnow()) - TRASH_LIFETIME
    expired_series = list(
        db.session.scalars(
            select(Series).where(Series.deleted_at.is_not(None), Series.deleted_at <= cutoff)
        )
    )
    expired_ids = [series.id for series in expired_series]
    talks = list(
        db.session.scalars(
            select(Talk).where(
                or_(
                    Talk.series_id.in_(expired_ids),
                    Talk.deleted_at.is_not(None) & (Talk.deleted_at <= cutoff),
                )
            )
        )
    )
    report = PurgeReport(series=[series.name for series in expired_series], talks=len(talks))
    if dry_run:
        return report
    # Through the ORM, one by one: revisions, speakers' places and the search index follow.
    for talk in talks:
        db.session.delete(talk)
    db.session.flush()
    for series in expired_series:
        db.session.delete(series)
    db.session.flush()
    return report
