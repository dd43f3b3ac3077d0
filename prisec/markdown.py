"""Markdown for abstracts, bios and about texts: maths kept for KaTeX, no raw HTML, sanitised."""

from __future__ import annotations

import functools
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


# Pages and the API render the same abstracts again and again; the result depends on the text only.
# Rendered pages are kept by the page cache, so this needs only the recent ones (a few MB).
@functools.lru_cache(maxsize=1024)
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
    return _markdown_to_text(text or "")


# Talks store the text of their abstract (`Talk.abstract_text`); what comes here is series
# descriptions, previews of a form and the odd talk a raw SQL write left without one.
@functools.lru_cache(maxsize=256)
def _markdown_to_text(text: str) -> str:
    plain = _plain_text_of_simple_markdown(text)
    return plain if plain is not None else _markdown_to_text_parsed(text)


def _markdown_to_text_parsed(text: str) -> str:
    html = _markdown_text.render(text).replace("</p>", "</p>\n")
    plain = html_lib.unescape(nh3.clean(html, tags=set())).strip()
    return re.sub(r"\n{3,}", "\n\n", plain)


def safe_url(url: str) -> str:
    """The URL when it is a web or mail link or a path on this site, else empty.

    Stored links never run script. A path is what an uploaded file's link is
    (/uploads/slides/...); `//host` and `/\\host` would leave the site, so they are not paths.
    """
    candidate = (url or "").strip()
    if candidate.startswith("/"):
        # Browsers drop tabs and newlines inside a URL and read "\\" as "/": "/\t/host" leaves.
        if any(c.isspace() or c < " " for c in candidate) or candidate[1:2] in ("/", "\\"):
            return ""
        return candidate
    scheme = candidate.split(":", 1)[0].lower() if ":" in candidate else ""
    return candidate if scheme in {"http", "https", "mailto"} else ""


# A fast path for the Markdown abstracts are usually written in: paragraphs, tight bullet
# lists, emphasis, code, links and inline maths. Parsing with markdown-it costs ~4 ms per
# abstract, which made a cold feed of a thousand talks take seconds. Anything else (or any
# doubt) returns None and takes the full parser; tests check both paths agree.
_BLOCK_START = re.compile(
    r"^(?:[#>|=<]|```|~~~|\d{1,9}[.)](?:\s|$)|[-*+](?:\s|$)|[-=]+\s*$|([-*_])[ ]*(?:\1[ ]*){2,}$)"
)
_BULLET = re.compile(r"^([-*+]) (\S.*)$")
_UNSAFE = re.compile(r"[\\&<~|\t\x00]|\$\$|!\[|\*\*\*|``")
_MATHS = re.compile(r"(?<![\w$])\$(?=[^\s$])([^$\n]*?[^\s$\\])\$(?![\d$])")
_CODE = re.compile(r"`([^`\s](?:[^`\n]*[^`\s])?)`")
_LINK = re.compile(r"\[([^\[\]\n]+)\]\(([^()\s]*)\)")
_STRONG = re.compile(r"(?<![\w*])\*\*(?=\S)(.+?)(?<=\S)\*\*(?![\w*])")
_EMPHASIS = re.compile(r"(?<![\w*])\*(?=\S)(.+?)(?<=\S)\*(?![\w*])")
_UNDERSCORE = re.compile(r"(?<![\w_])_(?=\S)(.+?)(?<=\S)_(?![\w_])")
_LEFT_OVER = re.compile(r"[*`\[\]$]|(?<!\w)_|_(?!\w)")


_KEPT = re.compile("\ue000(\\d+)\ue001")
_BLOCK_BREAK = re.compile(r"\n[ \t]*\n")


def _inline_text(text: str) -> str | None:
    # Runs over all lines at once: no pattern crosses a line end, as none may here.
    kept: list[str] = []

    def keep(value: str) -> str:
        kept.append(value)
        return f"\ue000{len(kept) - 1}\ue001"

    text = _MATHS.sub(lambda m: keep(f"${m.group(1)}$"), text)
    text = _CODE.sub(lambda m: keep(m.group(1)), text)
    # Maths and code overlapping, or a backslash escape: which wins is the parser's call.
    if "\\" in text or any("\ue000" in value or "`" in value for value in kept):
        return None
    text = _LINK.sub(r"\1", text)
    text = _STRONG.sub(r"\1", text)
    text = _EMPHASIS.sub(r"\1", text)
    text = _UNDERSCORE.sub(r"\1", text)
    if _LEFT_OVER.search(text):
        return None
    return _KEPT.sub(lambda m: kept[int(m.group(1))], text) if kept else text


def _plain_text_of_simple_markdown(text: str) -> str | None:
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if "\ue000" in text or "\ue001" in text:
        return None
    outside_maths = _MATHS.sub("", text)
    if _UNSAFE.search(outside_maths):
        return None
    blocks: list[tuple[bool, list[str]]] = []  # (is a list, its lines' inline text)
    previous_was_list = False
    for block in _BLOCK_BREAK.split(text):
        lines = [line for line in block.split("\n") if line.strip()]
        if not lines:
            continue
        if any(len(line) - len(line.lstrip(" ")) >= 4 for line in lines):
            return None
        stripped = [line.strip() for line in lines]
        bullets = [_BULLET.match(line) for line in stripped]
        if all(bullets):
            if previous_was_list or len({m.group(1) for m in bullets}) > 1:
                return None  # a loose list or two lists: leave them to the parser
            items = [m.group(2).strip() for m in bullets]
            if any(_BLOCK_START.match(item) or _BULLET.match(item) for item in items):
                return None  # a heading, quote or list inside an item
            blocks.append((True, items))
            previous_was_list = True
            continue
        if any(bullets) or any(_BLOCK_START.match(line) for line in stripped):
            return None
        blocks.append((False, stripped))
        previous_was_list = False
    converted = _inline_text("\n".join(line for _, lines in blocks for line in lines))
    if converted is None:
        return None
    plain = iter(converted.split("\n"))
    parts = []
    for is_list, lines in blocks:
        inline = "\n".join(next(plain) for _ in lines)
        parts.append(f"\n{inline}\n\n" if is_list else f"{inline}\n\n")
    return re.sub(r"\n{3,}", "\n\n", "".join(parts).strip())
