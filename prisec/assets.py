"""Fingerprinted static files: `?v=<content hash>` on every static URL, cached for a year."""

from __future__ import annotations

import hashlib
import os
import threading
from pathlib import Path
from typing import Any

from flask import Flask, Response, current_app, request

# A year: the URL changes whenever the file does, so the old copy is never wrong.
IMMUTABLE_SECONDS = 365 * 24 * 3600

_hashes: dict[tuple[str, int, int], str] = {}
_lock = threading.Lock()


def static_fingerprint(filename: str) -> str | None:
    """A short hash of a static file's content; None when there is no such file."""
    folder = current_app.static_folder
    if folder is None:
        return None
    path = Path(folder) / filename
    try:
        stat = os.stat(path)
    except (OSError, ValueError):
        return None
    key = (str(path), stat.st_mtime_ns, stat.st_size)
    with _lock:
        found = _hashes.get(key)
    if found is None:
        found = hashlib.blake2b(path.read_bytes(), digest_size=6).hexdigest()
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
