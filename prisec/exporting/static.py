"""The public site as static files: every public page rendered, links made relative.

Pages are found the way a visitor finds them: from the public GET routes without
arguments, every series and published talk, and then every internal link they contain.
"""

from __future__ import annotations

import html
import mimetypes
import posixpath
import re
import shutil
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urljoin, urlsplit

from flask import Flask, url_for
from werkzeug.exceptions import HTTPException
from werkzeug.routing import RequestRedirect

from ..extensions import db
from ..models import Series, public_talks, visible_series
from ..public.seo import sitemap_addresses

HOST = "localhost"
# Endpoints that belong to the running server, not to a public page a static host can serve.
PRIVATE_ENDPOINT = re.compile(
    r"(?:^|[._])(?:healthz?|login|logout|auth|dashboard|admin|accounts?|password|invites?)"
    r"(?:[._]|$)"
    # The archive's speaker suggestions answer what a reader types: only a server can.
    r"|^archive\.speakers$"
)
# Attributes holding a URL, and htmx attributes that would fetch from the server.
_URL_ATTRIBUTE = re.compile(
    r"""(?P<name>\b(?:href|src|action|poster))=(?P<quote>["'])(?P<url>.*?)(?P=quote)""",
    re.IGNORECASE | re.DOTALL,
)
_HTMX_REQUEST = re.compile(
    r"""\s+hx-(?:get|post|put|patch|delete)=(["']).*?\1""", re.IGNORECASE | re.DOTALL
)
_TAG = re.compile(r"<[A-Za-z][^>]*>")
_CANONICAL = re.compile(r"""\brel=(["'])canonical\1""", re.IGNORECASE)
_CSS_URL = re.compile(r"""url\(\s*(?P<quote>["']?)(?P<url>[^"')]+)(?P=quote)\s*\)""")


@dataclass
class Fetched:
    """One response of the crawl."""

    url: str
    status: int
    content_type: str
    body: bytes
    redirect_to: str = ""


@dataclass
class StaticReport:
    """What the static export wrote and what it left out."""

    files: list[str] = field(default_factory=list)
    skipped: dict[str, str] = field(default_factory=dict)


def internal_url(url: str, base: str) -> str | None:
    """The site-relative path and query of `url` (read on the page at `base`), or None.

    A `webcal://` link of the site is a feed of the site: subscribe buttons link that way.
    """
    raw = html.unescape(url).strip()
    if raw.lower().startswith("webcal://"):
        raw = "http://" + raw[len("webcal://") :]
    absolute = urljoin(f"http://{HOST}{base}", raw)
    parts = urlsplit(absolute)
    if parts.scheme not in ("http", "https") or parts.netloc != HOST:
        return None
    return parts.path + (f"?{parts.query}" if parts.query else "")


def file_for(url: str, content_type: str) -> str:
    """The file (relative to the output folder) that serves `url`.

    Pages become .html files ('/series/x' -> 'series/x.html', '/' -> 'index.html', a query
    '?page=2' -> 'index--page-2.html'); other files keep their path and drop the query.
    """
    parts = urlsplit(url)
    path = parts.path.lstrip("/")
    if content_type.startswith("text/html"):
        if not path or path.endswith("/"):
            path += "index"
        path = path.removesuffix(".html")
        if parts.query:
            path += "--" + re.sub(r"[^A-Za-z0-9]+", "-", parts.query).strip("-")
        return path + ".html"
    if not posixpath.splitext(path)[1]:
        path += mimetypes.guess_extension(content_type.split(";")[0].strip()) or ".bin"
    return path


def relative_link(from_file: str, to_file: str, fragment: str = "") -> str:
    """The link from one output file to another, relative so the folder works anywhere."""
    link = posixpath.relpath(to_file, posixpath.dirname(from_file) or ".")
    return link + (f"#{fragment}" if fragment else "")


