"""Speaker photos are served at the size pages show them."""

from __future__ import annotations

import hashlib
import io
from pathlib import Path

from PIL import Image

from prisec.extensions import db as _db


def store_photo(app, width: int, height: int) -> str:
    """A PNG of width x height in the uploads folder, under its content hash."""
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (200, 30, 30)).save(buffer, "PNG")
    data = buffer.getvalue()
    name = f"{hashlib.sha256(data).hexdigest()}.png"
    (Path(app.config["UPLOAD_FOLDER"]) / name).write_bytes(data)
    return name


def test_a_photo_is_sent_at_the_size_asked(app, client):
    name = store_photo(app, 800, 600)
    response = client.get(f"/uploads/photos/{name}?size=96")
    assert response.status_code == 200
    assert response.mimetype == "image/png"
    assert Image.open(io.BytesIO(response.data)).size == (96, 96)
    assert "max-age=31536000" in response.headers["Cache-Control"]
    original = client.get(f"/uploads/photos/{name}")
    assert Image.open(io.BytesIO(original.data)).size == (800, 600)
    assert len(response.data) < len(original.data)


def test_a_small_photo_is_never_enlarged(app, client):
    name = store_photo(app, 50, 50)
    response = client.get(f"/uploads/photos/{name}?size=192")
    assert Image.open(io.BytesIO(response.data)).size == (50, 50)


def test_only_the_sizes_pages_use_are_made(app, client):
    name = store_photo(app, 800, 600)
    assert client.get(f"/uploads/photos/{name}?size=5000").status_code == 404
    assert client.get(f"/uploads/photos/{name}?size=abc").status_code == 404


def test_pages_ask_for_the_photo_at_the_size_shown(app, client, create_talk, create_speaker):
    speaker = create_speaker(name="Ada Photo", photo=store_photo(app, 800, 800))
    talk = create_talk(speakers=[speaker])
    _db.session.commit()
    html = client.get(f"/talks/{talk.id}/{talk.slug}").get_data(as_text=True)
    assert f"/uploads/photos/{speaker.photo}?size=96" in html
    assert 'width="96" height="96"' in html
