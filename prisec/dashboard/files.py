"""Uploaded speaker photos and slides: checked by content, re-encoded, stored by content hash."""

from __future__ import annotations

import hashlib
import io
import os
import re
import struct
import zlib
from collections.abc import Iterator
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
# The names a file of each format goes by; the upload's name must be one of them (or have none).
_PHOTO_EXTENSIONS = {
    "JPEG": frozenset({"jpg", "jpeg", "jpe", "jfif"}),
    "PNG": frozenset({"png"}),
    "WEBP": frozenset({"webp"}),
}
_PHOTO_NAMES = {"JPEG": "a JPEG image", "PNG": "a PNG image", "WEBP": "a WebP image"}
# What follows the last dot counts as an extension only when it looks like one: "v1.2" or
# "Dr. Ada Lovelace" have none.
_EXTENSION = re.compile(r"(?=[0-9]*[a-z])[a-z0-9]{1,8}")
# Text that makes a browser run or render a file as a page, wherever it sits. Tags need a
# following delimiter, and the short ones an event handler as well, so that the random bytes
# of compressed pixels or PDF streams do not match by chance.
_HTML = re.compile(
    rb"<(?:script|html|head|body|iframe|frame|frameset|object|embed)[\s/>]"
    rb"|<!doctype\s+html"
    rb"|<\?php"
    rb"|<(?:svg|img|video|audio|details|input|marquee)[\s/][^<>]{0,256}?\bon[a-z]+\s*=",
    re.IGNORECASE,
)
# Signatures of a ZIP local file header and of its end-of-central-directory record.
_ZIP_SIGNATURES = re.compile(rb"PK\x03\x04|PK\x05\x06")
_ZIP_METHODS = frozenset({0, 1, 2, 3, 4, 5, 6, 8, 9, 10, 12, 14, 18, 19, 93, 95, 96, 97, 98, 99})
_PDF_HEADER = re.compile(rb"%PDF-[12]\.[0-9]")
# Readers look for the end-of-file marker within the last 1024 bytes, and so do we.
_PDF_TAIL = 1024
# PDF names of actions that run script, start programs or send data: a viewer performs them
# when the file opens (/OpenAction, /AA) or when a link is clicked. Slides need none.
_PDF_ACTIONS = frozenset({b"JavaScript", b"JS", b"Launch", b"SubmitForm", b"ImportData"})
# A PDF name: a slash, then regular characters or #xx escapes (/J#61vaScript is /JavaScript).
_PDF_NAME = re.compile(rb"/((?:[^\x00\t\n\x0c\r /<>\[\]()%{}#]|#[0-9A-Fa-f]{2})+)")
_PDF_ESCAPE = re.compile(rb"#([0-9A-Fa-f]{2})")
_PDF_STREAM = re.compile(rb"(?<!end)stream\r?\n")
# How much of the file's object streams is read back to look for actions inside them; a
# deck's dictionaries take far less.
_PDF_INFLATED_LIMIT = 64 * 1024 * 1024
# Filters other than Flate: fine for images, but an object stream packed with them would
# hide its dictionaries from the check.
_PDF_OTHER_FILTERS = frozenset(
    {b"ASCIIHexDecode", b"ASCII85Decode", b"LZWDecode", b"RunLengthDecode", b"Crypt"}
    | {b"AHx", b"A85", b"LZW", b"RL"}
)
_PDF_UNREADABLE = (
    "The slides PDF keeps part of its structure in a form this site cannot check "
    "(an encrypted or unusually packed object stream). Export the slides again as a plain PDF "
    "(print to PDF) and upload that."
)


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


def file_extension(filename: str | None) -> str:
    """The extension of an uploaded file's name in lower case, or "" when it has none."""
    base = re.split(r"[/\\]", filename or "")[-1]
    _, dot, extension = base.rpartition(".")
    extension = extension.lower()
    return extension if dot and _EXTENSION.fullmatch(extension) else ""