class StaticSite:
    """Crawls the app through its test client and writes what it finds."""

    def __init__(self, app: Flask, site_url: str = ""):
        self.app = app
        self.site_url = site_url.rstrip("/") + "/" if site_url else ""
        self.client = app.test_client()
        self.adapter = app.url_map.bind(HOST)
        self.fetched: dict[str, Fetched] = {}
        self.report = StaticReport()

    def public(self, url: str) -> bool:
        """Whether `url` is a public page of this app (not a server-only endpoint)."""
        path = urlsplit(url).path
        try:
            endpoint, _ = self.adapter.match(path, method="GET")
        except RequestRedirect:
            return True
        except HTTPException:
            return False
        return not PRIVATE_ENDPOINT.search(endpoint)

    def seeds(self) -> list[str]:
        """Public GET routes without arguments, each series and each published talk."""
        urls = []
        with self.app.test_request_context():
            for rule in self.app.url_map.iter_rules():
                if "GET" in (rule.methods or ()) and not rule.arguments:
                    urls.append(url_for(rule.endpoint))
            for series in db.session.scalars(visible_series().order_by(Series.id)):
                urls.append(url_for("schedule.series_page", slug=series.slug))
            for talk in db.session.scalars(public_talks()):
                urls.append(url_for("schedule.talk_page", talk_id=talk.id, slug=talk.slug))
            # robots.txt names the sitemap index, which names its files (XML: not crawled).
            urls += sitemap_addresses()
        return [u for u in urls if self.public(u)]

    def links(self, page: Fetched) -> list[str]:
        """Internal URLs a page or stylesheet refers to."""
        text = page.body.decode("utf-8", errors="replace")
        if page.content_type.startswith("text/html"):
            found = [m.group("url") for m in _URL_ATTRIBUTE.finditer(_HTMX_REQUEST.sub("", text))]
        elif page.content_type.startswith("text/css"):
            found = [m.group("url") for m in _CSS_URL.finditer(text)]
        else:
            return []
        urls = (internal_url(link, page.url) for link in found)
        return [u for u in urls if u is not None]

    def crawl(self, max_pages: int = 100_000) -> None:
        """Fetch every public page reachable from the seeds (at most `max_pages`)."""
        queue = deque(self.seeds())
        while queue and len(self.fetched) < max_pages:
            url = queue.popleft()
            if url in self.fetched or not self.public(url):
                continue
            response = self.client.get(url)
            page = Fetched(url, response.status_code, response.content_type or "", response.data)
            response.close()
            self.fetched[url] = page
            if 300 <= page.status < 400:
                target = internal_url(response.location or "", url)
                if target is not None and self.public(target):
                    page.redirect_to = target
                    queue.append(target)
            elif page.status == 200:
                queue.extend(u for u in self.links(page) if u not in self.fetched)

    def _target_file(self, url: str) -> str | None:
        """The output file for an internal URL, following redirects; None if not exported."""
        seen = set()
        page = self.fetched.get(url)
        while page is not None and page.redirect_to and url not in seen:
            seen.add(url)
            url = page.redirect_to
            page = self.fetched.get(url)
        if page is None or page.status != 200:
            return None
        return file_for(page.url, page.content_type)

    def _rewrite(self, link: str, base_url: str, own_file: str, attribute: str) -> str | None:
        """A link as it must read in the static file; None to drop the attribute."""
        raw = html.unescape(link).strip()
        url = internal_url(link, base_url)
        if url is None or raw.startswith("#"):
            return raw
        fragment = urlsplit(raw).fragment
        target = self._target_file(url)
        if target is None:
            # A page only the live server has (a login, say): link there, or not at all.
            return urljoin(self.site_url, url.lstrip("/")) if self.site_url else None
        if attribute == "canonical" and self.site_url:
            return urljoin(self.site_url, target.removesuffix("index.html"))
        if raw.lower().startswith("webcal://"):
            # Calendar apps subscribe to an absolute address; without the site's own
            # address, the link downloads the exported file instead.
            if self.site_url:
                address = urljoin(self.site_url, target)
                return "webcal://" + address.split("://", 1)[1]
            return relative_link(own_file, target)
        return relative_link(own_file, target, fragment)

    def rewrite_html(self, page: Fetched, own_file: str) -> str:
        """The page with its links pointing at the exported files and no server requests."""
        text = _HTMX_REQUEST.sub("", page.body.decode("utf-8"))

        def rewrite_tag(tag: re.Match[str]) -> str:
            kind = "canonical" if _CANONICAL.search(tag.group(0)) else ""

            def rewrite_attribute(match: re.Match[str]) -> str:
                link = self._rewrite(match.group("url"), page.url, own_file, kind)
                if link is None:
                    return ""
                quote = match.group("quote")
                return f"{match.group('name')}={quote}{html.escape(link, quote=True)}{quote}"

            return _URL_ATTRIBUTE.sub(rewrite_attribute, tag.group(0))

        return _TAG.sub(rewrite_tag, text)

    def rewrite_css(self, page: Fetched, own_file: str) -> str:
        """The stylesheet with url(...) pointing at the exported files."""
        text = page.body.decode("utf-8")

        def replace(match: re.Match[str]) -> str:
            link = self._rewrite(match.group("url"), page.url, own_file, "")
            return f"url({match.group('quote')}{link or ''}{match.group('quote')})"

        return _CSS_URL.sub(replace, text)

    def write(self, outdir: Path) -> StaticReport:
        """Copy the static folder, then write each fetched page under `outdir`."""
        outdir.mkdir(parents=True, exist_ok=True)
        if self.app.static_folder and Path(self.app.static_folder).is_dir():
            static_url = (self.app.static_url_path or "/static").lstrip("/")
            shutil.copytree(self.app.static_folder, outdir / static_url, dirs_exist_ok=True)
        for url, page in sorted(self.fetched.items()):
            if page.redirect_to:
                target = self._target_file(url)
                if target is None:
                    continue
                own = file_for(url, "text/html")
                link = html.escape(relative_link(own, target), quote=True)
                body = (
                    f'<!doctype html><meta charset="utf-8"><title>Moved</title>'
                    f'<meta http-equiv="refresh" content="0; url={link}">'
                    f'<p>This page is now at <a href="{link}">{link}</a>.</p>'
                ).encode()
            elif page.status != 200:
                self.report.skipped[url] = f"status {page.status}"
                continue
            else:
                own = file_for(url, page.content_type)
                if page.content_type.startswith("text/html"):
                    body = self.rewrite_html(page, own).encode("utf-8")
                elif page.content_type.startswith("text/css"):
                    body = self.rewrite_css(page, own).encode("utf-8")
                else:
                    body = page.body
            path = outdir / own
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(body)
            self.report.files.append(own)
        return self.report


def export_static(app: Flask, outdir: Path, *, site_url: str = "") -> StaticReport:
    """Render the public site into `outdir` as files any static host serves."""
    site = StaticSite(app, site_url)
    site.crawl()
    return site.write(outdir)
