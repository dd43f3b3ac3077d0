"""Forms of the accounts room."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, Length

from .accounts import MIN_PASSWORD_LENGTH


def new_password(label: str = "New password") -> PasswordField:
    """A password field with the length rule; the strength check runs when the account is saved."""
    return PasswordField(
        label,
        validators=[
            DataRequired("Choose a password."),
            Length(
                min=MIN_PASSWORD_LENGTH,
                message=f"The password must have at least {MIN_PASSWORD_LENGTH} characters.",
            ),
        ],
    )


class LoginForm(FlaskForm):
    """Email and password."""

    email = EmailField("Email", validators=[DataRequired("Enter your email."), Length(max=320)])
    password = PasswordField("Password", validators=[DataRequired("Enter your password.")])


class AcceptInviteForm(FlaskForm):
    """The invited organizer's name, email and password."""

    name = StringField("Name", validators=[DataRequired("Enter your name."), Length(max=200)])
    email = EmailField("Email", validators=[DataRequired("Enter your email."), Length(max=320)])
    password = new_password("Password")
    confirm = PasswordField(
        "Password again", validators=[EqualTo("password", "The two passwords differ.")]
    )


class ForgotPasswordForm(FlaskForm):
    """The address a password-reset link goes to."""

    email = EmailField("Email", validators=[DataRequired("Enter your email."), Length(max=320)])


class ResetPasswordForm(FlaskForm):
    """A new password, twice."""

    password = new_password()
    confirm = PasswordField(
        "New password again", validators=[EqualTo("password", "The two passwords differ.")]
    )


class NameForm(FlaskForm):
    """The organizer's name, as colleagues see it."""

    name = StringField("Name", validators=[DataRequired("Enter your name."), Length(max=200)])


class EmailChangeForm(FlaskForm):
    """A new address, confirmed with the current password."""

    email = EmailField(
        "New email", validators=[DataRequired("Enter the new email."), Length(max=320)]
    )
    current_password = PasswordField(
        "Current password", validators=[DataRequired("Enter your current password.")]
    )


class PasswordChangeForm(FlaskForm):
    """The current password, then the new one twice."""

    current_password = PasswordField(
        "Current password", validators=[DataRequired("Enter your current password.")]
    )
    password = new_password()
    confirm = PasswordField(
        "New password again", validators=[EqualTo("password", "The two passwords differ.")]
    )
