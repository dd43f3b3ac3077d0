"""Actions on a talk: reschedule and undo, cancel, trash and restore, history and revisions."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest

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
