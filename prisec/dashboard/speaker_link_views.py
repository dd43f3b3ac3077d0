"""Speaker links of a talk and the speakers' proposals, as organizers review them."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from ..database import utcnow
from ..extensions import db
from ..forms import EmptyForm
from ..speakerform import operations
from ..speakerform.forms import NewLinkForm
from ..speakerform.models import SpeakerLink, SpeakerProposal
from ..team.access import talk_or_404
from .views import bp


@bp.route("/talks/<int:talk_id>/speaker-links", methods=["GET", "POST"])
def speaker_links(talk_id: int):
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
            "dashboard/speaker_links.html",
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


@bp.post("/speaker-links/<int:link_id>/revoke")
def revoke_speaker_link(link_id: int):
    """Close a speaker link; the speaker then sees that it was withdrawn."""
    link = db.session.get(SpeakerLink, link_id) or abort(404)
    if not EmptyForm().validate():
        abort(400, "The form expired; reload the page.")
    operations.revoke(link)
    db.session.commit()
    flash("The link was withdrawn.", "info")
    return redirect(url_for("dashboard.speaker_links", talk_id=link.talk_id), 303)


@bp.route("/proposals/<int:proposal_id>", methods=["GET", "POST"])
def proposal(proposal_id: int):
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
        return redirect(url_for("dashboard.speaker_links", talk_id=proposal.talk_id), 303)
    return render_template(
        "dashboard/proposal.html",
        proposal=proposal,
        talk=proposal.talk,
        current=operations.current_values(proposal.talk),
        changed=operations.changed_fields(proposal) if proposal.reviewed_at is None else [],
        labels=operations.LABELS,
        fields=operations.FIELDS,
        form=form,
    )
