"""Calendar feeds, read back by three independent parsers: icalendar, vobject and ical.js."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

import icalendar
import pytest
import vobject
import vobject.icalendar
from sqlalchemy import event
from werkzeug.http import http_date, parse_date

from prisec.database import utcnow
from prisec.editing import record_revision, reschedule_talk, update_talk
from prisec.extensions import db as _db
from prisec.models import Listing, Talk, TalkStatus
from prisec.wallclock import to_utc
from tests.helpers import make_app, raw_sql, wait_until

NODE_DIR = Path(__file__).parent / "node"


@dataclass(frozen=True)
class ParsedEvent:
    """What every parser must agree on, plus what a test wants to read."""

    uid: str
    start: datetime
    end: datetime
    summary: str
    description: str
    sequence: int
    status: str


@pytest.fixture(scope="session")
def icaljs() -> Path:
    """The ical.js parse script, with ical.js installed from the npm registry on first use."""
    node, npm = shutil.which("node"), shutil.which("npm")
    if not node or not npm:
        pytest.fail("Node.js and npm are needed to parse feeds with ical.js")
    if not (NODE_DIR / "node_modules" / "ical.js").is_dir():
        subprocess.run(
            [npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"],
            cwd=NODE_DIR,
            check=True,
        )
    return NODE_DIR / "parse.mjs"


def parse_icalendar(body: bytes) -> list[ParsedEvent]:
    """Events as the icalendar package reads them (zones from the zone database)."""
    calendar = icalendar.Calendar.from_ical(body)
    return [
        ParsedEvent(
            uid=str(ev["UID"]),
            start=ev.decoded("DTSTART").astimezone(UTC),
            end=ev.decoded("DTEND").astimezone(UTC),
            summary=str(ev["SUMMARY"]),
            description=str(ev["DESCRIPTION"]),
            sequence=int(ev["SEQUENCE"]),
            status=str(ev["STATUS"]),
        )
        for ev in calendar.walk("VEVENT")
    ]


def parse_vobject(body: bytes) -> list[ParsedEvent]:
    """Events as vobject reads them, through the document's own VTIMEZONEs."""
    # vobject keeps zones read from earlier documents in a module-wide table: forget them,
    # so this document's VTIMEZONE is the one used.
    vobject.icalendar.__tzidMap.clear()
    calendar = vobject.readOne(body.decode("utf-8"))
    events = []
    for ev in calendar.contents.get("vevent", []):
        start = ev.dtstart.value
        assert start.tzinfo is not None, "vobject read a floating time"
        events.append(
            ParsedEvent(
                uid=ev.uid.value,
                start=start.astimezone(UTC),
                end=ev.dtend.value.astimezone(UTC),
                summary=ev.summary.value,
                description=ev.description.value,
                sequence=int(ev.sequence.value),
                status=ev.status.value,
            )
        )
    return events


def parse_icaljs(body: bytes, script: Path) -> list[ParsedEvent]:
    """Events as ical.js (Thunderbird's parser) reads them, run under Node."""
    result = subprocess.run(
        ["node", str(script)], input=body, capture_output=True, check=True, timeout=60
    )
    events = []
    for ev in json.loads(result.stdout)["events"]:
        assert ev["zone"] not in (None, "floating"), "ical.js read a floating time"
        events.append(
            ParsedEvent(
                uid=ev["uid"],
                start=datetime.fromisoformat(ev["start"]),
                end=datetime.fromisoformat(ev["end"]),
                summary=ev["summary"],
                description=ev["description"],
                sequence=ev["sequence"],
                status=ev["status"],
            )
        )
    return events


@pytest.fixture
def parse_all(icaljs):
    """Parse a feed with all three parsers, check they agree, and return the events by UID."""

    def parse(body: bytes) -> dict[str, ParsedEvent]:
        by_parser = {
            "icalendar": parse_icalendar(body),
            "vobject": parse_vobject(body),
            "ical.js": parse_icaljs(body, icaljs),
        }
        summaries = {
            name: sorted((e.uid, e.start, e.end) for e in events)
            for name, events in by_parser.items()
        }
        assert summaries["vobject"] == summaries["icalendar"], "vobject disagrees"
        assert summaries["ical.js"] == summaries["icalendar"], "ical.js disagrees"
        for name in ("vobject", "ical.js"):
            other = {e.uid: e for e in by_parser[name]}
            for ev in by_parser["icalendar"]:
                assert other[ev.uid].summary == ev.summary, name
                assert other[ev.uid].description == ev.description, name
                assert other[ev.uid].sequence == ev.sequence, name
                assert other[ev.uid].status == ev.status, name
        return {e.uid: e for e in by_parser["icalendar"]}

    return parse


