"""Actions on a talk: reschedule and undo, cancel, trash and restore, history and revisions."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from prisec import editing
from prisec.models import Talk, TalkStatus

START = datetime(2027, 3, 10, 13, 0, tzinfo=UTC)


@pytest.fixture
def talk(create_talk):
    return create_talk(title="Privacy auditing", start=START)


def _reload(db, talk: Talk) -> Talk:
    db.session.expire_all()
    return db.session.get(Talk, talk.id)


def test_reschedule_keeps_the_old_date_struck_through(organizer_client, client, talk, db):
    page = organizer_client.get(f"/dashboard/talks/{talk.id}/reschedule")
    assert 'value="2027-03-10"' in page.get_data(as_text=True)
    response = organizer_client.post(
        f"/dashboard/talks/{talk.id}/reschedule",
        data={"date": "2027-03-17", "start_time": "14:00", "reason": "Speaker travelling"},
    )
    assert response.status_code == 303
    talk = _reload(db, talk)
    assert talk.start == datetime(2027, 3, 17, 14, 0, tzinfo=UTC)
    assert talk.end == talk.start + timedelta(hours=1)  # same length
    assert talk.reschedules[-1].reason == "Speaker travelling"
    assert talk.revisions[-1].summary == "Rescheduled: Speaker travelling"
    public = client.get(f"/talks/{talk.id}/{talk.slug}").get_data(as_text=True)
    deleted = re.search(r"<del[^>]*>(.*?)</del>", public, re.S)
    assert deleted
    assert "10 March 2027" in deleted.group(1)
    assert "17 March 2027, 14:00 GMT" in public


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"date": "2027-03-10", "start_time": "13:00"}, "date", "current date and time"),
        ({"date": "2027-03-28", "start_time": "01:15"}, "start_time", "does not exist"),
        ({"date": "2027-10-31", "start_time": "01:15"}, "fold", "happens twice"),
        ({"date": "", "start_time": "13:00"}, "date", "Enter the new date."),
        ({"date": "2027-03-17", "start_time": "13:00", "reason": "r" * 501}, "reason", "At most"),
    ],
)
def test_reschedule_messages(organizer_client, talk, db, data, field, message):
    response = organizer_client.post(f"/dashboard/talks/{talk.id}/reschedule", data=data)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    error = re.search(rf'id="error-{field}"[^>]*>(.*?)</span>', html, re.S).group(1)
    assert message in error
    assert _reload(db, talk).start == START


def test_undo_the_last_reschedule(organizer_client, talk, db):
    editing.reschedule_talk(talk, START + timedelta(days=7))
    db.session.commit()
    response = organizer_client.post(f"/dashboard/talks/{talk.id}/undo-reschedule")
    assert response.status_code == 303
    talk = _reload(db, talk)
    assert talk.start == START
    assert talk.reschedules == []
    assert talk.revisions[-1].summary == "Reschedule undone"


def test_cancel_and_withdraw_the_cancellation(organizer_client, client, talk, db):
    organizer_client.post(f"/dashboard/talks/{talk.id}/cancel")
    assert _reload(db, talk).status == TalkStatus.CANCELLED
    assert "This talk is cancelled." in client.get(f"/talks/{talk.id}/{talk.slug}").get_data(
        as_text=True
    )
    organizer_client.post(f"/dashboard/talks/{talk.id}/uncancel")
    talk = _reload(db, talk)
    assert talk.status == TalkStatus.SCHEDULED
    assert [r.summary for r in talk.revisions][-2:] == ["Cancelled", "Cancellation withdrawn"]
    assert talk.sequence == 2  # each change of status moves the calendar event


def test_delete_to_trash_and_restore(organizer_client, client, talk, db):
    organizer_client.post(f"/dashboard/talks/{talk.id}/delete")
    assert _reload(db, talk).deleted_at is not None
    assert client.get(f"/talks/{talk.id}/{talk.slug}").status_code == 404
    organizer_client.post(f"/dashboard/talks/{talk.id}/restore")
    assert _reload(db, talk).deleted_at is None
    assert client.get(f"/talks/{talk.id}/{talk.slug}").status_code == 200


def test_an_action_that_changes_nothing_says_so(organizer_client, talk, db):
    response = organizer_client.post(f"/dashboard/talks/{talk.id}/uncancel")
    assert response.status_code == 303
    follow = organizer_client.get(response.headers["Location"])
    assert "Nothing changed: the talk is not cancelled." in follow.get_data(as_text=True)


def test_history_shows_what_changed_and_restores_a_revision(organizer_client, talk, db):
    editing.update_talk(talk, title="Renamed talk")
    db.session.commit()
    html = organizer_client.get(f"/dashboard/talks/{talk.id}/history").get_data(as_text=True)
    assert "<del>Privacy auditing</del>" in html
    assert "<ins>Renamed talk</ins>" in html
    first = talk.revisions[0]
    response = organizer_client.post(f"/dashboard/talks/{talk.id}/revisions/{first.id}/restore")
    assert response.status_code == 303
    talk = _reload(db, talk)
    assert talk.title == "Privacy auditing"
    assert len(talk.revisions) == 3  # restoring is itself a revision: nothing is lost
    assert talk.revisions[-1].changes["title"] == ["Renamed talk", "Privacy auditing"]


def test_restoring_another_talks_revision_is_refused(organizer_client, talk, create_talk):
    other = create_talk()
    response = organizer_client.post(
        f"/dashboard/talks/{talk.id}/revisions/{other.revisions[0].id}/restore"
    )
    assert response.status_code == 404


def test_missing_talk_is_404(organizer_client):
    assert organizer_client.get("/dashboard/talks/999/edit").status_code == 404
    assert organizer_client.post("/dashboard/talks/999/cancel").status_code == 404


def test_restoring_a_revision_from_before_a_reschedule_moves_the_talk_back(
    organizer_client, client, talk, db
):
    first = talk.revisions[0]
    editing.reschedule_talk(talk, START + timedelta(days=7))
    db.session.commit()
    organizer_client.post(f"/dashboard/talks/{talk.id}/revisions/{first.id}/restore")
    talk = _reload(db, talk)
    assert talk.start == START
    # The date it is back at is not shown struck through before itself.
    assert talk.reschedules == []
    html = client.get(f"/talks/{talk.id}/{talk.slug}").get_data(as_text=True)
    assert "<del" not in html


def test_editing_back_to_an_earlier_date_drops_it_from_the_struck_dates(talk, db):
    editing.update_talk(
        talk, start=START + timedelta(days=7), end=START + timedelta(days=7, hours=1)
    )
    assert talk.previous_starts == [START]
    editing.update_talk(talk, start=START, end=START + timedelta(hours=1))
    db.session.commit()
    assert talk.previous_starts == []


# ---------------------------------------------------------------- duplicate


def test_duplicate_makes_a_draft_with_the_same_speakers_on_the_next_free_slot(
    organizer_client, create_series, create_talk, create_speaker, db
):
    from datetime import date, time

    from prisec import wallclock
    from prisec.database import utcnow

    series = create_series(recurrence_weeks=1, recurrence_weekday=2)  # every Wednesday
    today = wallclock.in_zone(utcnow(), "Europe/London").date()
    first = today + timedelta(days=(2 - today.weekday()) % 7)
    at = lambda day: wallclock.combine(day, time(15, 0), "Europe/London")  # noqa: E731
    speakers = [create_speaker(name="Reza Shokri"), create_speaker(name="Nicholas Carlini")]
    original = create_talk(
        series=series,
        speakers=speakers,
        title="Auditing DP-SGD",
        start=at(first),
        end=at(first) + timedelta(minutes=90),
        registration_url="https://zoom.example/j/9",
        livestream_url="https://youtube.example/live",
        location="Room 1.02",
        recording_url="https://youtube.example/watch?v=old",
    )
    create_talk(series=series, start=at(first + timedelta(weeks=1)))
    response = organizer_client.post(f"/dashboard/talks/{original.id}/duplicate")
    assert response.status_code == 303
    copy = db.session.scalar(
        select(Talk).where(Talk.title == "Auditing DP-SGD", Talk.id != original.id)
    )
    assert response.headers["Location"] == f"/dashboard/talks/{copy.id}/edit"
    expected: date = first + timedelta(weeks=2)  # the first Wednesday no talk holds
    assert wallclock.in_zone(copy.start, "Europe/London").date() == expected
    assert wallclock.in_zone(copy.start, "Europe/London").time().replace(tzinfo=None) == time(15)
    assert copy.end - copy.start == timedelta(minutes=90)
    assert not copy.published  # a draft
    assert [s.name for s in copy.speakers] == ["Reza Shokri", "Nicholas Carlini"]
    assert (copy.registration_url, copy.livestream_url, copy.location) == (
        "https://zoom.example/j/9",
        "https://youtube.example/live",
        "Room 1.02",
    )
    assert copy.recording_url == ""  # what the first talk left behind stays with it
    assert copy.revisions[0].summary == "Duplicated from “Auditing DP-SGD”"
    page = organizer_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "This is a copy of “Auditing DP-SGD”" in page
    assert 'value="Reza Shokri"' in page


def test_the_edit_page_offers_duplicate(organizer_client, talk):
    html = organizer_client.get(f"/dashboard/talks/{talk.id}/edit").get_data(as_text=True)
    assert f'action="/dashboard/talks/{talk.id}/duplicate"' in html


# ---------------------------------------------------------------- cancel with a note


def test_cancel_asks_to_confirm_on_a_page_and_in_a_dialog(organizer_client, talk, db):
    edit = organizer_client.get(f"/dashboard/talks/{talk.id}/edit").get_data(as_text=True)
    assert (
        f'href="/dashboard/talks/{talk.id}/cancel" hx-get="/dashboard/talks/{talk.id}/cancel"'
        in (edit)
    )
    page = organizer_client.get(f"/dashboard/talks/{talk.id}/cancel")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "<h1>Cancel “Privacy auditing”?</h1>" in html
    assert 'id="note" maxlength="1000" name="note"' in html
    assert _reload(db, talk).status == TalkStatus.SCHEDULED  # asking changes nothing
    dialog = organizer_client.get(
        f"/dashboard/talks/{talk.id}/cancel", headers={"HX-Request": "true"}
    ).get_data(as_text=True)
    assert "<dialog" in dialog
    assert "</dialog>" in dialog
    assert 'id="note" maxlength="1000" name="note"' in dialog
    assert "<html" not in dialog


HOSTILE_NOTE = '<script>alert("x")</script> The speaker is ill.\n\nA new date   follows.'


def test_cancel_with_a_note_tells_attendees_and_withdrawing_clears_it(
    organizer_client, client, talk, db
):
    response = organizer_client.post(
        f"/dashboard/talks/{talk.id}/cancel", data={"note": HOSTILE_NOTE}
    )
    assert response.status_code == 303
    talk = _reload(db, talk)
    assert talk.status == TalkStatus.CANCELLED
    note = '<script>alert("x")</script> The speaker is ill. A new date follows.'
    assert talk.cancel_note == note  # one paragraph
    assert talk.revisions[-1].summary == "Cancelled"
    assert talk.revisions[-1].changes["cancel_note"] == ["", note]
    public = client.get(f"/talks/{talk.id}/{talk.slug}").get_data(as_text=True)
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; The speaker is ill." in public
    assert "<script>alert" not in public
    schedule = client.get(f"/series/{talk.series.slug}").get_data(as_text=True)
    assert "The speaker is ill. A new date follows." in schedule
    organizer_client.post(f"/dashboard/talks/{talk.id}/uncancel")
    talk = _reload(db, talk)
    assert talk.cancel_note == ""
    assert "The speaker is ill" not in client.get(f"/talks/{talk.id}/{talk.slug}").get_data(
        as_text=True
    )


def test_a_note_too_long_is_refused_beside_the_field(organizer_client, talk, db):
    response = organizer_client.post(
        f"/dashboard/talks/{talk.id}/cancel", data={"note": "x" * 1001}
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "At most 1000 characters." in re.search(
        r'id="error-note"[^>]*>(.*?)</span>', html, re.S
    ).group(1)
    assert _reload(db, talk).status == TalkStatus.SCHEDULED


def test_a_cancelled_talk_offers_no_add_to_calendar(organizer_client, client, talk, db):
    before = client.get(f"/talks/{talk.id}/{talk.slug}").get_data(as_text=True)
    assert f'href="/talks/{talk.id}.ics"' in before
    organizer_client.post(f"/dashboard/talks/{talk.id}/cancel", data={"note": "Sorry."})
    after = client.get(f"/talks/{talk.id}/{talk.slug}").get_data(as_text=True)
    assert "This talk is cancelled." in after
    assert f'href="/talks/{talk.id}.ics"' not in after
    assert "Add this talk" not in after
    assert "calendar.google.com/calendar/render?action=TEMPLATE" not in after


def test_the_reschedule_reason_is_shown_to_attendees(organizer_client, client, talk, db):
    organizer_client.post(
        f"/dashboard/talks/{talk.id}/reschedule",
        data={"date": "2027-03-17", "start_time": "14:00", "reason": "The speaker's flight moved"},
    )
    page = client.get(f"/talks/{talk.id}/{talk.slug}").get_data(as_text=True)
    assert "Rescheduled: The speaker&#39;s flight moved" in page
    schedule = client.get(f"/series/{talk.series.slug}").get_data(as_text=True)
    assert "Rescheduled: The speaker&#39;s flight moved" in schedule


def test_duplicate_in_a_series_without_a_regular_day_takes_the_next_free_week(
    organizer_client, create_series, create_talk, db
):
    series = create_series()  # no recurrence
    original = create_talk(series=series, title="Irregular", start=START)
    create_talk(series=series, title="Taken", start=START + timedelta(weeks=1, hours=3))
    response = organizer_client.post(f"/dashboard/talks/{original.id}/duplicate")
    assert response.status_code == 303
    copy = db.session.scalar(select(Talk).where(Talk.title == "Irregular", Talk.id != original.id))
    assert copy.start == START + timedelta(weeks=2)  # a week later was taken that day
    assert copy.end - copy.start == original.end - original.start
