"""Forms of the dashboard: talks, speakers, reschedules, series settings and planning."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date, datetime, time, timedelta

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    DateField,
    Field,
    FieldList,
    Form,
    FormField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectChoice,
    SelectField,
    TextAreaField,
    TimeField,
)
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
)

from .. import wallclock
from ..announcing import compose as announcing_compose
from ..forms import WEEKDAYS, ZoneField, iana_zone, single_line, text_field, url_field
from ..models import Listing, Series
from ..textcleaning import clean_text


class RowList(FieldList):
    """A FieldList that keeps the row numbers as posted.

    WTForms renumbers rows to 0..N-1; after htmx removed a row from the page, a fragment
    rendered for row 2 would then be named row 1 and land on the wrong inputs.
    """

    def _compact_indices(self) -> None:
        pass

    @property
    def full(self) -> bool:
        """Whether no further row may be added."""
        return bool(self.max_entries) and len(self.entries) >= self.max_entries


EARLIEST_YEAR, LATEST_YEAR = 1900, 2200


class SpeakerForm(Form):
    """One speaker row: an existing speaker picked from the list, or a new one typed in."""

    speaker_id = SelectField("Speaker", coerce=int, validate_choice=False, default=0)
    # Which speaker the fields below were filled from: edits apply to that one only.
    loaded_id = HiddenField()
    honorific = text_field("Honorific", 40, single_line)
    name = text_field("Name", 200, single_line)
    affiliation = text_field("Affiliation", 300)
    homepage = url_field("Homepage")
    photo = FileField("Photo (JPEG, PNG or WebP, up to 5 MB)")

    @property
    def is_blank(self) -> bool:
        """A row with neither a picked speaker nor a typed name is ignored."""
        return not self.speaker_id.data and not (self.name.data or "").strip()


def resolve_wall_clock(day: date, at: time, zone_name: str, fold_choice: str | None) -> datetime:
    """UTC instant of a local date and time, refusing gaps and asking at folds."""
    fold = int(fold_choice) if fold_choice in ("0", "1") else None
    return wallclock.combine(day, at, zone_name, fold)


def fold_choices(day: date, at: time, zone_name: str) -> list[SelectChoice]:
    """The two readings of an ambiguous local time, labelled with their zone abbreviations."""
    choices = []
    for fold in (0, 1):
        instant = wallclock.combine(day, at, zone_name, fold)
        local = wallclock.in_zone(instant, zone_name)
        which = "first" if fold == 0 else "second"
        label = f"{at:%H:%M} {wallclock.zone_abbreviation(local)} ({which})"
        choices.append(SelectChoice(str(fold), label))
    return choices


FOLD_CHOICES = [SelectChoice("0", "first"), SelectChoice("1", "second")]


class WhenMixin:
    """Date, start time and the fold choice in the series' zone, checked together."""

    zone_name: str = "UTC"
    needs_fold: bool = False
    start_utc: datetime | None = None

    def check_start(self) -> bool:
        """Convert date and start time to UTC; errors land on the start time."""
        if self.date.data is None or self.start_time.data is None:
            return False
        if not EARLIEST_YEAR <= self.date.data.year <= LATEST_YEAR:
            self.date.errors.append(f"Enter a date between {EARLIEST_YEAR} and {LATEST_YEAR}.")
            return False
        self.fold.choices = fold_choices_or_default(
            self.date.data, self.start_time.data, self.zone_name
        )
        try:
            self.start_utc = resolve_wall_clock(
                self.date.data, self.start_time.data, self.zone_name, self.fold.data
            )
        except wallclock.NonexistentTime as exc:
            self.start_time.errors.append(f"{exc}. Choose another time.")
            return False
        except wallclock.AmbiguousTime as exc:
            self.needs_fold = True
            self.fold.errors.append(f"{exc}. Choose which one you mean.")
            return False
        return True


def fold_choices_or_default(day: date, at: time, zone_name: str) -> list[SelectChoice]:
    try:
        wallclock.combine(day, at, zone_name)
    except wallclock.AmbiguousTime:
        return fold_choices(day, at, zone_name)
    except wallclock.WallClockError:
        pass
    return FOLD_CHOICES


MAX_SPEAKERS = 20