def get_feed(client, url: str, **headers) -> bytes:
    response = client.get(url, headers=headers)
    assert response.status_code == 200, response.status_code
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    return response.data


def uid(app, talk) -> str:
    return f"talk-{talk.id}@{app.config['SITE_HOST']}"


def edit(talk, summary: str = "Edited", **fields) -> None:
    """Change fields of a talk the way an organizer's save does: revision, then commit."""
    for name, value in fields.items():
        setattr(talk, name, value)
    record_revision(talk, None, summary)
    _db.session.commit()


# --- the three feeds, three parsers -------------------------------------------------------


def test_every_feed_parses_alike_in_three_parsers_in_three_zones(
    app, client, create_series, create_talk, parse_all
):
    london = create_series(slug="london", name="London Seminar", timezone="Europe/London")
    la = create_series(slug="la", name="LA Reading Group", timezone="America/Los_Angeles")
    kolkata = create_series(slug="kolkata", name="Kolkata Talks", timezone="Asia/Kolkata")
    year = utcnow().year + 1
    talks = [
        # Winter and summer in London: GMT and BST.
        create_talk(series=london, start=to_utc(datetime(year, 1, 14, 13, 0), "Europe/London")),
        create_talk(series=london, start=to_utc(datetime(year, 7, 15, 13, 0), "Europe/London")),
        # 09:00 in June in Los Angeles is 16:00 UTC (PDT): the instant a one-RDATE zone gets wrong.
        create_talk(series=la, start=datetime(year, 6, 10, 16, 0, tzinfo=UTC)),
        create_talk(series=la, start=to_utc(datetime(year, 12, 2, 9, 0), "America/Los_Angeles")),
        # 18:30 in Kolkata is 13:00 UTC all year: no DST, a half-hour offset.
        create_talk(series=kolkata, start=datetime(year, 3, 5, 13, 0, tzinfo=UTC)),
    ]
    la_june = parse_all(get_feed(client, "/series/la/calendar.ics"))[uid(app, talks[2])]
    assert la_june.start == datetime(year, 6, 10, 16, 0, tzinfo=UTC)

    everything = parse_all(get_feed(client, "/calendar.ics"))
    assert set(everything) == {uid(app, t) for t in talks}
    for talk in talks:
        assert everything[uid(app, talk)].start == talk.start
        assert everything[uid(app, talk)].end == talk.end

    for series, members in ((london, talks[:2]), (la, talks[2:4]), (kolkata, talks[4:])):
        events = parse_all(get_feed(client, f"/series/{series.slug}/calendar.ics"))
        assert sorted(events) == sorted(uid(app, t) for t in members)
    for talk in talks:
        events = parse_all(get_feed(client, f"/talks/{talk.id}.ics"))
        assert list(events) == [uid(app, talk)]
        assert events[uid(app, talk)].start == talk.start


def test_the_calendar_describes_itself_and_carries_its_zones(
    app, client, create_series, create_talk
):
    series = create_series(
        slug="prisec",
        name="PriSec-ML Seminar",
        timezone="America/Los_Angeles",
        description="Talks on **privacy**, and security; fortnightly.\n\nAll welcome.",
    )
    create_talk(series=series, start=datetime(utcnow().year + 1, 6, 10, 16, 0, tzinfo=UTC))
    body = get_feed(client, "/series/prisec/calendar.ics")
    calendar = icalendar.Calendar.from_ical(body)
    assert str(calendar["VERSION"]) == "2.0"
    assert "prisec" in str(calendar["PRODID"])
    assert str(calendar["CALSCALE"]) == "GREGORIAN"
    assert str(calendar["METHOD"]) == "PUBLISH"
    assert str(calendar["X-WR-CALNAME"]) == "PriSec-ML Seminar"
    unfolded = body.replace(b"\r\n ", b"")
    caldesc = rb"X-WR-CALDESC:Talks on privacy\, and security\; fortnightly.\n\nAll welcome."
    assert b"\r\n" + caldesc + b"\r\n" in unfolded
    assert str(calendar["X-WR-TIMEZONE"]) == "America/Los_Angeles"
    assert b"\r\nREFRESH-INTERVAL;VALUE=DURATION:PT1H\r\n" in body
    assert b"\r\nX-PUBLISHED-TTL:PT1H\r\n" in body
    zones = calendar.walk("VTIMEZONE")
    assert [str(z["TZID"]) for z in zones] == ["America/Los_Angeles"]
    # One transition per observance: no multi-valued RDATE for parsers to half-read.
    assert b"RDATE" not in body

    app.config["FEED_REFRESH_MINUTES"] = 30
    edit(series.talks[0], title="Touch the data so the feed is rebuilt")
    assert b"\r\nREFRESH-INTERVAL;VALUE=DURATION:PT30M\r\n" in get_feed(
        client, "/series/prisec/calendar.ics"
    )


