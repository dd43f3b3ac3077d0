"""Forms of the accounts room."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, Length

from .accounts import MIN_PASSWORD_LENGTH


class LoginForm(FlaskForm):
    """Email and password."""

    email = EmailField("Email", validators=[DataRequired("Enter your email."), Length(max=320)])
    password = PasswordField("Password", validators=[DataRequired("Enter your password.")])


class AcceptInviteForm(FlaskForm):
    """The invited organizer's name, email and password."""

    name = StringField("Name", validators=[DataRequired("Enter your name."), Length(max=200)])
    email = EmailField("Email", validators=[DataRequired("Enter your email."), Length(max=320)])
    password = PasswordField(
        "Password",
        validators=[
            DataRequired("Choose a password."),
            Length(
                min=MIN_PASSWORD_LENGTH,
                message=f"The password must have at least {MIN_PASSWORD_LENGTH} characters.",
            ),
        ],
    )
    confirm = PasswordField(
        "Password again", validators=[EqualTo("password", "The two passwords differ.")]
    )


class EmptyForm(FlaskForm):
    """Only the CSRF token, for action buttons."""
