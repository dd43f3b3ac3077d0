"""Markdown for abstracts, bios and about texts: rendered without raw HTML, then sanitised."""

from __future__ import annotations

import html as html_lib

import nh3
from markdown_it import MarkdownIt
from markupsafe import Markup

# "js-default" escapes raw HTML and refuses javascript:/vbscript:/data: links;
# linkify turns the bare URLs organizers paste into links.
_markdown = MarkdownIt("js-default", {"linkify": False, "typographer": False}).enable("table")

_ALLOWED_TAGS = {
    "a", "p", "br", "strong", "em", "code", "pre", "blockquote", "ul", "ol", "li",
    "h3", "h4", "h5", "h6", "hr", "table", "thead", "tbody", "tr", "th", "td", "del", "img",
}  # fmt: skip
_ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "img": {"src", "alt", "title"}}


def render_markdown(text: str) -> Markup:
    """Safe HTML of Markdown text; headings start at h3 so they sit under the page's own."""
    if not text or not text.strip():
        return Markup("")
    html = _markdown.render(text)
    html = html.replace("<h1>", "<h3>").replace("</h1>", "</h3>")
    html = html.replace("<h2>", "<h4>").replace("</h2>", "</h4>")
    clean = nh3.clean(
        html,
        tags=_ALLOWED_TAGS,
        attributes=_ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
    )
    return Markup(clean)  # noqa: S704 -- sanitised by nh3 just above


def markdown_to_text(text: str) -> str:
    """Plain text of Markdown, for calendar descriptions and previews."""
    html = _markdown.render(text or "").replace("</p>", "</p>\n")
    return html_lib.unescape(nh3.clean(html, tags=set())).strip()
