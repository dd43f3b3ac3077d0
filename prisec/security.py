"""Security headers on every response: Content-Security-Policy, no framing, no sniffing, HSTS,
and no caching of organizer pages."""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask, Request, Response, abort, current_app, g, request, session
from werkzeug.datastructures import ImmutableMultiDict, iter_multi_items

# The policy of every page: our own scripts, styles and images only, no inline script or
# style (htmx is configured not to need them), no plugins, forms that post only to us.
BASE_POLICY: dict[str, tuple[str, ...]] = {
    "default-src": ("'self'",),
    "script-src": ("'self'",),
    "style-src": ("'self'",),
    "img-src": ("'self'", "data:"),
    "frame-src": ("'none'",),
    "object-src": ("'none'",),
    "base-uri": ("'self'",),
    "form-action": ("'self'",),
    "frame-ancestors": ("'none'",),
}


def allow(directive: str, *sources: str) -> None:
    """Let the current page load from `sources` under `directive` (a video player)."""
    extra: dict[str, list[str]] = g.setdefault("csp_allow", {})
    extra.setdefault(directive, []).extend(sources)


def allow_framing() -> None:
    """Let any site frame the current page (the embed page only)."""
    allow("frame-ancestors", "*")


def content_security_policy() -> str:
    """The policy of the current page: the base policy plus what the view allowed."""
    extra: dict[str, list[str]] = g.get("csp_allow", {})
    parts = []
    for directive, base in BASE_POLICY.items():
        sources = extra.get(directive)
        if sources:
            # What a view allows replaces 'none'; otherwise it joins the base sources.
            kept = [source for source in base if source != "'none'"]
            sources = list(dict.fromkeys([*kept, *sources]))
            if "*" in sources:
                sources = ["*"]
        parts.append(f"{directive} {' '.join(sources or base)}")
    return "; ".join(parts)


# Pages of organizers and speakers: never kept by a browser's or a proxy's cache.
_PRIVATE_BLUEPRINTS = frozenset({"auth", "dashboard", "announcing", "speakerform", "team"})
_PRIVATE_PATHS = ("/dashboard", "/team", "/account")


def _is_private() -> bool:
    """Whether this response belongs to an organizer: a logged-in request or an organizer page."""
    if request.endpoint == "static":
        # Fingerprinted files, the same for everyone: caching them is safe and fast.
        return False
    if request.blueprint in _PRIVATE_BLUEPRINTS or request.path.startswith(_PRIVATE_PATHS):
        return True
    cookie = current_app.config["SESSION_COOKIE_NAME"]
    # Without a session cookie nobody is logged in; the session is not even opened.
    return cookie in request.cookies and "_user_id" in session


def secure_headers(response: Response) -> Response:
    """Add the security headers; a response that set its own policy (an upload) keeps it."""
    own = response.headers.get("Content-Security-Policy")
    if own is None:
        response.headers["Content-Security-Policy"] = content_security_policy()
    elif "frame-ancestors" not in own:
        response.headers["Content-Security-Policy"] = f"{own}; frame-ancestors 'none'"
    if "frame-ancestors *" not in response.headers["Content-Security-Policy"]:
        response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
    if _is_private():
        response.headers["Cache-Control"] = "no-store"
        response.headers.pop("Expires", None)
    max_age = current_app.config.get("HSTS_MAX_AGE", 0)
    # Only a site served over HTTPS (Secure cookies) may promise browsers to stay on it.
    if current_app.config.get("SESSION_COOKIE_SECURE") and max_age:
        response.headers.setdefault(
            "Strict-Transport-Security", f"max-age={int(max_age)}; includeSubDomains"
        )
    return response


def _trusted_host_only(wsgi_app: Callable, trusted: list[str]) -> Callable:
    """WSGI middleware: a request for a host name not in `trusted` is answered 400 at once.

    Before Flask sees it, so no page, link or error page is ever built from that host.
    Behind ProxyFix (outside this layer) the host checked is the one the proxy was asked for.
    """
    from werkzeug.exceptions import SecurityError
    from werkzeug.wsgi import get_host

    def middleware(environ: dict, start_response: Callable) -> object:
        try:
            get_host(environ, trusted_hosts=trusted)
        except SecurityError:
            body = b"400 Bad Request: this site does not answer to that host name.\n"
            start_response(
                "400 Bad Request",
                [
                    ("Content-Type", "text/plain; charset=utf-8"),
                    ("Content-Length", str(len(body))),
                    ("Cache-Control", "no-store"),
                ],
            )
            return [body]
        return wsgi_app(environ, start_response)

    return middleware


def _quote_raw_query(wsgi_app: Callable) -> Callable:
    """WSGI middleware: bytes above ASCII in a query string are percent-encoded, as browsers do.

    Werkzeug decodes a raw query string as strict UTF-8 when a view reads `request.args`,
    so `?q=\\xff` sent by hand would end in a 500; percent-encoded, it decodes with
    replacement characters like any form value.
    """

    def middleware(environ: dict, start_response: Callable) -> object:
        query = environ.get("QUERY_STRING", "")
        if not query.isascii():
            raw = query.encode("latin-1", errors="replace")
            environ["QUERY_STRING"] = "".join(
                chr(byte) if byte < 128 else f"%{byte:02X}" for byte in raw
            )
        return wsgi_app(environ, start_response)

    return middleware


class _NulFreeParameters(ImmutableMultiDict):
    """Query and form parameters with NUL characters removed from names and text values.

    No person types a NUL; PostgreSQL refuses it in text, and other programs truncate at it.
    Removed as the request is parsed, every form, search and import sees the same clean text
    on SQLite and PostgreSQL alike. Uploaded files pass unchanged.
    """

    def __init__(self, mapping: object = None) -> None:
        items = [
            (
                key.replace("\x00", "") if isinstance(key, str) else key,
                value.replace("\x00", "") if isinstance(value, str) else value,
            )
            for key, value in iter_multi_items(mapping or ())
        ]
        super().__init__(items)


def _no_nul_in_path(endpoint: str | None, values: dict | None) -> None:
    """A path such as /series/%00 names no page: 404, before any query is made with it."""
    if values and any(isinstance(value, str) and "\x00" in value for value in values.values()):
        abort(404)


class NulFreeRequest(Request):
    """The request of every view: parameters without NUL characters."""

    parameter_storage_class = _NulFreeParameters


def init_app(app: Flask) -> None:
    """Register the headers hook, the host and query-string guards and the NUL-free request."""
    app.request_class = NulFreeRequest
    app.url_value_preprocessor(_no_nul_in_path)
    app.after_request(secure_headers)
    app.wsgi_app = _quote_raw_query(app.wsgi_app)  # type: ignore[method-assign]
    app.wsgi_app = _trusted_host_only(  # type: ignore[method-assign]
        app.wsgi_app, app.config["TRUSTED_HOSTS"]
    )
