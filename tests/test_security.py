"""Security headers on every page and friendly error pages (JSON under /api/)."""

from __future__ import annotations

import json

import pytest
from flask import abort

from prisec import demo
from tests.helpers import install_migrated, make_app

PAGES = ["/", "/talks", "/talks/1", "/series/prisec-ml", "/nope", "/api/v1/talks", "/sitemap.xml",
         "/calendar.ics", "/feed.atom", "/papers", "/login", "/calendar/help"]  # fmt: skip


def _policy(header: str) -> dict[str, list[str]]:
    directives = [part.split() for part in header.split(";") if part.strip()]
    return {words[0]: words[1:] for words in directives}


@pytest.mark.parametrize("url", PAGES)
def test_every_page_sends_the_security_headers(client, db, url):
    demo.seed_demo()
    response = client.get(url, follow_redirects=True)
    policy = _policy(response.headers["Content-Security-Policy"])
    assert policy["script-src"] == ["'self'"]
    assert policy["style-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["base-uri"] == ["'self'"]
    assert policy["form-action"] == ["'self'"]
    assert "'unsafe-inline'" not in response.headers["Content-Security-Policy"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert "Strict-Transport-Security" not in response.headers


def test_hsts_only_when_served_over_https(tmp_path, migrated_database):
    instance = tmp_path / "instance"
    instance.mkdir()
    install_migrated(migrated_database, instance)
    app = make_app(instance, SESSION_COOKIE_SECURE=True)
    response = app.test_client().get("/healthz")
    assert response.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
    off = make_app(instance, SESSION_COOKIE_SECURE=True, HSTS_MAX_AGE=0)
    assert "Strict-Transport-Security" not in off.test_client().get("/healthz").headers


def test_talk_page_allows_only_its_own_player_and_slides(client, create_talk):
    talk = create_talk(
        recording_url="https://www.youtube.com/watch?v=dQw4w9WgXcQ",
        slides_url="https://slides.example.org/talk.pdf",
    )
    response = client.get(f"/talks/{talk.id}", follow_redirects=True)
    policy = _policy(response.headers["Content-Security-Policy"])
    assert policy["frame-src"] == ["https://www.youtube-nocookie.com", "https://slides.example.org"]
    assert policy["object-src"] == ["https://slides.example.org"]
    assert policy["script-src"] == ["'self'"]


def test_a_slides_host_cannot_write_into_the_policy(client, create_talk):
    talk = create_talk(slides_url="https://a.example;script-src *.pdf")
    response = client.get(f"/talks/{talk.id}", follow_redirects=True)
    assert response.status_code == 200
    policy = _policy(response.headers["Content-Security-Policy"])
    assert policy["script-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"]


def test_embed_page_alone_may_be_framed(client, create_talk):
    talk = create_talk()
    response = client.get(f"/embed/upcoming?series={talk.series.slug}")
    policy = _policy(response.headers["Content-Security-Policy"])
    assert policy["frame-ancestors"] == ["*"]
    assert policy["script-src"] == ["'self'"]
    assert "X-Frame-Options" not in response.headers


CODES = [400, 403, 404, 405, 409, 413, 429, 500]


@pytest.fixture
def failing_app(tmp_path, migrated_database):
    """The real app plus two routes that fail with a given status, one of them under /api/."""
    instance = tmp_path / "instance"
    instance.mkdir()
    install_migrated(migrated_database, instance)
    app = make_app(instance)

    @app.get("/fail/<int:code>")
    @app.get("/api/fail/<int:code>")
    def fail(code: int):
        if code == 500:
            raise RuntimeError("a bug")
        abort(code)

    app.testing = False  # a bug becomes a 500 page, as in production
    return app


@pytest.mark.parametrize("code", CODES)
def test_error_pages_are_friendly_html(failing_app, code):
    response = failing_app.test_client().get(f"/fail/{code}")
    assert response.status_code == code
    assert response.mimetype == "text/html"
    html = response.get_data(as_text=True)
    assert "Back to the schedule" in html
    assert "Traceback" not in html
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]


@pytest.mark.parametrize("code", CODES)
def test_api_errors_are_short_json(failing_app, code):
    response = failing_app.test_client().get(f"/api/fail/{code}")
    assert response.status_code == code
    body = json.loads(response.get_data(as_text=True))
    assert body["error"]["status"] == code
    assert "a bug" not in body["error"]["message"]


def test_real_errors_reach_the_friendly_pages(client, app):
    assert "There is nothing at this address" in client.get("/nope").get_data(as_text=True)
    assert client.post("/").status_code == 405
    refused = client.post("/login", data={"email": "x", "password": "y"})
    assert refused.status_code == 400
    too_big = client.post("/login", data=b"x" * (app.config["MAX_CONTENT_LENGTH"] + 1))
    assert too_big.status_code == 413
    assert "too large" in too_big.get_data(as_text=True)


def test_a_nul_in_a_path_or_search_is_an_ordinary_answer(client, create_talk):
    talk = create_talk(title="Membership inference")
    assert client.get(f"/series/{talk.series.slug}%00").status_code == 404
    assert client.get(f"/talks/{talk.id}/x%00y").status_code == 404
    found = client.get("/talks?q=member%00ship").get_data(as_text=True)
    assert "Membership inference" in found
