"""Markdown written out as plain text for a mail: no markup left, links as bare addresses."""

from __future__ import annotations

import functools
from collections.abc import Sequence

from markdown_it import MarkdownIt
from markdown_it.token import Token
from mdit_py_plugins.dollarmath import dollarmath_plugin

from ..titles import plain_title

# The same reading of Markdown as the HTML part (prisec.markdown): raw HTML is text,
# maths follows pandoc's rule; so both parts of a mail say the same thing.
_parser = (
    MarkdownIt("js-default", {"linkify": False, "typographer": False})
    .enable("table")
    .use(dollarmath_plugin, allow_space=False, allow_digits=False)
)

RULE = "—" * 20


def _maths(tex: str) -> str:
    # plain_title turns $tex$ into Unicode with pylatexenc, as titles are everywhere else.
    tex = " ".join(tex.split())
    return plain_title(f"${tex}$") if tex else ""


def _link_text(text: str, href: str) -> str:
    """'text (https://…)', or the bare address when the text is the address itself."""
    shown = href.removeprefix("mailto:")
    text = text.strip()
    if not text or text in (href, shown):
        return shown
    return f"{text} ({shown})"


def _inline(tokens: Sequence[Token]) -> str:
    out: list[str] = []
    link_stack: list[tuple[str, int, str]] = []  # (href, where its text starts, markup)
    for token in tokens:
        kind = token.type
        if kind in ("text", "text_special", "html_inline", "code_inline"):
            out.append(token.content)
        elif kind in ("softbreak", "hardbreak"):
            out.append("\n")
        elif kind in ("math_inline", "math_inline_double"):
            out.append(_maths(token.content))
        elif kind == "link_open":
            link_stack.append((str(token.attrGet("href") or ""), len(out), token.markup))
        elif kind == "link_close" and link_stack:
            href, start, markup = link_stack.pop()
            text = "".join(out[start:])
            del out[start:]
            if markup == "autolink":
                # <https://…>: the text is the address decoded for display (%20 becomes a
                # space, which would end the link in a mail reader); the href stays whole.
                out.append(href.removeprefix("mailto:"))
            else:
                out.append(_link_text(text, href) if href else text)
        elif kind == "image":
            alt = "".join(child.content for child in token.children or [])
            out.append(_link_text(alt, str(token.attrGet("src") or "")))
        # Emphasis, strong and strike-through open and close tags write nothing.
    return "".join(out)


def _indent(text: str, first: str, rest: str) -> str:
    lines = text.split("\n")
    return "\n".join([first + lines[0], *(rest + line if line else line for line in lines[1:])])


class _Writer:
    """Walks markdown-it's block tokens, writing blocks separated by blank lines."""

    def __init__(self, tokens: list[Token]) -> None:
        self.tokens = tokens
        self.at = 0

    def blocks(self, until: str | None = None) -> list[str]:
        """The blocks up to the closing token `until` (consumed), or to the end."""
        written: list[str] = []
        while self.at < len(self.tokens):
            token = self.tokens[self.at]
            self.at += 1
            if until is not None and token.type == until:
                break
            block = self.block(token)
            if block is not None:
                written.append(block)
        return written

    def block(self, token: Token) -> str | None:
        kind = token.type
        if kind == "inline":
            return _inline(token.children or [])
        if kind in ("paragraph_open", "heading_open"):
            text = self.blocks(kind.replace("_open", "_close"))
            return "\n".join(text)
        if kind in ("bullet_list_open", "ordered_list_open"):
            return self.list_of(token)
        if kind == "blockquote_open":
            inner = "\n\n".join(self.blocks("blockquote_close"))
            return _indent(inner, "    ", "    ")
        if kind in ("fence", "code_block"):
            return _indent(token.content.rstrip("\n"), "    ", "    ")
        if kind == "math_block":
            return "    " + _maths(token.content)
        if kind == "hr":
            return RULE
        if kind == "html_block":
            return token.content.rstrip("\n")
        if kind == "table_open":
            return self.table()
        return None

    def list_of(self, opening: Token) -> str:
        ordered = opening.type == "ordered_list_open"
        closing = opening.type.replace("_open", "_close")
        number = int(opening.attrGet("start") or 1) if ordered else 0
        tight = self._tight(opening)
        items: list[str] = []
        while self.at < len(self.tokens):
            token = self.tokens[self.at]
            self.at += 1
            if token.type == closing:
                break
            if token.type != "list_item_open":
                continue
            inner = self.blocks("list_item_close")
            marker = f"{number}. " if ordered else "- "
            number += 1
            body = ("\n" if tight else "\n\n").join(inner)
            items.append(_indent(body, marker, " " * len(marker)))
        return ("\n" if tight else "\n\n").join(items)

    def _tight(self, opening: Token) -> bool:
        # markdown-it hides the paragraphs of a tight list's items; a loose list keeps
        # blank lines between its items.
        closing = opening.type.replace("_open", "_close")
        for token in self.tokens[self.at :]:
            if token.type == closing and token.level == opening.level:
                break
            if token.type == "paragraph_open" and token.level == opening.level + 2:
                return token.hidden
        return True

    def table(self) -> str:
        rows: list[list[str]] = []
        cells: list[str] = []
        while self.at < len(self.tokens):
            token = self.tokens[self.at]
            self.at += 1
            if token.type == "table_close":
                break
            if token.type == "inline":
                cells.append(_inline(token.children or []).strip())
            elif token.type == "tr_close":
                rows.append(cells)
                cells = []
        return "\n".join("  ·  ".join(row) for row in rows)


@functools.lru_cache(maxsize=256)
def markdown_to_mail_text(text: str) -> str:
    """A mail's text part from Markdown: no markup, links as bare URLs, maths as Unicode."""
    tokens = _parser.parse(text or "")
    blocks = [block for block in _Writer(tokens).blocks() if block.strip()]
    return "\n\n".join(block.rstrip() for block in blocks).strip() + "\n"
