"""Series settings: name, zone, recurrence, defaults, texts, links and public organizers."""

from __future__ import annotations

from flask import render_template, request
from sqlalchemy import select

from ..extensions import db
from ..models import Series, SeriesOrganizer, slugify
from ..team.access import admin_only
from .forms import SeriesForm, series_from_form
from .views import bp, done, series_or_404

# Empty rows offered below the organizer list, so one can be added without JavaScript.
SPARE_ORGANIZER_ROWS = 2


def unique_slug(name: str) -> str:
    """A URL slug for a new series, numbered when the plain one is taken."""
    base = slugify(name) or "series"
    taken = set(db.session.scalars(select(Series.slug).where(Series.slug.startswith(base))))
    taken.add("new")  # /dashboard/series/new is the form that creates a series
    slug, number = base, 2
    while slug in taken:
        slug, number = f"{base}-{number}", number + 1
    return slug


@bp.route("/series/new", methods=["GET", "POST"])
@admin_only
def new_series():
    """Create a series from the settings form."""
    form = SeriesForm()
    if request.method == "GET":
        form.timezone.data = "Europe/London"
        form.default_duration_minutes.data = 60
        for _ in range(SPARE_ORGANIZER_ROWS):
            form.organizers.append_entry()
        return render_template("dashboard/settings.html", series=None, form=form)
    if not form.validate():
        return render_template("dashboard/settings.html", series=None, form=form), 422
    series = Series(slug=unique_slug(form.name.data))
    series_from_form(form, series)
    _set_organizers(series, form)
    db.session.add(series)
    db.session.commit()
    return done(series, f"Series “{series.name}” created.")


def _set_organizers(series: Series, form: SeriesForm) -> None:
    rows = [row.form for row in form.organizers if (row.form.name.data or "").strip()]
    series.organizers = [
        SeriesOrganizer(
            position=position,
            honorific=row.honorific.data or "",
            name=row.name.data,
            affiliation=row.affiliation.data or "",
            homepage=row.homepage.data or "",
        )
        for position, row in enumerate(rows)
    ]


@bp.route("/series/<slug>/settings", methods=["GET", "POST"])
def series_settings(slug: str):
    """The settings form of a series."""
    series = series_or_404(slug)
    if request.method == "GET":
        form = SeriesForm(obj=series)
        form.recurrence_weekday.data = (
            "" if series.recurrence_weekday is None else str(series.recurrence_weekday)
        )
        form.organizers.entries = []
        for person in series.organizers:
            form.organizers.append_entry(
                {
                    "honorific": person.honorific,
                    "name": person.name,
                    "affiliation": person.affiliation,
                    "homepage": person.homepage,
                }
            )
        for _ in range(SPARE_ORGANIZER_ROWS):
            form.organizers.append_entry()
        return render_template("dashboard/settings.html", series=series, form=form)
    form = SeriesForm()
    if not form.validate():
        return render_template("dashboard/settings.html", series=series, form=form), 422
    series_from_form(form, series)
    _set_organizers(series, form)
    db.session.commit()
    return done(series, "Series settings saved.")