def test_the_feed_of_all_series_holds_one_zone_per_series_zone(client, create_series, create_talk):
    year = utcnow().year + 1
    for slug, tz in (("a", "Europe/London"), ("b", "Asia/Kolkata"), ("c", "Europe/London")):
        create_talk(
            series=create_series(slug=slug, timezone=tz),
            start=datetime(year, 5, 5, 9, 0, tzinfo=UTC),
        )
    calendar = icalendar.Calendar.from_ical(get_feed(client, "/calendar.ics"))
    assert sorted(str(z["TZID"]) for z in calendar.walk("VTIMEZONE")) == [
        "Asia/Kolkata",
        "Europe/London",
    ]


def test_an_event_carries_what_a_subscriber_needs(
    app, client, create_series, create_speaker, create_talk
):
    series = create_series(slug="s", name="Seminar, Privacy; Security")
    speakers = [create_speaker(name="Ada Lovelace"), create_speaker(name="Alan Turing")]
    talk = create_talk(
        series=series,
        speakers=speakers,
        start=to_utc(datetime(utcnow().year + 1, 2, 3, 13, 0), "Europe/London"),
        title="Auditing private learning",
        abstract="We *audit* [DP-SGD](https://example.org/dpsgd).",
        registration_url="https://zoom.example/register/1",
        livestream_url="https://youtube.example/live/1",
    )
    body = get_feed(client, "/series/s/calendar.ics")
    assert b"DTSTART;TZID=Europe/London:" in body
    ev = icalendar.Calendar.from_ical(body).walk("VEVENT")[0]
    page = f"http://localhost/talks/{talk.id}/auditing-private-learning"
    assert str(ev["UID"]) == f"talk-{talk.id}@localhost"
    assert str(ev["SUMMARY"]) == "Ada Lovelace and Alan Turing: Auditing private learning"
    description = str(ev["DESCRIPTION"])
    assert "We audit DP-SGD." in description
    assert "*" not in description
    assert "](" not in description
    assert "Registration: https://zoom.example/register/1" in description
    assert "Live stream: https://youtube.example/live/1" in description
    assert f"Talk page: {page}" in description
    assert str(ev["URL"]) == page
    assert str(ev["LOCATION"]) == "https://zoom.example/register/1"
    assert str(ev["STATUS"]) == "CONFIRMED"
    assert ev["CATEGORIES"].cats == ["Seminar, Privacy; Security"]
    assert int(ev["SEQUENCE"]) == 0
    for name in ("DTSTAMP", "CREATED", "LAST-MODIFIED"):
        assert ev.decoded(name).tzinfo is not None
    assert ev.decoded("DTSTART") == talk.start


def test_the_uid_comes_from_the_site_host(app, client, create_talk):
    app.config["SITE_HOST"] = "seminars.example.org"
    talk = create_talk()
    ev = icalendar.Calendar.from_ical(get_feed(client, f"/talks/{talk.id}.ics")).walk("VEVENT")[0]
    assert str(ev["UID"]) == f"talk-{talk.id}@seminars.example.org"


def test_the_demo_series_feeds_parse_alike(app, client, runner, parse_all):
    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    slug = app.extensions["sqlalchemy"].session.scalar(_db.text("SELECT slug FROM series"))
    for url in ("/calendar.ics", f"/series/{slug}/calendar.ics", "/calendar.ics?past=all"):
        events = parse_all(get_feed(client, url))
        assert len(events) == 3
        for talk_id in (int(u.split("-")[1].split("@")[0]) for u in events):
            assert len(parse_all(get_feed(client, f"/talks/{talk_id}.ics"))) == 1
    rescheduled = [e for e in events.values() if "Rescheduled from" in e.description]
    assert len(rescheduled) == 1


# --- changes: UID stays, SEQUENCE rises ---------------------------------------------------


def test_a_reschedule_moves_the_event_in_place(app, client, create_talk, parse_all):
    local = datetime(utcnow().year + 1, 1, 20, 13, 0)  # January: GMT
    start = to_utc(local, "Europe/London")
    talk = create_talk(start=start)
    before = parse_all(get_feed(client, "/calendar.ics"))[uid(app, talk)]

    reschedule_talk(talk, start + timedelta(weeks=3))
    _db.session.commit()
    after = parse_all(get_feed(client, "/calendar.ics"))

    assert list(after) == [uid(app, talk)]
    moved = after[uid(app, talk)]
    assert moved.start == start + timedelta(weeks=3)
    assert moved.sequence > before.sequence
    assert f"Rescheduled from {local:%A} 20 January {local.year}, 13:00 GMT." in moved.description


