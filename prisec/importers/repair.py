"""Repairing mojibake in imported text: UTF-8 read as Windows-1252, Latin-1 or Mac Roman."""

from __future__ import annotations

import re

import ftfy


def _chars_for_bytes(low: int, high: int) -> str:
    """The Mac Roman characters of the bytes low..high, as a regex character class body."""
    return "".join(re.escape(bytes([b]).decode("mac_roman")) for b in range(low, high + 1))


# A UTF-8 lead byte followed by its continuation bytes, all seen through Mac Roman:
# 'ä' (C3 A4) shows as '√§'. ftfy leaves such short runs alone when it has too little
# evidence, as in a single 'Universit√§t', so they are repaired here one run at a time.
_MAC_ROMAN_RUN = re.compile(
    f"[{_chars_for_bytes(0xC2, 0xF4)}][{_chars_for_bytes(0x80, 0xBF)}]{{1,3}}"
)


def _undo_mac_roman(match: re.Match[str]) -> str:
    run = match.group(0)
    try:
        return run.encode("mac_roman").decode("utf-8")
    except UnicodeError:
        return run


def repair_text(text: str) -> str:
    """Text with mojibake undone; quotes, dashes and HTML entities are kept as written."""
    text = ftfy.fix_encoding(text)
    return _MAC_ROMAN_RUN.sub(_undo_mac_roman, text)
