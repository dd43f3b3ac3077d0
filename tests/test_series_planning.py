"""Series settings and planning the term from the recurrence."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta

import pytest
from sqlalchemy import select

from prisec import wallclock
from prisec.dashboard.planning import term_slots
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


def _first_free_day(html: str) -> str:
    return re.search(r'id="slot-(\d{4}-\d{2}-\d{2})"', html).group(1)


def test_plan_shows_twelve_free_slots(organizer_client, weekly):
    html = organizer_client.get("/dashboard/series/weekly/plan").get_data(as_text=True)
    assert len(re.findall(r'class="plan-row"', html)) == 12


def test_typing_a_speaker_and_title_creates_a_draft_in_the_slot(organizer_client, weekly, db):
    html = organizer_client.get("/dashboard/series/weekly/plan").get_data(as_text=True)
    day = _first_free_day(html)
    response = organizer_client.post(
        "/dashboard/series/weekly/plan/slot",
        data={"day": day, "speaker": "Nicolas Papernot", "title": "Trustworthy ML"},
        headers={"HX-Request": "true", "HX-Target": f"slot-{day}"},
    )
    assert response.status_code == 200
    assert "Draft saved: Nicolas Papernot" in response.get_data(as_text=True)
    talk = db.session.scalar(select(Talk))
    assert not talk.published
    assert talk.title == "Trustworthy ML"
    local = wallclock.in_zone(talk.start, "Europe/London")
    assert (local.date().isoformat(), local.hour) == (day, 13)
    # The slot is taken now: the grid moves on.
    html = organizer_client.get("/dashboard/series/weekly/plan").get_data(as_text=True)
    assert f'id="slot-{day}"' not in html


def test_a_slot_row_needs_a_speaker(organizer_client, weekly):
    day = _first_free_day(organizer_client.get("/dashboard/series/weekly/plan").get_data(True))
    response = organizer_client.post(
        "/dashboard/series/weekly/plan/slot", data={"day": day, "speaker": "", "title": "T"}
    )
    assert response.status_code == 422
    assert "Enter the speaker&#39;s name." in response.get_data(as_text=True)


def test_skip_a_slot_and_bring_it_back(organizer_client, weekly):
    day = _first_free_day(organizer_client.get("/dashboard/series/weekly/plan").get_data(True))
    response = organizer_client.post("/dashboard/series/weekly/plan/skip", data={"day": day})
    assert response.status_code == 303
    html = organizer_client.get("/dashboard/series/weekly/plan").get_data(as_text=True)
    assert "Bring back" in html
    assert len(re.findall(r'class="plan-row"', html)) == 12  # still twelve free ones
    fragment = organizer_client.post(
        "/dashboard/series/weekly/plan/skip", data={"day": day}, headers={"HX-Request": "true"}
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
