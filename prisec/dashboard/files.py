"""Uploaded speaker photos and slides: checked by content, re-encoded, stored by content hash."""

from __future__ import annotations

import hashlib
import io
import os
from pathlib import Path

from flask import current_app
from PIL import Image, ImageOps, UnidentifiedImageError
from werkzeug.datastructures import FileStorage

PHOTO_MAX_BYTES = 5 * 1024 * 1024
PHOTO_MAX_SIDE = 800
# Far more than any camera photo; a larger image is a decompression bomb, refused unopened.
PHOTO_MAX_PIXELS = 50_000_000
SLIDES_MAX_BYTES = 20 * 1024 * 1024
_PHOTO_FORMATS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}


class UploadError(ValueError):
    """An uploaded file that cannot be used; the message is shown beside the field."""


def _read_limited(upload: FileStorage, limit: int, what: str) -> bytes:
    content = upload.stream.read(limit + 1)
    if len(content) > limit:
        raise UploadError(f"The {what} is larger than {limit // (1024 * 1024)} MB.")
    if not content:
        raise UploadError(f"The {what} file is empty.")
    return content


def _store(content: bytes, extension: str) -> str:
    """Write the bytes under their SHA-256 and return the file name."""
    name = f"{hashlib.sha256(content).hexdigest()}.{extension}"
    folder = Path(current_app.config["UPLOAD_FOLDER"])
    target = folder / name
    if not target.exists():
        # Written beside and renamed, so a reader never sees half a file.
        partial = folder / f".{name}.{os.getpid()}.part"
        partial.write_bytes(content)
        partial.replace(target)
    return name


def reencode_photo(content: bytes) -> tuple[bytes, str]:
    """The photo re-encoded without metadata, longest side at most 800 px, and its extension."""
    try:
        image = Image.open(io.BytesIO(content))
        if image.format not in _PHOTO_FORMATS:
            raise UploadError("The photo must be a JPEG, PNG or WebP image.")
        # Checked from the header, before the pixels are decoded into memory.
        if image.width * image.height > PHOTO_MAX_PIXELS:
            raise UploadError("The photo has far too many pixels; use a smaller image.")
        image_format = image.format
        image.load()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise UploadError("The photo has far too many pixels; use a smaller image.") from exc
    except UploadError:
        raise
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise UploadError("The photo is not a readable JPEG, PNG or WebP image.") from exc
    try:
        return _reencode(image, image_format)
    except (OSError, ValueError) as exc:
        # An exotic mode or a broken frame that decoding let through.
        raise UploadError("The photo could not be processed; save it as a plain JPEG.") from exc


def _reencode(image: Image.Image, image_format: str) -> tuple[bytes, str]:
    image = ImageOps.exif_transpose(image)
    has_alpha = image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info
    if image_format == "JPEG" or not has_alpha:
        image = image.convert("RGB")
    else:
        image = image.convert("RGBA")
    image.thumbnail((PHOTO_MAX_SIDE, PHOTO_MAX_SIDE), Image.Resampling.LANCZOS)
    # A fresh image carries no EXIF, ICC or text chunks from the upload.
    clean = Image.new(image.mode, image.size)
    clean.paste(image)
    out = io.BytesIO()
    if image_format == "JPEG":
        clean.save(out, "JPEG", quality=85, optimize=True)
    elif image_format == "PNG":
        clean.save(out, "PNG", optimize=True)
    else:
        clean.save(out, "WEBP", quality=85)
    return out.getvalue(), _PHOTO_FORMATS[image_format]


def store_photo(upload: FileStorage) -> str:
    """Check, re-encode and store a speaker photo; the stored file name."""
    content = _read_limited(upload, PHOTO_MAX_BYTES, "photo")
    encoded, extension = reencode_photo(content)
    return _store(encoded, extension)


def store_slides(upload: FileStorage) -> str:
    """Check and store a slides PDF; the stored file name."""
    content = _read_limited(upload, SLIDES_MAX_BYTES, "slides")
    if not content.startswith(b"%PDF-"):
        raise UploadError("The slides must be a PDF file.")
    return _store(content, "pdf")
