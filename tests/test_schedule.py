"""The public schedule page, talk pages and the health check."""

import re
from datetime import UTC, datetime, timedelta

import pytest

from prisec import demo
from prisec.editing import record_revision, reschedule_talk
from prisec.models import Listing, TalkStatus


def _section(html: str, heading_id: str) -> str:
    """The HTML of one <section> of the page, found by its heading's id."""
    match = re.search(rf'<section aria-labelledby="{heading_id}">(.*?)</section>', html, re.S)
    assert match, heading_id
    return match.group(1)


@pytest.fixture
def demo_page(client, db) -> str:
    demo.seed_demo()
    response = client.get("/")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_demo_schedule_has_two_upcoming_and_one_past(demo_page):
    upcoming = _section(demo_page, "upcoming-heading")
    past = _section(demo_page, "past-heading")
    assert upcoming.count('<li class="talk') == 2
    assert past.count('<li class="talk') == 1
    # Soonest first: Hooker before Shokri.
    assert upcoming.index("Sara Hooker") < upcoming.index("Reza Shokri")
    assert "Konrad Rieck" in past


def test_rescheduled_date_is_struck_through(demo_page):
    shokri = demo_page[demo_page.index('id="talk-2"') :]
    deleted = re.search(r"<del[^>]*>(.*?)</del>", shokri, re.S)
    assert deleted
    assert re.search(r"\d+ \w+ \d{4}", deleted.group(1))
    assert deleted.start() < shokri.index('class="talk-time"')


def test_each_talk_shows_what_the_seed_page_showed(demo_page):
    assert "Prof. Reza Shokri" in demo_page
    assert "(National University of Singapore)" in demo_page
    assert "Technische Universität Braunschweig" in demo_page
    assert "Privacy Auditing in Machine Learning" in demo_page
    assert "https://ucl.zoom.us/meeting/register/tJYpduCoqDIsHNdg26Sb1Bc8s2GZkKF-mir1" in demo_page
    assert "https://youtu.be/Ud7-sSJTG2k" in demo_page
    assert "<details" in demo_page
    assert '<p class="tba">TBA</p>' in demo_page  # Shokri's abstract
    assert re.search(r"\d{2}:\d{2} (GMT|BST)</time>", demo_page)
    # The schedule's cards carry the series time alone; the talk page links to a world clock.
    assert "timeanddate.com/worldclock" not in demo_page
    assert 'aria-label="No photo of Dr. Sara Hooker"' in demo_page


def test_page_carries_series_links_and_organizers(demo_page):
    assert "Privacy & Security in Machine Learning" in demo_page or "PriSec-ML" in demo_page
    assert "https://www.jiscmail.ac.uk/cgi-bin/webadmin?SUBED1=PRISEC-ML&amp;A=1" in demo_page
    assert "PrivacyandMachineLearningInterestGroup" in demo_page
    # The imported Google Calendar shows only once the series keeps it (series settings).
    assert "basic.ics" not in demo_page
    organizers = _section(demo_page, "organizers-heading")
    assert organizers.count("<li>") == 4
    assert "Prof. Emiliano De Cristofaro" in organizers


def test_times_carry_machine_readable_instants(demo_page):
    instants = re.findall(r'<time class="talk-time" datetime="([^"]+)"', demo_page)
    assert len(instants) == 3
    for value in instants:
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:00Z", value)
    assert 'data-zone="Europe/London"' in demo_page


def test_drafts_and_deleted_talks_never_show(client, create_talk):
    create_talk(title="Published talk")
    draft = create_talk(title="Secret draft", published=False)
    gone = create_talk(title="Deleted talk", deleted_at=datetime.now(UTC))
    html = client.get(f"/series/{draft.series.slug}").get_data(as_text=True)
    assert "Published talk" in html
    assert "Secret draft" not in html
    assert "Deleted talk" not in html
    assert client.get(f"/talks/{draft.id}").status_code == 404
    assert client.get(f"/talks/{gone.id}").status_code == 404


def test_cancelled_talk_says_so(client, db, create_talk):
    talk = create_talk(title="Called off")
    talk.status = TalkStatus.CANCELLED
    record_revision(talk, None, "Cancelled")
    db.session.commit()
    html = client.get("/").get_data(as_text=True)
    assert "Cancelled</strong>" in html
    page = client.get(f"/talks/{talk.id}/{talk.slug}").get_data(as_text=True)
    assert "This talk is cancelled" in page


def test_pinned_listing_overrides_the_clock(client, create_talk):
    now = datetime.now(UTC)
    create_talk(title="Old but pinned upcoming", start=now - timedelta(days=60), listing="upcoming")
    create_talk(
        title="Future but pinned past", start=now + timedelta(days=60), listing=Listing.PAST
    )
    html = client.get("/").get_data(as_text=True)
    assert "Old but pinned upcoming" in _section(html, "upcoming-heading")
    assert "Future but pinned past" in _section(html, "past-heading")


def test_several_reschedules_are_all_struck_through(client, db, create_talk):
    start = datetime(2030, 3, 6, 13, 0, tzinfo=UTC)
    talk = create_talk(start=start)
    reschedule_talk(talk, start + timedelta(weeks=1))
    reschedule_talk(talk, start + timedelta(weeks=2, hours=1))
    db.session.commit()
    html = client.get(f"/talks/{talk.id}/{talk.slug}").get_data(as_text=True)
    struck = re.findall(r"<del[^>]*>.*?</del>", html, re.S)
    assert len(struck) == 2
    assert "6 March 2030" in struck[0]
    assert "13 March 2030" in struck[1]
    # Earlier starts at another hour show their time too.
    assert "13:00" in struck[0]