def test_a_title_edit_raises_the_sequence(app, client, create_talk, parse_all):
    # The title is on the face of the event, so clients must replace their copy: it is one
    # of the calendar fields (prisec.editing.CALENDAR_FIELDS), like date, status and place.
    talk = create_talk(title="Old title")
    before = parse_all(get_feed(client, f"/talks/{talk.id}.ics"))[uid(app, talk)]
    edit(talk, title="New title")
    after = parse_all(get_feed(client, f"/talks/{talk.id}.ics"))[uid(app, talk)]
    assert after.sequence > before.sequence
    assert after.summary.endswith(": New title")
    assert after.start == before.start


def test_an_abstract_edit_updates_the_event_without_raising_the_sequence(
    app, client, create_talk, parse_all
):
    # An abstract typo fix changes nothing a calendar grid shows; clients replace the
    # description on their next poll all the same (LAST-MODIFIED follows every change).
    talk = create_talk(abstract="First abstract.")
    # As if created a while ago, so that the edit's LAST-MODIFIED is visibly later.
    raw_sql(app, f"UPDATE talk SET updated_at = '2020-01-01 00:00:00' WHERE id = {talk.id}")
    _db.session.expire(talk)
    body = get_feed(client, "/calendar.ics")
    before = parse_all(body)[uid(app, talk)]
    modified = icalendar.Calendar.from_ical(body).walk("VEVENT")[0].decoded("LAST-MODIFIED")
    assert modified == datetime(2020, 1, 1, tzinfo=UTC)

    edit(talk, abstract="Second abstract.")
    body = get_feed(client, "/calendar.ics")
    after = parse_all(body)[uid(app, talk)]
    assert after.sequence == before.sequence
    assert "Second abstract." in after.description
    assert icalendar.Calendar.from_ical(body).walk("VEVENT")[0].decoded("LAST-MODIFIED") > modified


def test_a_renamed_speaker_raises_the_sequence_of_each_of_their_talks(
    app, client, create_talk, create_speaker, parse_all
):
    # The speaker's name is on the face of every event they give: clients must replace them.
    ada, grace = create_speaker(name="Ada Lovelace"), create_speaker(name="Grace Hopper")
    first, second = create_talk(speakers=[ada]), create_talk(speakers=[ada, grace])
    other = create_talk(speakers=[grace])
    before = parse_all(get_feed(client, "/calendar.ics"))
    ada.name = "Ada King"
    _db.session.commit()
    after = parse_all(get_feed(client, "/calendar.ics"))
    for talk in (first, second):
        assert after[uid(app, talk)].sequence > before[uid(app, talk)].sequence
        assert "Ada King" in after[uid(app, talk)].summary
    assert after[uid(app, other)].sequence == before[uid(app, other)].sequence
    # An affiliation shows only in the description, like the abstract: no new SEQUENCE.
    grace.affiliation = "Navy"
    _db.session.commit()
    again = parse_all(get_feed(client, "/calendar.ics"))
    assert again[uid(app, other)].sequence == after[uid(app, other)].sequence


def test_another_speaker_raises_the_sequence(app, client, create_talk, create_speaker, parse_all):
    talk = create_talk(speakers=[create_speaker(name="Ada Lovelace")])
    before = parse_all(get_feed(client, f"/talks/{talk.id}.ics"))[uid(app, talk)]
    update_talk(talk, speakers=[create_speaker(name="Grace Hopper")])
    _db.session.commit()
    after = parse_all(get_feed(client, f"/talks/{talk.id}.ics"))[uid(app, talk)]
    assert after.sequence > before.sequence
    assert after.summary.startswith("Grace Hopper: ")
    # Saving the same speakers again is no change to the event.
    update_talk(talk, speakers=list(talk.speakers), title=talk.title)
    _db.session.commit()
    same = parse_all(get_feed(client, f"/talks/{talk.id}.ics"))[uid(app, talk)]
    assert same.sequence == after.sequence


def test_a_location_change_raises_the_sequence(app, client, create_talk, parse_all):
    talk = create_talk(location="Room 1")
    before = parse_all(get_feed(client, "/calendar.ics"))[uid(app, talk)]
    edit(talk, location="Room 2")
    ev = icalendar.Calendar.from_ical(get_feed(client, "/calendar.ics")).walk("VEVENT")[0]
    assert str(ev["LOCATION"]) == "Room 2"
    assert int(ev["SEQUENCE"]) > before.sequence