def _jpeg_end(content: bytes) -> int | None:
    """Where the JPEG's end-of-image marker ends, or None when the file stops before it."""
    size = len(content)
    pos = 2  # after the start-of-image marker
    while pos < size:
        if content[pos] != 0xFF:
            # Stray bytes between segments: decoders skip to the next marker, so do we.
            pos = content.find(b"\xff", pos)
            if pos < 0:
                return None
        while pos < size and content[pos] == 0xFF:
            pos += 1
        if pos >= size:
            return None
        marker = content[pos]
        pos += 1
        if marker == 0xD9:
            return pos
        if 0xD0 <= marker <= 0xD7 or marker == 0x01:
            continue  # markers without a length
        if pos + 2 > size:
            return None
        length = int.from_bytes(content[pos : pos + 2], "big")
        pos += length
        if length < 2 or pos > size:
            return None
        if marker == 0xDA:
            # The compressed scan runs to the next marker that is neither a stuffed 0xFF00
            # nor a restart marker.
            while True:
                pos = content.find(b"\xff", pos)
                if pos < 0 or pos + 1 >= size:
                    return None
                following = content[pos + 1]
                if following == 0 or 0xD0 <= following <= 0xD7:
                    pos += 2
                    continue
                break
    return None


def _png_end(content: bytes) -> int | None:
    """Where the PNG's IEND chunk ends, or None when the file stops before it."""
    pos = 8  # after the signature
    while pos + 12 <= len(content):
        length = int.from_bytes(content[pos : pos + 4], "big")
        kind = content[pos + 4 : pos + 8]
        pos += 12 + length
        if pos > len(content):
            return None
        if kind == b"IEND":
            return pos
    return None


def _webp_end(content: bytes) -> int | None:
    """Where the WebP's RIFF container ends, or None when the file stops before it."""
    end = 8 + int.from_bytes(content[4:8], "little")
    return end if end <= len(content) else None


def _image_is_cut_short(content: bytes) -> bool:
    """True when a JPEG, PNG or WebP file ends before its image does."""
    if content.startswith(b"\xff\xd8\xff"):
        return _jpeg_end(content) is None
    if content.startswith(b"\x89PNG\r\n\x1a\n"):
        return _png_end(content) is None
    if content[:4] == b"RIFF" and content[8:12] == b"WEBP":
        return _webp_end(content) is None
    return False


def holds_html(content: bytes) -> bool:
    """True when the bytes hold HTML that a browser reading them as a page would render or run."""
    return _HTML.search(content) is not None


def holds_zip(content: bytes) -> bool:
    """True when a ZIP archive, or a file entry of one, is inside or appended to the bytes."""
    for match in _ZIP_SIGNATURES.finditer(content):
        at = match.start()
        if match.group() == b"PK\x03\x04":
            if _is_zip_entry(content, at):
                return True
        elif _is_zip_end(content, at):
            return True
    return False


def _is_zip_entry(content: bytes, at: int) -> bool:
    # Checked field by field, so that four matching bytes in compressed data are not enough.
    if at + 30 > len(content):
        return False
    version, _, method = struct.unpack_from("<HHH", content, at + 4)
    name_length = struct.unpack_from("<H", content, at + 26)[0]
    name = content[at + 30 : at + 30 + name_length]
    return (
        version <= 100
        and method in _ZIP_METHODS
        and 0 < name_length <= 1024
        and len(name) == name_length
        and not any(byte < 0x20 or byte == 0x7F for byte in name)
    )


def _is_zip_end(content: bytes, at: int) -> bool:
    if at + 22 > len(content):
        return False
    _, _, disk_entries, entries, directory_size, directory_offset, comment_length = (
        struct.unpack_from("<HHHHIIH", content, at + 4)
    )
    return (
        disk_entries == entries
        and directory_size + directory_offset <= at
        and at + 22 + comment_length <= len(content)
    )


def check_photo_file(content: bytes, image_format: str, filename: str) -> None:
    """Refuse a photo that is cut short, is also a page or an archive, or is misnamed."""
    if _image_is_cut_short(content):
        raise UploadError(
            "The photo is cut short: the file ends before the image does. "
            "Upload the whole file again."
        )
    if holds_html(content):
        raise UploadError(
            "The photo also holds web-page code (HTML or script), which no photo needs. "
            "Save it again from an image editor and upload that copy."
        )
    if holds_zip(content):
        raise UploadError(
            "The photo has a ZIP archive inside it, which no photo needs. "
            "Save it again from an image editor and upload that copy."
        )
    extension = file_extension(filename)
    if extension and extension not in _PHOTO_EXTENSIONS[image_format]:
        usual = _PHOTO_FORMATS[image_format]
        raise UploadError(
            f"The photo's name ends in .{extension}, but the file is "
            f"{_PHOTO_NAMES[image_format]}. Rename it to end in .{usual}."
        )


