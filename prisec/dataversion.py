"""The data version: a counter in the database that every write raises.

Caches of rendered pages and feeds key on it, so a change made through any worker
process is seen by all of them at their next request.
"""

from __future__ import annotations

from sqlalchemy import Integer, event, text, update
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Mapped, Session, mapped_column

from .extensions import db


class SiteState(db.Model):
    """One row of site-wide counters."""

    __tablename__ = "site_state"

    id: Mapped[int] = mapped_column(primary_key=True)
    data_version: Mapped[int] = mapped_column(Integer, default=0, nullable=False)


def current_version() -> int:
    """The data version now; 0 before anything was ever written."""
    # Plain SQL: this runs before every cached answer, and building an ORM select for it
    # cost more than the query.
    return db.session.execute(_CURRENT).scalar() or 0


_CURRENT = text("SELECT data_version FROM site_state WHERE id = 1")


@event.listens_for(Session, "after_flush")
def _bump_on_write(session: Session, flush_context) -> None:
    # Any insert, update or delete in this flush makes every cached page stale.
    changed = [
        obj
        for obj in (*session.new, *session.dirty, *session.deleted)
        if not isinstance(obj, SiteState)
    ]
    if not changed:
        return
    result = session.execute(
        update(SiteState).where(SiteState.id == 1).values(data_version=SiteState.data_version + 1)
    )
    if result.rowcount == 0:
        first = SiteState.__table__.insert().values(id=1, data_version=1)
        if session.connection().dialect.name == "postgresql":
            # Two workers' first writes may both find no row; the second one counts on.
            first = (
                postgresql.insert(SiteState.__table__)
                .values(id=1, data_version=1)
                .on_conflict_do_update(
                    index_elements=["id"],
                    set_={"data_version": SiteState.__table__.c.data_version + 1},
                )
            )
        session.execute(first)
