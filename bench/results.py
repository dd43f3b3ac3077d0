"""bench/RESULTS.md is shared by several benchmarks: each one replaces only its own section."""

from __future__ import annotations

import re
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "RESULTS.md"


def replace_section(section: str, path: Path = RESULTS) -> None:
    """Put `section` (starting with its "# " heading line) in place of the old one, or append it."""
    heading = section.splitlines()[0]
    if not heading.startswith("# "):
        raise ValueError("a section starts with a top-level heading")
    text = path.read_text() if path.exists() else ""
    # A section runs from its heading to the next top-level heading or the end.
    pattern = re.compile(rf"^{re.escape(heading)}\n.*?(?=^# |\Z)", re.S | re.M)
    section = section.rstrip("\n") + "\n"
    if pattern.search(text):
        text = pattern.sub(lambda _: section + "\n", text).rstrip("\n") + "\n"
    else:
        text = (text.rstrip("\n") + "\n\n" if text.strip() else "") + section
    path.write_text(text)
