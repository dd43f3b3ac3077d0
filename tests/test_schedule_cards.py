"""A schedule card offers what its talk page offers; one subscribe block on both."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

from prisec.database import utcnow
from prisec.editing import cancel_talk

LINKS = {
    "registration_url": "https://zoom.example/register",
    "livestream_url": "https://stream.example/live",
    "recording_url": "https://video.example/recording",
    "slides_url": "https://example.org/slides.pdf",
    "code_url": "https://github.com/example/code",
    "paper_url": "https://arxiv.org/abs/2101.01234",
}


def _links(html: str) -> list[tuple[str, str]]:
    found = []
    for block in re.findall(r'<p class="talk-links">(.*?)</p>', html, re.S):
        found += re.findall(r'<a class="button" href="([^"]+)" rel="noopener">([^<]+)</a>', block)
    return found


def _card(html: str, talk_id: int) -> str:
    return re.search(rf'<li class="talk[^"]*" id="talk-{talk_id}">(.*?)</li>', html, re.S).group(1)


def test_cards_and_talk_pages_offer_the_same_links_before_and_after(
    client, create_series, create_talk
):
    series = create_series(slug="s")
    ahead = create_talk(series=series, start=utcnow() + timedelta(days=2), **LINKS)
    past = create_talk(series=series, start=utcnow() - timedelta(days=20), **LINKS)
    schedule = client.get("/series/s").get_data(as_text=True)
    for talk in (ahead, past):
        page = client.get(f"/talks/{talk.id}/{talk.slug}").get_data(as_text=True)
        assert _links(_card(schedule, talk.id)) == _links(page), talk.title
    labels = [label for _, label in _links(_card(schedule, past.id))]
    assert labels == ["Recording", "Slides (PDF)", "Code", "Paper"]
    labels = [label for _, label in _links(_card(schedule, ahead.id))]
    assert labels[:2] == ["Zoom registration", "Live stream"]


def test_a_cancelled_talk_offers_no_joining_and_no_calendar_action(
    client, db, create_series, create_talk
):
    series = create_series(slug="s")
    talk = create_talk(series=series, start=utcnow() + timedelta(days=2), **LINKS)
    cancel_talk(talk)
    db.session.commit()
    card = _card(client.get("/series/s").get_data(as_text=True), talk.id)
    page = client.get(f"/talks/{talk.id}/{talk.slug}").get_data(as_text=True)
    for html in (card, page):
        assert "Zoom registration" not in html
        assert "Live stream" not in html
        assert "Add this talk" not in html
    assert "Cancelled" in card
    assert "This talk is cancelled." in page
    assert "Subscribe to the series:" in page  # the series goes on


def test_one_subscribe_block_on_a_talk_page(client, create_series, create_talk):
    series = create_series(slug="la", timezone="America/Los_Angeles")
    start = datetime(utcnow().year + 1, 6, 10, 16, 0, tzinfo=UTC)
    talk = create_talk(series=series, start=start, title="Private Learning")
    page = client.get(f"/talks/{talk.id}/private-learning").get_data(as_text=True)
    assert page.count('class="subscribe"') == 1
    assert page.count("calendar.google.com/calendar/render") == 1  # one way to add the talk there
    block = page.split('class="subscribe"', 1)[1]
    assert block.index("Add this talk:") < block.index("Subscribe to the series:")
    outlook = re.search(r'href="(https://outlook\.live\.com/[^"]+)"', block).group(1)
    query = parse_qs(urlsplit(outlook.replace("&amp;", "&")).query)
    assert query["startdt"] == [f"{start.year}-06-10T16:00:00Z"]
    assert query["subject"][0].endswith(": Private Learning")
    assert f'href="/talks/{talk.id}.ics" download' in block
    assert 'href="webcal://localhost/series/la/calendar.ics"' in block
    assert "timeanddate.com/worldclock" in page  # for readers without JavaScript
    schedule = client.get("/series/la").get_data(as_text=True)
    assert schedule.count('class="subscribe"') == 1
    assert "Add this talk:" not in schedule
