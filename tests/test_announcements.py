"""The Atom feed of announcements: new talks, reschedules and cancellations, from revisions."""

import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta

import pytest

from prisec.editing import record_revision, reschedule_talk
from prisec.models import TalkStatus

ATOM = "{http://www.w3.org/2005/Atom}"


def _entries(client, url="/feed.atom") -> list[dict]:
    response = client.get(url)
    assert response.status_code == 200
    assert response.mimetype == "application/atom+xml"
    root = ET.fromstring(response.get_data())
    assert root.tag == f"{ATOM}feed"
    assert root.find(f"{ATOM}updated") is not None
    return [
        {
            "title": entry.findtext(f"{ATOM}title"),
            "id": entry.findtext(f"{ATOM}id"),
            "link": entry.find(f"{ATOM}link").get("href"),
            "content": entry.findtext(f"{ATOM}content"),
            "kind": entry.find(f"{ATOM}category").get("term"),
        }
        for entry in root.findall(f"{ATOM}entry")
    ]


def test_new_rescheduled_and_cancelled_talks_are_announced(client, db, create_talk):
    start = datetime(2030, 3, 6, 13, 0, tzinfo=UTC)
    talk = create_talk(title="Moving target", start=start)
    reschedule_talk(talk, start + timedelta(weeks=1))
    db.session.commit()
    talk.abstract = "Just a typo fixed."
    record_revision(talk, None, "Edited")
    db.session.commit()
    talk.status = TalkStatus.CANCELLED
    record_revision(talk, None, "Cancelled")
    db.session.commit()
    entries = _entries(client)
    assert [e["title"] for e in entries] == [
        "Cancelled: Moving target",
        "Rescheduled: Moving target",
        "New talk: Moving target",
    ]
    assert entries[1]["kind"] == "rescheduled"
    assert (
        "<del>Wednesday, 6 March 2030, 13:00 GMT</del> Wednesday, 13 March 2030"
        in entries[1]["content"]
    )
    assert entries[0]["link"] == f"http://localhost/talks/{talk.id}/moving-target"
    assert len({e["id"] for e in entries}) == 3
    assert all(e["id"].startswith("tag:localhost,") for e in entries)


def test_drafts_are_announced_when_published(client, db, create_talk):
    talk = create_talk(title="Quiet draft", published=False)
    assert _entries(client) == []
    talk.published = True
    record_revision(talk, None, "Published")
    db.session.commit()
    assert [e["title"] for e in _entries(client)] == ["New talk: Quiet draft"]


def test_feed_of_one_series(client, create_talk, create_series):
    other = create_series(slug="other")
    create_talk(title="Here")
    create_talk(series=other, title="There")
    assert [e["title"] for e in _entries(client, "/feed.atom?series=other")] == ["New talk: There"]
    assert client.get("/feed.atom?series=nope").status_code == 404


def test_abstract_in_the_feed_is_sanitised(client, create_talk):
    create_talk(title="<b>x</b>", abstract="<script>alert(1)</script> $x^2$")
    entry = _entries(client)[0]
    assert "<script>" not in entry["content"]
    assert entry["title"] == "New talk: <b>x</b>"  # plain text in Atom, escaped by the XML


def test_pages_point_at_the_feed(client, create_talk):
    talk = create_talk()
    html = client.get(f"/talks/{talk.id}/{talk.slug}").get_data(as_text=True)
    assert '<link rel="alternate" type="application/atom+xml"' in html


# ---------------------------------------------------------------- what Atom cannot hold (issue 19)


def test_a_control_character_in_a_typed_title_or_series_name_leaves_the_feed_up(
    organizer_client, client, create_series, db
):
    from tests.test_series_planning import settings_form
    from tests.test_talk_form import talk_form

    create_series(slug="ctl", name="Plain Seminar", timezone="Europe/London")
    # The finding's payload, typed into the real forms.
    response = organizer_client.post(
        "/dashboard/series/ctl/talks/new", data=talk_form(title="Ctrl\x01title")
    )
    assert response.status_code == 303
    form = settings_form(name="Ctrl\x01series", timezone="Europe/London")
    assert organizer_client.post("/dashboard/series/ctl/settings", data=form).status_code == 303
    for url in ("/feed.atom", "/feed.atom?series=ctl"):
        entries = _entries(client, url)
        assert [e["title"] for e in entries] == ["New talk: Ctrltitle"], url
    root = ET.fromstring(client.get("/feed.atom?series=ctl").get_data())
    assert root.findtext(f"{ATOM}title") == "Ctrlseries: announcements"


