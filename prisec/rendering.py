"""The one helper that renders a whole page or just the fragment htmx asked for."""

from __future__ import annotations

from flask import Response, make_response, render_template

from .extensions import htmx


def wants_fragment() -> bool:
    """True for an htmx swap; false for browsers, boosted navigation and history restores."""
    return bool(htmx) and not htmx.boosted and not htmx.history_restore_request


def render(template_page: str, template_partial: str, status: int = 200, **context) -> Response:
    """Whole page for browsers, the fragment for htmx swaps; caches keep the two apart."""
    template = template_partial if wants_fragment() else template_page
    response = make_response(render_template(template, **context), status)
    response.vary.add("HX-Request")
    return response
