"""gzip for text responses (pages, CSS, JS, JSON, feeds): waitress sends bodies as they are.

A WSGI middleware around the Flask app for answers the answer cache does not keep (an
organizer's pages, searches with cookies): those are compressed as they are made. Kept
public answers are compressed once, by the answer cache (`prisec.pagecache`), and passed
through here plain.
"""

from __future__ import annotations

import gzip
from collections.abc import Callable, Iterable
from typing import Any

from werkzeug.datastructures import MIMEAccept
from werkzeug.http import parse_accept_header

# Below this a gzip header and the CPU cost more than they save.
MINIMUM_SIZE = 512
_COMPRESSIBLE = (
    "text/",
    "application/json",
    "application/javascript",
    "application/xml",
    "application/atom+xml",
    "application/ld+json",
    "image/svg+xml",
)
# Set on the environ by a view that declared its answer public and cacheable.
_KEPT_BY_ANSWER_CACHE = "prisec.cache.declared"


def accepts_gzip(accept_encoding: str) -> bool:
    """True when the client's Accept-Encoding allows gzip (and does not give it q=0)."""
    accept = parse_accept_header(accept_encoding, MIMEAccept)
    return any(value.lower() in ("gzip", "*") and quality > 0 for value, quality in accept)


def is_compressible(content_type: str) -> bool:
    """Whether answers of this type are worth compressing."""
    return content_type.startswith(_COMPRESSIBLE)


class GzipMiddleware:
    """Compress text answers for clients that accept gzip; Vary: Accept-Encoding on all of them."""

    def __init__(self, app: Callable) -> None:
        self.app = app

    def __call__(self, environ: dict[str, Any], start_response: Callable) -> Iterable[bytes]:
        wanted = accepts_gzip(environ.get("HTTP_ACCEPT_ENCODING", ""))
        captured, chunks = collected(self.app, environ)
        status: str = captured["status"]
        headers: list[tuple[str, str]] = captured["headers"]
        lowered = {name.lower(): value for name, value in headers}
        content_type = lowered.get("content-type", "")
        if not is_compressible(content_type) or "content-encoding" in lowered:
            start_response(status, headers, captured["exc_info"])
            return chunks
        headers = _add_vary(headers)
        body = b"".join(chunks)
        if (
            not wanted
            or environ.get(_KEPT_BY_ANSWER_CACHE)
            or not status.startswith("200")
            or len(body) < MINIMUM_SIZE
            or environ.get("REQUEST_METHOD") == "HEAD"
            or "content-range" in lowered
        ):
            start_response(status, headers, captured["exc_info"])
            return [body]
        # mtime=0: the same body always gives the same bytes.
        packed = gzip.compress(body, compresslevel=6, mtime=0)
        etag = lowered.get("etag")
        headers = [(n, v) for n, v in headers if n.lower() not in ("content-length", "etag")]
        headers += [("Content-Encoding", "gzip"), ("Content-Length", str(len(packed)))]
        if etag:
            # A weak validator: the compressed bytes differ from the plain ones, and
            # If-None-Match compares weakly, so the 304s still follow.
            headers.append(("ETag", etag if etag.startswith("W/") else f"W/{etag}"))
        start_response(status, headers, captured["exc_info"])
        return [packed]


def _add_vary(headers: list[tuple[str, str]]) -> list[tuple[str, str]]:
    for index, (name, value) in enumerate(headers):
        if name.lower() == "vary":
            if "accept-encoding" not in value.lower():
                headers[index] = (name, f"{value}, Accept-Encoding")
            return headers
    return [*headers, ("Vary", "Accept-Encoding")]


def collected(app: Callable, environ: dict[str, Any]) -> tuple[dict[str, Any], list[bytes]]:
    """Run a WSGI app to the end: what it passed to start_response, and its body's pieces."""
    captured: dict[str, Any] = {}
    chunks: list[bytes] = []

    def capture(status: str, headers: list[tuple[str, str]], exc_info=None):
        captured.update(status=status, headers=headers, exc_info=exc_info)
        return chunks.append

    result = app(environ, capture)
    try:
        chunks.extend(result)
    finally:
        if hasattr(result, "close"):
            result.close()
    return captured, chunks


def init_app(app: Any) -> None:
    """Wrap the app's WSGI callable."""
    app.wsgi_app = GzipMiddleware(app.wsgi_app)