def reencode_photo(content: bytes, filename: str = "") -> tuple[bytes, str]:
    """The photo re-encoded without metadata, longest side at most 800 px, and its extension."""
    try:
        image = Image.open(io.BytesIO(content))
        if image.format not in _PHOTO_FORMATS:
            raise UploadError("The photo must be a JPEG, PNG or WebP image.")
        # Checked from the header, before the pixels are decoded into memory.
        if image.width * image.height > PHOTO_MAX_PIXELS:
            raise UploadError("The photo has far too many pixels; use a smaller image.")
        image_format = image.format
        check_photo_file(content, image_format, filename)
        image.load()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise UploadError("The photo has far too many pixels; use a smaller image.") from exc
    except UploadError:
        raise
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        if _image_is_cut_short(content):
            # Some formats fail to open at all when cut; say why rather than "unreadable".
            raise UploadError(
                "The photo is cut short: the file ends before the image does. "
                "Upload the whole file again."
            ) from exc
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
    encoded, extension = reencode_photo(content, upload.filename or "")
    return _store(encoded, extension)


def check_slides_file(content: bytes, filename: str) -> None:
    """Refuse slides that are not a whole PDF, are also a page or an archive, or are misnamed."""
    if not _PDF_HEADER.match(content):
        raise UploadError("The slides must be a PDF file.")
    if holds_zip(content):
        raise UploadError(
            "The slides PDF has a ZIP archive inside or after it. "
            "Export the PDF again and upload only the PDF."
        )
    if holds_html(content):
        raise UploadError(
            "The slides PDF also holds web-page code (HTML or script) that a browser could run. "
            "Export the PDF again, with compression on."
        )
    action = pdf_action(content)
    if action:
        raise UploadError(
            f"The slides PDF holds a /{action} action, which could run a script or a program "
            "when the file is opened. Export the slides again as a plain PDF (print to PDF) "
            "and upload that."
        )
    if b"%%EOF" not in content[-_PDF_TAIL:]:
        raise UploadError(
            "The slides PDF is cut short: it does not end with the end-of-file marker. "
            "Upload the whole file again."
        )
    extension = file_extension(filename)
    if extension and extension != "pdf":
        raise UploadError(
            f"The slides' name ends in .{extension}, but the file is a PDF. "
            "Rename it to end in .pdf."
        )


def _names(content: bytes) -> Iterator[bytes]:
    for match in _PDF_NAME.finditer(content):
        yield _PDF_ESCAPE.sub(lambda m: bytes([int(m.group(1), 16)]), match.group(1))


def _action_in(content: bytes) -> str | None:
    return next((name.decode() for name in _names(content) if name in _PDF_ACTIONS), None)


def _object_streams(content: bytes) -> Iterator[bytes]:
    """The file's object streams (PDF 1.5), where dictionaries can hide, decompressed.

    Only those: content streams, fonts and images hold no actions, and the text of a page
    about JavaScript must not read as one.
    """
    room = _PDF_INFLATED_LIMIT
    view = memoryview(content)  # slices of it are not copies
    for match in _PDF_STREAM.finditer(content):
        # The stream's dictionary: from its "N 0 obj" to the stream keyword.
        opening = content.rfind(b"obj", max(0, match.start() - 65536), match.start())
        names = set(_names(content[max(opening, 0) : match.start()]))
        if b"ObjStm" not in names:
            continue
        if names & _PDF_OTHER_FILTERS:
            raise UploadError(_PDF_UNREADABLE)
        if not names & {b"FlateDecode", b"Fl"}:
            end = content.find(b"endstream", match.end())
            yield content[match.end() : end if end >= 0 else len(content)]
            continue
        try:
            data = zlib.decompressobj().decompress(view[match.end() :], max(room, 1))
        except zlib.error as exc:
            raise UploadError(_PDF_UNREADABLE) from exc
        room -= len(data)
        if room <= 0:
            raise UploadError(_PDF_UNREADABLE)
        yield data


def pdf_action(content: bytes) -> str | None:
    """The name of a script, program or submit action the PDF holds, or None."""
    if found := _action_in(content):
        return found
    for stream in _object_streams(content):
        if found := _action_in(stream):
            return found
    return None


def store_slides(upload: FileStorage) -> str:
    """Check and store a slides PDF; the stored file name."""
    content = _read_limited(upload, SLIDES_MAX_BYTES, "slides")
    check_slides_file(content, upload.filename or "")
    return _store(content, "pdf")
