"""Markdown for abstracts, bios and about texts: maths kept for KaTeX, no raw HTML, sanitised."""

from __future__ import annotations

import html as html_lib
import re
from collections.abc import Callable
from typing import Any

import nh3
from markdown_it import MarkdownIt
from markupsafe import Markup
from mdit_py_plugins.dollarmath import dollarmath_plugin


def _with_maths(renderer: Callable[[str, dict[str, Any]], str]) -> MarkdownIt:
    # "js-default" escapes raw HTML and refuses javascript:/vbscript:/data: links.
    # Maths follows pandoc's rule: no space inside the dollars and no digit right after
    # the closing one, so "costs $5 and $6" stays prose.
    md = MarkdownIt("js-default", {"linkify": False, "typographer": False}).enable("table")
    return md.use(dollarmath_plugin, allow_space=False, allow_digits=False, renderer=renderer)


def _maths_for_katex(tex: str, options: dict[str, Any]) -> str:
    # The TeX source stays as escaped text: readable without JavaScript, and what the
    # maths script hands to KaTeX.
    return html_lib.escape(tex.strip())


def _maths_as_source(tex: str, options: dict[str, Any]) -> str:
    fence = "$$" if options.get("display_mode") else "$"
    return html_lib.escape(f"{fence}{tex.strip()}{fence}")


_markdown = _with_maths(_maths_for_katex)
_markdown_text = _with_maths(_maths_as_source)

_ALLOWED_TAGS = {
    "a", "p", "br", "strong", "em", "code", "pre", "blockquote", "ul", "ol", "li",
    "h3", "h4", "h5", "h6", "hr", "table", "thead", "tbody", "tr", "th", "td", "del", "img",
    "span", "div",
}  # fmt: skip
_ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "img": {"src", "alt", "title"}}
# Only the classes the maths plugin writes survive; nothing else may style or script itself.
_ALLOWED_CLASSES = {"span": {"math", "inline"}, "div": {"math", "block"}}


def _local_images_only(tag: str, attribute: str, value: str) -> str | None:
    # An image from another site would tell it who reads the page (and the page's
    # Content-Security-Policy would block it anyway): only our own images keep their source.
    if tag == "img" and attribute == "src" and not (value.startswith("/") and value[1:2] != "/"):
        return None
    return value


def sanitise_html(html: str) -> str:
    """HTML reduced to the tags, attributes, classes and URL schemes prose needs."""
    return nh3.clean(
        html,
        tags=_ALLOWED_TAGS,
        attributes=_ALLOWED_ATTRIBUTES,
        allowed_classes=_ALLOWED_CLASSES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
        attribute_filter=_local_images_only,
    )


def render_markdown(text: str) -> Markup:
    """Safe HTML of Markdown text; headings start at h3 so they sit under the page's own.

    Maths between `$…$` and `$$…$$` becomes `<span class="math inline">` and
    `<div class="math block">` holding the TeX source, which KaTeX typesets in the browser.
    """
    if not text or not text.strip():
        return Markup("")
    html = _markdown.render(text)
    html = html.replace("<h1>", "<h3>").replace("</h1>", "</h3>")
    html = html.replace("<h2>", "<h4>").replace("</h2>", "</h4>")
    return Markup(sanitise_html(html))  # noqa: S704 -- sanitised by nh3 just above


def markdown_to_text(text: str) -> str:
    """Plain text of Markdown, for calendar descriptions and previews; maths keeps its dollars."""
    html = _markdown_text.render(text or "").replace("</p>", "</p>\n")
    plain = html_lib.unescape(nh3.clean(html, tags=set())).strip()
    return re.sub(r"\n{3,}", "\n\n", plain)


def safe_url(url: str) -> str:
    """The URL when it is a web or mail link, else empty: stored links never run script."""
    candidate = (url or "").strip()
    scheme = candidate.split(":", 1)[0].lower() if ":" in candidate else ""
    return candidate if scheme in {"http", "https", "mailto"} else ""
