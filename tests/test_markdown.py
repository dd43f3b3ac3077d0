"""Markdown with maths in abstracts and bios, and the sanitiser behind it."""

from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest

from prisec.markdown import markdown_to_text, render_markdown, safe_url, sanitise_html


def test_inline_and_display_maths_keep_their_tex_for_katex():
    html = str(render_markdown("Let $\\varepsilon < 1$ hold.\n\n$$\\sum_{i=1}^n x_i$$"))
    assert '<span class="math inline">\\varepsilon &lt; 1</span>' in html
    assert '<div class="math block">' in html
    assert "\\sum_{i=1}^n x_i" in html


def test_dollar_amounts_stay_prose():
    html = str(render_markdown("Tickets cost $5 and $6 at the door."))
    assert "math" not in html
    assert "$5 and $6" in html


def test_markdown_inside_maths_is_not_interpreted():
    html = str(render_markdown("$a_1 * b_2 * c$ and *emphasis*"))
    assert '<span class="math inline">a_1 * b_2 * c</span>' in html
    assert "<em>emphasis</em>" in html


def test_markdown_to_text_keeps_maths_readable():
    text = markdown_to_text("**Bound** $\\epsilon \\le 8$:\n\n$$x^2$$\n\n[link](https://a.org)")
    assert "Bound $\\epsilon \\le 8$:" in text
    assert "$$x^2$$" in text
    assert "\n\n\n" not in text
    assert markdown_to_text("One.\n\nTwo *words*.") == "One.\n\nTwo words."
    assert "<" not in text
    assert "link" in text


class _Elements(HTMLParser):
    """Every element and attribute a browser would build from the HTML."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.found: list[tuple[str, dict[str, str | None]]] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        self.found.append((tag, dict(attrs)))


def assert_inert(html: str) -> None:
    """No script, no frame, no SVG or style, no event handler, no link but web or mail."""
    for tag, attrs in _Elements(html).found:
        assert tag not in {"script", "iframe", "svg", "math", "style", "object", "embed", "form"}
        for name, value in attrs.items():
            assert not name.startswith("on"), (tag, name)
            assert name not in {"style", "srcdoc", "formaction", "xlink:href"}, (tag, name)
            if name in {"href", "src"}:
                # Relative links are harmless; any scheme must be a web or mail one.
                assert urlsplit(value or "").scheme in {"", "http", "https", "mailto"}, value


ATTACKS = [
    "<script>alert(1)</script>",
    "[click](javascript:alert(1))",
    "[click](JaVaScRiPt:alert(1))",
    "[x](data:text/html;base64,PHNjcmlwdD4=)",
    '<img src=x onerror="alert(1)">',
    '![a](https://x.org/a.png" onerror="alert(1))',
    "<svg><script>alert(1)</script></svg>",
    '<svg onload="alert(1)"><a xlink:href="javascript:alert(1)">x</a></svg>',
    "<svg><animate attributeName=href to=javascript:alert(1) /></svg>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)></style></math>",
    '<a href="javascript:alert(1)">x</a>',
    '<div class="math block" onclick="x()">y</div>',
    "<style>body{display:none}</style>",
    "<iframe src=//evil.example></iframe>",
    "$\\href{javascript:alert(1)}{x}$ <b onmouseover=alert(1)>",
    '<p style="background:url(javascript:alert(1))">x</p>',
]


@pytest.mark.parametrize("source", ATTACKS)
def test_markdown_output_is_inert(source):
    assert_inert(str(render_markdown(source)))


@pytest.mark.parametrize("source", ATTACKS)
def test_sanitiser_alone_neutralises_raw_html(source):
    # Even if the Markdown layer let raw HTML through, nh3 would strip it.
    assert_inert(sanitise_html(source))


def test_only_the_maths_classes_survive():
    html = sanitise_html('<span class="evil math">x</span><div class="block">y</div>')
    assert 'class="math"' in html
    assert "evil" not in html
    assert 'class="block"' in html


def test_links_get_safe_rel():
    html = str(render_markdown("[home](https://example.org)"))
    assert 'href="https://example.org"' in html
    assert "noopener" in html


def test_safe_url_keeps_web_links_only():
    assert safe_url("https://example.org/a") == "https://example.org/a"
    assert safe_url("mailto:a@b.org") == "mailto:a@b.org"
    assert safe_url("javascript:alert(1)") == ""
    assert safe_url(" JAVASCRIPT:alert(1)") == ""
    assert safe_url("data:text/html,x") == ""
    assert safe_url("") == ""


def test_safe_url_keeps_paths_on_this_site_only():
    # An uploaded file's link is a path on the site.
    upload = "/uploads/slides/" + "a" * 64 + ".pdf"
    assert safe_url(upload) == upload
    # Paths a browser would read as another host.
    for leaving in (
        "//evil.example/x",
        "/\\evil.example/x",
        "/\t/evil.example",
        "/\n/evil.example",
    ):
        assert safe_url(leaving) == "", repr(leaving)
