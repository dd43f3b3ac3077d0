"""The abstract preview beside every abstract field: the talk form and the speaker's form."""

from __future__ import annotations

from flask import Blueprint, Flask, abort, render_template, request
from flask_login import current_user
from markupsafe import Markup

from .markdown import render_markdown

bp = Blueprint("preview", __name__)


@bp.post("/preview")
def abstract():
    """The abstract as the public page will show it (htmx), for an organizer or a speaker.

    A speaker has no account: the private link's token, posted with the text, lets them in.
    """
    if not current_user.is_authenticated:
        # Imported here: the speaker side loads only when a speaker previews.
        from .speakerform.views import usable_link

        token = request.form.get("token", "")
        if not token:
            abort(404)
        usable_link(token)
    html = render_markdown(request.form.get("abstract", "")) or Markup('<p class="tba">TBA</p>')
    return render_template("partials/_preview.html", preview=html)


def init_app(app: Flask) -> None:
    """Register the preview."""
    app.register_blueprint(bp)
