"""Speaker photos and slides uploaded through the talk form."""

from __future__ import annotations

import io
import os
import re

import pytest
from PIL import Image
from sqlalchemy import select
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from prisec.models import Speaker, Talk
from tests.test_talk_form import error_of, talk_form


def image_bytes(fmt: str, size=(1600, 1200), mode="RGB", exif: bool = False) -> bytes:
    image = Image.new(mode, size, "red" if mode == "RGB" else 0)
    out = io.BytesIO()
    kwargs = {}
    if exif:
        data = Image.Exif()
        data[0x010F] = "SecretCamera Inc."  # Make
        data[0x9286] = "where I live"  # UserComment
        kwargs["exif"] = data.tobytes()
    image.save(out, fmt, **kwargs)
    return out.getvalue()


@pytest.fixture
def series(create_series):
    return create_series(slug="seminar")


def _post(client, series, **files):
    data = talk_form()
    for name, (content, filename) in files.items():
        data[name] = FileStorage(
            io.BytesIO(content), filename, content_type="application/octet-stream"
        )
    # Encoded in memory: the test client would spool a large body to a file it never closes.
    boundary, body = encode_multipart(data)
    return client.post(
        f"/dashboard/series/{series.slug}/talks/new",
        data=body,
        content_type=f"multipart/form-data; boundary={boundary}",
    )


def test_photo_is_reencoded_small_and_without_metadata(app, organizer_client, client, series, db):
    response = _post(
        organizer_client,
        series,
        **{"speakers-0-photo": (image_bytes("JPEG", exif=True), "me.jpg")},
    )
    assert response.status_code == 303
    speaker = db.session.scalar(select(Speaker))
    assert re.fullmatch(r"[0-9a-f]{64}\.jpg", speaker.photo)
    stored = os.path.join(app.config["UPLOAD_FOLDER"], speaker.photo)
    with Image.open(stored) as image:
        assert max(image.size) == 800
        assert image.size == (800, 600)
        assert not image.getexif()
    with open(stored, "rb") as handle:
        assert b"SecretCamera" not in handle.read()
    with client.get(f"/uploads/photos/{speaker.photo}") as served:
        assert served.status_code == 200
        assert served.headers["Content-Type"] == "image/jpeg"
    talk = db.session.scalar(select(Talk))
    assert f"/uploads/photos/{speaker.photo}" in client.get(
        f"/talks/{talk.id}/{talk.slug}"
    ).get_data(as_text=True)


@pytest.mark.parametrize(("fmt", "ext"), [("PNG", "png"), ("WEBP", "webp")])
def test_png_and_webp_photos_keep_their_format(organizer_client, series, db, fmt, ext):
    _post(organizer_client, series, **{"speakers-0-photo": (image_bytes(fmt, (300, 200)), "p")})
    assert db.session.scalar(select(Speaker)).photo.endswith("." + ext)


@pytest.mark.parametrize(
    ("content", "filename", "message"),
    [
        (b"MZ\x90\x00 this is not an image", "photo.jpg", "not a readable JPEG, PNG or WebP"),
        (image_bytes("GIF", (10, 10), mode="L"), "photo.gif", "must be a JPEG, PNG or WebP"),
        (b"\xff\xd8\xff" + os.urandom(5 * 1024 * 1024), "huge.jpg", "larger than 5 MB"),
        # 60 million pixels in a small file: refused before it is decoded.
        (image_bytes("PNG", (10_000, 6_000), mode="1"), "bomb.png", "far too many pixels"),
        (image_bytes("JPEG")[:500], "cut.jpg", "cut short"),
    ],
)
def test_bad_photos_get_a_message_beside_the_field(
    organizer_client, series, db, content, filename, message
):
    response = _post(organizer_client, series, **{"speakers-0-photo": (content, filename)})
    assert response.status_code == 422
    assert message in error_of(response.get_data(as_text=True), "speakers-0-photo")
    assert db.session.scalar(select(Talk)) is None


PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


def test_slides_pdf_is_stored_and_served_safely(organizer_client, client, series, db):
    response = _post(organizer_client, series, slides_file=(PDF, "talk.pdf"))
    assert response.status_code == 303
    talk = db.session.scalar(select(Talk))
    assert re.fullmatch(r"/uploads/slides/[0-9a-f]{64}\.pdf", talk.slides_url)
    with client.get(talk.slides_url) as served:
        assert served.status_code == 200
        assert served.data == PDF
        assert served.headers["Content-Type"] == "application/pdf"
        assert served.headers["X-Content-Type-Options"] == "nosniff"
        # Framed by our own talk page only.
        policy = "default-src 'none'; frame-ancestors 'self'"
        assert served.headers["Content-Security-Policy"] == policy
        assert served.headers["X-Frame-Options"] == "SAMEORIGIN"
    # Saving the form again keeps the stored link valid.
    html = organizer_client.get(f"/dashboard/talks/{talk.id}/edit").get_data(as_text=True)
    assert talk.slides_url in html
    # Attendees get the slides: a link and the PDF shown in the page; API clients a full URL.
    public = client.get(f"/talks/{talk.id}/{talk.slug}").get_data(as_text=True)
    assert f'href="{talk.slides_url}"' in public
    assert f'<object data="{talk.slides_url}" type="application/pdf"' in public
    api = client.get(f"/api/v1/talks/{talk.id}").get_json()["talk"]
    assert api["links"]["slides"] == "http://localhost" + talk.slides_url


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"<html><script>alert(1)</script></html>", "must be a PDF file"),
        (image_bytes("PNG", (10, 10)), "must be a PDF file"),
        (b"%PDF-" + b"0" * (20 * 1024 * 1024), "larger than 20 MB"),
        (b"", "empty"),
    ],
)
def test_bad_slides_get_a_message_beside_the_field(organizer_client, series, db, content, message):
    response = _post(organizer_client, series, slides_file=(content, "slides.pdf"))
    assert response.status_code == 422
    assert message in error_of(response.get_data(as_text=True), "slides_file")


def test_no_file_chosen_is_not_an_error(organizer_client, series, db):
    # A browser sends a nameless, empty part for a file input left alone.
    response = _post(organizer_client, series, slides_file=(b"", ""))
    assert response.status_code == 303
    assert db.session.scalar(select(Talk)).slides_url == ""


def test_only_content_hashed_names_are_served(client):
    assert client.get("/uploads/slides/../secret_key").status_code == 404
    assert client.get("/uploads/slides/" + "a" * 64 + ".html").status_code == 404
