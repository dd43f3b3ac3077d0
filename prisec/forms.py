"""Form pieces every area shares: the action form, web addresses, one-line text, time zones."""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable
from functools import cache
from urllib.parse import urlsplit
from zoneinfo import available_timezones

from flask_wtf import FlaskForm
from markupsafe import Markup, escape
from wtforms import Field, Form, StringField
from wtforms.validators import Length, ValidationError

from . import wallclock
from .textcleaning import HEADER_MESSAGE, header_line_break


class EmptyForm(FlaskForm):
    """Only the CSRF token, for action buttons."""


# Files this site stores itself are linked by path; everything else must be a web address.
_OWN_UPLOAD = re.compile(r"^/uploads/(slides|photos)/[0-9a-f]{64}\.(pdf|jpg|png|webp)$")
URL_MESSAGE = "Enter a web address starting with http:// or https://."


# A host name with a dot and a top-level domain of letters, an optional port, then the path:
# `zoom.us/j/123` as pasted from an invitation. A scheme (`javascript:`) never matches.
_BARE_HOST = re.compile(
    r"^(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}(?::[0-9]{1,5})?(?:[/?#]|$)",
    re.IGNORECASE,
)


def with_scheme(value: str) -> str:
    """`zoom.us/j/123` read as `https://zoom.us/j/123`; anything else unchanged."""
    return f"https://{value}" if _BARE_HOST.match(value) else value


def web_address(form: Form, field: Field) -> None:
    """Only http and https addresses (or a file uploaded here); no javascript: or data:.

    An address typed without its scheme (`zoom.us/j/123`) is read as https.
    """
    value = with_scheme((field.data or "").strip())
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


ZONE_MESSAGE = "Enter an IANA time zone such as Europe/London or America/New_York."


@cache
def _zones_by_key() -> dict[str, str]:
    # The lookup key of every IANA name: lower case, spaces read as underscores. The
    # legacy copies (posix/, right/) and bare abbreviations are not offered.
    return {
        _zone_key(name): name
        for name in available_timezones()
        if ("/" in name or name == "UTC") and not name.startswith(("posix/", "right/", "Etc/"))
    }


def _zone_key(name: str) -> str:
    return re.sub(r"\s+", "_", name.strip()).lower()


def zone_names() -> list[str]:
    """The IANA zone names offered as one types (Area/City, and UTC)."""
    return sorted(_zones_by_key().values())


def canonical_zone(name: str) -> str | None:
    """The IANA name as spelled in the database (`europe/london` -> `Europe/London`), or None."""
    name = name.strip()
    if wallclock.is_valid_zone(name):
        return name
    return _zones_by_key().get(_zone_key(name))


def near_zone(name: str) -> str | None:
    """The IANA name closest to a misspelt one ("Asia/Tokio" -> "Asia/Tokyo"), if any is close."""
    zones = _zones_by_key()
    found = difflib.get_close_matches(_zone_key(name), zones.keys(), n=1, cutoff=0.8)
    return zones[found[0]] if found else None


def iana_zone(form: Form, field: Field) -> None:
    """An IANA time-zone name such as Europe/London, in any case; a near miss is suggested."""
    typed = field.data or ""
    canonical = canonical_zone(typed)
    if canonical is not None:
        field.data = canonical
        return
    suggestion = near_zone(typed) if typed.strip() else None
    if suggestion:
        raise ValidationError(f"Not a time zone we know. Did you mean {suggestion}?")
    raise ValidationError(ZONE_MESSAGE)


class ZoneField(StringField):
    """A time-zone text field that offers the IANA names as one types (a datalist, no script)."""

    def __call__(self, **kwargs: object) -> Markup:
        list_id = f"{self.id}-zones"
        kwargs.setdefault("list", list_id)
        kwargs.setdefault("autocomplete", "off")
        kwargs.setdefault("spellcheck", "false")
        options = "".join(f'<option value="{escape(name)}">' for name in zone_names())
        return Markup(f'{super().__call__(**kwargs)}<datalist id="{list_id}">{options}</datalist>')
