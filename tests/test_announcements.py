"""The Atom feed of announcements: new talks, reschedules and cancellations, from revisions."""

import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta

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
