"""Form pieces every area shares: the action form, web addresses, one-line text, time zones."""

from __future__ import annotations

import re
from collections.abc import Callable
from urllib.parse import urlsplit

from flask_wtf import FlaskForm
from wtforms import Field, Form, StringField
from wtforms.validators import Length, ValidationError

from . import wallclock
from .textcleaning import HEADER_MESSAGE, header_line_break


class EmptyForm(FlaskForm):
    """Only the CSRF token, for action buttons."""


# Files this site stores itself are linked by path; everything else must be a web address.
_OWN_UPLOAD = re.compile(r"^/uploads/(slides|photos)/[0-9a-f]{64}\.(pdf|jpg|png|webp)$")
URL_MESSAGE = "Enter a web address starting with http:// or https://."


def web_address(form: Form, field: Field) -> None:
    """Only http and https addresses (or a file uploaded here); no javascript: or data:."""
    value = (field.data or "").strip()
    field.data = value
    if not value or _OWN_UPLOAD.match(value):
        return
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc or any(c.isspace() for c in value):
        raise ValidationError(URL_MESSAGE)


def single_line(form: Form, field: Field) -> None:
    """One line, also once RFC 2047 encoded words are decoded: the value may reach a mail header."""
    if header_line_break(field.data or ""):
        raise ValidationError(HEADER_MESSAGE)


def url_field(label: str) -> StringField:
    """A web-address field: trimmed, bounded, http(s) only."""
    return StringField(
        label,
        validators=[Length(max=2000, message="At most 2000 characters."), web_address],
        filters=[lambda v: v.strip() if isinstance(v, str) else v],
    )


def text_field(label: str, max_length: int, *validators: Callable) -> StringField:
    """A trimmed text field of bounded length."""
    return StringField(
        label,
        validators=[
            *validators,
            Length(max=max_length, message=f"At most {max_length} characters."),
        ],
        filters=[lambda v: v.strip() if isinstance(v, str) else v],
    )


WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]


def iana_zone(form: Form, field: Field) -> None:
    """An IANA time-zone name such as Europe/London."""
    if not wallclock.is_valid_zone((field.data or "").strip()):
        raise ValidationError("Enter an IANA time zone such as Europe/London or America/New_York.")
