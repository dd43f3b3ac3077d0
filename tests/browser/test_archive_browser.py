"""The archive's speaker filter in Chromium: part of a name, as you type and without JavaScript."""

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import expect

from prisec.editing import create_talk
from prisec.extensions import db
from prisec.models import Series, Speaker
from tests.browser.conftest import _flask, serve
from tests.helpers import make_app

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def archive_server(tmp_path_factory) -> Iterator[str]:
    """Three past talks by three speakers, and a draft whose speaker is not announced."""
    instance = tmp_path_factory.mktemp("archive-speakers")
    _flask(instance, "db", "upgrade", "heads")
    app = make_app(instance)
    with app.app_context():
        series = Series(slug="crypto", name="Crypto Seminar", timezone="Europe/London")
        start = datetime.now(UTC) - timedelta(days=10)
        talks = [
            ("Zero knowledge, forty years on", "Shafi Goldwasser", True),
            ("Extracting training data", "Nicholas Carlini", True),
            ("Image-scaling attacks", "Konrad Rieck", True),
            ("A draft nobody may see", "Wanda Wasserman", False),
        ]
        for offset, (title, name, published) in enumerate(talks):
            create_talk(
                series,
                [Speaker(name=name)],
                start=start - timedelta(weeks=offset),
                end=start - timedelta(weeks=offset) + timedelta(hours=1),
                title=title,
                published=published,
            )
        db.session.commit()
        db.engine.dispose()
    with serve(instance) as url:
        yield url


def test_the_speaker_filter_finds_a_speaker_by_part_of_the_name_as_you_type(
    browser, archive_server
):
    context = browser.new_context()
    page = context.new_page()
    page.goto(archive_server + "/talks")
    titles = page.locator(".archive-item .talk-title")
    expect(titles).to_have_count(3)
    page.get_by_label("Speaker", exact=True).press_sequentially("wass")
    expect(titles).to_have_text(["Zero knowledge, forty years on"])
    expect(page).to_have_url(re.compile(r"/talks\?speaker=wass$"))
    # The field suggests the whole name; the draft's speaker is not announced.
    options = page.locator("#speaker-names option")
    expect(options).to_have_count(1)
    expect(options.first).to_have_attribute("value", "Shafi Goldwasser")
    context.close()


def test_the_speaker_filter_works_without_javascript(browser, archive_server):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(archive_server + "/talks")
    page.get_by_label("Speaker", exact=True).fill("RLIN")
    page.get_by_role("button", name="Search").click()
    expect(page).to_have_url(re.compile(r"speaker=RLIN"))
    expect(page.locator(".archive-item .talk-title")).to_have_text(["Extracting training data"])
    expect(page.get_by_label("Speaker", exact=True)).to_have_value("RLIN")
    context.close()