class TalkForm(FlaskForm, WhenMixin):
    """Every field of a talk, its speakers and its date and time in the series' zone."""

    version = HiddenField()
    # The talk being edited, so that the overlap check does not find the talk itself; only
    # ever used to leave a talk out of that warning.
    talk_id = HiddenField()
    title = text_field("Title", 300, single_line)
    speakers = RowList(FormField(SpeakerForm), min_entries=1, max_entries=MAX_SPEAKERS)
    date = DateField("Date", validators=[InputRequired("Enter the date.")])
    start_time = TimeField("Starts", validators=[InputRequired("Enter the start time.")])
    end_time = TimeField("Ends", validators=[InputRequired("Enter the end time.")])
    fold = RadioField("Which one?", choices=FOLD_CHOICES, validate_choice=False)
    abstract = TextAreaField(
        "Abstract (Markdown, $maths$ allowed)",
        validators=[Length(max=20000, message="At most 20000 characters.")],
    )
    bio = TextAreaField("Bio", validators=[Length(max=10000, message="At most 10000 characters.")])
    registration_url = url_field("Zoom registration")
    livestream_url = url_field("Live stream")
    recording_url = url_field("Recording")
    slides_url = url_field("Slides (a link, or upload a PDF below)")
    slides_file = FileField("Slides PDF (up to 20 MB)")
    code_url = url_field("Code")
    paper_url = url_field("Paper")
    event_name = text_field("Event name", 300)
    event_url = url_field("Event web page")
    location = text_field("Location", 300)
    listing = SelectField(
        "Listing",
        choices=[
            SelectChoice(Listing.AUTO.value, "Auto (follows the clock)"),
            SelectChoice(Listing.UPCOMING.value, "Upcoming"),
            SelectChoice(Listing.PAST.value, "Past"),
        ],
        default=Listing.AUTO.value,
    )
    published = BooleanField("Published (shown on the public schedule)")

    end_utc: datetime | None = None

    def overlap_warning(self) -> str:
        """Other talks of the series at this time (set per series by `talkform.new_talk_form`)."""
        return ""

    def set_speaker_choices(self, choices: list[SelectChoice]) -> None:
        """Offer the existing speakers in every row."""
        for row in self.speakers:
            row.form.speaker_id.choices = [SelectChoice(0, "New speaker (type below)"), *choices]

    def validate(self, extra_validators=None) -> bool:
        """Field checks, then speakers, time-zone gaps and folds, and end after start."""
        valid = super().validate(extra_validators)
        rows = [row.form for row in self.speakers if not row.form.is_blank]
        if not rows:
            self.speakers.errors.append("Enter at least one speaker.")
            valid = False
        for row in self.speakers:
            known = {choice.value for choice in row.form.speaker_id.choices or []}
            if row.form.speaker_id.data and row.form.speaker_id.data not in known:
                row.form.speaker_id.errors.append("Pick a speaker from the list.")
                valid = False
        if not self.check_start():
            return False
        if self.end_time.data is None:
            # An unreadable end time ("25:99") leaves no value behind.
            if not self.end_time.errors:
                self.end_time.errors.append("Enter the time the talk ends, such as 14:00.")
            return False
        try:
            end_local = datetime.combine(self.date.data, self.end_time.data)
            self.end_utc = wallclock.to_utc(end_local, self.zone_name, fold=0)
            if self.end_utc <= self.start_utc:
                # An end inside the autumn fold may mean its second occurrence.
                self.end_utc = wallclock.to_utc(end_local, self.zone_name, fold=1)
        except wallclock.NonexistentTime as exc:
            self.end_time.errors.append(f"{exc}. Choose another time.")
            return False
        if self.end_utc <= self.start_utc:
            self.end_time.errors.append("The talk must end after it starts.")
            return False
        return valid

    def all_fields(self) -> Iterator[Field]:
        """Every field, speaker rows included, flattened."""
        for item in self:
            if item.name == "speakers":
                for row in item:
                    yield from row.form
            else:
                yield item

    def field_named(self, name: str) -> Field | None:
        """The field behind a posted input name such as 'speakers-0-homepage'."""
        return next((f for f in self.all_fields() if f.name == name), None)


class RescheduleForm(FlaskForm, WhenMixin):
    """A new date and start time, and why."""

    date = DateField("New date", validators=[InputRequired("Enter the new date.")])
    start_time = TimeField("New start time", validators=[InputRequired("Enter the start time.")])
    fold = RadioField("Which one?", choices=FOLD_CHOICES, validate_choice=False)
    reason = text_field("Reason (optional, shown to attendees)", 500, single_line)

    def validate(self, extra_validators=None) -> bool:
        """Field checks, then the time zone's gaps and folds."""
        valid = super().validate(extra_validators)
        return self.check_start() and valid


CANCEL_NOTE_LENGTH = 1000


def one_paragraph(value: object) -> object:
    """Text as one paragraph: line breaks and runs of spaces become single spaces."""
    if not isinstance(value, str):
        return value
    return " ".join(clean_text(value).split())


class CancelForm(FlaskForm):
    """The confirmation of a cancellation, with what attendees are told."""

    note = TextAreaField(
        "Note for attendees (optional)",
        validators=[
            Length(max=CANCEL_NOTE_LENGTH, message=f"At most {CANCEL_NOTE_LENGTH} characters.")
        ],
        filters=[one_paragraph],
    )


class SeriesOrganizerForm(Form):
    """One entry of the public organizer list."""

    honorific = text_field("Honorific", 40)
    name = text_field("Name", 200)
    affiliation = text_field("Affiliation", 300)
    homepage = url_field("Homepage")


