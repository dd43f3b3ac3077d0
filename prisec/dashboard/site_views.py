"""Settings of the whole site: the name every public page carries."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import Length

from ..extensions import db
from ..public.site import site_settings
from ..team.access import admin_only
from .views import bp


class SiteForm(FlaskForm):
    """The site's name; empty means the series' name on a one-series site."""

    name = StringField("Site name", validators=[Length(max=200, message="At most 200 characters.")])


@bp.route("/site", methods=["GET", "POST"])
@admin_only
def site_settings_page():
    """Edit the site's name."""
    settings = site_settings()
    form = SiteForm(obj=settings) if request.method == "GET" else SiteForm()
    if request.method == "POST":
        if not form.validate():
            return render_template("dashboard/site.html", form=form), 422
        settings.name = " ".join((form.name.data or "").split())
        db.session.add(settings)
        db.session.commit()
        flash("Site settings saved.", "info")
        return redirect(url_for("dashboard.site_settings_page"), 303)
    return render_template("dashboard/site.html", form=form)
