"""Forms of the plan grid: a draft typed into a free slot, and publishing the term's drafts."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import DateField, SelectMultipleField
from wtforms.validators import DataRequired, InputRequired

from ..forms import single_line, text_field


class SlotDraftForm(FlaskForm):
    """A speaker, their affiliation and a title typed into a free slot of the term."""

    day = DateField("Date", validators=[InputRequired("The slot's date is missing.")])
    speaker = text_field("Speaker", 200, DataRequired("Enter the speaker's name."), single_line)
    affiliation = text_field("Affiliation", 300, single_line)
    title = text_field("Title", 300, single_line)


class PublishDraftsForm(FlaskForm):
    """The drafts the organizer confirmed, by id: only those are published."""

    # Checked against the drafts of the term at the time of the post, not against a fixed
    # list of choices: a draft published meanwhile is simply left out.
    talk = SelectMultipleField("Drafts", coerce=int, validate_choice=False)