def test_a_cancelled_talk_stays_in_the_feed_marked_cancelled(app, client, create_talk, parse_all):
    talk = create_talk(title="Will not happen")
    before = parse_all(get_feed(client, "/calendar.ics"))[uid(app, talk)]
    assert before.status == "CONFIRMED"

    edit(talk, "Cancelled", status=TalkStatus.CANCELLED)
    for url in (
        "/calendar.ics",
        f"/series/{talk.series.slug}/calendar.ics",
        f"/talks/{talk.id}.ics",
    ):
        after = parse_all(get_feed(client, url))[uid(app, talk)]
        assert after.status == "CANCELLED"
        assert after.sequence > before.sequence
        assert after.start == before.start
        assert after.summary.startswith("Cancelled: ")
        assert after.description.startswith("This talk is cancelled.")


def test_a_cancellation_note_is_in_the_event_description_and_the_atom_entry(
    app, client, create_talk, parse_all
):
    import xml.etree.ElementTree as ET

    from prisec.editing import cancel_talk

    talk = create_talk(title="Will not happen")
    cancel_talk(talk, note="The speaker is ill; <b>a new date</b> will follow.")
    _db.session.commit()
    for url in (
        "/calendar.ics",
        f"/series/{talk.series.slug}/calendar.ics",
        f"/talks/{talk.id}.ics",
    ):
        body = get_feed(client, url)
        # icalendar reads the text as written; the other two parsers must agree.
        event = next(
            ev
            for ev in icalendar.Calendar.from_ical(body).walk("VEVENT")
            if str(ev["UID"]) == uid(app, talk)
        )
        assert str(event["DESCRIPTION"]).startswith(
            "This talk is cancelled.\nThe speaker is ill; <b>a new date</b> will follow.\n"
        )
        assert parse_all(body)[uid(app, talk)].status == "CANCELLED"
    atom = ET.fromstring(client.get("/feed.atom").get_data())
    ns = "{http://www.w3.org/2005/Atom}"
    entry = next(
        e for e in atom.findall(f"{ns}entry") if e.findtext(f"{ns}title").startswith("Cancelled")
    )
    content = entry.findtext(f"{ns}content")
    # The entry's HTML carries the note as text: its markup is escaped, not markup.
    assert "<p>The speaker is ill; &lt;b&gt;a new date&lt;/b&gt; will follow.</p>" in content


def test_a_reschedule_reason_is_in_the_event_description_and_the_atom_entry(
    app, client, create_talk
):
    import xml.etree.ElementTree as ET

    talk = create_talk(title="Moving")
    reschedule_talk(talk, talk.start + timedelta(weeks=1), reason="Room double-booked")
    _db.session.commit()
    body = get_feed(client, f"/talks/{talk.id}.ics")
    (event,) = icalendar.Calendar.from_ical(body).walk("VEVENT")
    assert "Rescheduled from " in str(event["DESCRIPTION"])
    assert "\nWhy: Room double-booked\n" in str(event["DESCRIPTION"])
    atom = ET.fromstring(client.get("/feed.atom").get_data())
    ns = "{http://www.w3.org/2005/Atom}"
    entry = next(
        e for e in atom.findall(f"{ns}entry") if e.findtext(f"{ns}title").startswith("Rescheduled")
    )
    assert "<p>Room double-booked</p>" in entry.findtext(f"{ns}content")


# --- time zones ----------------------------------------------------------------------------


def test_talks_on_the_nights_of_dst_changes_land_on_the_right_instants(
    app, client, create_series, create_talk, parse_all
):
    london = create_series(slug="london", timezone="Europe/London")
    la = create_series(slug="la", timezone="America/Los_Angeles")
    year = utcnow().year + 1
    # The last Sundays of March and October in London; the second Sunday of March in LA.
    march = max(d for d in range(25, 32) if datetime(year, 3, d).weekday() == 6)
    october = max(d for d in range(25, 32) if datetime(year, 10, d).weekday() == 6)
    la_march = [d for d in range(1, 15) if datetime(year, 3, d).weekday() == 6][1]
    cases = [
        # 00:30 GMT, ending 03:00 BST across the skipped hour.
        (london, datetime(year, 3, march, 0, 30, tzinfo=UTC), timedelta(hours=1, minutes=30)),
        # 01:30 BST, the first of the two 01:30s of the autumn night (vobject would read a
        # wall-clock 01:30 as the second, so both are written in UTC).
        (london, datetime(year, 10, october, 0, 30, tzinfo=UTC), timedelta(hours=1)),
        # 01:30 GMT, the second 01:30.
        (london, datetime(year, 10, october, 1, 30, tzinfo=UTC), timedelta(hours=1)),
        # 03:30 PDT, just after Los Angeles springs forward.
        (la, to_utc(datetime(year, 3, la_march, 3, 30), "America/Los_Angeles"), timedelta(hours=1)),
    ]
    talks = [
        create_talk(series=series, start=start, end=start + length)
        for series, start, length in cases
    ]
    events = parse_all(get_feed(client, "/calendar.ics"))
    for talk in talks:
        assert events[uid(app, talk)].start == talk.start
        assert events[uid(app, talk)].end == talk.end