class SeriesForm(FlaskForm):
    """A series' name, zone, recurrence, defaults, texts, links and public organizers."""

    name = text_field("Name", 200, DataRequired("Enter the series' name."), single_line)
    timezone = ZoneField("Time zone", validators=[DataRequired("Enter a time zone."), iana_zone])
    recurrence_weeks = IntegerField(
        "Every how many weeks",
        validators=[Optional(), NumberRange(1, 12, "Enter a number of weeks from 1 to 12.")],
    )
    recurrence_weekday = SelectField(
        "On",
        choices=[
            SelectChoice("", "No regular day"),
            *[SelectChoice(str(i), day) for i, day in enumerate(WEEKDAYS)],
        ],
    )
    # Asked only of a series with a regular day (see `validate`).
    default_start_time = TimeField("At", validators=[Optional()])
    default_duration_minutes = IntegerField(
        "Usual length (minutes)",
        validators=[
            DataRequired("Enter the usual length."),
            NumberRange(5, 600, "Enter a length from 5 to 600 minutes."),
        ],
    )
    description = TextAreaField(
        "About the series (Markdown)",
        validators=[Length(max=20000, message="At most 20000 characters.")],
    )
    mailing_list_url = url_field("Mailing list")
    youtube_url = url_field("YouTube channel")
    zoom_url = url_field("Registration link (Zoom or other)")
    livestream_url = url_field("Live stream")
    location = text_field("Location", 300)
    keep_imported_calendar = BooleanField("Show the calendar imported from the old page")
    imported_calendar_label = text_field("Its label on the public page", 200)
    organizers = RowList(FormField(SeriesOrganizerForm), min_entries=1, max_entries=30)
    announcement_template = TextAreaField(
        "Announcement template (empty: the built-in one)",
        validators=[Length(max=20000, message="At most 20000 characters.")],
    )
    announcement_zones = TextAreaField(
        "Time zones stated in announcements (one a line)",
        default=announcing_compose.default_zones_text,
        validators=[Length(max=2000, message="At most 2000 characters.")],
    )
    announcement_address = text_field(
        "Announcement address (the mailing list to send to)", 320, single_line
    )

    def validate(self, extra_validators=None) -> bool:
        """Field checks, and the recurrence given whole or not at all."""
        valid = super().validate(extra_validators)
        if bool(self.recurrence_weeks.data) != bool(self.recurrence_weekday.data):
            self.recurrence_weekday.errors.append(
                "Give both how often and on which weekday, or neither."
            )
            valid = False
        if self.recurrence_weekday.data and self.default_start_time.data is None:
            if not self.default_start_time.errors:
                self.default_start_time.errors.append("Enter the usual start time.")
            valid = False
        return self.validate_announcement() and valid

    def validate_announcement(self) -> bool:
        """The template renders a sample talk, the zones exist, the address is one address."""
        valid = True
        message = announcing_compose.check_template(self.announcement_template.data or "")
        if message:
            self.announcement_template.errors.append(message)
            valid = False
        unknown = announcing_compose.series_zone_errors(self.announcement_zones.data or "")
        if unknown:
            self.announcement_zones.errors.append(
                f"Not a time zone: {', '.join(unknown)}. Use IANA names such as Asia/Shanghai."
            )
            valid = False
        address = self.announcement_address.data or ""
        if address and not self.announcement_address.errors and not _ADDRESS.match(address):
            self.announcement_address.errors.append(
                "Enter one email address, like list@example.org."
            )
            valid = False
        return valid


# One plain address: no spaces, commas or line breaks that could add recipients or headers.
_ADDRESS = re.compile(r"^[^@\s,;<>\"]+@[^@\s,;<>\"]+\.[^@\s,;<>\"]+$")


def series_from_form(form: SeriesForm, series: Series) -> None:
    """Copy the settings form onto the series (organizers included)."""
    series.name = form.name.data
    series.timezone = form.timezone.data.strip()
    series.recurrence_weeks = form.recurrence_weeks.data or None
    weekday = form.recurrence_weekday.data
    series.recurrence_weekday = int(weekday) if weekday else None
    if form.default_start_time.data is not None:
        # A series with no regular day may leave it blank: new talks keep the one it had.
        series.default_start_time = form.default_start_time.data
    series.default_duration_minutes = form.default_duration_minutes.data
    series.description = form.description.data or ""
    series.mailing_list_url = form.mailing_list_url.data or ""
    series.youtube_url = form.youtube_url.data or ""
    series.zoom_url = form.zoom_url.data or ""
    series.livestream_url = form.livestream_url.data or ""
    series.location = form.location.data or ""
    series.keep_imported_calendar = bool(form.keep_imported_calendar.data)
    series.imported_calendar_label = (form.imported_calendar_label.data or "").strip()
    series.announcement_template = (form.announcement_template.data or "").replace("\r\n", "\n")
    series.announcement_zones = "\n".join(
        announcing_compose.parse_zones(form.announcement_zones.data or "")
    )
    series.announcement_address = form.announcement_address.data or ""


class SkipSlotForm(FlaskForm):
    """One slot of the recurrence to skip or bring back."""

    day = DateField("Date", validators=[InputRequired("The slot's date is missing.")])


def default_end(start: datetime, minutes: int) -> datetime:
    """Start plus the series' usual length."""
    return start + timedelta(minutes=minutes)
