"""Maths in a title, in Chromium: KaTeX typesets it on the schedule; the tab reads Unicode."""

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
def titles_server(tmp_path_factory) -> Iterator[str]:
    """One coming talk whose title holds TeX."""
    instance = tmp_path_factory.mktemp("titles-instance")
    _flask(instance, "db", "upgrade", "heads")
    app = make_app(instance)
    with app.app_context():
        series = Series(slug="dp", name="DP Seminar", timezone="Europe/London")
        start = datetime.now(UTC) + timedelta(days=3)
        create_talk(
            series,
            [Speaker(name="Ada Lovelace", affiliation="Test University")],
            start=start,
            end=start + timedelta(hours=1),
            title="$\\varepsilon$-DP in practice",
            published=True,
        )
        db.session.commit()
        db.engine.dispose()
    with serve(instance) as url:
        yield url


def test_title_maths_is_typeset_on_the_schedule_and_the_tab_reads_unicode(browser, titles_server):
    context = browser.new_context()
    page = context.new_page()
    page.goto(titles_server + "/series/dp")
    inline = page.locator(".talk-title .math.inline")
    expect(inline.locator(".katex")).to_have_count(1)
    expect(inline.locator("annotation[encoding='application/x-tex']")).to_have_text("\\varepsilon")
    page.goto(titles_server + "/talks/1")
    expect(page.locator("h1 .math.inline .katex")).to_have_count(1)
    assert page.title().startswith("ε-DP in practice")
    context.close()