# --- awkward text --------------------------------------------------------------------------


def test_latex_non_ascii_and_a_long_abstract_survive_folding_and_escaping(
    app, client, create_speaker, create_talk, parse_all
):
    speaker = create_speaker(name="Zoë Đặng-Müller", honorific="Prof.", affiliation="Universität")
    sentence = "Let $\\epsilon > 0$; we bound $\\mathbb{E}[\\ell(\\theta)]$, see Łódź, São Paulo. "
    abstract = (sentence * 80)[:5000]
    assert len(abstract) == 5000
    title = "Différentielle Privatsphäre, Σ-Räume; und $\\delta$"
    talk = create_talk(speakers=[speaker], title=title, abstract=abstract)
    body = get_feed(client, f"/talks/{talk.id}.ics")

    assert body.endswith(b"\r\n")
    assert b"\n" not in body.replace(b"\r\n", b"")
    assert all(len(line) <= 75 for line in body.split(b"\r\n"))
    unfolded = body.replace(b"\r\n ", b"").decode("utf-8")
    # The title's maths reads as Unicode: calendars show no TeX.
    assert "SUMMARY:Zoë Đặng-Müller: Différentielle Privatsphäre\\, Σ-Räume\\; und δ" in unfolded
    ev = parse_all(body)[uid(app, talk)]
    assert ev.summary == "Zoë Đặng-Müller: Différentielle Privatsphäre, Σ-Räume; und δ"
    assert abstract.strip() in ev.description
    assert "Speaker: Prof. Zoë Đặng-Müller (Universität)" in ev.description


# --- who is in the feed ---------------------------------------------------------------------


def test_drafts_deleted_and_unpublished_talks_stay_out(app, client, create_talk, parse_all):
    shown = create_talk(title="Shown")
    draft = create_talk(title="Draft", published=False)
    deleted = create_talk(title="Deleted")
    withdrawn = create_talk(title="Withdrawn")
    assert uid(app, withdrawn) in parse_all(get_feed(client, "/calendar.ics"))

    edit(deleted, "Deleted", deleted_at=utcnow())
    edit(withdrawn, "Unpublished", published=False)
    slug = shown.series.slug
    for url in ("/calendar.ics", f"/series/{slug}/calendar.ics", "/calendar.ics?past=all"):
        assert list(parse_all(get_feed(client, url))) == [uid(app, shown)]
    for talk in (draft, deleted, withdrawn):
        assert client.get(f"/talks/{talk.id}.ics").status_code == 404


def test_the_feed_keeps_a_year_of_the_past_unless_asked_for_all(
    app, client, create_talk, parse_all
):
    now = utcnow()
    recent = create_talk(start=now - timedelta(days=180), title="Recent")
    old = create_talk(start=now - timedelta(days=800), title="Old")
    pinned = create_talk(start=now - timedelta(days=900), title="Pinned", listing=Listing.UPCOMING)
    upcoming = create_talk(start=now + timedelta(days=400), title="Far ahead")
    slug = recent.series.slug
    for path in ("/calendar.ics", f"/series/{slug}/calendar.ics"):
        default = parse_all(get_feed(client, path))
        assert sorted(default) == sorted(uid(app, t) for t in (recent, pinned, upcoming))
        everything = parse_all(get_feed(client, path + "?past=all"))
        assert sorted(everything) == sorted(uid(app, t) for t in (recent, old, pinned, upcoming))
    # A single talk's file works for any talk, however old.
    assert list(parse_all(get_feed(client, f"/talks/{old.id}.ics"))) == [uid(app, old)]


def test_unknown_series_and_talks_are_not_found(client, create_talk):
    create_talk()
    assert client.get("/series/nope/calendar.ics").status_code == 404
    assert client.get("/talks/999999.ics").status_code == 404


