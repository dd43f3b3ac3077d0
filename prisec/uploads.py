"""Serving uploaded files (speaker photos, slides) from instance/uploads/ with safe headers."""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path

from flask import Blueprint, Flask, abort, current_app, request, send_from_directory

bp = Blueprint("uploads", __name__)

# Uploads are stored under their content hash; nothing else is ever served from here.
_PHOTO_NAME = re.compile(r"^[0-9a-f]{64}\.(jpg|png|webp)$")
_PHOTO_TYPES = {"jpg": "image/jpeg", "png": "image/png", "webp": "image/webp"}
_PIL_FORMATS = {"jpg": "JPEG", "png": "PNG", "webp": "WEBP"}
# Square sizes pages show photos at, and twice those for high-density screens.
PHOTO_SIZES = frozenset({64, 96, 128, 192})


def _sized_photo(folder: Path, name: str, size: int, extension: str) -> Path:
    """The photo cropped to a size x size square, made once and kept beside the original."""
    target = folder / "sized" / str(size) / name
    if target.exists():
        return target
    # Imported here: Pillow is some 2 MB a server needs only once it resizes a photo.
    from PIL import Image, ImageOps, UnidentifiedImageError

    try:
        with Image.open(folder / name) as original:
            image = ImageOps.exif_transpose(original)
            if min(image.size) <= size:
                return folder / name  # never enlarged: the original is already small
            image = ImageOps.fit(image, (size, size), Image.Resampling.LANCZOS)
            if extension == "jpg" and image.mode not in ("RGB", "L"):
                image = image.convert("RGB")
            target.parent.mkdir(parents=True, exist_ok=True)
            # Written aside and renamed: another thread or worker never sees half a file.
            fd, partial = tempfile.mkstemp(dir=target.parent, suffix=".part")
            with os.fdopen(fd, "wb") as handle:
                image.save(handle, _PIL_FORMATS[extension], quality=85)
            os.replace(partial, target)
    except (OSError, UnidentifiedImageError):
        return folder / name
    return target


@bp.get("/uploads/photos/<name>")
def photo(name: str):
    """A speaker photo, at `?size=N` pixels when asked; content-addressed, so cached a year."""
    match = _PHOTO_NAME.match(name) or abort(404)
    folder = Path(current_app.config["UPLOAD_FOLDER"])
    path = folder / name
    size = request.args.get("size", "")
    if size:
        if not size.isdigit() or int(size) not in PHOTO_SIZES:
            abort(404)
        if path.is_file():
            path = _sized_photo(folder, name, int(size), match.group(1))
    response = send_from_directory(
        path.parent,
        path.name,
        mimetype=_PHOTO_TYPES[match.group(1)],
        max_age=365 * 24 * 3600,
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    # As for slides: shown in place as an image, and saved under a plain name of its own type.
    response.headers["Content-Disposition"] = f'inline; filename="photo.{match.group(1)}"'
    return response


_SLIDES_NAME = re.compile(r"^[0-9a-f]{64}\.pdf$")
# The fetch destinations of a document embedded in a page (Fetch standard).
_EMBEDDING_DESTINATIONS = frozenset({"object", "embed", "iframe"})


@bp.get("/uploads/slides/<name>")
def slides(name: str):
    """A slides PDF: served as a PDF only, sandboxed, never sniffed as anything else."""
    _SLIDES_NAME.match(name) or abort(404)
    response = send_from_directory(
        current_app.config["UPLOAD_FOLDER"],
        name,
        mimetype="application/pdf",
        max_age=365 * 24 * 3600,
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    # Shown inside our own talk page, so our pages (only) may frame it; and no `sandbox`,
    # unlike photos: Chromium will not show a sandboxed PDF there. The file was checked to
    # hold no HTML or archive, and is never sniffed as anything but a PDF.
    response.headers["Content-Security-Policy"] = "default-src 'none'; frame-ancestors 'self'"
    response.headers["X-Frame-Options"] = "SAMEORIGIN"
    # Shown in place only inside the talk page's viewer (<object data=...>, which browsers
    # fetch as Sec-Fetch-Dest: object). Opened at its own address, the PDF is saved instead,
    # so the browser's viewer never runs whatever script the file may carry in that tab.
    embedded = request.headers.get("Sec-Fetch-Dest", "") in _EMBEDDING_DESTINATIONS
    disposition = "inline" if embedded else "attachment"
    response.headers["Content-Disposition"] = f'{disposition}; filename="slides.pdf"'
    response.vary.add("Sec-Fetch-Dest")
    return response


def init_app(app: Flask) -> None:
    """Register the blueprint."""
    app.register_blueprint(bp)
