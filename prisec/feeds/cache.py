"""Feed bodies built once per change of the data: keyed on the data version and the variant."""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from datetime import datetime, timedelta

from ..database import utcnow


@dataclass(frozen=True)
class BuiltFeed:
    """A feed body with its validators, valid while the data version stays `version`."""

    version: int
    body: bytes
    etag: str
    last_modified: datetime


class FeedCache:
    """A small LRU of built feeds for a threaded server: one thread builds each variant.

    Bounded in count and in bytes: a feed of every past talk of a large archive is megabytes.
    """

    def __init__(self, size: int = 64, max_bytes: int = 16 * 2**20) -> None:
        self._size = size
        self._max_bytes = max_bytes
        self._bytes = 0
        self._entries: OrderedDict[Hashable, BuiltFeed] = OrderedDict()
        self._locks: dict[Hashable, threading.Lock] = {}
        self._guard = threading.Lock()

    def get(
        self, key: Hashable, version: int, build: Callable[[], bytes | None]
    ) -> BuiltFeed | None:
        """The feed for `key` at data version `version`, built now if the cached one is older.

        `build` returns None when there is nothing to show (an unknown talk); that is not kept.
        """
        with self._guard:
            lock = self._locks.setdefault(key, threading.Lock())
        with lock:
            with self._guard:
                entry = self._entries.get(key)
                if entry is not None:
                    self._entries.move_to_end(key)
            if entry is not None and entry.version == version:
                return entry
            body = build()
            if body is None:
                return None
            etag = hashlib.sha256(body).hexdigest()[:32]
            # Last-Modified is the moment of this build, never kept from an older entry:
            # another worker may have served different data in between, and a client's
            # If-Modified-Since from it must not be answered 304 here. The ETag, a hash
            # of the body, still gives 304 when a write left this feed unchanged.
            # HTTP dates count whole seconds: a rebuild within the second of the last one
            # still gets a later date, or a client holding the old body would get a 304.
            built_at = utcnow().replace(microsecond=0) + timedelta(seconds=1)
            if entry is not None and built_at <= entry.last_modified:
                built_at = entry.last_modified + timedelta(seconds=1)
            fresh = BuiltFeed(version, body, etag, built_at)
            with self._guard:
                replaced = self._entries.pop(key, None)
                self._bytes -= len(replaced.body) if replaced else 0
                self._entries[key] = fresh
                self._bytes += len(body)
                # The newest feed stays even when it alone is over the budget.
                while len(self._entries) > 1 and (
                    len(self._entries) > self._size or self._bytes > self._max_bytes
                ):
                    evicted, gone = self._entries.popitem(last=False)
                    self._bytes -= len(gone.body)
                    self._locks.pop(evicted, None)
            return fresh