@pytest.fixture
def many_past_talks(create_talk):
    base = datetime(2020, 1, 8, 13, 0, tzinfo=UTC)
    return [
        create_talk(title=f"Past talk {i:02d}", start=base + timedelta(weeks=i)) for i in range(45)
    ]


def test_past_talks_come_twenty_at_a_time_newest_first(client, many_past_talks):
    html = client.get("/").get_data(as_text=True)
    past = _section(html, "past-heading")
    titles = re.findall(r"Past talk (\d\d)", past)
    assert titles == [f"{i:02d}" for i in range(44, 24, -1)]
    assert 'href="/?page=2#past"' in past
    assert 'hx-get="/?page=2"' in past


def test_show_more_returns_only_the_next_items_to_htmx(client, many_past_talks):
    response = client.get("/?page=2", headers={"HX-Request": "true"})
    html = response.get_data(as_text=True)
    assert "<html" not in html
    assert re.findall(r"Past talk (\d\d)", html) == [f"{i:02d}" for i in range(24, 4, -1)]
    assert 'hx-get="/?page=3"' in html
    assert "HX-Request" in response.headers["Vary"]
    last = client.get("/?page=3", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert re.findall(r"Past talk (\d\d)", last) == ["04", "03", "02", "01", "00"]
    assert "show-more" not in last


def test_next_page_works_without_javascript(client, many_past_talks):
    html = client.get("/?page=2").get_data(as_text=True)
    assert "<html" in html
    assert "Back to the most recent" in html
    assert "Past talk 24" in html
    assert "Past talk 25" not in html


@pytest.mark.parametrize("page", ["0", "-1", "abc", "99999999999", "2.5"])
def test_odd_page_numbers_fall_back_to_the_first(client, many_past_talks, page):
    response = client.get(f"/?page={page}")
    assert response.status_code == 200
    assert "Past talk 44" in response.get_data(as_text=True)


def test_talk_page_and_canonical_slug(client, db):
    demo.seed_demo()
    response = client.get("/talks/2")
    assert response.status_code == 301
    assert response.headers["Location"].endswith("/talks/2/privacy-auditing-in-machine-learning")
    assert client.get("/talks/2/wrong-slug").status_code == 301
    page = client.get("/talks/2/privacy-auditing-in-machine-learning")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "<h1>Privacy Auditing in Machine Learning</h1>" in html
    assert "<del" in html
    assert "Zoom registration" in html
    assert 'rel="canonical"' in html


def test_unknown_pages_get_a_friendly_404(client):
    response = client.get("/talks/999999")
    assert response.status_code == 404
    assert "There is nothing at this address" in response.get_data(as_text=True)
    assert client.get("/series/nope").status_code == 404


def test_empty_site_explains_itself(client, organizer):
    response = client.get("/")
    assert response.status_code == 200
    assert "flask seed-demo" in response.get_data(as_text=True)


def test_empty_site_without_any_account_sends_its_first_visitor_to_setup(client):
    response = client.get("/")
    assert response.status_code == 302
    assert response.headers["Location"] == "/setup"


def test_stored_markup_is_shown_as_text(client, create_talk, create_speaker):
    evil = create_speaker(name='<img src=x onerror="alert(1)">', affiliation="<b>Uni</b>")
    create_talk(
        title="<script>alert('t')</script>",
        speakers=[evil],
        abstract='Hi <script>alert(1)</script> [click](javascript:alert(2)) <a href="x">raw</a>',
        bio="<iframe src=//evil></iframe>",
    )
    html = client.get("/").get_data(as_text=True)
    assert "<script>alert" not in html
    assert "<img src=x" not in html
    assert 'href="javascript:' not in html  # the link stays inert text
    assert "<iframe" not in html
    assert "&lt;script&gt;alert(&#39;t&#39;)&lt;/script&gt;" in html


def test_markdown_in_abstracts_and_bios_renders(client, create_talk):
    create_talk(
        abstract="We study **robustness**.\n\n- one\n- two", bio="[Home](https://example.org)"
    )
    html = client.get("/").get_data(as_text=True)
    assert "<strong>robustness</strong>" in html
    assert "<li>one</li>" in html
    assert 'href="https://example.org"' in html


def test_public_pages_set_no_cookie(client, db):
    demo.seed_demo()
    for url in ["/", "/talks/1", "/healthz"]:
        assert "Set-Cookie" not in client.get(url).headers, url


def test_healthz(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}


def test_healthz_reports_a_database_that_does_not_answer(tmp_path):
    from tests.helpers import make_app

    app = make_app(tmp_path, SQLALCHEMY_DATABASE_URI="sqlite:////nonexistent/folder/prisec.db")
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json() == {"status": "database unavailable"}


def test_registration_is_offered_only_before_the_talk(demo_page):
    past = _section(demo_page, "past-heading")
    upcoming = _section(demo_page, "upcoming-heading")
    assert "Zoom registration" not in past
    # A past talk's stream on YouTube holds its recording: the card says so, as its page does.
    assert "Live stream" not in past
    assert "Recording" in past
    assert "Zoom registration" in upcoming
