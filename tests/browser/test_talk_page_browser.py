"""Talk page and archive in Chromium: KaTeX maths, click-to-play recordings, live search."""

import hashlib
import io
import re
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from PIL import Image
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import expect

from prisec.editing import create_talk
from prisec.extensions import db
from prisec.models import Series, Speaker
from tests.browser.conftest import _flask, serve
from tests.helpers import make_app

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def talk_server(tmp_path_factory) -> Iterator[str]:
    """A past talk with maths in its abstract and a YouTube recording, plus two more talks."""
    instance = tmp_path_factory.mktemp("talk-page-instance")
    _flask(instance, "db", "upgrade", "heads")
    app = make_app(instance)
    with app.app_context():
        series = Series(slug="maths", name="Maths Seminar", timezone="Europe/London")
        start = datetime.now(UTC) - timedelta(days=10)
        talks = [
            ("Private learning", "A bound $\\varepsilon \\le \\ln 2$ and\n\n$$\\sum_i x_i^2$$"),
            ("Poisoning attacks", "Backdoors in pipelines."),
            ("Model stealing", "Queries and extraction."),
        ]
        slides = _slides_pdf(instance / "uploads")
        for offset, (title, abstract) in enumerate(talks):
            create_talk(
                series,
                [Speaker(name=f"Speaker {offset}", affiliation="Test University")],
                start=start - timedelta(weeks=offset),
                end=start - timedelta(weeks=offset) + timedelta(hours=1),
                title=title,
                abstract=abstract,
                recording_url="https://youtu.be/Ud7-sSJTG2k",
                slides_url=slides if title == "Poisoning attacks" else "",
                published=True,
            )
        db.session.commit()
        db.engine.dispose()
    with serve(instance) as url:
        yield url


def _slides_pdf(uploads: Path) -> str:
    """A one-page PDF, all red, stored as an upload is; its URL."""
    out = io.BytesIO()
    Image.new("RGB", (400, 300), (255, 0, 0)).save(out, "PDF")
    content = out.getvalue()
    name = f"{hashlib.sha256(content).hexdigest()}.pdf"
    uploads.mkdir(exist_ok=True)
    (uploads / name).write_bytes(content)
    return f"/uploads/slides/{name}"


def _offline(page, outside: list[str]) -> None:
    """Answer nothing outside 127.0.0.1, and note what the page tried to reach."""

    def handle(route):
        outside.append(route.request.url)
        route.abort()

    page.route(re.compile(r"^https?://(?!127\.0\.0\.1[:/]).*"), handle)


def test_maths_is_typeset_by_katex(browser, talk_server):
    context = browser.new_context()
    page = context.new_page()
    page.goto(talk_server + "/talks/1")
    inline = page.locator(".prose .math.inline")
    expect(inline.locator(".katex")).to_have_count(1)
    expect(inline).to_have_attribute("data-typeset", "1")
    expect(page.locator(".prose .math.block .katex-display")).to_have_count(1)
    # KaTeX's own MathML carries the TeX source it was given.
    annotation = inline.locator("annotation[encoding='application/x-tex']")
    expect(annotation).to_have_text("\\varepsilon \\le \\ln 2")
    context.close()


def test_maths_source_is_readable_without_javascript(browser, talk_server):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(talk_server + "/talks/1")
    expect(page.locator(".prose .math.inline")).to_have_text("\\varepsilon \\le \\ln 2")
    expect(page.locator(".katex")).to_have_count(0)
    context.close()


def test_recording_loads_only_after_the_click(browser, talk_server):
    context = browser.new_context()
    page = context.new_page()
    outside: list[str] = []
    _offline(page, outside)
    page.goto(talk_server + "/talks/1")
    button = page.get_by_role("button", name=re.compile("Play the recording here"))
    expect(button).to_be_visible()
    expect(page.locator("iframe")).to_have_count(0)
    assert not [url for url in outside if "youtube" in url]
    button.click()
    player = page.locator("iframe.recording-player")
    expect(player).to_have_count(1)
    expect(player).to_have_attribute(
        "src", "https://www.youtube-nocookie.com/embed/Ud7-sSJTG2k?autoplay=1"
    )
    expect(button).to_have_count(0)
    context.close()


