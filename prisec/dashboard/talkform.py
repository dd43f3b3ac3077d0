"""Between the talk form and the talk: filling the form, reading it back, spotting conflicts."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import url_for
from sqlalchemy import select
from wtforms import SelectChoice

from .. import wallclock
from ..extensions import db
from ..models import Listing, Series, Speaker, Talk, TalkStatus
from .forms import TalkForm

TEXT_FIELDS = (
    "title", "abstract", "bio", "registration_url", "livestream_url", "recording_url",
    "slides_url", "code_url", "paper_url", "event_name", "event_url", "location",
)  # fmt: skip


def speaker_choices() -> list[SelectChoice]:
    """Every known speaker, for the pick lists."""
    speakers = db.session.scalars(select(Speaker).order_by(Speaker.name, Speaker.id))
    return [
        SelectChoice(
            s.id, f"{s.display_name} ({s.affiliation})" if s.affiliation else s.display_name
        )
        for s in speakers
    ]


def speaker_row_data(speaker: Speaker) -> dict[str, Any]:
    """A speaker row filled from a stored speaker."""
    return {
        "speaker_id": speaker.id,
        "loaded_id": str(speaker.id),
        "honorific": speaker.honorific,
        "name": speaker.name,
        "affiliation": speaker.affiliation,
        "homepage": speaker.homepage,
    }


def form_data_of_talk(talk: Talk) -> dict[str, Any]:
    """The talk as the form shows it, times in the series' zone."""
    zone_name = talk.series.timezone
    start = wallclock.in_zone(talk.start, zone_name)
    end = wallclock.in_zone(talk.end, zone_name)
    data: dict[str, Any] = {name: getattr(talk, name) for name in TEXT_FIELDS}
    data.update(
        version=str(talk.version),
        talk_id=str(talk.id),
        date=start.date(),
        start_time=start.time().replace(tzinfo=None),
        end_time=end.time().replace(tzinfo=None),
        fold=str(start.fold),
        listing=talk.listing.value,
        published=talk.published,
        speakers=[speaker_row_data(s) for s in talk.speakers],
    )
    return data


