"""Every query parameter and path argument gets every class of hostile value (see corpus.py).

Routes come from the application's URL map, the parameters from the pages' GET forms and
those the pages and the API read. No request may end in a 5xx. The POST forms are in
test_hostile_forms.py."""

from __future__ import annotations

from tests.hostile.corpus import INVALID_UTF8, all_values, sample
from tests.hostile.forms import KNOWN_QUERY, discover_forms, encode, path_of


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
                encode(name) + b"=" + encode(_query_value(value)) for name in sorted(names)
            )
            # WSGI carries the raw query bytes as a latin-1 string.
            response = site.get(
                path_of(rule), environ_overrides={"QUERY_STRING": query.decode("latin-1")}
            )
            if response.status_code >= 500:
                failures.append((rule.rule, kind, value[:60]))
            response.close()
            if rule.arguments - {"talk_id", "revision_id"} and isinstance(value, str):
                response = site.get(path_of(rule, value))
                if response.status_code >= 500:
                    failures.append((rule.rule, "path", value[:60]))
                response.close()
    assert failures == []


def test_invalid_utf8_in_a_whole_formbody(site):
    for raw in INVALID_UTF8:
        for path in ("/dashboard/talks/1/edit", "/dashboard/series/prisec-ml/settings", "/login"):
            response = site.post(
                path,
                data=b"title=" + raw + b"&name=" + raw,
                content_type="application/x-www-form-urlencoded",
            )
            assert response.status_code < 500, (path, raw)
