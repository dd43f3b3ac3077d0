"""Series settings: name, zone, recurrence, defaults, texts, links and public organizers."""

from __future__ import annotations

from flask import render_template, request

from ..extensions import db
from ..models import SeriesOrganizer
from .forms import SeriesForm, series_from_form
from .views import _done, _series, bp

# Empty rows offered below the organizer list, so one can be added without JavaScript.
SPARE_ORGANIZER_ROWS = 2


@bp.route("/series/<slug>/settings", methods=["GET", "POST"])
def series_settings(slug: str):
    """The settings form of a series."""
    series = _series(slug)
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
    db.session.commit()
    return _done(series, "Series settings saved.")
