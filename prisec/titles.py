"""Maths in talk titles: Unicode in plain text ("$\\varepsilon$-DP" -> "ε-DP"), KaTeX in HTML."""

from __future__ import annotations

import re

from markupsafe import Markup, escape
from pylatexenc.latex2text import LatexNodes2Text

_converter = LatexNodes2Text(math_mode="text", strict_latex_spaces=True)
_COMMAND = re.compile(r"\\([A-Za-z]+)")
# As in abstracts (pandoc's rule): no space just inside the dollars and no digit right
# after the closing one, so "costs $5 and $6" stays prose.
_MATHS = re.compile(r"\$(?=\S)([^$]*?\S)\$(?!\d)")


def plain_title(title: str) -> str:
    """The title with its $maths$ as readable Unicode; titles without a dollar stay as they are."""
    if not title or "$" not in title:
        return title
    return _MATHS.sub(_as_unicode, title)


def _as_unicode(match: re.Match[str]) -> str:
    tex = match.group(0)
    try:
        text = _converter.latex_to_text(tex)
    except Exception:
        # Bad TeX is the organizer's typo, not a reason to fail a page or a feed.
        return tex
    return " ".join(text.split()) or tex


def search_words(title: str) -> str:
    """Extra words a title's maths is found by: its Unicode form and TeX command names."""
    if not title or not _MATHS.search(title):
        return ""
    names = _COMMAND.findall(title)
    # "varepsilon" is also found as "epsilon", the word a reader types.
    extra = [name[3:] for name in names if name.startswith("var")]
    return " ".join([plain_title(title), *names, *extra])


def title_html(title: str) -> Markup:
    """The title escaped, its $maths$ in the spans maths.js typesets; the TeX stays readable."""
    parts: list[str] = []
    last = 0
    for match in _MATHS.finditer(title or ""):
        parts.append(escape(title[last : match.start()]))
        parts.append(Markup('<span class="math inline">%s</span>') % match.group(1))
        last = match.end()
    parts.append(escape((title or "")[last:]))
    return Markup("").join(parts)
