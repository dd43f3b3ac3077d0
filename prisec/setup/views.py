"""The setup page: on a site without any account, the token from the console opens it once."""

from __future__ import annotations

import sys
import zoneinfo
from datetime import time

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for

from ..auth.accounts import AccountError
from ..auth.sessions import begin_session
from ..extensions import db
from ..models import site_needs_setup
from .forms import SetupForm
from .operations import AlreadySetUp, SetupError, set_up_site
from .token import discard_token, issue_token, setup_lock, token_matches, token_path

bp = Blueprint("setup", __name__)


def setup_link(token: str) -> str:
    """The address of the setup page with its token, as the console shows it."""
    config = current_app.config
    base = config.get("SETUP_BASE_URL") or config.get("SITE_URL") or "http://127.0.0.1:5000"
    return f"{str(base).rstrip('/')}/setup?token={token}"


def console_message(token: str, instance_path: str) -> str:
    """What the server prints when it starts on a site without any account."""
    return (
        "\nprisec has no account yet. To create the first administrator and series, open\n"
        f"    {setup_link(token)}\n"
        f"(the token is also in {token_path(instance_path)}), or run `flask setup`.\n"
    )


def _token_or_issue() -> None:
    # A server started before the database was migrated printed nothing: the first visit
    # issues the token and prints it on this worker's console.
    instance = current_app.instance_path
    with setup_lock(instance):
        # Asked again under the lock: a setup that finished while this request waited
        # for it must not leave a new token behind.
        db.session.rollback()
        if not site_needs_setup():
            abort(404)
        token, created = issue_token(instance)
    if created:
        print(console_message(token, instance), file=sys.stderr, flush=True)


def _zones() -> list[str]:
    return sorted(zoneinfo.available_timezones())


@bp.route("/setup", methods=["GET", "POST"])
def setup():
    """Create the first administrator and series; 404 once any account exists."""
    if not site_needs_setup():
        abort(404)
    _token_or_issue()
    instance = current_app.instance_path
    form = SetupForm()
    given = form.token.data if request.method == "POST" else request.args.get("token", "")
    if not token_matches(instance, given or ""):
        status = 403 if given else 200
        return render_template("setup/token.html", wrong=bool(given)), status
    if request.method == "GET":
        form.token.data = given
        form.start_time.data = time(13, 0)
        return render_template("setup/setup.html", form=form, zones=_zones())
    if not form.validate():
        return render_template("setup/setup.html", form=form, zones=_zones()), 422
    # Checked, used and spent under one lock: two submissions of the token create one site.
    with setup_lock(instance):
        db.session.rollback()  # read what another worker committed before the lock was ours
        if not token_matches(instance, given):
            abort(404 if not site_needs_setup() else 403)
        try:
            organizer, series = set_up_site(
                email=form.email.data,
                name=form.name.data,
                password=form.password.data,
                series_name=form.series_name.data,
                timezone=form.timezone.data,
                weekday=form.weekday_number(),
                start_time=form.start_time.data,
            )
        except AlreadySetUp:
            abort(404)
        except (AccountError, SetupError) as exc:
            db.session.rollback()
            form[exc.field].errors = [str(exc)]
            return render_template("setup/setup.html", form=form, zones=_zones()), 422
        db.session.commit()
        discard_token(instance)
    begin_session(organizer)
    flash(
        f"Welcome, {organizer.name}. Your site is set up: add the first talk of “{series.name}”.",
        "info",
    )
    return redirect(url_for("dashboard.series_dashboard", slug=series.slug), 303)
