"""An address locked out of the login form is answered from memory, in front of Flask.

While an address has failed to log in LOGIN_LIMIT times in LOGIN_WINDOW, nothing from it
can log in (prisec/auth/accounts.py). The first request that finds it so renders the page
that says until when; the gate keeps that answer for the address and gives it to every
later GET or POST of /login from there until the lock ends, without a session, a form or a
query: a stranger's wrong passwords then cost no more than a kept public page, and the
readers of the site do not pay for them. The answer is kept only while the site's own
data (its name, its menu) is unchanged, and never past the lock's end.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from flask import Flask, current_app, request

from ..compression import collected
from ..dataversion import SITE, Stamp

# Set by the view on the request it answers 429 for a locked address: the lock's end (Unix
# time) and the site's stamp its page was rendered from.
HOLD = "prisec.lockout.hold"
# More addresses than this at once (an attack from many) go through Flask beyond it.
MAX_ADDRESSES = 10_000
_SITE = frozenset({SITE})


@dataclass(frozen=True)
class _Held:
    until: float
    stamp: Stamp
    status: str
    headers: tuple[tuple[str, str], ...]
    body: bytes


def hold(until: float) -> None:
    """Let the gate answer this request's address with this request's answer (a 429) until
    `until` (Unix time); call it before the page renders, which reads the site's data."""
    stamp = _site_stamp(current_app)
    if stamp is not None:
        request.environ[HOLD] = (until, stamp)


def retry_after(until: float) -> str:
    """Whole seconds until `until` (Unix time), rounded up, at least 1: `Retry-After`."""
    return str(max(1, math.ceil(until - time.time())))


def _site_stamp(app: Flask) -> Stamp | None:
    return app.extensions["prisec_answers"].stamp(_SITE)


class LockoutGate:
    """WSGI middleware: the kept lockout answer for an address, else the application."""

    def __init__(self, app: Flask, wsgi_app: Callable) -> None:
        self.app = app
        self.wsgi_app = wsgi_app
        self.held: dict[tuple[str, str | None, str], _Held] = {}

    def __call__(self, environ: dict[str, Any], start_response: Callable) -> Iterable[bytes]:
        if environ.get("PATH_INFO") != "/login" or environ.get("REQUEST_METHOD") not in (
            "GET",
            "POST",
        ):
            return self.wsgi_app(environ, start_response)
        # The page's links hold the address the site was asked at (a proxy's prefix).
        address = (
            environ.get("REMOTE_ADDR") or "unknown",
            environ.get("HTTP_HOST"),
            environ.get("SCRIPT_NAME", ""),
        )
        held = self.held.get(address)
        if held is not None:
            if held.until > time.time() and _site_stamp(self.app) == held.stamp:
                start_response(
                    held.status, [*held.headers, ("Retry-After", retry_after(held.until))]
                )
                return [held.body]
            self.held.pop(address, None)
        captured, chunks = collected(self.wsgi_app, environ)
        self._keep(address, environ.get(HOLD), captured, chunks)
        start_response(captured["status"], captured["headers"], captured["exc_info"])
        return chunks

    def _keep(
        self,
        address: tuple[str, str | None, str],
        hold: tuple[float, Stamp] | None,
        captured: dict[str, Any],
        chunks: list[bytes],
    ) -> None:
        if hold is None or not captured["status"].startswith("429"):
            return
        if len(self.held) >= MAX_ADDRESSES:
            now = time.time()
            for other in [a for a, h in self.held.items() if h.until <= now]:
                self.held.pop(other, None)
            if len(self.held) >= MAX_ADDRESSES:
                return
        until, stamp = hold
        # No cookie: the page holds no form, and a session given to everyone would be shared.
        headers = tuple(
            (name, value)
            for name, value in captured["headers"]
            if name.lower() not in ("set-cookie", "retry-after")
        )
        self.held[address] = _Held(until, stamp, captured["status"], headers, b"".join(chunks))


def install(app: Flask) -> None:
    """Put the gate around the application (inside the answer cache and compression)."""
    app.wsgi_app = LockoutGate(app, app.wsgi_app)  # type: ignore[method-assign]
