"""Rendered public pages kept per worker and keyed on the data version, with ETag and 304.

A page is rendered once per change of the data (any worker's write raises the version
in the database, so every worker sees it) and once per PAGE_CACHE_SECONDS, because what
is upcoming and which links a talk page offers follow the clock. Only anonymous requests
(no cookies at all) are served from it: an organizer's pages are never shared.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections import OrderedDict
from collections.abc import Hashable
from dataclasses import dataclass

from flask import Flask, Response, current_app, g, request

from .dataversion import current_version

# Public GET endpoints whose output depends only on the URL, the htmx headers, the data
# and the clock.
CACHED_ENDPOINTS = frozenset(
    {
        "schedule.index",
        "schedule.series_page",
        "schedule.talk_page",
        "archive.talks",
        "api.talks",
        "api.talk",
        "embed.upcoming",
        "papers.papers",
        "seo.sitemap",
        "announcements.feed",
        "public.series_list",
        "public.my_calendar",
    }
)
# Recomputed by Werkzeug or by the server for each answer.
_NOT_KEPT = frozenset({"set-cookie", "content-length", "date", "etag"})


@dataclass(frozen=True)
class CachedPage:
    """A rendered page and the headers it was sent with."""

    body: bytes
    status: int
    headers: tuple[tuple[str, str], ...]
    etag: str


class PageCache:
    """A thread-safe LRU of rendered pages, bounded in count and in bytes of bodies."""

    def __init__(self, size: int = 512, max_bytes: int = 8 * 2**20) -> None:
        self._size = size
        self._max_bytes = max_bytes
        self._bytes = 0
        self._entries: OrderedDict[Hashable, CachedPage] = OrderedDict()
        self._lock = threading.Lock()
        # Striped render locks: threads that miss the same page wait for one render.
        self._render_locks = [threading.Lock() for _ in range(64)]

    def render_lock(self, key: Hashable) -> threading.Lock:
        """The lock held while the page under `key` is rendered."""
        return self._render_locks[hash(key) % len(self._render_locks)]

    def get(self, key: Hashable) -> CachedPage | None:
        """The page kept under `key`, if any."""
        with self._lock:
            page = self._entries.get(key)
            if page is not None:
                self._entries.move_to_end(key)
            return page

    def put(self, key: Hashable, page: CachedPage) -> None:
        """Keep `page`, forgetting the least recently used beyond the size."""
        with self._lock:
            replaced = self._entries.pop(key, None)
            self._bytes -= len(replaced.body) if replaced else 0
            self._entries[key] = page
            self._bytes += len(page.body)
            # The newest page stays even when it alone is over the budget.
            while len(self._entries) > 1 and (
                len(self._entries) > self._size or self._bytes > self._max_bytes
            ):
                _, evicted = self._entries.popitem(last=False)
                self._bytes -= len(evicted.body)


def body_etag(body: bytes) -> str:
    """The ETag of a body: a hash, so every worker gives the same one for the same bytes."""
    return hashlib.blake2b(body, digest_size=16).hexdigest()


def _cache_key() -> Hashable | None:
    if request.method not in ("GET", "HEAD") or request.endpoint not in CACHED_ENDPOINTS:
        return None
    if request.cookies or not current_app.config["PAGE_CACHE_SECONDS"]:
        return None
    # htmx asks for fragments through these headers; each answer is kept apart.
    htmx_headers = tuple(
        sorted(
            (name.lower(), value)
            for name, value in request.headers
            if name.lower().startswith("hx-")
        )
    )
    bucket = int(time.time() // current_app.config["PAGE_CACHE_SECONDS"])
    return (current_version(), bucket, request.url, htmx_headers)


def _respond(page: CachedPage) -> Response:
    response = Response(page.body, status=page.status)
    response.headers.clear()
    for name, value in page.headers:
        response.headers.add(name, value)
    response.set_etag(page.etag)
    return response.make_conditional(request)


def serve_from_cache() -> Response | None:
    """Before the view: the kept page (or 304) when this anonymous request was answered before."""
    key = _cache_key()
    g.page_cache_key = key
    if key is None:
        return None
    cache: PageCache = current_app.extensions["prisec_pages"]
    page = cache.get(key)
    if page is None:
        lock = cache.render_lock(key)
        lock.acquire()
        g.page_render_lock = lock  # released by release_render_lock, whatever happens
        page = cache.get(key)  # rendered by another thread while this one waited
    return _respond(page) if page is not None else None


def release_render_lock(error: BaseException | None = None) -> None:
    """After the request: let the next thread that missed this page look again."""
    lock = g.pop("page_render_lock", None)
    if lock is not None:
        lock.release()


def keep_and_validate(response: Response) -> Response:
    """After the view: keep a fresh anonymous page, and answer If-None-Match with 304."""
    key = g.pop("page_cache_key", None)
    if key is None or response.status_code != 200 or response.is_streamed:
        return response
    if "Set-Cookie" in response.headers or response.headers.get("ETag"):
        return response
    body = response.get_data()
    if response.cache_control.max_age is None and not response.cache_control.no_store:
        # Kept, but checked with the server every time: a 304 costs one small query.
        response.cache_control.public = True
        response.cache_control.no_cache = True
    page = CachedPage(
        body=body,
        status=response.status_code,
        headers=tuple(
            (name, value) for name, value in response.headers if name.lower() not in _NOT_KEPT
        ),
        etag=body_etag(body),
    )
    current_app.extensions["prisec_pages"].put(key, page)
    response.set_etag(page.etag)
    return response.make_conditional(request)


def init_app(app: Flask) -> None:
    """Serve public pages from the cache; call before other areas register their hooks."""
    app.config.setdefault("PAGE_CACHE_SECONDS", 60)
    app.extensions["prisec_pages"] = PageCache()
    app.before_request(serve_from_cache)
    app.after_request(keep_and_validate)
    app.teardown_request(release_render_lock)
