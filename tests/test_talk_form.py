"""The talk form: create and edit, speakers, time zones, validation messages, stale saves."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import select

from prisec.models import Listing, Speaker, Talk


def talk_form(**overrides: Any) -> dict[str, str]:
    """What a browser posts for a new talk by one new speaker, with `overrides` applied."""
    data = {
        "version": "",
        "title": "Membership inference, revisited",
        "speakers-0-speaker_id": "0",
        "speakers-0-loaded_id": "",
        "speakers-0-honorific": "Dr.",
        "speakers-0-name": "Ada Lovelace",
        "speakers-0-affiliation": "Analytical Engine Ltd",
        "speakers-0-homepage": "https://ada.example.org",
        "date": "2027-03-10",
        "start_time": "13:00",
        "end_time": "14:00",
        "abstract": "We *revisit* attacks.",
        "bio": "",
        "registration_url": "https://zoom.example/register",
        "livestream_url": "",
        "recording_url": "",
        "slides_url": "",
        "code_url": "",
        "paper_url": "",
        "event_name": "",
        "event_url": "",
        "location": "",
        "listing": "auto",
        "published": "y",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def error_of(html: str, field_id: str) -> str:
    """The message shown beside a field."""
    match = re.search(
        rf'<span class="field-error" id="error-{field_id}"[^>]*>(.*?)</span>', html, re.S
    )
    assert match, field_id
    return match.group(1).strip()


def input_value(html: str, name: str) -> str:
    """The value an <input> of the page holds."""
    match = re.search(rf'<input[^>]*name="{name}"[^>]*value="([^"]*)"', html)
    assert match, name
    return match.group(1)


@pytest.fixture
def series(create_series):
    return create_series(slug="seminar", timezone="Europe/London")


def test_new_talk_form_has_the_series_defaults(organizer_client, create_series):
    from datetime import time

    series = create_series(default_start_time=time(16, 30), default_duration_minutes=90)
    html = organizer_client.get(f"/dashboard/series/{series.slug}/talks/new").get_data(as_text=True)
    assert input_value(html, "start_time") == "16:30"
    assert input_value(html, "end_time") == "18:00"
    assert "Europe/London time" in html


def test_create_a_talk_from_the_form(organizer_client, series, db, client):
    response = organizer_client.post(f"/dashboard/series/{series.slug}/talks/new", data=talk_form())
    assert response.status_code == 303
    talk = db.session.scalar(select(Talk))
    assert talk.title == "Membership inference, revisited"
    # 13:00 London in March (before the clocks change) is 13:00 UTC.
    assert talk.start == datetime(2027, 3, 10, 13, 0, tzinfo=UTC)
    assert talk.end == datetime(2027, 3, 10, 14, 0, tzinfo=UTC)
    assert talk.published
    assert [s.display_name for s in talk.speakers] == ["Dr. Ada Lovelace"]
    assert talk.revisions[0].organizer.email == "ada@example.org"
    public = client.get(f"/talks/{talk.id}/{talk.slug}").get_data(as_text=True)
    assert "<em>revisit</em>" in public


def test_create_with_htmx_redirects_the_browser(organizer_client, series):
    response = organizer_client.post(
        f"/dashboard/series/{series.slug}/talks/new",
        data=talk_form(),
        headers={"HX-Request": "true", "HX-Target": "talk-form"},
    )
    assert response.status_code == 200
    assert response.headers["HX-Redirect"] == f"/dashboard/series/{series.slug}"


def test_summer_times_are_converted_in_the_series_zone(organizer_client, series, db):
    organizer_client.post(
        f"/dashboard/series/{series.slug}/talks/new",
        data=talk_form(date="2027-07-14", start_time="13:00", end_time="14:00"),
    )
    talk = db.session.scalar(select(Talk))
    assert talk.start == datetime(2027, 7, 14, 12, 0, tzinfo=UTC)  # BST is UTC+1


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"registration_url": "javascript:alert(1)"}, "registration_url", "http:// or https://"),
        ({"livestream_url": "ftp://example.org/x"}, "livestream_url", "http:// or https://"),
        ({"paper_url": "see example.org/paper"}, "paper_url", "http:// or https://"),
        (
            {"speakers-0-homepage": "data:text/html,hi"},
            "speakers-0-homepage",
            "http:// or https://",
        ),
        ({"title": "x" * 301}, "title", "At most 300 characters."),
        ({"speakers-0-name": "y" * 201}, "speakers-0-name", "At most 200 characters."),
        ({"date": ""}, "date", "Enter the date."),
        ({"date": "31/02/2027"}, "date", "Not a valid date value."),
        ({"start_time": ""}, "start_time", "Enter the start time."),
        ({"end_time": "12:00"}, "end_time", "The talk must end after it starts."),
        ({"end_time": "13:00"}, "end_time", "The talk must end after it starts."),
        # London skips 01:00-02:00 on 28 March 2027.
        (
            {"date": "2027-03-28", "start_time": "01:30", "end_time": "03:00"},
            "start_time",
            "01:30 on 28 March 2027 does not exist in Europe/London",
        ),
        (
            {"date": "2027-10-31", "start_time": "01:30", "end_time": "03:00"},
            "fold",
            "happens twice in Europe/London",
        ),
    ],
)
def test_each_validation_message_shows_beside_its_field(
    organizer_client, series, db, overrides, field, message
):
    response = organizer_client.post(
        f"/dashboard/series/{series.slug}/talks/new", data=talk_form(**overrides)
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert message in error_of(html, field)
    assert db.session.scalar(select(Talk)) is None
    # What was typed comes back, so nothing is lost.
    assert "Membership inference, revisited" in html or "x" * 301 in html


def test_a_talk_needs_a_speaker(organizer_client, series):
    response = organizer_client.post(
        f"/dashboard/series/{series.slug}/talks/new",
        data=talk_form(**{"speakers-0-name": ""}),
    )
    assert response.status_code == 422
    assert "Enter at least one speaker." in error_of(response.get_data(as_text=True), "speakers")


def test_an_ambiguous_time_is_saved_once_the_organizer_says_which(organizer_client, series, db):
    url = f"/dashboard/series/{series.slug}/talks/new"
    first = organizer_client.post(
        url, data=talk_form(date="2027-10-31", start_time="01:30", end_time="03:00")
    )
    html = first.get_data(as_text=True)
    assert "01:30 BST (first)" in html
    assert "01:30 GMT (second)" in html
    organizer_client.post(
        url, data=talk_form(date="2027-10-31", start_time="01:30", end_time="03:00", fold="1")
    )
    talk = db.session.scalar(select(Talk))
    assert talk.start == datetime(2027, 10, 31, 1, 30, tzinfo=UTC)  # the GMT one


def test_field_check_on_blur_returns_the_message_for_that_field(organizer_client, series):
    response = organizer_client.post(
        f"/dashboard/series/{series.slug}/talks/check",
        data=talk_form(code_url="not a link"),
        headers={"HX-Request": "true", "HX-Trigger-Name": "code_url"},
    )
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert error_of(html, "code_url") == "Enter a web address starting with http:// or https://."
    ok = organizer_client.post(
        f"/dashboard/series/{series.slug}/talks/check",
        data=talk_form(),
        headers={"HX-Request": "true", "HX-Trigger-Name": "code_url"},
    )
    assert error_of(ok.get_data(as_text=True), "code_url") == ""


def test_field_check_of_a_time_refreshes_the_other_time_fields(organizer_client, series):
    response = organizer_client.post(
        f"/dashboard/series/{series.slug}/talks/check",
        data=talk_form(end_time="12:00"),
        headers={"HX-Request": "true", "HX-Trigger-Name": "start_time"},
    )
    html = response.get_data(as_text=True)
    assert 'id="error-end_time" aria-live="polite" hx-swap-oob="true"' in html
    assert "The talk must end after it starts." in html


def test_abstract_preview_renders_markdown_without_script(organizer_client):
    response = organizer_client.post(
        "/preview",
        data={"abstract": "**Bold** <script>alert(1)</script> [x](javascript:alert(1))"},
        headers={"HX-Request": "true"},
    )
    html = response.get_data(as_text=True)
    assert "<strong>Bold</strong>" in html
    assert "<script>" not in html
    assert 'href="javascript' not in html


def test_pick_an_existing_speaker(organizer_client, series, create_speaker, db):
    known = create_speaker(name="Reza Shokri", honorific="Prof.")
    db.session.commit()
    organizer_client.post(
        f"/dashboard/series/{series.slug}/talks/new",
        data=talk_form(
            **{
                "speakers-0-speaker_id": str(known.id),
                "speakers-0-name": "",
                "speakers-0-honorific": "",
                "speakers-0-affiliation": "",
                "speakers-0-homepage": "",
            }
        ),
    )
    talk = db.session.scalar(select(Talk))
    assert talk.speakers == [known]
    assert known.honorific == "Prof."  # picking does not overwrite the speaker
    assert db.session.scalar(select(Speaker).where(Speaker.name == "")) is None


def test_two_speakers_and_add_remove_rows_without_javascript(organizer_client, series, db):
    url = f"/dashboard/series/{series.slug}/talks/new"
    added = organizer_client.post(url, data=talk_form(add_speaker="1"))
    assert added.status_code == 200
    html = added.get_data(as_text=True)
    assert 'name="speakers-1-name"' in html
    assert db.session.scalar(select(Talk)) is None  # adding a row saves nothing
    data = talk_form(
        **{
            "speakers-1-speaker_id": "0",
            "speakers-1-name": "Nicholas Carlini",
            "speakers-2-speaker_id": "0",
            "speakers-2-name": "Florian Tramèr",
        }
    )
    removed = organizer_client.post(url, data={**data, "remove_speaker": "speakers-1"})
    html = removed.get_data(as_text=True)
    assert "Florian Tramèr" in html
    assert "Nicholas Carlini" not in html
    organizer_client.post(url, data=data)
    talk = db.session.scalar(select(Talk))
    assert [s.name for s in talk.speakers] == ["Ada Lovelace", "Nicholas Carlini", "Florian Tramèr"]


def test_add_a_speaker_row_with_htmx(organizer_client, series):
    response = organizer_client.post(
        f"/dashboard/series/{series.slug}/speaker-row",
        data=talk_form(),
        headers={"HX-Request": "true"},
    )
    html = response.get_data(as_text=True)
    assert html.lstrip().startswith("{#-") is False
    assert 'id="row-speakers-1"' in html
    assert 'name="speakers-1-name"' in html


def _edit_form(organizer_client, talk) -> dict[str, str]:
    html = organizer_client.get(f"/dashboard/talks/{talk.id}/edit").get_data(as_text=True)
    version = input_value(html, "version")
    speaker = talk.speakers[0]
    return talk_form(
        version=version,
        title=talk.title,
        **{
            "speakers-0-speaker_id": str(speaker.id),
            "speakers-0-loaded_id": str(speaker.id),
            "speakers-0-name": speaker.name,
            "speakers-0-honorific": speaker.honorific,
            "speakers-0-affiliation": speaker.affiliation,
            "speakers-0-homepage": "",
        },
    )


def test_edit_a_talk_writes_a_revision(organizer_client, series, create_talk, db):
    talk = create_talk(
        series=series, title="Old title", start=datetime(2027, 3, 10, 13, tzinfo=UTC)
    )
    data = _edit_form(organizer_client, talk)
    response = organizer_client.post(
        f"/dashboard/talks/{talk.id}/edit", data={**data, "title": "New title"}
    )
    assert response.status_code == 303
    db.session.expire_all()
    talk = db.session.get(Talk, talk.id)
    assert talk.title == "New title"
    assert talk.revisions[-1].changes["title"] == ["Old title", "New title"]
    assert talk.listing == Listing.AUTO


def test_moving_a_published_talk_in_the_form_keeps_the_old_date(
    organizer_client, series, create_talk, db
):
    talk = create_talk(series=series, start=datetime(2027, 3, 10, 13, tzinfo=UTC))
    data = _edit_form(organizer_client, talk)
    organizer_client.post(f"/dashboard/talks/{talk.id}/edit", data={**data, "date": "2027-03-17"})
    db.session.expire_all()
    talk = db.session.get(Talk, talk.id)
    assert talk.previous_starts == [datetime(2027, 3, 10, 13, tzinfo=UTC)]


def test_a_stale_save_is_refused_and_shows_the_other_value(
    app, organizer_client, series, create_talk, db
):
    talk = create_talk(series=series, title="Original", start=datetime(2027, 3, 10, 13, tzinfo=UTC))
    mine = _edit_form(organizer_client, talk)
    # Another organizer saves first.
    theirs = app.test_client()
    theirs.environ_base.update(organizer_client.environ_base)
    theirs.set_cookie("session", organizer_client.get_cookie("session").value, domain="localhost")
    first = theirs.post(f"/dashboard/talks/{talk.id}/edit", data={**mine, "title": "Their title"})
    assert first.status_code == 303
    stale = organizer_client.post(
        f"/dashboard/talks/{talk.id}/edit", data={**mine, "title": "My title"}
    )
    assert stale.status_code == 409
    html = stale.get_data(as_text=True)
    assert "saved this talk while you were editing it" in html
    assert 'value="My title"' in html  # mine are kept in the form
    assert "Saved meanwhile by another organizer: <q>Their title</q>" in html
    db.session.expire_all()
    assert db.session.get(Talk, talk.id).title == "Their title"
    # The form now carries the new version: saving again is a deliberate overwrite.
    new_version = input_value(html, "version")
    again = organizer_client.post(
        f"/dashboard/talks/{talk.id}/edit",
        data={**mine, "version": new_version, "title": "My title"},
    )
    assert again.status_code == 303
    db.session.expire_all()
    assert db.session.get(Talk, talk.id).title == "My title"


def test_a_preview_answered_after_the_save_keeps_the_saved_message(
    app, organizer_client, series, create_talk
):
    # The abstract's preview fires 300 ms after typing: a quick "Save talk" races it. Its
    # answer, arriving after the save's, must not put back the cookie from before the save.
    talk = create_talk(series=series, title="Raced")
    data = _edit_form(organizer_client, talk)
    before = organizer_client.get_cookie("session").value
    saved = organizer_client.post(f"/dashboard/talks/{talk.id}/edit", data=data)
    assert saved.status_code == 303
    preview = app.test_client()
    preview.environ_base.update(organizer_client.environ_base)
    preview.set_cookie("session", before, domain="localhost")
    late = preview.post("/preview", data={"abstract": "x"}, headers={"HX-Request": "true"})
    assert late.status_code == 200
    for cookie in late.headers.getlist("Set-Cookie"):
        organizer_client.set_cookie("session", cookie.split(";")[0].split("=", 1)[1])
    page = organizer_client.get(saved.headers["Location"]).get_data(as_text=True)
    assert "Saved “Raced”." in page


def test_a_stale_save_over_htmx_answers_409(organizer_client, series, create_talk, db):
    talk = create_talk(series=series, start=datetime(2027, 3, 10, 13, tzinfo=UTC))
    mine = _edit_form(organizer_client, talk)
    talk.title = "Changed elsewhere"
    db.session.commit()
    response = organizer_client.post(
        f"/dashboard/talks/{talk.id}/edit",
        data=mine,
        headers={"HX-Request": "true", "HX-Target": "talk-form"},
    )
    assert response.status_code == 409
    html = response.get_data(as_text=True)
    assert html.lstrip().startswith("<form")
    assert "Changed elsewhere" in html


def test_new_talk_suggests_the_next_free_date_of_the_recurrence(organizer_client, create_series):
    from datetime import date, timedelta

    series = create_series(recurrence_weeks=1, recurrence_weekday=4)
    html = organizer_client.get(f"/dashboard/series/{series.slug}/talks/new").get_data(True)
    suggested = date.fromisoformat(input_value(html, "date"))
    assert suggested.weekday() == 4
    assert timedelta(0) <= suggested - date.today() <= timedelta(days=7)


def test_dates_outside_any_plausible_seminar_are_refused(organizer_client, series):
    response = organizer_client.post(
        f"/dashboard/series/{series.slug}/talks/new", data=talk_form(date="0001-01-01")
    )
    assert response.status_code == 422
    assert "between 1900 and 2200" in error_of(response.get_data(as_text=True), "date")


def test_rows_keep_their_numbers_after_one_was_removed_on_the_page(organizer_client, series):
    # Rows 0 and 2 are left on the page: the next row must not reuse number 2.
    data = talk_form(**{"speakers-2-speaker_id": "0", "speakers-2-name": "Second"})
    response = organizer_client.post(
        f"/dashboard/series/{series.slug}/speaker-row", data=data, headers={"HX-Request": "true"}
    )
    assert 'name="speakers-3-name"' in response.get_data(as_text=True)
    check = organizer_client.post(
        f"/dashboard/series/{series.slug}/talks/check",
        data={**data, "speakers-2-homepage": "gopher://x"},
        headers={"HX-Request": "true", "HX-Trigger-Name": "speakers-2-homepage"},
    )
    assert "http:// or https://" in error_of(check.get_data(as_text=True), "speakers-2-homepage")


def test_picking_a_speaker_fills_the_row_with_htmx(organizer_client, series, create_speaker, db):
    known = create_speaker(name="Reza Shokri", affiliation="NUS")
    db.session.commit()
    data = talk_form(**{"speakers-3-speaker_id": str(known.id), "speakers-3-name": ""})
    response = organizer_client.post(
        f"/dashboard/series/{series.slug}/speaker-row/fill",
        data=data,
        headers={"HX-Request": "true", "HX-Trigger-Name": "speakers-3-speaker_id"},
    )
    html = response.get_data(as_text=True)
    assert html.lstrip().startswith('<fieldset class="speaker-row" id="row-speakers-3"')
    assert input_value(html, "speakers-3-name") == "Reza Shokri"
    assert input_value(html, "speakers-3-loaded_id") == str(known.id)


def test_removing_a_row_with_htmx_answers_nothing(organizer_client):
    response = organizer_client.post("/dashboard/speaker-row/remove", headers={"HX-Request": "1"})
    assert response.status_code == 200
    assert response.get_data(as_text=True) == ""


def test_a_talk_has_at_most_twenty_speakers(organizer_client, series):
    rows = {f"speakers-{i}-name": f"Speaker {i}" for i in range(20)}
    data = {**talk_form(), **rows}
    response = organizer_client.post(
        f"/dashboard/series/{series.slug}/speaker-row", data=data, headers={"HX-Request": "true"}
    )
    assert "At most 20 speakers." in response.get_data(as_text=True)
    plain = organizer_client.post(
        f"/dashboard/series/{series.slug}/talks/new", data={**data, "add_speaker": "1"}
    )
    assert "at most 20 speakers" in plain.get_data(as_text=True)


def test_nul_characters_are_removed_from_what_is_posted(organizer_client, series, db, client):
    # No person types a NUL; PostgreSQL refuses it, so it never reaches a field on either engine.
    form = talk_form(title="Member\x00ship", **{"speakers-0-name": "\x00Ada Lovelace"})
    response = organizer_client.post(f"/dashboard/series/{series.slug}/talks/new", data=form)
    assert response.status_code == 303
    talk = db.session.scalar(select(Talk))
    assert talk.title == "Membership"
    assert [s.name for s in talk.speakers] == ["Ada Lovelace"]


# ---------------------------------------------------------------- entering a talk in one pass


def test_a_new_talk_starts_from_the_series_links_and_place_and_may_change_them(
    organizer_client, create_series, db
):
    series = create_series(
        zoom_url="https://zoom.example/j/555",
        livestream_url="https://youtube.example/live",
        location="Room 1.02, Roberts Building",
    )
    html = organizer_client.get(f"/dashboard/series/{series.slug}/talks/new").get_data(as_text=True)
    assert input_value(html, "registration_url") == "https://zoom.example/j/555"
    assert input_value(html, "livestream_url") == "https://youtube.example/live"
    assert input_value(html, "location") == "Room 1.02, Roberts Building"
    # Submitted as the page offered it, but for this talk in another room.
    response = organizer_client.post(
        f"/dashboard/series/{series.slug}/talks/new",
        data=talk_form(
            registration_url="https://zoom.example/j/555",
            livestream_url="https://youtube.example/live",
            location="Lecture theatre G22",
        ),
    )
    assert response.status_code == 303
    talk = db.session.scalar(select(Talk))
    assert talk.registration_url == "https://zoom.example/j/555"
    assert talk.livestream_url == "https://youtube.example/live"
    assert talk.location == "Lecture theatre G22"


def test_series_settings_keep_the_defaults_for_new_talks(organizer_client, create_series, db):
    from prisec.models import Series
    from tests.test_series_planning import settings_form

    series = create_series(slug="rg")
    page = organizer_client.get("/dashboard/series/rg/settings").get_data(as_text=True)
    assert "Registration link (Zoom or other)" in page
    response = organizer_client.post(
        "/dashboard/series/rg/settings",
        data=settings_form(
            zoom_url="us02web.zoom.us/j/8123?pwd=abc",
            livestream_url="https://youtube.example/live",
            location="Room 101",
        ),
    )
    assert response.status_code == 303
    db.session.expire_all()
    series = db.session.get(Series, series.id)
    assert series.zoom_url == "https://us02web.zoom.us/j/8123?pwd=abc"
    assert (series.livestream_url, series.location) == ("https://youtube.example/live", "Room 101")


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("zoom.us/j/123", "https://zoom.us/j/123"),
        ("us02web.zoom.us/j/123?pwd=x", "https://us02web.zoom.us/j/123?pwd=x"),
        ("  Example.ORG:8443/paper  ", "https://Example.ORG:8443/paper"),
        ("https://zoom.us/j/1", "https://zoom.us/j/1"),
    ],
)
def test_an_address_without_its_scheme_is_read_as_https(
    organizer_client, series, db, typed, stored
):
    response = organizer_client.post(
        f"/dashboard/series/{series.slug}/talks/new", data=talk_form(registration_url=typed)
    )
    assert response.status_code == 303
    assert db.session.scalar(select(Talk)).registration_url == stored


@pytest.mark.parametrize(
    "typed", ["javascript:alert(1)", "data:text/html,<b>x</b>", "localhost/j/1", "zoom us/j/1"]
)
def test_what_is_not_a_bare_host_is_still_refused(organizer_client, series, db, typed):
    response = organizer_client.post(
        f"/dashboard/series/{series.slug}/talks/new", data=talk_form(registration_url=typed)
    )
    assert response.status_code == 422
    assert "http:// or https://" in error_of(response.get_data(as_text=True), "registration_url")
    assert db.session.scalar(select(Talk)) is None


def test_the_time_zone_is_matched_in_any_case_and_offered_as_one_types(
    organizer_client, create_series, db
):
    from prisec.models import Series
    from tests.test_series_planning import settings_form

    series = create_series(slug="rg")
    page = organizer_client.get("/dashboard/series/rg/settings").get_data(as_text=True)
    assert re.search(r'<input[^>]*id="timezone"[^>]*list="timezone-zones"', page)
    assert '<datalist id="timezone-zones">' in page
    assert '<option value="Asia/Tokyo">' in page
    response = organizer_client.post(
        "/dashboard/series/rg/settings", data=settings_form(timezone="europe/london")
    )
    assert response.status_code == 303
    db.session.expire_all()
    assert db.session.get(Series, series.id).timezone == "Europe/London"


def test_a_misspelt_time_zone_suggests_the_near_miss(organizer_client, create_series):
    from tests.test_series_planning import settings_form

    create_series(slug="rg")
    response = organizer_client.post(
        "/dashboard/series/rg/settings", data=settings_form(timezone="Asia/Tokio")
    )
    assert response.status_code == 422
    assert "Did you mean Asia/Tokyo?" in error_of(response.get_data(as_text=True), "timezone")
    far = organizer_client.post(
        "/dashboard/series/rg/settings", data=settings_form(timezone="Mars/Olympus")
    )
    assert "Did you mean" not in error_of(far.get_data(as_text=True), "timezone")


def test_a_series_with_no_regular_day_needs_no_usual_start_time(
    organizer_client, create_series, db
):
    from datetime import time

    from prisec.models import Series
    from tests.test_series_planning import settings_form

    series = create_series(slug="rg", default_start_time=time(16, 0))
    response = organizer_client.post(
        "/dashboard/series/rg/settings",
        data=settings_form(recurrence_weeks="", recurrence_weekday="", default_start_time=""),
    )
    assert response.status_code == 303
    db.session.expire_all()
    series = db.session.get(Series, series.id)
    assert series.recurrence_weekday is None
    assert series.default_start_time == time(16, 0)  # new talks still start from it
    # With a regular day the usual start time is asked for.
    response = organizer_client.post(
        "/dashboard/series/rg/settings", data=settings_form(default_start_time="")
    )
    assert response.status_code == 422
    assert "Enter the usual start time." in error_of(
        response.get_data(as_text=True), "default_start_time"
    )


def _overlap_warning(html: str) -> str:
    match = re.search(r'<p id="overlap-warning"[^>]*>(.*?)</p>', html, re.S)
    assert match, "no overlap warning element"
    return match.group(1).strip()


def test_a_talk_at_the_time_of_another_is_warned_of_and_still_saved(
    organizer_client, series, create_talk, db
):
    other = create_talk(
        series=series, title="Shadow models", start=datetime(2027, 3, 10, 13, 30, tzinfo=UTC)
    )
    check = organizer_client.post(
        f"/dashboard/series/{series.slug}/talks/check",
        data=talk_form(),
        headers={"HX-Request": "true", "HX-Trigger-Name": "date"},
    )
    warning = _overlap_warning(check.get_data(as_text=True))
    assert "“Shadow models” (10 March 2027, 13:30–14:30)" in warning
    assert 'id="overlap-warning" class="field-warning" role="status" hx-swap-oob="true"' in (
        check.get_data(as_text=True)
    )
    response = organizer_client.post(
        f"/dashboard/series/{series.slug}/talks/new", data=talk_form(), follow_redirects=True
    )
    assert response.status_code == 200
    assert "overlaps another talk of the series" in response.get_data(as_text=True)
    mine = db.session.scalar(select(Talk).where(Talk.id != other.id))
    assert mine.title == "Membership inference, revisited"
    # Its edit page says so beside the date; the other talk's page too, not of itself.
    edit = organizer_client.get(f"/dashboard/talks/{mine.id}/edit").get_data(as_text=True)
    assert "Shadow models" in _overlap_warning(edit)
    theirs = organizer_client.get(f"/dashboard/talks/{other.id}/edit").get_data(as_text=True)
    assert "Membership inference, revisited" in _overlap_warning(theirs)
    assert "Shadow models" not in _overlap_warning(theirs)


def test_touching_cancelled_and_trashed_talks_are_no_overlap(
    organizer_client, series, create_talk, create_series, db
):
    from prisec import editing

    # Ends as mine starts: no overlap.
    create_talk(series=series, title="Before", start=datetime(2027, 3, 10, 12, 0, tzinfo=UTC))
    cancelled = create_talk(
        series=series, title="Called off", start=datetime(2027, 3, 10, 13, 0, tzinfo=UTC)
    )
    editing.cancel_talk(cancelled)
    trashed = create_talk(
        series=series, title="Binned", start=datetime(2027, 3, 10, 13, 0, tzinfo=UTC)
    )
    editing.delete_talk(trashed)
    create_talk(
        series=create_series(slug="elsewhere"),
        title="Other series",
        start=datetime(2027, 3, 10, 13, 0, tzinfo=UTC),
    )
    db.session.commit()
    check = organizer_client.post(
        f"/dashboard/series/{series.slug}/talks/check",
        data=talk_form(),
        headers={"HX-Request": "true", "HX-Trigger-Name": "start_time"},
    )
    assert _overlap_warning(check.get_data(as_text=True)) == ""
