"""The embeddable list of next talks, and the no-framing rule for every other page."""

import hashlib
import html as htmllib
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from prisec import demo


def test_embed_may_be_framed_by_any_site(client, create_talk):
    talk = create_talk(title="Next big thing")
    response = client.get(f"/embed/upcoming?series={talk.series.slug}")
    assert response.status_code == 200
    assert "frame-ancestors *" in response.headers["Content-Security-Policy"]
    assert "X-Frame-Options" not in response.headers
    html = response.get_data(as_text=True)
    assert "Next big thing" in html
    assert f'href="http://localhost/talks/{talk.id}/next-big-thing" target="_blank"' in html
    assert "prisec.css" not in html  # its own small stylesheet, not the site's
    assert "Set-Cookie" not in response.headers


def test_embed_lists_only_the_next_upcoming_talks_of_the_series(client, create_talk, create_series):
    other = create_series(slug="other")
    now = datetime.now(UTC)
    first = create_talk(title="Past one", start=now - timedelta(days=9))
    create_talk(series=first.series, title="Second", start=now + timedelta(days=9))
    create_talk(series=first.series, title="First", start=now + timedelta(days=2))
    create_talk(series=other, title="Elsewhere")
    html = client.get(f"/embed/upcoming?series={first.series.slug}").get_data(as_text=True)
    assert "Past one" not in html
    assert "Elsewhere" not in html
    assert html.index("First") < html.index("Second")
    one = client.get(f"/embed/upcoming?series={first.series.slug}&limit=1").get_data(as_text=True)
    assert "First" in one
    assert "Second" not in one


def test_embed_of_an_empty_or_unknown_series(client, create_series):
    series = create_series()
    html = client.get(f"/embed/upcoming?series={series.slug}").get_data(as_text=True)
    assert "No talks are scheduled yet." in html
    assert client.get("/embed/upcoming?series=nope").status_code == 404


@pytest.mark.parametrize("url", ["/", "/talks", "/talks/1", "/talks/1/x", "/series/prisec-ml",
                                 "/nope", "/api/v1/talks", "/sitemap.xml"])  # fmt: skip
def test_every_other_page_refuses_frames(client, db, url):
    demo.seed_demo()
    response = client.get(url, follow_redirects=True)
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Frame-Options"] == "DENY"


def test_existing_policies_keep_their_rules(client, app):
    photo = hashlib.sha256(b"x").hexdigest() + ".png"
    (Path(app.config["UPLOAD_FOLDER"]) / photo).write_bytes(b"\x89PNG\r\n")
    response = client.get(f"/uploads/photos/{photo}")
    policy = response.headers["Content-Security-Policy"]
    response.close()
    assert policy == "default-src 'none'; sandbox; frame-ancestors 'none'"


def test_snippet_for_the_series_settings(app, create_series):
    from flask import render_template

    series = create_series(slug="reading-group", name='Reading "Group" <1>')
    with app.test_request_context():
        html = render_template("partials/_embed_snippet.html", series=series)
    code = re.search(r"<code>(.*?)</code>", html, re.S).group(1)
    assert "<iframe" not in html  # shown as text to copy, not framed
    # What the reader sees and copies is itself valid HTML, the quotes in the name escaped.
    copied = htmllib.unescape(code)
    assert copied.startswith(
        '<iframe src="http://localhost/embed/upcoming?series=reading-group" '
        'title="Next talks: Reading &quot;Group&quot; <1>"'
    )
