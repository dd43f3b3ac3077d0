"""Where a `next=` parameter may send a browser: only to a path on this site."""

from __future__ import annotations

import re
from urllib.parse import unquote, urlsplit

# Characters a browser's URL parser drops (tab, newline) or that no path of ours holds.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
# Percent-encoding is undone this many times: an encoded form must not hide a host.
_DECODINGS = 3


def _is_local_path(value: str) -> bool:
    """Whether `value`, read as a browser reads a Location header, stays on this site."""
    # Browsers read a backslash as a slash in http(s) URLs, and strip leading spaces.
    value = value.replace("\\", "/").lstrip(" ")
    if not value.startswith("/") or value.startswith("//"):
        return False
    parts = urlsplit(value)
    return not parts.scheme and not parts.netloc


def safe_next(target: str | None) -> str | None:
    """`target` when it is a path on this site under every decoding; otherwise None.

    A browser drops tabs and newlines anywhere in a URL, turns backslashes into slashes
    and follows `//host` to another site, so `/%09/evil.example` would leave the site.
    Such targets, and any holding a control character once decoded, are refused whole
    rather than repaired.
    """
    if not target or len(target) > 2000:
        return None
    value = target
    for _ in range(_DECODINGS + 1):
        if _CONTROL.search(value) or not _is_local_path(value):
            return None
        decoded = unquote(value)
        if decoded == value:
            break
        value = decoded
    else:
        # Still encoded after every round: no path of ours is written so.
        return None
    return target