# --- HTTP -----------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["all", "series", "talk"])
def test_conditional_requests_get_304_until_something_changes(kind, client, create_talk):
    talk = create_talk(title="Before")
    url = {
        "all": "/calendar.ics",
        "series": f"/series/{talk.series.slug}/calendar.ics",
        "talk": f"/talks/{talk.id}.ics",
    }[kind]
    first = client.get(url)
    assert first.status_code == 200
    etag, modified = first.headers["ETag"], first.headers["Last-Modified"]
    cache_control = first.headers["Cache-Control"]
    assert "public" in cache_control
    assert re.search(r"max-age=\d+", cache_control)

    assert parse_date(modified) <= parse_date(first.headers.get("Date", http_date()))
    # Within the second of the change Last-Modified is that second, which cannot tell a
    # client whether it holds a change made later in it: answered in full.
    changed = int(parse_date(modified).timestamp())
    wait_until(lambda: time.time() >= changed + 1, 3, "past the second of the change")
    again = client.get(url)
    assert again.data == first.data
    assert again.headers["ETag"] == etag
    modified = again.headers["Last-Modified"]
    assert client.get(url, headers={"If-None-Match": etag}).status_code == 304
    assert client.get(url, headers={"If-Modified-Since": modified}).status_code == 304

    edit(talk, title="After")
    for headers in ({"If-None-Match": etag}, {"If-Modified-Since": modified}):
        fresh = client.get(url, headers=headers)
        assert fresh.status_code == 200
        assert b"After" in fresh.data
        assert b"Before" not in fresh.data
        assert fresh.headers["ETag"] != etag


def test_a_write_elsewhere_keeps_the_etag(client, create_series, create_talk):
    talk = create_talk()
    url = f"/series/{talk.series.slug}/calendar.ics"
    etag = client.get(url).headers["ETag"]
    create_talk(series=create_series(slug="other"))  # another series: this feed is unchanged
    assert client.get(url, headers={"If-None-Match": etag}).status_code == 304


def test_a_change_made_by_another_worker_reaches_this_one(app, client, create_talk):
    # Two application objects over one database file: two worker processes of a server.
    talk = create_talk(title="Before")
    url = f"/talks/{talk.id}.ics"
    etag = client.get(url).headers["ETag"]
    # Requests here share the test's app context; a served request ends its session, and
    # with it its SQLite read snapshot, at teardown. Do the same.
    _db.session.remove()
    other = make_app(Path(app.instance_path))
    with other.app_context():
        theirs = _db.session.get(Talk, talk.id)
        edit(theirs, title="After")
        _db.session.remove()
        _db.engine.dispose()
    fresh = client.get(url, headers={"If-None-Match": etag})
    assert fresh.status_code == 200
    assert b"After" in fresh.data


def test_a_feed_is_built_once_per_change_of_the_data(app, client, create_talk):
    for _ in range(3):
        create_talk()
    client.get("/calendar.ics")
    statements: list[str] = []

    def count(conn, cursor, statement, *args) -> None:
        statements.append(statement)

    event.listen(_db.engine, "before_cursor_execute", count)
    try:
        assert client.get("/calendar.ics").status_code == 200
    finally:
        event.remove(_db.engine, "before_cursor_execute", count)
    # Only the cache versions are read, on the thread's own connection outside the ORM:
    # the body comes from the cache, no talk is loaded, no ORM session is opened.
    assert statements == []


# --- subscribing ----------------------------------------------------------------------------


def test_the_schedule_offers_every_way_to_subscribe(client, create_series, create_talk):
    series = create_series(
        slug="prisec",
        calendar_html_url="https://calendar.google.com/calendar/embed?src=abc",
        calendar_ics_url="https://calendar.google.com/calendar/ical/abc/public/basic.ics",
    )
    create_talk(series=series)
    page = client.get("/series/prisec").get_data(as_text=True)
    feed = "http://localhost/series/prisec/calendar.ics"
    assert 'href="webcal://localhost/series/prisec/calendar.ics"' in page
    google = re.search(r'href="(https://calendar\.google\.com/calendar/r\?cid=[^"]+)"', page)
    assert google is not None
    assert unquote(parse_qs(urlsplit(google.group(1)).query)["cid"][0]) == (
        "webcal://localhost/series/prisec/calendar.ics"
    )
    # The plain address is a selectable field without JavaScript; the button appears with it.
    assert re.search(rf'<input type="text" [^>]*value="{re.escape(feed)}" readonly>', page)
    assert re.search(r'<button type="button" class="copy-button" [^>]*hidden>Copy</button>', page)
    assert "/static/js/copy-feed.js" in page
    assert 'href="/calendar/help"' in page
    # The calendar imported from the old page shows only once the series keeps it.
    assert "https://calendar.google.com/calendar/embed?src=abc" not in page
    series.keep_imported_calendar = True
    series.imported_calendar_label = "Our Google Calendar"
    _db.session.commit()
    page = client.get("/series/prisec").get_data(as_text=True)
    assert "Our Google Calendar:" in page
    assert "https://calendar.google.com/calendar/embed?src=abc" in page
    assert "https://calendar.google.com/calendar/ical/abc/public/basic.ics" in page


