"""Text bound for XML (Atom), e-mail and calendars: what those formats cannot hold, removed.

One place decides, so that a feed, a mail and a calendar file never disagree about which
stored text they can write. Two questions are answered: `clean_text` drops the characters
none of those formats can carry, and `header_line_break` tells whether a value would put a
line break into a mail header, raw or once RFC 2047 encoded words are decoded.
"""

from __future__ import annotations

import re
from email import policy

# XML 1.0 allows tab, line feed, carriage return and U+0020 upwards, except the surrogates
# and U+FFFE/U+FFFF; RFC 5545 TEXT allows no control character but tab. DEL and the C1
# controls are allowed by XML but by neither of the others, and mean nothing in prose.
# The noncharacters (U+FDD0-U+FDEF and the last two code points of every plane) are for
# a program's internal use and must not be interchanged.
_CANNOT_HOLD = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufdd0-\ufdef\ufffe\uffff"
    + "".join(
        f"{chr(plane * 0x10000 + 0xFFFE)}{chr(plane * 0x10000 + 0xFFFF)}" for plane in range(1, 17)
    )
    + "]"
)

# Every character Python (and so the mail package, and some mail readers) treat as the end
# of a line: `str.splitlines` breaks on exactly these.
LINE_BREAKS = frozenset("\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029")

HEADER_MESSAGE = (
    "Use a single line: line breaks (also encoded ones, such as =?utf-8?b?...?=) "
    "are not allowed here."
)


def clean_text(value: str) -> str:
    """The text without the characters XML, e-mail and iCalendar cannot hold."""
    return _CANNOT_HOLD.sub("", value)


def has_line_break(value: str) -> bool:
    """Whether the text holds any character that ends a line."""
    return any(char in LINE_BREAKS for char in value)


def decoded_header(value: str) -> str:
    """What a mail reader shows of a header value: RFC 2047 encoded words decoded."""
    # The mail package's own parser, the one that builds our headers, so that the check and
    # the message can never read a value differently.
    return str(policy.default.header_factory("subject", value))


def header_line_break(value: str) -> bool:
    """Whether the value would put a line break into a mail header, raw or once decoded."""
    if has_line_break(value):
        return True
    if "=?" not in value:
        return False
    # Address headers decode encoded words that touch other text ("=?...?=@example.org"),
    # which an unstructured header leaves alone: each word is also decoded on its own.
    pieces = [value, *(f" {word} " for word in _ENCODED_WORD.findall(value))]
    return any(has_line_break(decoded_header(piece)) for piece in pieces)


_ENCODED_WORD = re.compile(r"=\?[^?\s]*\?[^?\s]*\?[^?\s]*\?=")
