"""Every form field of every POST route gets every class of hostile value (see corpus.py).

Form fields come from the rendered pages, as an organizer sees them. No request may end in
a 5xx; a refused value comes back with a message beside its field; what is stored is shown
as inert text on every page afterwards. Apart from the query test so that the two, the
longest of the suite, run side by side.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

from flask.testing import FlaskClient

from tests.hostile.corpus import EVIL_HOST, sample
from tests.hostile.forms import body, discover_forms, encode, path_of


def test_every_form_field_of_every_post_route(app, site):
    forms = discover_forms(site)
    talk_form = forms[("post", "/dashboard/talks/1/edit")]
    posts = [r for r in app.url_map.iter_rules() if "POST" in r.methods and "/api/" not in r.rule]
    failures = []
    refused_without_message = []
    for index, rule in enumerate(posts):
        if rule.endpoint == "auth.logout":
            continue
        path = path_of(rule)
        fields = forms.get(("post", path))
        # A form on a page: each field alone. An htmx endpoint fed by the talk form (field
        # checks, preview, speaker rows): every field at once.
        targets = [name for name, _ in fields] if fields else [None]
        fields = fields or talk_form
        for position, name in enumerate(targets):
            for kind, value in sample(1, seed=index * 100 + position):
                if name is None:
                    payload = b"&".join(encode(key) + b"=" + encode(value) for key, _ in fields)
                else:
                    payload = body(fields, name, value)
                response = site.post(
                    path, data=payload, content_type="application/x-www-form-urlencoded"
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