def test_every_character_xml_cannot_hold_is_cleaned_from_the_feed(client, db, create_talk):
    # C0 and C1 controls, DEL, noncharacters: each stored, each cleaned (NUL cannot be
    # stored in PostgreSQL; requests lose it as they are parsed).
    nasty = "\x01\x08\x0b\x0c\x1f\x7f\x85\ufffe\uffff\U0001fffe"
    talk = create_talk(title=f"A{nasty}B", abstract=f"Abstract {nasty} here.")
    talk.speakers[0].name = f"Grace{nasty}Hopper"
    db.session.commit()
    (entry,) = _entries(client)
    assert entry["title"] == "New talk: AB"
    assert "GraceHopper" in entry["content"]
    assert "Abstract  here." in entry["content"]


def test_clean_text_removes_what_xml_mail_and_calendars_cannot_hold():
    from prisec.textcleaning import clean_text

    # Lone surrogates cannot be stored (the database driver refuses them) but may come in
    # from elsewhere; tab and line breaks are kept.
    assert clean_text("a\ud800b\udfffc\x00\x01d\ufdd0e\U0010ffff\tf\ng\r") == "abcde\tf\ng\r"
    assert clean_text("Grüße, 東京, emoji 🎓, math ∑") == "Grüße, 東京, emoji 🎓, math ∑"


def test_a_speakers_accepted_proposal_with_control_characters_leaves_the_feed_up(
    organizer_client, client, create_talk, create_speaker, db
):
    from prisec.speakerform.models import SpeakerProposal
    from tests.test_speakerform import new_link, speaker_post

    talk = create_talk(title="Before", speakers=[create_speaker(name="Grace Hopper")])
    path = new_link(organizer_client, talk)
    response = speaker_post(
        client, path, title="Ctrl\x01title", abstract="Compilers\x01 and \x02 more."
    )
    assert response.status_code == 200
    proposal = db.session.query(SpeakerProposal).one()
    accepted = organizer_client.post(
        f"/dashboard/proposals/{proposal.id}", data={"accept": ["title", "abstract"]}
    )
    assert accepted.status_code == 303
    for url in ("/feed.atom", f"/feed.atom?series={talk.series.slug}"):
        titles = [e["title"] for e in _entries(client, url)]
        assert titles == ["New talk: Ctrltitle"], url


@pytest.fixture
def feed_log(caplog, monkeypatch):
    """The feed's log lines; alembic's logging set-up, run by the tests' migrations in this
    process, disables loggers that already exist (a server never runs them in-process)."""
    from prisec.public.atom import log

    monkeypatch.setattr(log, "disabled", False)
    with caplog.at_level("ERROR", logger="prisec.public.atom"):
        yield caplog


def test_a_talk_the_feed_cannot_write_is_logged_and_the_rest_served(
    client, db, app, create_series, create_talk, feed_log
):
    from tests.helpers import raw_sql

    good = create_talk(title="Still here", series=create_series(slug="good"))
    broken = create_talk(title="Broken zone", series=create_series(slug="bad"))
    # Stored data no form would let through: a time zone that does not exist.
    raw_sql(app, f"UPDATE series SET timezone = 'Mars/Olympus' WHERE id = {broken.series_id}")
    db.session.expire_all()
    entries = _entries(client)
    assert [e["title"] for e in entries] == ["New talk: Still here"]
    assert f"talk {broken.id}" in feed_log.text
    assert "left out" in feed_log.text
    assert good.id != broken.id


def test_an_unreadable_revision_is_logged_and_the_rest_served(client, db, create_talk, feed_log):
    from prisec.models import TalkRevision

    create_talk(title="Still here")
    broken = create_talk(title="Bad date")
    revision = db.session.query(TalkRevision).filter_by(talk_id=broken.id).one()
    revision.snapshot = {**revision.snapshot, "start": "not a date"}
    db.session.commit()
    entries = _entries(client)
    assert [e["title"] for e in entries] == ["New talk: Still here"]
    assert f"talk {broken.id}" in feed_log.text
