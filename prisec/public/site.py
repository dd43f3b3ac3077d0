"""The site as readers meet it: its name, the menu every public page carries, its series."""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

from flask import Flask, current_app, g
from sqlalchemy import String, func, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Mapped, mapped_column

from ..dataversion import SITE
from ..extensions import db
from ..models import Series, visible_series
from ..pagecache import memoised
from ..papers.models import Paper

# What a site of several series is called until its organizers name it.
FALLBACK_NAME = "Seminars"


class SiteSettings(db.Model):
    """The one row of settings that belong to the whole site rather than to a series."""

    __tablename__ = "site_settings"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), default="", server_default="")


def site_settings() -> SiteSettings:
    """The site's settings row, made (not yet stored) when the site has none."""
    return db.session.scalar(select(SiteSettings).order_by(SiteSettings.id).limit(1)) or (
        SiteSettings(name="")
    )


def public_series() -> list[Series]:
    """Every series readers may see, oldest first: the one place that says which are public."""
    return list(db.session.scalars(visible_series().order_by(Series.id)))


# The menu names the other series one by one up to this many; a larger site links to /series,
# so a page of a site of 2,000 series does not carry 2,000 links in its header.
MENU_SERIES = 8


class SeriesLink(NamedTuple):
    """What the menu shows of a series: kept between requests, unlike the row it comes from."""

    id: int
    slug: str
    name: str


@dataclass(frozen=True)
class SiteFrame:
    """What the header of every public page shows: the name and the menu's entries."""

    name: str
    series: Series | SeriesLink | None
    # The first MENU_SERIES + 1 public series, oldest first, and how many there are in all.
    first_series: tuple[SeriesLink, ...]
    series_count: int
    has_papers: bool

    @property
    def several(self) -> bool:
        """Whether the site holds more than one series (then it has /series and /my)."""
        return self.series_count > 1

    @property
    def other_series(self) -> tuple[SeriesLink, ...]:
        """The series the menu lists besides the one being read; none on a site of many."""
        if self.series_count > MENU_SERIES:
            return ()
        current = self.series.id if self.series is not None else None
        return tuple(s for s in self.first_series if s.id != current)


class _FrameParts(NamedTuple):
    name: str
    first_series: tuple[SeriesLink, ...]
    series_count: int
    home: SeriesLink | None
    has_papers: bool


def _frame_parts() -> _FrameParts:
    """What every page's frame reads: kept until the site's scope changes (a series' name,
    the site's settings, a paper), so a page that is not kept itself reads one stamp."""
    cached = g.get("site_frame_parts")
    if cached is None:
        try:
            cached = memoised("site-frame", frozenset({SITE}), _read_frame_parts)
        except SQLAlchemyError:
            # An error page for a database that does not answer still needs its frame.
            db.session.rollback()
            cached = _FrameParts(FALLBACK_NAME, (), 0, None, False)
        g.site_frame_parts = cached
    return cached


def home_series() -> Series | None:
    """The series / shows: the configured one, the only one, or none (then / lists them)."""
    home = _frame_parts().home
    return db.session.get(Series, home.id) if home is not None else None


def series_count() -> int:
    """How many series readers may see."""
    return _frame_parts().series_count


def site_has_papers() -> bool:
    """Whether the site holds any paper (a paper's every write raises the site's scope)."""
    return _frame_parts().has_papers


def site_frame(series: Series | None = None) -> SiteFrame:
    """The frame of the current page; `series` is the one it is about, if any."""
    parts = _frame_parts()
    return SiteFrame(
        name=parts.name,
        series=series if series is not None else parts.home,
        first_series=parts.first_series,
        series_count=parts.series_count,
        has_papers=parts.has_papers,
    )


def _link(series: Series) -> SeriesLink:
    return SeriesLink(series.id, series.slug, series.name)


def _read_frame_parts() -> _FrameParts:
    # Only as many series as the menu can name: a site of thousands reads a few rows.
    query = visible_series().order_by(Series.id)
    first_series = tuple(_link(s) for s in db.session.scalars(query.limit(MENU_SERIES + 1)))
    count = len(first_series)
    if count > MENU_SERIES:
        count = db.session.scalar(visible_series().with_only_columns(func.count(Series.id)))
    slug = current_app.config.get("DEFAULT_SERIES")
    if count == 1:
        home = first_series[0]
    elif slug:
        found = db.session.scalar(visible_series().where(Series.slug == slug))
        home = _link(found) if found is not None else None
    else:
        home = None
    name = site_settings().name.strip()
    if not name:
        name = first_series[0].name if count == 1 else FALLBACK_NAME
    has_papers = db.session.scalar(select(Paper.id).limit(1)) is not None
    return _FrameParts(name, first_series, count, home, has_papers)


def init_app(app: Flask) -> None:
    """Give templates the frame of the page they render."""
    app.jinja_env.globals["site_frame"] = site_frame
