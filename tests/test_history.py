"""A talk's history in words: the form's labels, the series' zone, listing in one line."""

from __future__ import annotations

import html as html_lib
import re
from datetime import UTC, datetime

import pytest

from prisec.models import Talk
from tests.test_talk_form import input_value, talk_form

WHEN = {"date": "2027-06-09", "start_time": "09:00", "end_time": "10:00"}


def change_lines(page: str) -> list[str]:
    """Each change of the history page as a reader sees it: tags gone, spaces collapsed."""
    items = re.findall(r'<ul class="changes[^"]*">(.*?)</ul>', page, re.S)
    lines = [li for block in items for li in re.findall(r"<li>(.*?)</li>", block, re.S)]
    return [" ".join(html_lib.unescape(re.sub(r"<[^>]+>", "", li)).split()) for li in lines]


@pytest.fixture
def talk(organizer_client, create_series, db) -> Talk:
    """A draft talk in Pacific time, entered through the talk form."""
    series = create_series(slug="pacific", timezone="America/Los_Angeles")
    response = organizer_client.post(
        f"/dashboard/series/{series.slug}/talks/new",
        data=talk_form(**WHEN, published=None),
    )
    assert response.status_code == 303, response.get_data(as_text=True)
    return db.session.scalars(db.select(Talk)).one()


def _edit(organizer_client, talk: Talk, **changes: str):
    page = organizer_client.get(f"/dashboard/talks/{talk.id}/edit").get_data(as_text=True)
    speaker = talk.speakers[0]
    data = talk_form(
        **WHEN,
        published=None,
        version=input_value(page, "version"),
        **{
            "speakers-0-speaker_id": str(speaker.id),
            "speakers-0-loaded_id": str(speaker.id),
            "speakers-0-name": speaker.name,
            "speakers-0-honorific": speaker.honorific,
            "speakers-0-affiliation": speaker.affiliation,
            "speakers-0-homepage": speaker.homepage,
        },
    )
    response = organizer_client.post(f"/dashboard/talks/{talk.id}/edit", data={**data, **changes})
    assert response.status_code == 303, response.get_data(as_text=True)


def test_history_says_what_changed_in_the_forms_words_and_the_series_zone(
    organizer_client, talk, db
):
    _edit(organizer_client, talk, title="$\\varepsilon$-DP, revisited", published="y")
    response = organizer_client.post(
        f"/dashboard/talks/{talk.id}/reschedule",
        data={"date": "2027-06-16", "start_time": "10:00", "reason": "Speaker travelling"},
    )
    assert response.status_code == 303
    organizer_client.post(f"/dashboard/talks/{talk.id}/listing", data={"listing": "past"})

    page = organizer_client.get(f"/dashboard/talks/{talk.id}/history").get_data(as_text=True)
    lines = change_lines(page)
    assert "Date: 9 June 2027, 09:00 PDT → 16 June 2027, 10:00 PDT" in lines
    assert "Listing: automatic → pinned to past" in lines
    assert "Listing: draft → published" in lines
    assert "Title: Membership inference, revisited → \\varepsilon-DP, revisited" in lines
    # The title's maths is marked for typesetting, and reads as Unicode in the tab.
    assert '<ins><span class="math inline">\\varepsilon</span>-DP, revisited</ins>' in page
    assert "<title>History of “ε-DP, revisited”" in page
    # A move that keeps the length needs no line of its own for the end; no stored names.
    assert not [line for line in lines if line.startswith(("Ends", "end", "listing", "start"))]
    # Each revision's time is on the series' wall clock, its zone named.
    stamps = re.findall(r"<time datetime=\"[^\"]+\">([^<]+)</time>", page)
    assert stamps
    assert all(re.fullmatch(r"\d{1,2} \w+ \d{4}, \d\d:\d\d P[SD]T", stamp) for stamp in stamps)
    assert "Rescheduled: Speaker travelling" in page


@pytest.fixture
def describe_changes(app):
    """The describing function, imported once the app has wired its packages in order."""
    from prisec.dashboard.history import describe_changes

    return describe_changes


def test_listing_and_publishing_at_once_make_one_line(describe_changes):
    lines = describe_changes(
        {"published": [False, True], "listing": ["auto", "upcoming"]}, "UTC", {}, {}
    )
    assert [line.sentence for line in lines] == [
        "Listing: draft, automatic → published, pinned to upcoming"
    ]


def test_speakers_are_named_and_links_use_the_forms_labels(describe_changes):
    from prisec.dashboard.forms import TalkForm

    label = TalkForm.registration_url.args[0]
    lines = describe_changes(
        {
            "speaker_ids": [[1], [1, 2]],
            "registration_url": ["", "https://zoom.example/j/1"],
            "abstract": ["Old.", "New."],
        },
        "Europe/London",
        {1: "Dr. Ada Lovelace", 2: "Alan Turing"},
        {},
    )
    assert [line.sentence for line in lines] == [
        "Speakers: Dr. Ada Lovelace → Dr. Ada Lovelace and Alan Turing",
        "Abstract: Old. → New.",
        f"{label}: (empty) → https://zoom.example/j/1",
    ]


def test_a_longer_talk_says_when_it_now_ends(describe_changes):
    start = datetime(2027, 6, 9, 16, 0, tzinfo=UTC).isoformat()
    lines = describe_changes(
        {
            "end": [
                datetime(2027, 6, 9, 17, 0, tzinfo=UTC).isoformat(),
                datetime(2027, 6, 9, 17, 30, tzinfo=UTC).isoformat(),
            ]
        },
        "America/Los_Angeles",
        {},
        {},
        before={"start": start},
    )
    assert [line.sentence for line in lines] == ["Ends: 10:00 PDT → 10:30 PDT"]


def test_a_cancellation_reads_as_a_status(describe_changes):
    lines = describe_changes({"status": ["scheduled", "cancelled"]}, "UTC", {}, {})
    assert [line.sentence for line in lines] == ["Status: takes place → cancelled"]


def test_a_save_compares_with_the_latest_revision_without_loading_the_history(
    organizer_client, talk, db
):
    from sqlalchemy import event

    from prisec.models import TalkRevision

    for number in range(12):
        _edit(organizer_client, talk, title=f"Edition {number}")
    db.session.expire_all()
    loaded: list[TalkRevision] = []
    listener = lambda _target, _context: loaded.append(_target)  # noqa: E731
    event.listen(TalkRevision, "load", listener)
    try:
        _edit(organizer_client, talk, title="Edition 12")
    finally:
        event.remove(TalkRevision, "load", listener)
    # A talk edited for years has hundreds of revisions: a save reads none of them whole.
    assert loaded == []
    newest = db.session.scalars(
        db.select(TalkRevision).where(TalkRevision.talk_id == talk.id).order_by(TalkRevision.id)
    ).all()
    assert len(newest) == 14
    assert newest[-1].changes["title"] == ["Edition 11", "Edition 12"]