def form_data_for_new_talk(series: Series, day: Any = None) -> dict[str, Any]:
    """An empty talk with the series' defaults: start time, length, links and place."""
    start = series.default_start_time
    minutes = series.default_duration_minutes
    end_minutes = min(start.hour * 60 + start.minute + minutes, 23 * 60 + 59)
    return {
        "date": day,
        "start_time": start,
        "end_time": start.replace(hour=end_minutes // 60, minute=end_minutes % 60),
        # The series' Zoom link is where attendees register for each of its talks.
        "registration_url": series.zoom_url,
        "livestream_url": series.livestream_url,
        "location": series.location,
        "listing": Listing.AUTO.value,
        "speakers": [{}],
    }


def overlapping_talks(
    series: Series, start: datetime, end: datetime, leave_out: int | None = None
) -> list[Talk]:
    """Talks of the series whose time intersects [start, end); cancelled and trashed ones aside."""
    query = (
        select(Talk)
        .where(
            Talk.series_id == series.id,
            Talk.deleted_at.is_(None),
            Talk.status != TalkStatus.CANCELLED,
            Talk.start < end,
            Talk.end > start,
        )
        .order_by(Talk.start, Talk.id)
    )
    if leave_out is not None:
        query = query.where(Talk.id != leave_out)
    return list(db.session.scalars(query))


def overlap_message(talks: list[Talk], zone_name: str) -> str:
    """The warning shown beside the date: which talks share the time, when they run."""
    if not talks:
        return ""
    named = []
    for talk in talks:
        start = wallclock.in_zone(talk.start, zone_name)
        end = wallclock.in_zone(talk.end, zone_name)
        named.append(
            f"“{talk.title or 'Untitled'}” ({wallclock.format_date(start)}, "
            f"{start:%H:%M}–{end:%H:%M})"
        )
    which = "another talk" if len(talks) == 1 else f"{len(talks)} other talks"
    return f"This time overlaps {which} of the series: {', '.join(named)}. You can still save."


def _form_times(form: TalkForm) -> tuple[datetime, datetime] | None:
    # After validation the form knows its instants; before it (a form filled from a talk),
    # they are read from its fields, leaving no message behind on a field that is unreadable.
    if form.start_utc is not None and form.end_utc is not None:
        return form.start_utc, form.end_utc
    day, start, end = form.date.data, form.start_time.data, form.end_time.data
    if day is None or start is None or end is None:
        return None
    try:
        fold = int(form.fold.data) if form.fold.data in ("0", "1") else 0
        start_utc = wallclock.combine(day, start, form.zone_name, fold)
        end_utc = wallclock.combine(day, end, form.zone_name, 0)
    except (wallclock.WallClockError, ValueError, OverflowError):
        return None
    return (start_utc, end_utc) if end_utc > start_utc else None


def new_talk_form(series: Series, **kwargs: Any) -> TalkForm:
    """A talk form bound to the request (or to `data`), knowing the series' zone and speakers."""
    form = TalkForm(**kwargs)
    form.zone_name = series.timezone
    form.set_speaker_choices(speaker_choices())

    def overlap_warning() -> str:
        times = _form_times(form)
        if times is None:
            return ""
        leave_out = int(form.talk_id.data) if (form.talk_id.data or "").isdigit() else None
        return overlap_message(overlapping_talks(series, *times, leave_out), series.timezone)

    form.overlap_warning = overlap_warning
    if form.date.data and form.start_time.data:
        try:
            wallclock.combine(form.date.data, form.start_time.data, series.timezone)
        except wallclock.AmbiguousTime:
            form.needs_fold = True
        except wallclock.WallClockError:
            pass
    return form


def store_uploads(form: TalkForm) -> bool:
    """Store the uploaded photos and slides; False with messages beside the fields when refused."""
    # Imported here: storing photos needs Pillow, which serving pages does not.
    from .files import UploadError, store_photo, store_slides

    ok = True
    for row in form.speakers:
        upload = row.form.photo.data
        row.form.photo_name = ""
        if upload:
            try:
                row.form.photo_name = store_photo(upload)
            except UploadError as exc:
                row.form.photo.errors = [str(exc)]
                ok = False
    if form.slides_file.data:
        try:
            name = store_slides(form.slides_file.data)
        except UploadError as exc:
            form.slides_file.errors = [str(exc)]
            ok = False
        else:
            form.slides_url.data = url_for("uploads.slides", name=name)
    return ok


def speakers_from_form(form: TalkForm) -> list[Speaker]:
    """The talk's speakers: picked ones (edited if their row was filled from them), new ones."""
    speakers = []
    for row in form.speakers:
        fields = row.form
        if fields.is_blank:
            continue
        speaker = (
            db.session.get(Speaker, fields.speaker_id.data) if fields.speaker_id.data else None
        )
        # The row's fields describe the picked speaker only if they were loaded from it;
        # otherwise picking someone from the list must not rename them.
        editing = speaker is None or fields.loaded_id.data == str(speaker.id)
        if speaker is None:
            speaker = Speaker(name=fields.name.data)
            db.session.add(speaker)
        if editing:
            if fields.name.data:
                speaker.name = fields.name.data
            speaker.honorific = fields.honorific.data or ""
            speaker.affiliation = fields.affiliation.data or ""
            speaker.homepage = fields.homepage.data or ""
        if getattr(fields, "photo_name", ""):
            speaker.photo = fields.photo_name
        speakers.append(speaker)
    return speakers


def talk_fields_from_form(form: TalkForm) -> dict[str, Any]:
    """The talk's own fields as the form gives them."""
    fields: dict[str, Any] = {name: form[name].data or "" for name in TEXT_FIELDS}
    fields.update(
        start=form.start_utc,
        end=form.end_utc,
        listing=Listing(form.listing.data),
        published=bool(form.published.data),
    )
    return fields


def saved_message(talk: Talk) -> str:
    """What the organizer reads after a save: saved, and whether its time overlaps another."""
    message = f"Saved “{talk.title or 'Untitled'}”."
    if talk.cancelled:
        return message
    warning = overlap_message(
        overlapping_talks(talk.series, talk.start, talk.end, talk.id), talk.series.timezone
    )
    return f"{message} {warning}" if warning else message


def conflicts_with(form: TalkForm, talk: Talk) -> dict[str, str]:
    """Fields where another organizer's save differs from what the form holds: name -> their value.

    (A stale form's conflict; a clash of times with another talk is `overlapping_talks`.)
    """
    saved = form_data_of_talk(talk)
    conflicts: dict[str, str] = {}
    for name in (*TEXT_FIELDS, "date", "start_time", "end_time", "listing", "published"):
        mine = form[name].data
        theirs = saved[name]
        if (mine or "") != (theirs or ""):
            conflicts[name] = _shown(theirs)
    mine_speakers = [row.form.name.data for row in form.speakers if not row.form.is_blank]
    theirs_speakers = [s["name"] for s in saved["speakers"]]
    if mine_speakers != theirs_speakers:
        conflicts["speakers"] = ", ".join(theirs_speakers)
    return conflicts


def _shown(value: Any) -> str:
    if value is True:
        return "yes"
    if value is False:
        return "no"
    if hasattr(value, "strftime") and hasattr(value, "hour") and not hasattr(value, "year"):
        return value.strftime("%H:%M")
    return "" if value is None else str(value)
