"""Security headers on every response: Content-Security-Policy, no framing, no sniffing, HSTS."""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask, Response, current_app, g

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
    max_age = current_app.config.get("HSTS_MAX_AGE", 0)
    # Only a site served over HTTPS (Secure cookies) may promise browsers to stay on it.
    if current_app.config.get("SESSION_COOKIE_SECURE") and max_age:
        response.headers.setdefault(
            "Strict-Transport-Security", f"max-age={int(max_age)}; includeSubDomains"
        )
    return response


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


def init_app(app: Flask) -> None:
    """Register the headers hook and the query-string guard."""
    app.after_request(secure_headers)
    app.wsgi_app = _quote_raw_query(app.wsgi_app)  # type: ignore[method-assign]