def test_uploaded_slides_show_inside_the_page(browser_type, browser_type_launch_args, talk_server):
    # Chromium's PDF viewer runs only in its full headless mode.
    args = [*browser_type_launch_args["args"], "--headless=new"]
    viewer_browser = browser_type.launch(**{**browser_type_launch_args, "args": args})
    page = viewer_browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(talk_server + "/talks/2")
    page.get_by_text("Show the slides here").click()
    viewer = page.locator("object.slides-pdf")
    expect(viewer).to_be_visible()
    box = viewer.bounding_box()
    assert box
    # The browser's PDF viewer draws the red page inside the talk page, which stays itself.
    deadline = time.monotonic() + 15
    while True:
        shot = Image.open(io.BytesIO(page.screenshot(clip=box))).convert("RGB")
        reds = sum(1 for r, g, b in shot.get_flattened_data() if r > 200 and g < 60 and b < 60)
        if reds > 1000 or time.monotonic() > deadline:
            break
        page.wait_for_timeout(200)
    assert reds > 1000, "the slides did not show in the page"
    expect(page.get_by_role("heading", level=1)).to_have_text("Poisoning attacks")
    viewer_browser.close()


def test_slides_opened_at_their_own_address_are_saved_not_shown(
    browser_type, browser_type_launch_args, talk_server
):
    # Opened in a tab of its own, Chromium's viewer would run the PDF's scripts (issue 19):
    # there the file is a download, while the talk page's viewer above still shows it.
    args = [*browser_type_launch_args["args"], "--headless=new"]
    viewer_browser = browser_type.launch(**{**browser_type_launch_args, "args": args})
    context = viewer_browser.new_context(accept_downloads=True)
    page = context.new_page()
    page.goto(talk_server + "/talks/2")
    address = page.locator("object.slides-pdf").get_attribute("data")
    assert address
    assert address.startswith("/uploads/slides/")
    with (
        page.expect_download() as download,
        pytest.raises(PlaywrightError, match="Download is starting"),
    ):
        page.goto(talk_server + address)
    assert download.value.suggested_filename == "slides.pdf"
    context.close()
    viewer_browser.close()


def test_recording_is_a_plain_link_without_javascript(browser, talk_server):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(talk_server + "/talks/1")
    expect(page.get_by_role("button", name=re.compile("Play the recording"))).to_be_hidden()
    link = page.get_by_role("link", name="Watch the recording on YouTube")
    expect(link).to_have_attribute("href", "https://youtu.be/Ud7-sSJTG2k")
    context.close()


def test_archive_searches_as_you_type(browser, talk_server):
    context = browser.new_context()
    page = context.new_page()
    page.goto(talk_server + "/talks")
    titles = page.locator(".archive-item .talk-title")
    expect(titles).to_have_count(3)
    page.get_by_label("Search titles, speakers, affiliations and abstracts").press_sequentially(
        "poison"
    )
    expect(titles).to_have_count(1)
    expect(titles.first).to_have_text("Poisoning attacks")
    expect(page).to_have_url(re.compile(r"/talks\?q=poison$"))
    page.get_by_label("Search titles, speakers, affiliations and abstracts").fill('"((nothing')
    expect(page.locator(".archive-count")).to_contain_text("No talks match")
    context.close()


def test_archive_search_works_without_javascript(browser, talk_server):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(talk_server + "/talks")
    page.get_by_label("Search titles, speakers, affiliations and abstracts").fill("stealing")
    page.get_by_role("button", name="Search").click()
    expect(page).to_have_url(re.compile(r"q=stealing"))
    expect(page.locator(".archive-item .talk-title")).to_have_text(["Model stealing"])
    context.close()


class _QuietFiles(SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def host_site(tmp_path) -> Iterator[str]:
    """Another site on this machine (its own port, so its own origin) to frame our pages."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(_QuietFiles, directory=str(tmp_path)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        (tmp_path / "host.html").unlink(missing_ok=True)


def test_other_sites_may_frame_the_embed_but_no_other_page(
    browser, talk_server, host_site, tmp_path
):
    (tmp_path / "host.html").write_text(
        f'<iframe id="embed" src="{talk_server}/embed/upcoming?series=maths"></iframe>'
        f'<iframe id="archive" src="{talk_server}/talks"></iframe>'
    )
    context = browser.new_context()
    page = context.new_page()
    page.goto(host_site + "/host.html", wait_until="load")
    embed = page.frame_locator("#embed")
    expect(embed.locator(".embed-heading")).to_have_text("Maths Seminar")
    expect(embed.locator(".embed-empty")).to_have_text("No talks are scheduled yet.")
    # The load event waited for both frames: the browser refused to show the archive,
    # putting its own error page in the frame instead.
    archive = page.frame_locator("#archive")
    expect(archive.locator("body")).not_to_contain_text("All talks")
    expect(archive.locator("#archive-q")).to_have_count(0)
    assert [frame.url for frame in page.frames if "/talks" in frame.url] == []
    context.close()
