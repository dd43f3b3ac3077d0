"""The setup form: the first administrator's account and the first series."""

from __future__ import annotations

from datetime import time

from flask_wtf import FlaskForm
from wtforms import (
    EmailField,
    HiddenField,
    PasswordField,
    SelectChoice,
    SelectField,
    StringField,
    TimeField,
)
from wtforms.validators import DataRequired, EqualTo, Length, Optional

from ..auth.forms import new_password
from ..forms import WEEKDAYS, iana_zone


class SetupForm(FlaskForm):
    """Who administers the site, and the series it starts with."""

    token = HiddenField()
    name = StringField("Your name", validators=[DataRequired("Enter your name."), Length(max=200)])
    email = EmailField(
        "Your email", validators=[DataRequired("Enter your email."), Length(max=320)]
    )
    password = new_password("Password")
    confirm = PasswordField(
        "Password again", validators=[EqualTo("password", "The two passwords differ.")]
    )
    series_name = StringField(
        "Name of the series",
        validators=[DataRequired("Enter the series' name."), Length(max=200)],
    )
    timezone = StringField(
        "Time zone",
        default="Europe/London",
        validators=[DataRequired("Enter a time zone."), iana_zone],
    )
    weekday = SelectField(
        "Usual day",
        choices=[
            SelectChoice("", "No regular day"),
            *[SelectChoice(str(i), day) for i, day in enumerate(WEEKDAYS)],
        ],
    )
    # Asked only with a usual day (see `validate`); the page hides it for "No regular day".
    start_time = TimeField("Usual start time", validators=[Optional()])

    def validate(self, extra_validators=None) -> bool:
        """Field checks; the usual start time is needed only with a usual day."""
        valid = super().validate(extra_validators)
        if self.start_time.data is None:
            if self.weekday.data:
                self.start_time.errors.append("Enter the usual start time.")
                return False
            # New talks still start from a time: the series' usual one until changed.
            self.start_time.data = time(13, 0)
        return valid

    def weekday_number(self) -> int | None:
        """The chosen weekday, 0 for Monday; None for no regular day."""
        return int(self.weekday.data) if self.weekday.data else None
