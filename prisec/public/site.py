"""The site as readers meet it: its name, the menu every public page carries, its series."""

from __future__ import annotations

from dataclasses import dataclass

from flask import Flask, current_app, g
from sqlalchemy import String, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from ..models import Series, visible_series
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


def home_series(all_series: list[Series]) -> Series | None:
    """The series / shows: the configured one, the only one, or none (then / lists them)."""
    slug = current_app.config.get("DEFAULT_SERIES")
    if slug:
        return next((s for s in all_series if s.slug == slug), None)
    return all_series[0] if len(all_series) == 1 else None


@dataclass(frozen=True)
class SiteFrame:
    """What the header of every public page shows: the name and the menu's entries."""

    name: str
    series: Series | None
    all_series: tuple[Series, ...]
    has_papers: bool

    @property
    def several(self) -> bool:
        """Whether the site holds more than one series (then it has /series and /my)."""
        return len(self.all_series) > 1

    @property
    def other_series(self) -> tuple[Series, ...]:
        """The series the menu lists besides the one being read."""
        current = self.series.id if self.series is not None else None
        return tuple(s for s in self.all_series if s.id != current)


def site_frame(series: Series | None = None) -> SiteFrame:
    """The frame of the current page; `series` is the one it is about, if any."""
    cached = g.get("site_frame_parts")
    if cached is None:
        try:
            cached = _frame_parts()
        except SQLAlchemyError:
            # An error page for a database that does not answer still needs its frame.
            db.session.rollback()
            cached = (FALLBACK_NAME, (), False)
        g.site_frame_parts = cached
    name, all_series, has_papers = cached
    if series is None and len(all_series) == 1:
        series = all_series[0]
    elif series is None:
        series = home_series(list(all_series))
    return SiteFrame(name=name, series=series, all_series=all_series, has_papers=has_papers)


def _frame_parts() -> tuple[str, tuple[Series, ...], bool]:
    all_series = tuple(public_series())
    name = site_settings().name.strip()
    if not name:
        name = all_series[0].name if len(all_series) == 1 else FALLBACK_NAME
    has_papers = db.session.scalar(select(Paper.id).limit(1)) is not None
    return name, all_series, has_papers


def init_app(app: Flask) -> None:
    """Give templates the frame of the page they render."""
    app.jinja_env.globals["site_frame"] = site_frame
