"""`flask export static`: the public site as files, every internal link intact."""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from prisec import demo
from prisec.exporting.static import PRIVATE_ENDPOINT, file_for, relative_link
from prisec.extensions import db as _db
from prisec.models import Speaker

PHOTO = b"\x89PNG\r\n\x1a\n" + b"\x02" * 40


class _Links(HTMLParser):
    """Every href and src of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.links += [v for k, v in attrs if k in ("href", "src", "action") and v is not None]


def _internal_links(page: Path) -> list[str]:
    parser = _Links()
    parser.feed(page.read_text(encoding="utf-8"))
    return [
        link
        for link in parser.links
        if not urlsplit(link).scheme and not link.startswith(("#", "//"))
    ]


@pytest.fixture
def site(app, runner, tmp_path, create_talk):
    """The demo as published (three past talks, two per page), a photo and a draft."""
    app.config["PAST_PAGE_SIZE"] = 2
    demo.seed_demo(as_published=True)
    photo_name = "b" * 64 + ".png"
    (Path(app.config["UPLOAD_FOLDER"]) / photo_name).write_bytes(PHOTO)
    hooker = _db.session.query(Speaker).filter_by(name="Sara Hooker").one()
    hooker.photo = photo_name
    _db.session.commit()
    create_talk(title="A secret draft talk", published=False)
    out = tmp_path / "out"
    result = runner.invoke(args=["export", "static", str(out)])
    assert result.exit_code == 0, result.output
    return out


def test_every_internal_link_resolves_to_a_file(site):
    pages = sorted(site.rglob("*.html"))
    assert len(pages) >= 5
    checked = 0
    for page in pages:
        for link in _internal_links(page):
            target = (page.parent / urlsplit(link).path).resolve()
            assert target.is_file(), f"{page.relative_to(site)} links to missing {link}"
            checked += 1
    assert checked > 20


def test_the_public_pages_are_all_there(site):
    files = {p.relative_to(site).as_posix() for p in site.rglob("*") if p.is_file()}
    assert "index.html" in files
    assert "series/prisec-ml.html" in files
    # Two series (the draft sits in a second one): the home page lists them, each pages its own.
    assert "series.html" in files
    assert "series/prisec-ml--page-2.html" in files  # the older past talks
    assert "static/css/prisec.css" in files
    assert "uploads/photos/" + "b" * 64 + ".png" in files
    talk_pages = [f for f in files if f.startswith("talks/") and f.endswith(".html")]
    assert len(talk_pages) == 3
    # Each talk's calendar file comes along when the site links to it.
    assert {f for f in files if f.startswith("talks/") and f.endswith(".ics")} == {
        "talks/1.ics",
        "talks/2.ics",
        "talks/3.ics",
    }
    assert "healthz.html" not in files
    assert (site / "uploads/photos" / ("b" * 64 + ".png")).read_bytes() == PHOTO


def test_the_series_feeds_the_pages_subscribe_to_are_exported(site):
    files = {p.relative_to(site).as_posix() for p in site.rglob("*") if p.is_file()}
    assert "series/prisec-ml/calendar.ics" in files
    assert "calendar.ics" in files
    feed = (site / "series/prisec-ml/calendar.ics").read_bytes()
    assert feed.startswith(b"BEGIN:VCALENDAR")
    assert b"\r\nX-WR-CALNAME:" in feed
    # The subscribe button links to the exported feed, not to a server's webcal:// address.
    page = (site / "series/prisec-ml.html").read_text(encoding="utf-8")
    assert 'href="prisec-ml/calendar.ics"' in page
    assert "webcal://localhost" not in page


def test_the_archive_pages_carry_no_menu_of_every_speaker(site):
    archive = (site / "talks.html").read_text(encoding="utf-8")
    assert '<select name="speaker"' not in archive
    assert 'name="speaker"' in archive


def test_pages_keep_their_content_and_leave_drafts_out(site):
    everything = "".join(p.read_text(encoding="utf-8") for p in site.rglob("*.html"))
    assert "A secret draft talk" not in everything
    shokri = next(site.glob("talks/*/privacy-auditing-in-machine-learning.html"))
    text = shokri.read_text(encoding="utf-8")
    assert "<del" in text
    assert "27 October 2021" in text
    # No request to a server that a static host does not have.
    assert "hx-get" not in everything
    assert 'href="/' not in everything


def test_site_url_makes_canonical_links_absolute(app, runner, tmp_path):
    demo.seed_demo(as_published=True)
    out = tmp_path / "out"
    result = runner.invoke(
        args=["export", "static", str(out), "--site-url", "https://seminars.example.org/"]
    )
    assert result.exit_code == 0, result.output
    index = (out / "index.html").read_text(encoding="utf-8")
    assert '<link rel="canonical" href="https://seminars.example.org/">' in index


@pytest.mark.parametrize(
    ("url", "content_type", "expected"),
    [
        ("/", "text/html; charset=utf-8", "index.html"),
        ("/?page=2", "text/html; charset=utf-8", "index--page-2.html"),
        ("/series/prisec-ml", "text/html", "series/prisec-ml.html"),
        ("/series/prisec-ml/", "text/html", "series/prisec-ml/index.html"),
        ("/static/css/prisec.css?v=1", "text/css", "static/css/prisec.css"),
        ("/series/prisec-ml.ics", "text/calendar", "series/prisec-ml.ics"),
        ("/feeds/all", "text/calendar", "feeds/all.ics"),
    ],
)
def test_file_names(url, content_type, expected):
    assert file_for(url, content_type) == expected


def test_relative_links():
    assert relative_link("talks/1/x.html", "index.html") == "../../index.html"
    assert relative_link("index.html", "talks/1/x.html", "past") == "talks/1/x.html#past"


@pytest.mark.parametrize(
    ("endpoint", "private"),
    [
        ("schedule.healthz", True),
        ("auth.login", True),
        ("dashboard.index", True),
        ("invites.accept", True),
        ("schedule.index", False),
        ("feeds.series_feed", False),
        ("authors.index", False),
    ],
)
def test_server_only_endpoints(endpoint, private):
    assert bool(PRIVATE_ENDPOINT.search(endpoint)) is private
