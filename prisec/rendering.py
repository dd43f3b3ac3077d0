"""The helpers that render a whole page, the fragment htmx asked for, or a page in a kept frame."""

from __future__ import annotations

from collections.abc import Iterator

from flask import Response, current_app, make_response, render_template, request, session
from flask_login import current_user
from flask_wtf import FlaskForm
from jinja2 import Template
from jinja2.runtime import Context

from .dataversion import SITE
from .extensions import htmx
from .pagecache import memoised

# Stand in for the content block while a frame renders, and for an empty form's CSRF
# token while it is kept; no template can produce them.
_CONTENT = "\x00prisec-content\x00"
_TOKEN = "\x00prisec-token\x00"


def wants_fragment() -> bool:
    """True for an htmx swap; false for browsers, boosted navigation and history restores."""
    return bool(htmx) and not htmx.boosted and not htmx.history_restore_request


def render(template_page: str, template_partial: str, status: int = 200, **context) -> Response:
    """Whole page for browsers, the fragment for htmx swaps; caches keep the two apart."""
    template = template_partial if wants_fragment() else template_page
    response = make_response(render_template(template, **context), status)
    response.vary.add("HX-Request")
    return response


def render_in_kept_frame(template_name: str, form: FlaskForm, **context) -> str:
    """A form's page for anonymous visitors, its frame (base.html around the `content` block)
    rendered once per change of the site's data, and the form itself too while it is empty.

    For pages strangers can ask for at will (the login form): a wrong password then costs a
    form's rendering, not a page's, and an empty form (with the same messages, if any) costs
    its CSRF token. The template's other blocks must not read the request or `context`; a
    logged-in visitor or a pending flash message gets the whole page rendered.
    """
    context["form"] = form
    if current_user.is_authenticated or session.get("_flashes"):
        return render_template(template_name, **context)
    app = current_app
    template = app.jinja_env.get_template(template_name)
    app.update_template_context(context)
    # Its links hold the address the site was asked at (a proxy's prefix), as kept pages do.
    where = (request.host, request.script_root)
    before, after = memoised(
        ("frame", template_name, where), frozenset({SITE}), lambda: _frame(template, context)
    )
    fields = [field for field in form if field.type != "CSRFTokenField"]
    if any(field.data for field in fields):  # what was typed is shown back
        return before + _content(template, context) + after
    # An empty form differs from one visitor to the next only by its token; its messages
    # (for empty fields, or the view's own) are a few fixed sentences.
    token = getattr(getattr(form, "csrf_token", None), "current_token", None) or ""
    messages = tuple((field.name, tuple(field.errors)) for field in fields if field.errors)
    empty = memoised(
        ("empty form", template_name, where, messages),
        frozenset({SITE}),
        lambda: _with_token_held(_content(template, context), token),
    )
    return before + (empty.replace(_TOKEN, token) if token else empty) + after


def _content(template: Template, context: dict) -> str:
    return "".join(template.blocks["content"](template.new_context(context)))


def _with_token_held(content: str, token: str) -> str:
    if not token:  # no CSRF protection: the same for everyone
        return content
    if token not in content:
        # Kept as it is, it would hand one visitor's token to the next.
        raise RuntimeError("an empty form kept in its frame must show its CSRF token")
    return content.replace(token, _TOKEN)


def _frame(template: Template, context: dict) -> tuple[str, str]:
    """The page before and after its content block."""

    def placeholder(_: Context) -> Iterator[str]:
        yield _CONTENT

    frame = template.new_context(dict(context))
    frame.blocks["content"] = [placeholder]
    before, found, after = "".join(template.root_render_func(frame)).partition(_CONTENT)
    if not found or _CONTENT in after:
        raise RuntimeError(f"{template.name} does not render its content block once")
    return before, after
