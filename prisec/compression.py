"""gzip for text responses (pages, CSS, JS, JSON, feeds): waitress sends bodies as they are.

A WSGI middleware around the Flask app. Responses that carry an ETag (cached pages, feeds,
static files) are compressed once and the result kept by that ETag, so a warm 4 MB feed
costs no compression at all.
"""

from __future__ import annotations

import gzip
import threading
from collections import OrderedDict
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


def accepts_gzip(accept_encoding: str) -> bool:
    """True when the client's Accept-Encoding allows gzip (and does not give it q=0)."""
    accept = parse_accept_header(accept_encoding, MIMEAccept)
    return any(value.lower() in ("gzip", "*") and quality > 0 for value, quality in accept)


class GzipMiddleware:
    """Compress text answers for clients that accept gzip; Vary: Accept-Encoding on all of them."""

    def __init__(self, app: Callable, memo_size: int = 256, memo_bytes: int = 8 * 2**20) -> None:
        self.app = app
        self._memo: OrderedDict[tuple[str, str], bytes] = OrderedDict()
        self._memo_size = memo_size
        self._memo_bytes = memo_bytes
        self._memo_total = 0
        self._lock = threading.Lock()

    def _compressed(self, etag: str | None, content_type: str, body: bytes) -> bytes:
        key = (etag, content_type) if etag else None
        if key is not None:
            with self._lock:
                found = self._memo.get(key)
                if found is not None:
                    self._memo.move_to_end(key)
                    return found
        # mtime=0: the same body always gives the same bytes.
        packed = gzip.compress(body, compresslevel=6, mtime=0)
        if key is not None:
            with self._lock:
                replaced = self._memo.pop(key, None)
                self._memo_total += len(packed) - (len(replaced) if replaced else 0)
                self._memo[key] = packed
                while len(self._memo) > 1 and (
                    len(self._memo) > self._memo_size or self._memo_total > self._memo_bytes
                ):
                    _, evicted = self._memo.popitem(last=False)
                    self._memo_total -= len(evicted)
        return packed

    def __call__(self, environ: dict[str, Any], start_response: Callable) -> Iterable[bytes]:
        wanted = accepts_gzip(environ.get("HTTP_ACCEPT_ENCODING", ""))
        captured: dict[str, Any] = {}
        chunks: list[bytes] = []

        def capture(status: str, headers: list[tuple[str, str]], exc_info=None):
            captured.update(status=status, headers=headers, exc_info=exc_info)
            return chunks.append

        result = self.app(environ, capture)
        try:
            chunks.extend(result)
        finally:
            if hasattr(result, "close"):
                result.close()
        status: str = captured["status"]
        headers: list[tuple[str, str]] = captured["headers"]
        lowered = {name.lower(): value for name, value in headers}
        content_type = lowered.get("content-type", "")
        if not content_type.startswith(_COMPRESSIBLE) or "content-encoding" in lowered:
            start_response(status, headers, captured["exc_info"])
            return chunks
        headers = _add_vary(headers)
        body = b"".join(chunks)
        if (
            not wanted
            or not status.startswith("200")
            or len(body) < MINIMUM_SIZE
            or environ.get("REQUEST_METHOD") == "HEAD"
            or "content-range" in lowered
        ):
            start_response(status, headers, captured["exc_info"])
            return [body]
        etag = lowered.get("etag")
        packed = self._compressed(etag, content_type, body)
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


def init_app(app: Any) -> None:
    """Wrap the app's WSGI callable."""
    app.wsgi_app = GzipMiddleware(app.wsgi_app)
