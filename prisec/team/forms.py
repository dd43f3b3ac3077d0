"""Forms of the team room: an invitation, and an account's role and series."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import EmailField, RadioField, SelectChoice, SelectMultipleField
from wtforms.validators import DataRequired, Length
from wtforms.widgets import CheckboxInput, ListWidget

from ..models import Role, Series

ROLE_CHOICES = [
    SelectChoice(Role.ORGANIZER.value, "Organizer of the series chosen below"),
    SelectChoice(Role.ADMIN.value, "Administrator: every series, accounts and site settings"),
]


class SeriesChoiceField(SelectMultipleField):
    """Series picked by checkboxes, one per series: it works without JavaScript."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class _RoleAndSeries(FlaskForm):
    role = RadioField("Role", choices=ROLE_CHOICES, default=Role.ORGANIZER.value)
    series = SeriesChoiceField("Series", coerce=int, validate_choice=True)

    def offer(self, series: list[Series]) -> None:
        """The series one can pick."""
        self.series.choices = [SelectChoice(s.id, s.name) for s in series]

    def chosen_series(self, series: list[Series]) -> list[Series]:
        """The picked series, in the order offered."""
        picked = set(self.series.data or [])
        return [s for s in series if s.id in picked]


class InviteForm(_RoleAndSeries):
    """Whom to invite, with what role and which series."""

    email = EmailField(
        "Email address",
        validators=[DataRequired("Enter the email address to invite."), Length(max=320)],
    )


class AccountForm(_RoleAndSeries):
    """An account's role and series."""