def test_a_talk_page_offers_the_talk_and_the_series(client, create_series, create_talk):
    series = create_series(slug="la", timezone="America/Los_Angeles")
    start = datetime(utcnow().year + 1, 6, 10, 16, 0, tzinfo=UTC)
    talk = create_talk(
        series=series,
        start=start,
        title="Private Learning",
        registration_url="https://zoom.example/r",
    )
    page = client.get(f"/talks/{talk.id}/private-learning").get_data(as_text=True)
    assert f'href="/talks/{talk.id}.ics"' in page
    assert 'href="webcal://localhost/series/la/calendar.ics"' in page
    link = re.search(r'href="(https://calendar\.google\.com/calendar/render\?[^"]+)"', page)
    assert link is not None
    query = parse_qs(urlsplit(link.group(1).replace("&amp;", "&")).query)
    assert query["action"] == ["TEMPLATE"]
    assert query["text"][0].endswith(": Private Learning")
    assert query["dates"] == [f"{start.year}0610T160000Z/{start.year}0610T170000Z"]
    assert f"http://localhost/talks/{talk.id}/private-learning" in query["details"][0]
    assert query["location"] == ["https://zoom.example/r"]
    download = client.get(f"/talks/{talk.id}.ics")
    assert download.headers["Content-Disposition"] == f'attachment; filename="talk-{talk.id}.ics"'
    # A single talk joins the reader's calendar rather than naming a new one.
    assert b"X-WR-CALNAME" not in download.data


def test_the_help_page_explains_each_client(client, create_series):
    create_series(slug="prisec", name="PriSec-ML Seminar")
    page = client.get("/calendar/help").get_data(as_text=True)
    for words in ("Google Calendar", "Apple Calendar", "Outlook", "Thunderbird", "hours"):
        assert words in page
    assert "http://localhost/series/prisec/calendar.ics" in page
    assert "http://localhost/calendar.ics" in page


# --- the bound of the feed of every series -----------------------------------------------


def _site_feed_talks(app, client, parse_all) -> list[str]:
    return sorted(parse_all(get_feed(client, "/calendar.ics")))


def test_the_feed_of_every_series_holds_the_soonest_talks_up_to_its_bound(
    app, client, create_series, create_talk, parse_all
):
    app.config["SITE_FEED_TALKS"] = 4
    now = utcnow()
    other = create_series(slug="other", name="Other Seminar")
    ahead = [
        create_talk(start=now + timedelta(days=days), series=other if days % 2 else None)
        for days in (3, 1, 5, 2)
    ]
    past = [create_talk(start=now - timedelta(days=days)) for days in (2, 9)]
    farthest = create_talk(start=now + timedelta(days=40))
    # The four soonest upcoming talks: the farthest and the past ones are left out.
    assert _site_feed_talks(app, client, parse_all) == sorted(uid(app, t) for t in ahead)
    # A series' own feed is not bounded so: it keeps every talk of its year.
    series_feed = parse_all(get_feed(client, f"/series/{past[0].series.slug}/calendar.ics"))
    assert uid(app, farthest) in series_feed
    assert uid(app, past[1]) in series_feed


def test_the_feed_of_every_series_fills_up_with_the_latest_past_talks(
    app, client, create_talk, parse_all
):
    app.config["SITE_FEED_TALKS"] = 3
    now = utcnow()
    upcoming = create_talk(start=now + timedelta(days=1))
    latest, older = (create_talk(start=now - timedelta(days=d)) for d in (3, 5))
    create_talk(start=now - timedelta(days=30))
    expected = sorted(uid(app, t) for t in (upcoming, latest, older))
    assert _site_feed_talks(app, client, parse_all) == expected


def test_the_feed_of_every_series_stays_under_its_size_in_bytes(
    app, client, create_talk, parse_all
):
    app.config["SITE_FEED_BYTES"] = 9_000
    now = utcnow()
    talks = [
        create_talk(start=now + timedelta(days=days), abstract="A long abstract. " * 60)
        for days in range(1, 11)
    ]
    body = get_feed(client, "/calendar.ics")
    assert len(body) <= 9_000
    kept = parse_all(body)
    # Whole events, the soonest first: what the bound leaves out is the farthest.
    assert 1 <= len(kept) < len(talks)
    assert sorted(kept) == sorted(uid(app, t) for t in talks[: len(kept)])
