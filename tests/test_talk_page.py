"""A talk's own page: canonical URL, links for the moment, recordings, slides, previews, JSON-LD."""

import json
import re
from datetime import UTC, datetime, timedelta

import pytest

from prisec.editing import record_revision, reschedule_talk
from prisec.models import TalkStatus
from prisec.recordings import is_pdf, video_embed


def _page(client, talk) -> str:
    response = client.get(f"/talks/{talk.id}/{talk.slug}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def _json_ld(html: str) -> dict:
    match = re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
    assert match
    return json.loads(match.group(1))


def test_slug_is_canonicalised(client, create_talk):
    talk = create_talk(title="Membership Inference: Ünïcode & Co.")
    assert talk.slug == "membership-inference-unicode-co"
    for wrong in [
        f"/talks/{talk.id}",
        f"/talks/{talk.id}/old-title",
        f"/talks/{talk.id}/MEMBERSHIP",
    ]:
        response = client.get(wrong)
        assert response.status_code == 301, wrong
        assert response.headers["Location"] == f"/talks/{talk.id}/membership-inference-unicode-co"
    html = _page(client, talk)
    assert f'<link rel="canonical" href="http://localhost/talks/{talk.id}/{talk.slug}">' in html


def test_page_shows_series_event_speakers_and_bio(client, create_talk, create_speaker):
    speaker = create_speaker(
        name="Ada Lovelace", affiliation="Analytical Engines Ltd", homepage="https://ada.example"
    )
    talk = create_talk(
        speakers=[speaker],
        title="Notes on the engine",
        event_name="Reading Group 2030",
        event_url="https://events.example/rg",
        bio="Ada wrote *the first program*.",
    )
    html = _page(client, talk)
    assert talk.series.name in html
    assert '<a href="https://events.example/rg" rel="noopener">Reading Group 2030</a>' in html
    assert '<a href="https://ada.example" rel="noopener">Dr. Ada Lovelace</a>' in html
    assert "Analytical Engines Ltd" in html
    assert 'aria-label="No photo of Dr. Ada Lovelace"' in html
    assert "<em>the first program</em>" in html
    assert '<p class="tba">TBA</p>' in html  # no abstract yet


def test_links_before_the_talk(client, create_talk):
    talk = create_talk(
        registration_url="https://zoom.example/register",
        livestream_url="https://youtu.be/abcdefghijk",
        slides_url="https://slides.example/deck.pdf",
    )
    html = _page(client, talk)
    assert "Zoom registration" in html
    assert ">Live stream<" in html
    assert "Recording" not in html
    assert "Happening now" not in html


def test_links_after_the_talk(client, create_talk):
    talk = create_talk(
        start=datetime.now(UTC) - timedelta(days=3),
        registration_url="https://zoom.example/register",
        recording_url="https://www.youtube.com/watch?v=Ud7-sSJTG2k&t=90",
        slides_url="https://slides.example/deck.pdf",
        code_url="https://github.com/example/code",
        paper_url="https://arxiv.org/abs/2101.00001",
    )
    html = _page(client, talk)
    assert "Zoom registration" not in html
    for label in [">Recording<", ">Slides (PDF)<", ">Code<", ">Paper<"]:
        assert label in html
    # The player is not in the page: only its address, for the script to load on a click.
    assert "<iframe" not in html
    assert 'data-embed-url="https://www.youtube-nocookie.com/embed/Ud7-sSJTG2k?start=90"' in html
    assert '<button type="button" class="recording-play" hidden>' in html
    assert "Watch the recording on YouTube" in html
    assert '<object data="https://slides.example/deck.pdf" type="application/pdf"' in html


def test_talk_happening_now_points_at_the_stream(client, create_talk):
    talk = create_talk(
        start=datetime.now(UTC) - timedelta(minutes=10),
        registration_url="https://zoom.example/register",
        livestream_url="https://live.example/stream",
    )
    html = _page(client, talk)
    assert "Happening now." in html
    assert "Join the live stream" in html
    assert "Zoom registration" in html


def test_stored_script_links_are_dropped(client, create_talk, create_speaker):
    speaker = create_speaker(homepage="javascript:alert(1)")
    talk = create_talk(
        speakers=[speaker],
        start=datetime.now(UTC) - timedelta(days=3),
        recording_url="javascript:alert(2)",
        slides_url="JAVASCRIPT:alert(3)//.pdf",
        event_name="Evil",
        event_url="javascript:alert(4)",
    )
    html = _page(client, talk)
    assert "javascript:" not in html.lower()


@pytest.mark.parametrize(
    ("url", "embed"),
    [
        ("https://youtu.be/Ud7-sSJTG2k", "https://www.youtube-nocookie.com/embed/Ud7-sSJTG2k"),
        (
            "https://www.youtube.com/watch?v=Ud7-sSJTG2k&t=1m30s",
            "https://www.youtube-nocookie.com/embed/Ud7-sSJTG2k?start=90",
        ),
        (
            "https://youtube.com/live/kCKayHjZd3E",
            "https://www.youtube-nocookie.com/embed/kCKayHjZd3E",
        ),
        ("https://vimeo.com/76979871", "https://player.vimeo.com/video/76979871?dnt=1"),
        (
            "https://player.vimeo.com/video/76979871",
            "https://player.vimeo.com/video/76979871?dnt=1",
        ),
        ("https://example.org/video.mp4", None),
        ("https://youtu.be/short", None),
        ("javascript:alert(1)", None),
        ("", None),
    ],
)
def test_video_embeds(url, embed):
    found = video_embed(url)
    assert (found.embed_url if found else None) == embed


def test_pdf_detection():
    assert is_pdf("https://x.org/talks/Slides.PDF?download=1")
    assert not is_pdf("https://x.org/talks/slides")


def test_preview_tags(client, create_talk, create_speaker):
    speaker = create_speaker(name="Grace Hopper", honorific="Prof.")
    talk = create_talk(
        speakers=[speaker],
        title="Compilers & <bugs>",
        start=datetime(2030, 6, 5, 12, 0, tzinfo=UTC),
        abstract="We **find** bugs.",
    )
    html = _page(client, talk)
    assert '<meta property="og:title" content="Compilers &amp; &lt;bugs&gt;">' in html
    assert '<meta name="twitter:card" content="summary">' in html
    assert (
        '<meta name="twitter:description" content="Prof. Grace Hopper · 5 June 2030, 13:00 BST">'
        in html
    )
    assert "We find bugs." in html
    assert (
        f'<meta property="og:url" content="http://localhost/talks/{talk.id}/{talk.slug}">' in html
    )


# Google's Event rich result: required and recommended properties.
REQUIRED = {"name", "startDate", "location"}
RECOMMENDED = {"description", "endDate", "eventStatus", "image", "organizer", "performer"}


def _check_google_event(event: dict) -> None:
    assert event["@context"] == "https://schema.org"
    assert event["@type"] == "Event"
    assert event.keys() >= REQUIRED
    assert event["location"]["@type"] == "VirtualLocation"
    assert event["location"]["url"].startswith("http")
    assert event["eventAttendanceMode"] == "https://schema.org/OnlineEventAttendanceMode"
    # ISO 8601 with an offset, as Google asks for online events.
    for key in ["startDate", "endDate"]:
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d", event[key])
        assert datetime.fromisoformat(event[key]).tzinfo is not None
    for person in event["performer"]:
        assert person["@type"] == "Person"
        assert person["name"]
    assert event["organizer"]["name"]
    assert event["organizer"]["url"].startswith("http")


def test_json_ld_of_a_scheduled_talk(client, create_talk):
    talk = create_talk(
        start=datetime(2030, 1, 9, 13, 0, tzinfo=UTC), livestream_url="https://live.example/s"
    )
    event = _json_ld(_page(client, talk))
    _check_google_event(event)
    assert event["eventStatus"] == "https://schema.org/EventScheduled"
    assert event["startDate"] == "2030-01-09T13:00:00+00:00"
    assert event["location"]["url"] == "https://live.example/s"
    assert "previousStartDate" not in event


def test_json_ld_of_a_rescheduled_talk(client, db, create_talk, create_series):
    series = create_series(timezone="America/New_York")
    start = datetime(2030, 3, 6, 17, 0, tzinfo=UTC)
    talk = create_talk(series=series, start=start)
    reschedule_talk(talk, start + timedelta(weeks=2))
    db.session.commit()
    event = _json_ld(_page(client, talk))
    _check_google_event(event)
    assert event["eventStatus"] == "https://schema.org/EventRescheduled"
    # Winter time before, summer time after New York's change on 10 March 2030.
    assert event["previousStartDate"] == "2030-03-06T12:00:00-05:00"
    assert event["startDate"] == "2030-03-20T13:00:00-04:00"
    assert RECOMMENDED - {"image"} <= event.keys()


def test_json_ld_of_a_cancelled_talk(client, db, create_talk):
    start = datetime(2030, 3, 6, 13, 0, tzinfo=UTC)
    talk = create_talk(start=start, registration_url="https://zoom.example/r")
    reschedule_talk(talk, start + timedelta(days=1))
    talk.status = TalkStatus.CANCELLED
    record_revision(talk, None, "Cancelled")
    db.session.commit()
    html = _page(client, talk)
    event = _json_ld(html)
    _check_google_event(event)
    # Cancelled wins over rescheduled; the earlier date is still given.
    assert event["eventStatus"] == "https://schema.org/EventCancelled"
    assert event["previousStartDate"] == "2030-03-06T13:00:00+00:00"
    assert "offers" not in event


def test_json_ld_cannot_break_out_of_its_script(client, create_talk):
    talk = create_talk(title="</script><script>alert(1)</script>")
    html = _page(client, talk)
    assert "<script>alert(1)" not in html
    assert _json_ld(html)["name"] == "</script><script>alert(1)</script>"


def test_speaker_photo_is_the_preview_image(client, create_talk, create_speaker):
    speaker = create_speaker(photo="a" * 64 + ".jpg")
    talk = create_talk(speakers=[speaker])
    html = _page(client, talk)
    image = f"http://localhost/uploads/photos/{'a' * 64}.jpg"
    assert f'<meta property="og:image" content="{image}">' in html
    assert _json_ld(html)["image"] == [image]


def test_sitemap_and_robots(client, create_talk):
    talk = create_talk(title="Listed talk")
    draft = create_talk(title="Hidden draft", published=False)
    index = client.get("/sitemap.xml")
    assert index.mimetype == "application/xml"
    assert "<sitemapindex" in index.get_data(as_text=True)
    pages = client.get("/sitemap/pages.xml").get_data(as_text=True)
    assert f"<loc>http://localhost/series/{talk.series.slug}</loc>" in pages
    body = client.get("/sitemap/talks-1.xml").get_data(as_text=True)
    assert f"<loc>http://localhost/talks/{talk.id}/listed-talk</loc>" in body
    assert f"/talks/{draft.id}/" not in body
    robots = client.get("/robots.txt").get_data(as_text=True)
    assert "Sitemap: http://localhost/sitemap.xml" in robots


def test_past_live_stream_becomes_the_recording(client, create_talk):
    talk = create_talk(
        start=datetime.now(UTC) - timedelta(days=3), livestream_url="https://youtu.be/kCKayHjZd3E"
    )
    html = _page(client, talk)
    assert 'data-embed-url="https://www.youtube-nocookie.com/embed/kCKayHjZd3E"' in html
    assert (
        '<a class="button" href="https://youtu.be/kCKayHjZd3E" rel="noopener">Recording</a>' in html
    )
    ahead = create_talk(livestream_url="https://youtu.be/kCKayHjZd3E")
    assert "data-embed-url" not in _page(client, ahead)
