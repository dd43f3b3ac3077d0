"""The one cache of public answers: a view says it is public and cacheable where it is defined.

    @bp.get("/series/<slug>")
    @public_answer(lambda slug: series_scopes(series_id_of(slug)))
    def series_page(slug): ...

`public_answer` names the scopes the answer is built from (`prisec.dataversion`). The first
anonymous GET of an address renders it through Flask as usual; the finished answer (body,
headers, a hash of the body as its ETag, Last-Modified from the scopes' last change, and a
gzip body made the first time a client asks for one) is kept per worker. Later anonymous
GETs of that address are answered by `AnswerCache`, a WSGI middleware in front of Flask:
one read of the scopes' versions on the thread's own database connection, then the kept
bytes and headers, or a 304. No session, no login lookup, no ORM session, no Flask request.

Kept answers expire after PAGE_CACHE_SECONDS too, because what is upcoming and which links
a talk page offers follow the clock (unless the view says its answer does not). Only
requests without cookies are served from it: an organizer's pages are never shared.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass
from functools import wraps
from typing import Any

from flask import Flask, current_app, request
from werkzeug.http import http_date, parse_date

from .compression import MINIMUM_SIZE, accepts_gzip, collected, is_compressible
from .dataversion import SITE_WIDE, Stamp, StampReader
from .extensions import db

Scopes = frozenset[str]
DependsOn = Scopes | Callable[..., Scopes]

# Set on the WSGI environ: by the middleware when the request may be kept, by the view's
# declaration when its answer may be (scopes and the stamp read before the data).
ELIGIBLE = "prisec.cache.eligible"
# Set by static publishing: its answers go to files, keeping them here too would only weigh.
BYPASS = "prisec.cache.bypass"
DECLARED = "prisec.cache.declared"
# Recomputed for each answer (or by the server), or never shared.
_NOT_KEPT = frozenset(
    {"set-cookie", "content-length", "date", "etag", "last-modified", "server", "vary"}
)
# Above this a body goes to the server as one file-like piece: waitress then sends it from
# memory instead of copying it into its output buffer (and past 1 MB into a temporary file).
_WHOLE_BODY = 256 * 1024


class BoundedStore:
    """A thread-safe LRU bounded in entries and in bytes; the one store every cache uses."""

    def __init__(self, size: int, max_bytes: int, weigh: Callable[[Any], int] = len) -> None:
        self._size = size
        self._max_bytes = max_bytes
        self._weigh = weigh
        self._bytes = 0
        self._entries: OrderedDict[Hashable, Any] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> Any:
        """The value under `key`, or None."""
        with self._lock:
            found = self._entries.get(key)
            if found is not None:
                self._entries.move_to_end(key)
            return found

    def put(self, key: Hashable, value: Any) -> None:
        """Keep `value`, forgetting the least recently used beyond the bounds."""
        weight = self._weigh(value)
        with self._lock:
            replaced = self._entries.pop(key, None)
            if replaced is not None:
                self._bytes -= self._weigh(replaced)
            self._entries[key] = value
            self._bytes += weight
            # The newest entry stays even when it alone is over the budget.
            while len(self._entries) > 1 and (
                len(self._entries) > self._size or self._bytes > self._max_bytes
            ):
                _, evicted = self._entries.popitem(last=False)
                self._bytes -= self._weigh(evicted)

    def get_or_make(self, key: Hashable, make: Callable[[], Any]) -> Any:
        """The value under `key`, made and kept now if absent."""
        found = self.get(key)
        if found is None:
            found = make()
            self.put(key, found)
        return found

    def clear(self) -> None:
        """Forget every value."""
        with self._lock:
            self._entries.clear()
            self._bytes = 0

    def __len__(self) -> int:
        return len(self._entries)

    @property
    def total_bytes(self) -> int:
        """The weight of every value kept."""
        return self._bytes


def body_etag(body: bytes) -> str:
    """The ETag of a body: a hash, so every worker gives the same one for the same bytes."""
    return '"' + hashlib.blake2b(body, digest_size=16).hexdigest() + '"'


Headers = list[tuple[str, str]]


@dataclass(slots=True)
class Answer:
    """A kept answer with its prebuilt headers, valid while its scopes' stamp is `stamp`."""

    scopes: Scopes
    stamp: Stamp
    expires: float
    status: str
    body: bytes
    etag: str
    changed_us: int
    # Each twice: with Last-Modified the second of the change, then the second after it.
    headers: tuple[Headers, Headers]
    not_modified: tuple[Headers, Headers]
    compressible: bool
    gzip: tuple[bytes, tuple[Headers, Headers], tuple[Headers, Headers]] | None = None

    def weight(self) -> int:
        """Bytes kept for it."""
        return len(self.body) + (len(self.gzip[0]) if self.gzip else 0) + 1024

    @property
    def dated_up(self) -> int:
        """The instant from which Last-Modified is the second after the change."""
        return -(-self.changed_us // 1_000_000)

    def gzipped(self) -> tuple[bytes, tuple[Headers, Headers], tuple[Headers, Headers]]:
        """The gzip body and its headers (for 200 and for 304), made on first use."""
        if self.gzip is None:
            # mtime=0: the same body always gives the same bytes (the published files too).
            packed = gzip.compress(self.body, compresslevel=6, mtime=0)
            # A weak validator: the compressed bytes differ from the plain ones, and
            # If-None-Match compares weakly, so the 304s still follow.
            swap = {"etag": f"W/{self.etag}"}
            sized = [("Content-Encoding", "gzip"), ("Content-Length", str(len(packed)))]

            def weak(headers: Headers, extra: Headers) -> Headers:
                kept = [(n, swap.get(n.lower(), v)) for n, v in headers if n != "Content-Length"]
                return kept + extra

            self.gzip = (
                packed,
                (weak(self.headers[0], sized), weak(self.headers[1], sized)),
                (weak(self.not_modified[0], []), weak(self.not_modified[1], [])),
            )
        return self.gzip


def build_answer(
    scopes: Scopes,
    stamp: Stamp,
    status: str,
    headers: Headers,
    body: bytes,
    *,
    follows_clock: bool = True,
) -> Answer:
    """The kept form of a finished answer: headers prebuilt for 200 and for 304."""
    now = time.time()
    etag = body_etag(body)
    kept = [(name, value) for name, value in headers if name.lower() not in _NOT_KEPT]
    lowered = {name.lower(): value for name, value in headers}
    if "cache-control" not in lowered:
        # Kept by clients, but checked with the server every time: a 304 costs one read.
        kept.append(("Cache-Control", "public, no-cache"))
    vary = lowered.get("vary", "")
    if "accept-encoding" not in vary.lower():
        vary = f"{vary}, Accept-Encoding" if vary else "Accept-Encoding"
    changed_us = min(stamp[1], int(now * 1_000_000)) if stamp[1] else int(now * 1_000_000)
    # A change at 12:00:00.4 is dated 12:00:00 until that second has passed, 12:00:01 after:
    # never later than Date, and a client that sends 12:00:01 back holds the change (one
    # that sends 12:00:00 is answered in full: a second change may have followed).
    dated = (http_date(changed_us // 1_000_000), http_date(-(-changed_us // 1_000_000)))
    validators = [[("ETag", etag), ("Last-Modified", date), ("Vary", vary)] for date in dated]
    revalidation = [(n, v) for n, v in kept if n.lower() in ("cache-control", "expires")]
    length = [("Content-Length", str(len(body)))]
    return Answer(
        scopes=scopes,
        stamp=stamp,
        expires=time.monotonic() + current_app.config["PAGE_CACHE_SECONDS"]
        if follows_clock
        else float("inf"),
        status=status,
        body=body,
        etag=etag,
        changed_us=changed_us,
        headers=(kept + validators[0] + length, kept + validators[1] + length),
        not_modified=(validators[0] + revalidation, validators[1] + revalidation),
        compressible=is_compressible(lowered.get("content-type", "")) and len(body) >= MINIMUM_SIZE,
    )


def _matches(if_none_match: str, etag: str) -> bool:
    if if_none_match == etag or if_none_match == "*":
        return True
    # A list, or the weak form a gzip answer carried: If-None-Match compares weakly.
    return any(
        candidate.strip().removeprefix("W/") == etag for candidate in if_none_match.split(",")
    )


def _not_modified(environ: dict[str, Any], answer: Answer) -> bool:
    if_none_match = environ.get("HTTP_IF_NONE_MATCH")
    if if_none_match is not None:
        return _matches(if_none_match, answer.etag)
    since = environ.get("HTTP_IF_MODIFIED_SINCE")
    if since:
        when = parse_date(since)
        return when is not None and when.timestamp() * 1_000_000 >= answer.changed_us
    return False


def _wants_gzip(environ: dict[str, Any]) -> bool:
    accept = environ.get("HTTP_ACCEPT_ENCODING", "")
    if "gzip" not in accept and "*" not in accept:
        return False
    return accepts_gzip(accept) if ";" in accept else True


_last_date: tuple[int, str] = (0, "")


def _http_date_of(second: int) -> str:
    """The HTTP date of a whole second, formatted once per second."""
    global _last_date
    kept = _last_date
    if kept[0] != second:
        kept = _last_date = (second, http_date(second))
    return kept[1]


def _serve(environ: dict[str, Any], start_response: Callable, answer: Answer) -> Iterable[bytes]:
    body, headers, not_modified = answer.body, answer.headers, answer.not_modified
    if answer.compressible and _wants_gzip(environ):
        body, headers, not_modified = answer.gzipped()
    now = int(time.time())
    dated_up = 1 if now >= answer.dated_up else 0
    # Date from the same instant that chose Last-Modified: the server's own Date is the
    # request's arrival, which can fall in the second before.
    date = [("Date", _http_date_of(now))]
    if _not_modified(environ, answer):
        start_response("304 Not Modified", list(not_modified[dated_up]) + date)
        return []
    start_response(answer.status, list(headers[dated_up]) + date)
    if environ["REQUEST_METHOD"] == "HEAD":
        return []
    wrapper = environ.get("wsgi.file_wrapper")
    if wrapper is not None and len(body) > _WHOLE_BODY:
        return wrapper(io.BytesIO(body), len(body))
    return [body]


def _key(environ: dict[str, Any]) -> Hashable:
    # htmx asks for fragments through HX- headers, and a proxy names the public address in
    # X-Forwarded- ones: each combination is its own answer.
    extra = tuple(
        sorted(
            (name, value)
            for name, value in environ.items()
            if name.startswith(("HTTP_HX_", "HTTP_X_FORWARDED_"))
        )
    )
    return (
        environ.get("wsgi.url_scheme"),
        environ.get("HTTP_HOST"),
        environ.get("SCRIPT_NAME", ""),
        environ.get("PATH_INFO", ""),
        environ.get("QUERY_STRING", ""),
        extra,
    )


class AnswerCache:
    """WSGI middleware: anonymous GETs of declared public answers served from the kept bytes."""

    def __init__(
        self, app: Flask, wsgi_app: Callable, size: int = 1024, max_bytes: int = 0
    ) -> None:
        self.app = app
        self.wsgi_app = wsgi_app
        self.answers = BoundedStore(size, max_bytes or 64 * 2**20, weigh=Answer.weight)
        # Striped render locks: threads that miss the same stale answer wait for one render.
        self._render_locks = [threading.Lock() for _ in range(64)]
        self._reader: StampReader | None = None
        self._reader_lock = threading.Lock()

    @property
    def reader(self) -> StampReader:
        """The stamp reader over the app's engine, made on first use."""
        if self._reader is None:
            with self._reader_lock:
                if self._reader is None:
                    with self.app.app_context():
                        self._reader = StampReader(db.engine)
        return self._reader

    def stamp(self, scopes: Scopes) -> Stamp | None:
        """The stamp of `scopes` now (None when the database cannot be read)."""
        return self.reader.read(scopes) if scopes else (0, 0)

    def _fresh(self, key: Hashable) -> Answer | None:
        answer: Answer | None = self.answers.get(key)
        if answer is None or answer.expires < time.monotonic():
            return None
        return answer if self.stamp(answer.scopes) == answer.stamp else None

    def __call__(self, environ: dict[str, Any], start_response: Callable) -> Iterable[bytes]:
        method = environ.get("REQUEST_METHOD")
        if (
            method not in ("GET", "HEAD")
            or environ.get("HTTP_COOKIE")
            or environ.get("HTTP_AUTHORIZATION")
            or not self.app.config["PAGE_CACHE_SECONDS"]
            or environ.get(BYPASS)
        ):
            return self.wsgi_app(environ, start_response)
        key = _key(environ)
        answer = self._fresh(key)
        if answer is not None:
            return _serve(environ, start_response, answer)
        lock = None
        if self.answers.get(key) is not None:
            # A kept answer went stale (an edit): one thread renders, the others wait for it.
            lock = self._render_locks[hash(key) % len(self._render_locks)]
            lock.acquire()
        try:
            if lock is not None and (answer := self._fresh(key)) is not None:
                return _serve(environ, start_response, answer)
            return self._render(key, environ, start_response)
        finally:
            if lock is not None:
                lock.release()

    def _render(
        self, key: Hashable, environ: dict[str, Any], start_response: Callable
    ) -> Iterable[bytes]:
        environ[ELIGIBLE] = True
        captured, chunks = collected(self.wsgi_app, environ)
        declared = environ.get(DECLARED)
        status, headers = captured["status"], captured["headers"]
        if (
            declared is None
            or environ["REQUEST_METHOD"] != "GET"
            or not status.startswith("200")
            or any(name.lower() in ("set-cookie", "content-encoding") for name, _ in headers)
        ):
            start_response(status, headers, captured["exc_info"])
            return chunks
        scopes, stamp, follows_clock = declared
        with self.app.app_context():
            answer = build_answer(
                scopes, stamp, status, headers, b"".join(chunks), follows_clock=follows_clock
            )
        self.answers.put(key, answer)
        return _serve(environ, start_response, answer)


def _cache(app: Flask | None = None) -> AnswerCache:
    return (app or current_app).extensions["prisec_answers"]


def public_answer(
    depends_on: DependsOn, *, follows_clock: bool = True
) -> Callable[[Callable], Callable]:
    """Declare a view's answer public and cacheable, built from the scopes `depends_on` names.

    `depends_on` is a set of scopes, or a function of the view's arguments giving one; it
    runs only when the answer is rendered, and its scopes are read before the view reads
    its data, so a write in between makes the next request render again. An answer that
    does not follow the clock (a sitemap: nothing in it is "upcoming") is kept until its
    scopes change, not PAGE_CACHE_SECONDS.
    """

    def decorate(view: Callable) -> Callable:
        @wraps(view)
        def declared_view(**kwargs: Any) -> Any:
            environ = request.environ
            if environ.get(ELIGIBLE):
                scopes = depends_on(**kwargs) if callable(depends_on) else depends_on
                stamp = _cache().stamp(scopes)
                if stamp is not None:
                    environ[DECLARED] = (scopes, stamp, follows_clock)
            return view(**kwargs)

        declared_view.public_answer = depends_on  # type: ignore[attr-defined]
        return declared_view

    return decorate


def memoised(key: Hashable, scopes: Scopes, make: Callable[[], Any]) -> Any:
    """A value computed from the data of `scopes`, kept until their stamp changes."""
    cache = _cache()
    stamp = cache.stamp(scopes)  # read before the data: a write in between makes it again
    memo: BoundedStore = current_app.extensions["prisec_memo"]
    found = memo.get(key)
    if found is not None and stamp is not None and found[0] == stamp:
        return found[1]
    value = make()
    # A transaction that wrote what public pages show reads its own uncommitted rows: what
    # it made is for it alone, not for the requests that read the stamp after.
    if stamp is not None and not db.session.info.get("prisec_raised"):
        memo.put(key, (stamp, value))
    return value


def init_app(app: Flask) -> None:
    """Config and stores; call `install` once every other area has wrapped the WSGI app."""
    app.config.setdefault("PAGE_CACHE_SECONDS", 60)
    app.extensions["prisec_memo"] = BoundedStore(64, 2**30, weigh=lambda _: 1)


def install(app: Flask) -> None:
    """Put the answer cache in front of everything else, and keep static files in it too."""
    cache = AnswerCache(app, app.wsgi_app)
    app.extensions["prisec_answers"] = cache
    app.wsgi_app = cache  # type: ignore[method-assign]
    from .exporting import publish

    publish.init_app(app)
    if "static" in app.view_functions:
        # Static files change only with a deployment (their URLs carry a fingerprint).
        app.view_functions["static"] = public_answer(frozenset())(app.view_functions["static"])


__all__ = ["SITE_WIDE", "AnswerCache", "BoundedStore", "public_answer", "memoised"]
