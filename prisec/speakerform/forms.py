"""Forms of the speaker form: the speaker's fields, and the organizer's link settings."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import IntegerField, TextAreaField
from wtforms.validators import Length, NumberRange, Optional

from ..forms import single_line, text_field, url_field


class ProposalForm(FlaskForm):
    """What a speaker may propose for their talk."""

    title = text_field("Title", 300, single_line)
    abstract = TextAreaField(
        "Abstract (Markdown, $maths$ allowed)",
        validators=[Length(max=20000, message="At most 20000 characters.")],
    )
    bio = TextAreaField("Bio", validators=[Length(max=10000, message="At most 10000 characters.")])
    affiliation = text_field("Affiliation", 300)
    homepage = url_field("Homepage")
    photo = FileField("Photo (JPEG, PNG or WebP, up to 5 MB; leave empty to keep the current one)")


class NewLinkForm(FlaskForm):
    """How long a new speaker link stays open."""

    days = IntegerField(
        "Valid for (days)",
        default=30,
        validators=[Optional(), NumberRange(1, 365, "Enter a number of days from 1 to 365.")],
    )
