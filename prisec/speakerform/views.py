"""The speaker's pages: the form behind a private link; organizers review in the dashboard."""

from __future__ import annotations

from flask import Blueprint, abort, render_template, request

from ..database import utcnow
from ..extensions import db
from ..models import Talk
from . import operations
from .forms import ProposalForm
from .models import SpeakerLink

bp = Blueprint("speakerform", __name__)


# ---------------------------------------------------------------- the speaker's side


def usable_link(token: str) -> SpeakerLink:
    """The link of the token, or a page saying why it does not open (never which talk)."""
    link = operations.find_link(token) or abort(404)
    if link.revoked_at is not None:
        abort(410, "This link was withdrawn by the organizers. Ask them for a new one.")
    if not link.usable(utcnow()):
        abort(410, "This link has expired. Ask the organizers for a new one.")
    # Checked on every use rather than by revoking: restoring the talk opens the link again.
    if link.talk.in_trash or link.talk.cancelled:
        abort(
            410,
            "This talk was withdrawn by the organizers, so its form is closed for now. "
            "Ask them if you think it should be open.",
        )
    return link


@bp.route("/speak/<token>", methods=["GET", "POST"])
def speaker_form(token: str):
    """The speaker's own talk, its details to fill in; a submission is held for review."""
    link = usable_link(token)
    talk = link.talk
    current = operations.current_values(talk)
    if request.method == "GET":
        form = ProposalForm(data=current)
        return _speaker_page(form, talk, token)
    form = ProposalForm()
    if not form.validate():
        return _speaker_page(form, talk, token, 422)
    photo = current["photo"]
    if form.photo.data:
        # Imported here: storing photos needs Pillow, which serving pages does not.
        from ..dashboard.files import UploadError, store_photo

        try:
            photo = store_photo(form.photo.data)
        except UploadError as exc:
            form.photo.errors = [str(exc)]
            return _speaker_page(form, talk, token, 422)
    proposed = {name: (form[name].data or "") for name in operations.FIELDS if name != "photo"}
    proposed["abstract"] = proposed["abstract"].replace("\r\n", "\n")
    proposed["bio"] = proposed["bio"].replace("\r\n", "\n")
    proposed["photo"] = photo
    operations.submit(link, proposed)
    db.session.commit()
    return render_template("speakerform/thanks.html", talk=talk)


def _speaker_page(form: ProposalForm, talk: Talk, token: str, status: int = 200):
    speaker = operations.first_speaker(talk)
    return (
        render_template(
            "speakerform/form.html", form=form, talk=talk, token=token, speaker=speaker
        ),
        status,
    )
