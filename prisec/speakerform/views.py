"""Speaker form pages: the public form behind a private link, and the organizers' side."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from markupsafe import Markup

from ..dashboard.forms import EmptyForm
from ..database import utcnow
from ..extensions import db
from ..markdown import render_markdown
from ..models import Talk
from ..team.access import talk_or_404
from . import operations
from .forms import NewLinkForm, ProposalForm
from .models import SpeakerLink, SpeakerProposal

bp = Blueprint("speakerform", __name__)


# ---------------------------------------------------------------- the speaker's side


def _usable_link(token: str) -> SpeakerLink:
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
    link = _usable_link(token)
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


@bp.post("/speak/<token>/preview")
def speaker_preview(token: str):
    """The abstract as the public page will show it, for the holder of a usable link (htmx)."""
    _usable_link(token)
    html = render_markdown(request.form.get("abstract", "")) or Markup('<p class="tba">TBA</p>')
    return render_template("partials/_preview.html", preview=html)


# ---------------------------------------------------------------- the organizers' side
# Under /dashboard: prisec.team.access lets only organizers of the talk's series in.


@bp.route("/dashboard/talks/<int:talk_id>/speaker-links", methods=["GET", "POST"])
def links(talk_id: int):
    """The talk's speaker links and proposals; POST creates a link and shows it once."""
    talk = talk_or_404(talk_id)
    form = NewLinkForm()
    new_url = ""
    status = 200
    if request.method == "POST":
        if form.validate():
            days = form.days.data or operations.DEFAULT_DAYS
            _, token = operations.create_link(talk, current_user._get_current_object(), days)
            db.session.commit()
            new_url = url_for("speakerform.speaker_form", token=token, _external=True)
        else:
            status = 422
    return (
        render_template(
            "speakerform/links.html",
            talk=talk,
            form=form,
            new_url=new_url,
            links=operations.links_of(talk),
            proposals=operations.pending_proposals(talk),
            action_form=EmptyForm(),
            now=utcnow(),
        ),
        status,
    )


@bp.post("/dashboard/speaker-links/<int:link_id>/revoke")
def revoke(link_id: int):
    """Close a speaker link; the speaker then sees that it was withdrawn."""
    link = db.session.get(SpeakerLink, link_id) or abort(404)
    if not EmptyForm().validate():
        abort(400, "The form expired; reload the page.")
    operations.revoke(link)
    db.session.commit()
    flash("The link was withdrawn.", "info")
    return redirect(url_for("speakerform.links", talk_id=link.talk_id), 303)


@bp.route("/dashboard/proposals/<int:proposal_id>", methods=["GET", "POST"])
def review(proposal_id: int):
    """The proposal beside the current values, field by field; accept all, some or none."""
    proposal = db.session.get(SpeakerProposal, proposal_id) or abort(404)
    form = EmptyForm()
    if request.method == "POST" and proposal.reviewed_at is None:
        if not form.validate():
            abort(400, "The form expired; reload the page.")
        chosen = request.form.getlist("accept")
        operations.accept(proposal, chosen, current_user._get_current_object())
        db.session.commit()
        taken = ", ".join(operations.LABELS[n] for n in proposal.accepted) or "nothing"
        flash(f"Took over from the speaker: {taken}.", "info")
        return redirect(url_for("speakerform.links", talk_id=proposal.talk_id), 303)
    return render_template(
        "speakerform/review.html",
        proposal=proposal,
        talk=proposal.talk,
        current=operations.current_values(proposal.talk),
        changed=operations.changed_fields(proposal) if proposal.reviewed_at is None else [],
        labels=operations.LABELS,
        fields=operations.FIELDS,
        form=form,
    )
