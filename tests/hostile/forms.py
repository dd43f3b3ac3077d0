"""What the hostile-input tests share: the forms on the organizer's pages, a concrete path
of each route, and values encoded as a browser sends them."""

from __future__ import annotations

import re
import urllib.parse

from flask.testing import FlaskClient
from werkzeug.routing import Rule

from tests.liveclient import _Forms

# Query parameters the pages and the API read (forms with method GET are found on the pages).
KNOWN_QUERY = ["series", "listing", "since", "until", "page", "per_page", "limit", "past",
               "q", "year", "speaker", "category", "next", "field"]  # fmt: skip
# Forms reached by links from these pages, logged in.
START_PAGES = ["/", "/talks", "/papers", "/dashboard", "/dashboard/series/prisec-ml",
               "/dashboard/series/prisec-ml/talks/new", "/dashboard/talks/1/edit",
               "/dashboard/talks/2/reschedule", "/dashboard/talks/1/history",
               "/dashboard/series/prisec-ml/settings", "/dashboard/series/new",
               "/dashboard/series/prisec-ml/plan", "/dashboard/accounts",
               "/dashboard/accounts/1"]  # fmt: skip


def encode(value: str | bytes) -> bytes:
    """A value as a browser puts it in a form body or query string; invalid UTF-8 stays raw."""
    if isinstance(value, bytes):
        return value
    return urllib.parse.quote_plus(value).encode()


def body(fields: list[tuple[str, str]], name: str, value: str | bytes) -> bytes:
    parts = [
        encode(key) + b"=" + (encode(value) if key == name else encode(default))
        for key, default in fields
    ]
    if name not in {key for key, _ in fields}:
        parts.append(encode(name) + b"=" + encode(value))
    return b"&".join(parts)


class _FormsWithActions(_Forms):
    def __init__(self) -> None:
        super().__init__()
        self.actions: list[tuple[str, str]] = []

    def handle_starttag(self, tag, attrs):  # noqa: ANN001 -- HTMLParser's signature
        if tag == "form":
            a = {key: value or "" for key, value in attrs}
            self.actions.append((a.get("method", "get").lower(), a.get("action", "")))
        super().handle_starttag(tag, attrs)


def discover_forms(client: FlaskClient) -> dict[tuple[str, str], list[tuple[str, str]]]:
    """(method, path) -> fields of every form on the start pages (and the anonymous login)."""
    forms: dict[tuple[str, str], list[tuple[str, str]]] = {}
    anonymous = client.application.test_client()
    for page in [*START_PAGES, "/login"]:
        response = (anonymous if page == "/login" else client).get(page)
        assert response.status_code == 200, page
        parser = _FormsWithActions()
        parser.feed(response.get_data(as_text=True))
        for (method, action), fields in zip(parser.actions, parser.forms, strict=True):
            path = urllib.parse.urlsplit(action or page).path
            forms.setdefault((method, path), fields)
    return forms


def path_of(rule: Rule, hostile: str | None = None) -> str | None:
    """A concrete path of the rule: talk 1, the demo series, or the hostile text as a string."""
    values = {}
    for name in rule.arguments:
        if name not in rule._converters:
            continue
        converter = type(rule._converters[name]).__name__
        if converter == "IntegerConverter":
            values[name] = "1"
        elif hostile is not None:
            values[name] = urllib.parse.quote(hostile[:500], safe="")
        elif name == "slug":
            values[name] = "prisec-ml"
        else:
            values[name] = "x"
    path = rule.rule
    for name, value in values.items():
        path = re.sub(rf"<(?:[^:>]+:)?{name}>", value, path)
    return path
