"""Every form field, query parameter and path argument gets every class of hostile value.

Routes come from the application's URL map, form fields from the rendered pages (as an
organizer sees them). No request may end in a 5xx; a refused value comes back with a
message; what is stored is shown as inert text on every page afterwards.
"""

from __future__ import annotations

import re
import urllib.parse
from html.parser import HTMLParser

import pytest
from flask.testing import FlaskClient
from werkzeug.routing import Rule

from prisec import demo
from tests.hostile.corpus import EVIL_HOST, INVALID_UTF8, all_values, sample
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


def _encode(value: str | bytes) -> bytes:
    """A value as a browser puts it in a form body or query string; invalid UTF-8 stays raw."""
    if isinstance(value, bytes):
        return value
    return urllib.parse.quote_plus(value).encode()


def _body(fields: list[tuple[str, str]], name: str, value: str | bytes) -> bytes:
    parts = [
        _encode(key) + b"=" + (_encode(value) if key == name else _encode(default))
        for key, default in fields
    ]
    if name not in {key for key, _ in fields}:
        parts.append(_encode(name) + b"=" + _encode(value))
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


def _path_of(rule: Rule, hostile: str | None = None) -> str | None:
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


@pytest.fixture
def site(app, organizer_client):
    """The demo site, an organizer logged in."""
    demo.seed_demo()
    return organizer_client


def test_the_corpus_is_large_enough():
    assert len(all_values()) >= 200


def _query_value(value: str | bytes) -> str | bytes:
    # waitress refuses a request line and headers over 256 kB (431) before the app sees
    # them; 4 kB per parameter, twenty parameters at once, stays under that and still
    # overflows every field the pages read.
    return value[: 4 * 1024]


def test_every_query_parameter_and_path_argument(app, site):
    forms = discover_forms(site)
    names = set(KNOWN_QUERY)
    for (method, _), fields in forms.items():
        if method == "get":
            names |= {name for name, _ in fields}
    rules = [r for r in app.url_map.iter_rules() if "GET" in r.methods and r.endpoint != "static"]
    failures = []
    for index, rule in enumerate(rules):
        # Every parameter at once gets a value of each class; the path's text arguments too.
        for kind, value in sample(2, seed=index):
            query = b"&".join(
                _encode(name) + b"=" + _encode(_query_value(value)) for name in sorted(names)
            )
            # WSGI carries the raw query bytes as a latin-1 string.
            response = site.get(
                _path_of(rule), environ_overrides={"QUERY_STRING": query.decode("latin-1")}
            )
            if response.status_code >= 500:
                failures.append((rule.rule, kind, value[:60]))
            response.close()
            if rule.arguments - {"talk_id", "revision_id"} and isinstance(value, str):
                response = site.get(_path_of(rule, value))
                if response.status_code >= 500:
                    failures.append((rule.rule, "path", value[:60]))
                response.close()
    assert failures == []


def test_every_form_field_of_every_post_route(app, site):
    forms = discover_forms(site)
    talk_form = forms[("post", "/dashboard/talks/1/edit")]
    posts = [r for r in app.url_map.iter_rules() if "POST" in r.methods and "/api/" not in r.rule]
    failures = []
    refused_without_message = []
    for index, rule in enumerate(posts):
        if rule.endpoint == "auth.logout":
            continue
        path = _path_of(rule)
        fields = forms.get(("post", path))
        # A form on a page: each field alone. An htmx endpoint fed by the talk form (field
        # checks, preview, speaker rows): every field at once.
        targets = [name for name, _ in fields] if fields else [None]
        fields = fields or talk_form
        for position, name in enumerate(targets):
            for kind, value in sample(1, seed=index * 100 + position):
                if name is None:
                    body = b"&".join(_encode(key) + b"=" + _encode(value) for key, _ in fields)
                else:
                    body = _body(fields, name, value)
                response = site.post(
                    path, data=body, content_type="application/x-www-form-urlencoded"
                )
                if response.status_code >= 500:
                    failures.append((path, name, kind))
                page = response.get_data(as_text=True)
                # A field's message sits beside it; an action with no fields (send an
                # announcement) explains itself in an alert at the top of its page.
                explained = "field-error" in page or 'role="alert"' in page
                if response.status_code == 422 and not explained:
                    refused_without_message.append((path, name, kind))
                response.close()
    assert failures == []
    assert refused_without_message == []
    _assert_pages_inert(site)


def test_invalid_utf8_in_a_whole_form_body(site):
    for raw in INVALID_UTF8:
        for path in ("/dashboard/talks/1/edit", "/dashboard/series/prisec-ml/settings", "/login"):
            response = site.post(
                path,
                data=b"title=" + raw + b"&name=" + raw,
                content_type="application/x-www-form-urlencoded",
            )
            assert response.status_code < 500, (path, raw)


class _Active(HTMLParser):
    """Anything on a page that could run or fetch: script without src, on* handlers, bad URLs."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {key.lower(): value or "" for key, value in attrs}
        if tag == "script" and "src" not in a and a.get("type") != "application/ld+json":
            self.found.append(f"<script> without src: {attrs}")
        for key, value in a.items():
            if key.startswith("on") or key.startswith("hx-on"):
                self.found.append(f"handler {key} on <{tag}>")
            scheme = value.strip().lower()
            if key in {"href", "src", "action", "data", "formaction", "hx-get", "hx-post"}:
                if scheme.startswith(("javascript:", "data:text", "vbscript:")):
                    self.found.append(f"{key}={value[:60]} on <{tag}>")
                if EVIL_HOST in value and tag in {"img", "script", "iframe", "object", "link"}:
                    self.found.append(f"{key}={value[:60]} on <{tag}>")
            framing = {"iframe", "object", "embed", "base", "meta", "style", "link", "form"}
            if tag in framing and EVIL_HOST in value:
                self.found.append(f"<{tag} {key}={value[:60]}>")


def _assert_pages_inert(client: FlaskClient) -> None:
    pages = ["/", "/talks", "/series/prisec-ml", "/embed/upcoming", "/dashboard",
             "/dashboard/series/prisec-ml", "/papers"]  # fmt: skip
    listing = client.get("/dashboard/series/prisec-ml").get_data(as_text=True)
    for talk_id in sorted(set(re.findall(r"/dashboard/talks/(\d+)/edit", listing)))[:20]:
        pages += [f"/talks/{talk_id}", f"/dashboard/talks/{talk_id}/edit"]
        pages += [f"/dashboard/talks/{talk_id}/history"]
    for page in pages:
        response = client.get(page, follow_redirects=True)
        assert response.status_code < 500, page
        parser = _Active()
        parser.feed(response.get_data(as_text=True))
        assert parser.found == [], (page, parser.found[:5])
