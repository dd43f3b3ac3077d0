"""The papers a talk discusses, added and edited by organizers in the dashboard."""

from __future__ import annotations

import re

from flask import abort, flash, redirect, render_template, request, url_for
from flask_wtf import FlaskForm
from wtforms import DateField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from ..database import utcnow
from ..extensions import db
from ..forms import EmptyForm, web_address
from ..papers.editing import PaperFields, add_paper, arxiv_id, remove_paper, update_paper
from ..papers.models import Paper, TalkPaper, papers_of
from .views import bp, talk_or_404

_ARXIV_ID = re.compile(r"^(\d{4}\.\d{4,5}|[a-z\-]+(\.[A-Z]{2})?/\d{7})(v\d+)?$")
MAX_AUTHORS = 200


def _arxiv_field(form: FlaskForm, field: StringField) -> None:
    value = (field.data or "").strip()
    field.data = value
    if value and not _ARXIV_ID.match(value):
        raise ValidationError("Enter an arXiv id such as 2101.01234, or leave it empty.")


class PaperForm(FlaskForm):
    """A paper as organizers describe it; an arXiv address fills the id and the PDF."""

    title = StringField(
        "Title",
        validators=[DataRequired("Enter the paper's title."), Length(max=500)],
        filters=[lambda v: " ".join(v.split()) if isinstance(v, str) else v],
    )
    authors = TextAreaField(
        "Authors (one a line, or separated by commas)",
        validators=[Length(max=20000, message="At most 20000 characters.")],
    )
    url = StringField(
        "Link", validators=[Length(max=2000, message="At most 2000 characters."), web_address]
    )
    arxiv = StringField("arXiv id", validators=[Length(max=32), _arxiv_field])
    published_on = DateField("Published on", validators=[Optional()])

    def validate_authors(self, field: TextAreaField) -> None:
        """No more names than a paper list shows."""
        if len(author_names(field.data or "")) > MAX_AUTHORS:
            raise ValidationError(f"At most {MAX_AUTHORS} authors.")

    def fields(self) -> PaperFields:
        """The typed values, tidied."""
        typed = re.sub(r"v\d+$", "", self.arxiv.data or "")
        return PaperFields(
            title=self.title.data,
            authors=author_names(self.authors.data or ""),
            url=self.url.data or "",
            arxiv_id=arxiv_id(self.url.data or "") or typed,
            published_on=self.published_on.data,
        )


def author_names(text: str) -> list[str]:
    """'Ada Lovelace, Alan Turing' or one name a line, as a list of names."""
    parts = re.split(r"[\n,;]", text)
    return [" ".join(part.split()) for part in parts if part.strip()][: MAX_AUTHORS + 1]


def _page(talk, form: PaperForm, editing: Paper | None = None, status: int = 200):
    return (
        render_template(
            "dashboard/talk_papers.html",
            talk=talk,
            series=talk.series,
            papers=papers_of(talk),
            form=form,
            editing=editing,
            action_form=EmptyForm(),
        ),
        status,
    )


def _listed_paper(talk, paper_id: int) -> Paper:
    listed = db.session.scalar(
        db.select(TalkPaper).where(TalkPaper.talk_id == talk.id, TalkPaper.paper_id == paper_id)
    )
    return listed.paper if listed is not None else abort(404)


@bp.route("/talks/<int:talk_id>/papers", methods=["GET", "POST"])
def talk_papers(talk_id: int):
    """The papers of a talk, and the form that adds one."""
    talk = talk_or_404(talk_id)
    if request.method == "GET":
        return _page(talk, PaperForm(formdata=None))
    form = PaperForm()
    if not form.validate():
        return _page(talk, form, status=422)
    paper = add_paper(talk, form.fields(), utcnow().date())
    db.session.commit()
    flash(f"Added “{paper.title}”.", "info")
    return redirect(url_for("dashboard.talk_papers", talk_id=talk.id), 303)


@bp.route("/talks/<int:talk_id>/papers/<int:paper_id>", methods=["GET", "POST"])
def edit_talk_paper(talk_id: int, paper_id: int):
    """Edit one paper of a talk."""
    talk = talk_or_404(talk_id)
    paper = _listed_paper(talk, paper_id)
    if request.method == "GET":
        form = PaperForm(
            formdata=None,
            data={
                "title": paper.title,
                "authors": "\n".join(paper.authors or []),
                "url": paper.url,
                "arxiv": paper.arxiv_id,
                "published_on": paper.published_on,
            },
        )
        return _page(talk, form, editing=paper)
    form = PaperForm()
    if not form.validate():
        return _page(talk, form, editing=paper, status=422)
    update_paper(paper, form.fields(), utcnow().date())
    db.session.commit()
    flash(f"Saved “{paper.title}”.", "info")
    return redirect(url_for("dashboard.talk_papers", talk_id=talk.id), 303)


@bp.post("/talks/<int:talk_id>/papers/<int:paper_id>/remove")
def remove_talk_paper(talk_id: int, paper_id: int):
    """Take a paper off the talk's list."""
    talk = talk_or_404(talk_id)
    paper = _listed_paper(talk, paper_id)
    if not EmptyForm().validate():
        abort(400)
    title = paper.title
    remove_paper(talk, paper)
    db.session.commit()
    flash(f"Removed “{title}”.", "info")
    return redirect(url_for("dashboard.talk_papers", talk_id=talk.id), 303)
