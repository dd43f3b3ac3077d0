"""Fingerprinted static files: `?v=<content hash>` on every static URL, cached for a year."""

from __future__ import annotations

import hashlib
import os
import threading
import time
from pathlib import Path
from typing import Any

from flask import Flask, Response, current_app, request

# A year: the URL changes whenever the file does, so the old copy is never wrong.
IMMUTABLE_SECONDS = 365 * 24 * 3600

# A file is looked at again (its size and time) at most this often: pages name a few static
# files each, and deployments are what change them.
RECHECK_SECONDS = 2.0

_hashes: dict[tuple[str, int, int], str] = {}
_checked: dict[str, tuple[float, str | None]] = {}
_lock = threading.Lock()


def static_fingerprint(filename: str) -> str | None:
    """A short hash of a static file's content; None when there is no such file."""
    folder = current_app.static_folder
    if folder is None:
        return None
    path = os.path.join(folder, filename)
    now = time.monotonic()
    seen = _checked.get(path)
    if seen is not None and now - seen[0] < RECHECK_SECONDS:
        return seen[1]
    found = _fingerprint(path)
    _checked[path] = (now, found)
    return found


def _fingerprint(path: str) -> str | None:
    try:
        stat = os.stat(path)
    except (OSError, ValueError):
        return None
    key = (path, stat.st_mtime_ns, stat.st_size)
    with _lock:
        found = _hashes.get(key)
    if found is None:
        found = hashlib.blake2b(Path(path).read_bytes(), digest_size=6).hexdigest()
        with _lock:
            _hashes[key] = found
    return found


def _fingerprint_static_urls(endpoint: str, values: dict[str, Any]) -> None:
    if endpoint == "static" and "v" not in values and "filename" in values:
        fingerprint = static_fingerprint(values["filename"])
        if fingerprint:
            values["v"] = fingerprint


def _cache_fingerprinted(response: Response) -> Response:
    if request.endpoint != "static" or response.status_code not in (200, 304):
        return response
    filename = (request.view_args or {}).get("filename", "")
    if request.args.get("v") and request.args.get("v") == static_fingerprint(filename):
        response.cache_control.public = True
        response.cache_control.max_age = IMMUTABLE_SECONDS
        response.cache_control.immutable = True
        response.cache_control.no_cache = None
    return response


def init_app(app: Flask) -> None:
    """Add the fingerprint to static URLs and long-lived caching to fingerprinted answers."""
    app.url_defaults(_fingerprint_static_urls)
    app.after_request(_cache_fingerprinted)
