"""Series settings and planning the term from the recurrence."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta

import pytest
from sqlalchemy import select

from prisec import editing, wallclock
from prisec.dashboard.planning import term_days, term_slots
from prisec.models import Series, Talk


def settings_form(**overrides) -> dict[str, str]:
    data = {
        "name": "Reading Group",
        "timezone": "America/New_York",
        "recurrence_weeks": "2",
        "recurrence_weekday": "2",
        "default_start_time": "13:00",
        "default_duration_minutes": "60",
        "description": "We read *papers*.",
        "mailing_list_url": "https://lists.example.org/rg",
        "youtube_url": "",
        "zoom_url": "https://zoom.example/j/1",
        "organizers-0-honorific": "Prof.",
        "organizers-0-name": "Emiliano De Cristofaro",
        "organizers-0-affiliation": "UCL",
        "organizers-0-homepage": "https://emilianodc.com/",
        "organizers-1-name": "",
    }
    data.update(overrides)
    return data


def test_series_settings_are_saved_and_shown_publicly(organizer_client, client, create_series, db):
    series = create_series(slug="rg")
    page = organizer_client.get("/dashboard/series/rg/settings")
    assert page.status_code == 200
    response = organizer_client.post("/dashboard/series/rg/settings", data=settings_form())
    assert response.status_code == 303
    db.session.expire_all()
    series = db.session.get(Series, series.id)
    assert series.name == "Reading Group"
    assert series.timezone == "America/New_York"
    assert (series.recurrence_weeks, series.recurrence_weekday) == (2, 2)
    assert [o.name for o in series.organizers] == ["Emiliano De Cristofaro"]
    public = client.get("/series/rg").get_data(as_text=True)
    assert "<em>papers</em>" in public
    assert "Emiliano De Cristofaro" in public


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"timezone": "Mars/Olympus"}, "timezone", "IANA time zone"),
        ({"name": ""}, "name", "Enter the series"),
        ({"recurrence_weeks": "0"}, "recurrence_weeks", "from 1 to 12"),
        ({"recurrence_weekday": ""}, "recurrence_weekday", "both how often"),
        ({"default_duration_minutes": "2"}, "default_duration_minutes", "from 5 to 600"),
        ({"zoom_url": "javascript:alert(1)"}, "zoom_url", "http:// or https://"),
        ({"organizers-0-homepage": "ftp://x"}, "organizers-0-homepage", "http:// or https://"),
    ],
)
def test_series_settings_messages(organizer_client, create_series, overrides, field, message):
    create_series(slug="rg")
    response = organizer_client.post(
        "/dashboard/series/rg/settings", data=settings_form(**overrides)
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    error = re.search(rf'id="error-{field}"[^>]*>(.*?)</span>', html, re.S).group(1)
    assert message in error


def test_term_slots_keep_a_fortnightly_phase_and_skip_taken_and_skipped_days():
    wednesday = date(2027, 1, 6)
    slots = term_slots(
        weekday=2,
        every_weeks=2,
        anchor=wednesday,
        today=date(2027, 1, 11),
        taken={date(2027, 1, 20)},
        skipped={date(2027, 2, 3)},
        count=3,
    )
    assert slots == [
        (date(2027, 2, 3), True),
        (date(2027, 2, 17), False),
        (date(2027, 3, 3), False),
        (date(2027, 3, 17), False),
    ]


def test_term_slots_without_an_anchor_start_at_the_next_weekday():
    slots = term_slots(2, 1, None, date(2027, 1, 7), set(), set(), count=2)
    assert slots == [(date(2027, 1, 13), False), (date(2027, 1, 20), False)]


@pytest.fixture
def weekly(create_series):
    return create_series(
        slug="weekly",
        recurrence_weeks=1,
        recurrence_weekday=(datetime.now(UTC).date() + timedelta(days=2)).weekday(),
        default_start_time=time(13, 0),
    )


PLAN = "/dashboard/series/weekly/plan"


def _free_days(html: str) -> list[str]:
    return re.findall(r'id="slot-(\d{4}-\d{2}-\d{2})" data-state="free"', html)


def _first_free_day(html: str) -> str:
    return _free_days(html)[0]


def _row(html: str, row_id: str) -> str:
    """The <tr> of one slot or talk in the grid."""
    return re.search(rf'<tr [^>]*id="{row_id}".*?</tr>', html, re.S).group(0)


def _at_13(day: str) -> datetime:
    return wallclock.combine(date.fromisoformat(day), time(13, 0), "Europe/London")


def test_term_days_run_through_the_last_free_date_with_taken_and_skipped_ones():
    days = term_days(
        weekday=2,
        every_weeks=1,
        anchor=None,
        today=date(2027, 1, 11),
        taken={date(2027, 1, 20)},
        skipped={date(2027, 1, 27)},
        count=2,
    )
    assert days == [date(2027, 1, 13), date(2027, 1, 20), date(2027, 1, 27), date(2027, 2, 3)]


def test_plan_shows_twelve_free_slots(organizer_client, weekly):
    html = organizer_client.get(PLAN).get_data(as_text=True)
    days = _free_days(html)
    assert len(days) == 12
    assert days == sorted(days)
    assert "the 12th free one" in html


def test_the_grid_shows_taken_slots_with_their_talk_in_date_order(
    organizer_client, weekly, create_talk, create_speaker
):
    days = _free_days(organizer_client.get(PLAN).get_data(as_text=True))
    published = create_talk(
        series=weekly,
        speakers=[create_speaker(name="Reza Shokri", affiliation="NUS")],
        start=_at_13(days[1]),
        title="$\\varepsilon$-DP in practice",
    )
    draft = create_talk(series=weekly, start=_at_13(days[3]), title="A draft", published=False)
    html = organizer_client.get(PLAN).get_data(as_text=True)
    rows = re.findall(r'<tr class="plan-row[^"]*" id="([^"]+)"', html)
    assert rows[:5] == [
        f"slot-{days[0]}",
        f"talk-{published.id}",
        f"slot-{days[2]}",
        f"talk-{draft.id}",
        f"slot-{days[4]}",
    ]
    # Still twelve dates to fill: the term reaches further.
    assert len(_free_days(html)) == 12
    row = _row(html, f"talk-{published.id}")
    assert "Dr. Reza Shokri" in row
    assert "(NUS)" in row
    assert '<span class="math inline">\\varepsilon</span>-DP in practice' in row
    assert "$\\varepsilon$" not in row
    assert "Published" in row
    assert f'href="/dashboard/talks/{published.id}/edit"' in row
    assert "/publish" not in row  # nothing left to publish
    row = _row(html, f"talk-{draft.id}")
    assert "Draft" in row
    assert f'href="/dashboard/talks/{draft.id}/publish"' in row


def test_a_talk_off_the_usual_day_has_its_row_in_the_term(organizer_client, weekly, create_talk):
    days = _free_days(organizer_client.get(PLAN).get_data(as_text=True))
    off = create_talk(series=weekly, start=_at_13(days[1]) + timedelta(days=1), title="Off day")
    html = organizer_client.get(PLAN).get_data(as_text=True)
    rows = re.findall(r'<tr class="plan-row[^"]*" id="([^"]+)"', html)
    assert rows.index(f"talk-{off.id}") == rows.index(f"slot-{days[1]}") + 1
    assert "Not a usual date" in _row(html, f"talk-{off.id}")
    assert len(_free_days(html)) == 12


def test_a_cancelled_talks_slot_is_free_again(organizer_client, weekly, create_talk, db):
    day = _first_free_day(organizer_client.get(PLAN).get_data(as_text=True))
    talk = create_talk(series=weekly, start=_at_13(day), title="Called off")
    editing.cancel_talk(talk)
    db.session.commit()
    html = organizer_client.get(PLAN).get_data(as_text=True)
    assert _first_free_day(html) == day
    row = _row(html, f"slot-{day}")
    assert "<del>" in row
    assert "Called off" in row
    assert "was cancelled" in row
    assert f'id="speaker-{day}"' in row
    assert f"talk-{talk.id}" not in html
    response = organizer_client.post(
        f"{PLAN}/slot", data={"day": day, "speaker": "Nicolas Papernot", "title": "Instead"}
    )
    assert response.status_code == 303
    html = organizer_client.get(PLAN).get_data(as_text=True)
    assert f'id="slot-{day}"' not in html
    assert "Instead" in html


def test_inline_save_creates_a_draft_on_that_slot(organizer_client, weekly, db):
    html = organizer_client.get(PLAN).get_data(as_text=True)
    day = _first_free_day(html)
    response = organizer_client.post(
        f"{PLAN}/slot",
        data={
            "day": day,
            "speaker": "Nicolas Papernot",
            "affiliation": "University of Toronto",
            "title": "Trustworthy ML",
        },
        headers={"HX-Request": "true", "HX-Target": f"slot-{day}"},
    )
    assert response.status_code == 200
    fragment = response.get_data(as_text=True)
    assert "Draft saved: Nicolas Papernot" in fragment
    assert response.headers["HX-Trigger"] == "plan-changed"
    talk = db.session.scalar(select(Talk))
    assert not talk.published
    assert talk.title == "Trustworthy ML"
    assert talk.speakers[0].affiliation == "University of Toronto"
    assert [r.summary for r in talk.revisions] == ["Created"]
    local = wallclock.in_zone(talk.start, "Europe/London")
    assert (local.date().isoformat(), local.hour) == (day, 13)
    assert f'id="talk-{talk.id}"' in fragment
    assert 'data-state="draft"' in fragment
    # The slot is taken now: the grid shows the draft there, and the bar counts it.
    html = organizer_client.get(PLAN).get_data(as_text=True)
    assert f'id="slot-{day}"' not in html
    assert f'id="talk-{talk.id}"' in html
    assert "Publish the draft…" in html
    bar = organizer_client.get(
        PLAN, headers={"HX-Request": "true", "HX-Target": "plan-bulk"}
    ).get_data(as_text=True)
    assert bar.startswith('<div class="plan-bulk" id="plan-bulk"')
    assert "1 draft in" in bar


def test_inline_save_without_javascript_comes_back_to_the_plan(organizer_client, weekly, db):
    day = _first_free_day(organizer_client.get(PLAN).get_data(as_text=True))
    response = organizer_client.post(
        f"{PLAN}/slot", data={"day": day, "speaker": "Nicolas Papernot", "title": "T"}
    )
    assert response.status_code == 303
    assert response.headers["Location"] == PLAN
    page = organizer_client.get(PLAN).get_data(as_text=True)
    assert "Draft saved." in page


def test_a_slot_filled_meanwhile_is_not_filled_twice(organizer_client, weekly, create_talk, db):
    day = _first_free_day(organizer_client.get(PLAN).get_data(as_text=True))
    create_talk(series=weekly, start=_at_13(day), title="First come")
    response = organizer_client.post(
        f"{PLAN}/slot",
        data={"day": day, "speaker": "Late Comer", "title": "Second"},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    fragment = response.get_data(as_text=True)
    assert "Not saved: this date has a talk now." in fragment
    assert "First come" in fragment
    assert db.session.query(Talk).count() == 1


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("speaker", "", "Enter the speaker&#39;s name."),
        ("speaker", "x" * 201, "At most 200 characters."),
        ("affiliation", "x" * 301, "At most 300 characters."),
        ("title", "x" * 301, "At most 300 characters."),
        ("title", "Two\r\nlines", "Use a single line"),
    ],
)
@pytest.mark.parametrize("with_htmx", [False, True])
def test_a_bad_slot_input_gets_a_message_beside_its_field(
    organizer_client, weekly, db, field, value, message, with_htmx
):
    day = _first_free_day(organizer_client.get(PLAN).get_data(as_text=True))
    data = {"day": day, "speaker": "Nicolas Papernot", "affiliation": "", "title": "T"}
    data[field] = value
    headers = {"HX-Request": "true"} if with_htmx else {}
    response = organizer_client.post(f"{PLAN}/slot", data=data, headers=headers)
    assert response.status_code == (200 if with_htmx else 422)
    html = response.get_data(as_text=True)
    beside = re.search(rf'id="error-{field}-{day}"[^>]*>(.*?)</span>', html, re.S).group(1)
    assert message in beside
    assert f'id="{field}-{day}"' in html
    assert 'aria-invalid="true"' in html
    assert db.session.query(Talk).count() == 0


def test_a_broken_slot_date_is_refused_without_a_crash(organizer_client, weekly, db):
    for day in ("", "2027-13-45", "<script>"):
        response = organizer_client.post(f"{PLAN}/slot", data={"day": day, "speaker": "N"})
        assert response.status_code == 400
    assert db.session.query(Talk).count() == 0


def test_a_slot_whose_usual_hour_the_clocks_skip_asks_for_the_full_form(
    organizer_client, create_series, db
):
    today = datetime.now(UTC).date()
    year = today.year if today < date(today.year, 3, 25) else today.year + 1
    # The last Sunday of March: London's clocks go from 01:00 straight to 02:00.
    day = max(date(year, 3, d) for d in range(25, 32) if date(year, 3, d).weekday() == 6)
    create_series(
        slug="night", recurrence_weeks=1, recurrence_weekday=6, default_start_time=time(1, 30)
    )
    response = organizer_client.post(
        "/dashboard/series/night/plan/slot",
        data={"day": day.isoformat(), "speaker": "Night Owl", "title": "T"},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    assert "does not exist on this date: use the full form" in response.get_data(as_text=True)
    assert db.session.query(Talk).count() == 0


def test_publish_a_row_after_its_confirmation(organizer_client, client, weekly, create_talk, db):
    day = _first_free_day(organizer_client.get(PLAN).get_data(as_text=True))
    talk = create_talk(series=weekly, start=_at_13(day), title="Row to publish", published=False)
    assert "Row to publish" not in client.get("/series/weekly").get_data(as_text=True)
    # The confirmation first: a page without JavaScript, a <dialog> for htmx. Neither publishes.
    page = organizer_client.get(f"/dashboard/talks/{talk.id}/publish")
    assert page.status_code == 200
    assert "Publish “Row to publish”?" in page.get_data(as_text=True)
    dialog = organizer_client.get(
        f"/dashboard/talks/{talk.id}/publish", headers={"HX-Request": "true"}
    ).get_data(as_text=True)
    assert dialog.startswith("<dialog")
    assert 'hx-target="#talk-' in dialog
    db.session.expire_all()
    assert not db.session.get(Talk, talk.id).published
    response = organizer_client.post(f"/dashboard/talks/{talk.id}/publish")
    assert response.status_code == 303
    assert response.headers["Location"] == PLAN
    db.session.expire_all()
    talk = db.session.get(Talk, talk.id)
    assert talk.published
    assert talk.revisions[-1].summary == "Published"
    assert "Row to publish" in client.get("/series/weekly").get_data(as_text=True)
    assert "Published “Row to publish”." in organizer_client.get(PLAN).get_data(as_text=True)
    # Twice is harmless: nothing changes, and the organizer is told.
    again = organizer_client.post(
        f"/dashboard/talks/{talk.id}/publish", headers={"HX-Request": "true"}
    )
    fragment = again.get_data(as_text=True)
    assert "published already" in fragment
    assert '<div id="plan-dialog" hx-swap-oob="true"></div>' in fragment
    assert len(talk.revisions) == 2


def test_publish_a_row_with_htmx_answers_the_row(organizer_client, weekly, create_talk, db):
    day = _first_free_day(organizer_client.get(PLAN).get_data(as_text=True))
    talk = create_talk(series=weekly, start=_at_13(day), title="Quick", published=False)
    response = organizer_client.post(
        f"/dashboard/talks/{talk.id}/publish", headers={"HX-Request": "true"}
    )
    fragment = response.get_data(as_text=True)
    assert fragment.startswith(f'<tr class="plan-row is-taken" id="talk-{talk.id}"')
    assert 'data-state="published"' in fragment
    assert response.headers["HX-Trigger"] == "plan-changed"


def test_a_cancelled_draft_is_not_published_from_the_plan(
    organizer_client, weekly, create_talk, db
):
    day = _first_free_day(organizer_client.get(PLAN).get_data(as_text=True))
    talk = create_talk(series=weekly, start=_at_13(day), title="Off", published=False)
    editing.cancel_talk(talk)
    db.session.commit()
    page = organizer_client.get(f"/dashboard/talks/{talk.id}/publish").get_data(as_text=True)
    assert "Nothing to publish" in page
    organizer_client.post(f"/dashboard/talks/{talk.id}/publish")
    db.session.expire_all()
    assert not db.session.get(Talk, talk.id).published


def test_publish_all_drafts_of_the_term_with_confirmation(
    organizer_client, client, weekly, create_talk, db
):
    days = _free_days(organizer_client.get(PLAN).get_data(as_text=True))
    drafts = [
        create_talk(series=weekly, start=_at_13(days[i]), title=f"Draft {i}", published=False)
        for i in range(3)
    ]
    cancelled = create_talk(series=weekly, start=_at_13(days[4]), title="Gone", published=False)
    editing.cancel_talk(cancelled)
    db.session.commit()
    assert "Publish all 3 drafts…" in organizer_client.get(PLAN).get_data(as_text=True)
    page = organizer_client.get(f"{PLAN}/publish")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Publish all 3 drafts of the term?" in html
    ids = re.findall(r'name="talk" value="(\d+)"', html)
    assert ids == [str(d.id) for d in drafts]
    assert "Gone" not in html
    db.session.expire_all()
    assert not any(db.session.get(Talk, d.id).published for d in drafts)
    # A draft added after the confirmation was shown is not published with the others.
    late = create_talk(series=weekly, start=_at_13(days[5]), title="Late", published=False)
    response = organizer_client.post(f"{PLAN}/publish", data={"talk": ids})
    assert response.status_code == 303
    db.session.expire_all()
    assert all(db.session.get(Talk, d.id).published for d in drafts)
    assert not db.session.get(Talk, late.id).published
    assert not db.session.get(Talk, cancelled.id).published
    assert all(db.session.get(Talk, d.id).revisions[-1].summary == "Published" for d in drafts)
    schedule = client.get("/series/weekly").get_data(as_text=True)
    assert all(f"Draft {i}" in schedule for i in range(3))
    assert "Published 3 talks." in organizer_client.get(PLAN).get_data(as_text=True)


def test_publish_all_with_htmx_answers_the_grid(organizer_client, weekly, create_talk, db):
    days = _free_days(organizer_client.get(PLAN).get_data(as_text=True))
    draft = create_talk(series=weekly, start=_at_13(days[0]), title="One", published=False)
    dialog = organizer_client.get(f"{PLAN}/publish", headers={"HX-Request": "true"})
    assert dialog.get_data(as_text=True).startswith("<dialog")
    response = organizer_client.post(
        f"{PLAN}/publish", data={"talk": [str(draft.id)]}, headers={"HX-Request": "true"}
    )
    fragment = response.get_data(as_text=True)
    assert fragment.startswith('<div class="plan-grid" id="plan-grid">')
    assert "Published 1 talk." in fragment
    assert "No drafts in this term." in fragment
    assert '<div id="plan-dialog" hx-swap-oob="true"></div>' in fragment


def test_publish_all_refuses_a_broken_list_without_a_crash(organizer_client, weekly):
    response = organizer_client.post(f"{PLAN}/publish", data={"talk": ["abc"]})
    assert response.status_code == 400


def test_skip_a_slot_and_bring_it_back(organizer_client, weekly):
    day = _first_free_day(organizer_client.get(PLAN).get_data(True))
    response = organizer_client.post(f"{PLAN}/skip", data={"day": day})
    assert response.status_code == 303
    html = organizer_client.get(PLAN).get_data(as_text=True)
    assert "Bring back" in html
    assert 'data-state="skipped"' in _row(html, f"slot-{day}")
    assert len(_free_days(html)) == 12  # still twelve free ones
    fragment = organizer_client.post(
        f"{PLAN}/skip", data={"day": day}, headers={"HX-Request": "true"}
    ).get_data(as_text=True)
    assert "Save draft" in fragment


def test_create_a_series_when_there_is_none(organizer_client, db):
    empty = organizer_client.get("/dashboard").get_data(as_text=True)
    assert "Create a series" in empty
    assert organizer_client.get("/dashboard/series/new").status_code == 200
    response = organizer_client.post("/dashboard/series/new", data=settings_form())
    assert response.status_code == 303
    assert response.headers["Location"] == "/dashboard/series/reading-group"
    again = organizer_client.post("/dashboard/series/new", data=settings_form())
    assert again.headers["Location"] == "/dashboard/series/reading-group-2"
    series = db.session.scalar(select(Series).where(Series.slug == "reading-group"))
    assert series.timezone == "America/New_York"
    bad = organizer_client.post("/dashboard/series/new", data=settings_form(timezone="Nowhere"))
    assert bad.status_code == 422
