"""Writing parsed talks into the database: find or create, change only what differs."""

from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from flask import current_app
from sqlalchemy import func, select

from .. import wallclock
from ..editing import create_talk, record_revision, reschedule_talk
from ..extensions import db
from ..models import Listing, Series, SeriesOrganizer, Speaker, Talk
from .records import ParsedSchedule, Problem, SeriesEntry, SpeakerEntry, TalkEntry

# Talk fields a page fills; a value the page leaves empty never blanks one already stored.
TALK_FIELDS = (
    "title", "abstract", "bio", "registration_url", "livestream_url", "recording_url",
    "slides_url", "code_url", "paper_url", "event_name", "event_url",
)  # fmt: skip
SERIES_FIELDS = (
    "name", "description", "mailing_list_url", "youtube_url", "calendar_html_url",
    "calendar_ics_url",
)  # fmt: skip
SPEAKER_FIELDS = ("honorific", "affiliation", "homepage")
PHOTO_TYPES = {".jpg": "jpg", ".jpeg": "jpg", ".png": "png", ".webp": "webp"}


@dataclass
class ImportReport:
    """What an import created and changed, and what it could not read."""

    created: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    created_count: int = 0
    changed_count: int = 0
    unchanged_count: int = 0
    dry_run: bool = False
    # What the counts count, for the summary line.
    subject: str = "talks"

    def count_created(self, label: str) -> None:
        """Report one thing of the counted kind as created."""
        self.created.append(label)
        self.created_count += 1

    def count_existing(self, label: str, changed: list[str]) -> None:
        """Report one thing of the counted kind found stored, with the fields that changed."""
        if changed:
            self.changed.append(f"{label}: {', '.join(changed)}")
            self.changed_count += 1
        else:
            self.unchanged_count += 1

    def finish(self) -> ImportReport:
        """Commit, or roll everything back on a dry run; the report itself."""
        if self.dry_run:
            db.session.rollback()
        else:
            db.session.commit()
        return self

    def lines(self) -> list[str]:
        """The report as printed by the command."""
        out = [f"create {item}" for item in self.created]
        out += [f"change {item}" for item in self.changed]
        out += [f"note: {note}" for note in self.notes]
        out += [f"problem: {problem}" for problem in self.problems]
        verb = "would be" if self.dry_run else "were"
        out.append(
            f"{self.created_count} {self.subject} {verb} created, {self.changed_count} changed, "
            f"{self.unchanged_count} already up to date."
        )
        if self.dry_run:
            out.append("Dry run: nothing was written.")
        return out


def _fill_empty(stored: object, entry: object, names: tuple[str, ...]) -> list[str]:
    """Copy the page's values into fields still empty here; the names of those filled."""
    filled = []
    for name in names:
        value = getattr(entry, name)
        if value and not getattr(stored, name):
            setattr(stored, name, value)
            filled.append(name)
    return filled


def _describe(entry_start: datetime, zone: str, speakers: list[str], title: str) -> str:
    local = wallclock.in_zone(entry_start, zone)
    when = f"{wallclock.format_date(local)} {wallclock.format_time(local)}"
    return f"talk {when} {zone}: {', '.join(speakers)}: {title or 'TBA'}"


class Importer:
    """Applies parsed talks and series details to one series, reporting every write."""

    def __init__(self, slug: str, *, dry_run: bool = False, photo_dirs: list[Path] | None = None):
        self.slug = slug
        self.report = ImportReport(dry_run=dry_run)
        self.photo_dirs = photo_dirs or []
        self.series: Series | None = None

    # Series -------------------------------------------------------------------

    def _fit(self, entry: object, model: type, line: int = 0, source: str = "") -> None:
        """Cut text longer than its column allows, saying so: the engine would refuse it."""
        columns = model.__table__.columns  # type: ignore[attr-defined]
        for name, value in vars(entry).items():
            # A page's photo is a path to read, not the stored name.
            stored = name in columns and name != "photo"
            limit = getattr(columns[name].type, "length", None) if stored else None
            if limit and isinstance(value, str) and len(value) > limit:
                setattr(entry, name, value[:limit])
                self.report.problems.append(
                    Problem(line, f"{name} is longer than {limit} characters; cut", source)
                )

    def use_series(self, entry: SeriesEntry | None, zones: list[str]) -> Series:
        """The series of the import, created when its slug is new; empty fields filled in."""
        series = db.session.scalar(select(Series).where(Series.slug == self.slug))
        entry = entry or SeriesEntry()
        self._fit(entry, Series)
        for organizer in entry.organizers:
            self._fit(organizer, SeriesOrganizer)
        is_new = series is None
        if series is None:
            zone = Counter(zones).most_common(1)[0][0] if zones else "Europe/London"
            series = Series(slug=self.slug, name=entry.name or self.slug, timezone=zone)
            db.session.add(series)
            db.session.flush()
            self.report.created.append(f"series {self.slug!r} ({series.name}, {zone})")
        changed = _fill_empty(series, entry, SERIES_FIELDS)
        if changed and not is_new:
            self.report.changed.append(f"series {self.slug!r}: {', '.join(changed)}")
        known = {o.name.casefold() for o in series.organizers}
        for organizer in entry.organizers:
            if organizer.name.casefold() in known:
                continue
            series.organizers.append(
                SeriesOrganizer(
                    position=len(series.organizers),
                    honorific=organizer.honorific,
                    name=organizer.name,
                    affiliation=organizer.affiliation,
                    homepage=organizer.homepage,
                )
            )
            known.add(organizer.name.casefold())
            self.report.created.append(f"organizer {organizer.name} of {self.slug!r}")
        self.series = series
        return series

    # Speakers -----------------------------------------------------------------

    def _photo(self, entry: SpeakerEntry, base: Path | None) -> str:
        """The stored file name of the speaker's photo, copied into uploads; '' when missing."""
        if not entry.photo:
            return ""
        name = Path(entry.photo).name
        candidates = [d / name for d in self.photo_dirs]
        if base is not None:
            candidates.append(base / entry.photo)
        found = next((c for c in candidates if c.is_file()), None)
        kind = PHOTO_TYPES.get(Path(name).suffix.lower())
        if found is None or kind is None:
            self.report.notes.append(f"photo {entry.photo} of {entry.name} not found; no photo")
            return ""
        # The same checks and re-encoding as a photo uploaded through the form (Pillow is
        # imported only by the commands and views that handle photos).
        from ..dashboard.files import UploadError, reencode_photo

        try:
            content, kind = reencode_photo(found.read_bytes(), name)
        except UploadError as refused:
            self.report.notes.append(f"photo {entry.photo} of {entry.name} refused: {refused}")
            return ""
        stored = f"{hashlib.sha256(content).hexdigest()}.{kind}"
        if not self.report.dry_run:
            target = Path(current_app.config["UPLOAD_FOLDER"]) / stored
            if not target.exists():
                target.write_bytes(content)
        return stored

    def speaker(self, entry: SpeakerEntry, base: Path | None) -> Speaker:
        """The speaker of that name, created when new; empty fields filled from the page."""
        speaker = db.session.scalar(
            select(Speaker)
            .where(func.lower(Speaker.name) == entry.name.lower())
            .order_by(Speaker.id)
            .limit(1)
        )
        if speaker is None:
            speaker = Speaker(name=entry.name)
            db.session.add(speaker)
            self.report.created.append(f"speaker {entry.name}")
            is_new = True
        else:
            is_new = False
        changed = _fill_empty(speaker, entry, SPEAKER_FIELDS)
        if not speaker.photo:
            speaker.photo = self._photo(entry, base)
            if speaker.photo:
                changed.append("photo")
        if changed and not is_new:
            self.report.changed.append(f"speaker {entry.name}: {', '.join(changed)}")
        return speaker

    # Talks --------------------------------------------------------------------

    def _starts(self, entry: TalkEntry) -> list[datetime] | None:
        """Every start of the talk, oldest first, the current one last; None when impossible."""
        series = self.series
        assert series is not None
        zone = entry.zone or series.timezone
        at = entry.at or series.default_start_time
        starts = []
        for day in [*entry.previous_days, entry.day]:
            try:
                starts.append(wallclock.combine(day, at, zone, fold=0))
            except ValueError as exc:
                self.report.problems.append(
                    Problem(entry.line, f"{exc}; talk skipped", entry.source)
                )
                return None
        return starts

    def _existing(self, entry: TalkEntry, starts: list[datetime]) -> Talk | None:
        """The talk of the same series and first speaker at any of the page's starts."""
        series = self.series
        assert series is not None
        name = entry.speakers[0].name.casefold()
        for talk in db.session.scalars(select(Talk).where(Talk.series_id == series.id)):
            known = {talk.start, *talk.previous_starts}
            speakers = {s.name.casefold() for s in talk.speakers}
            if name in speakers and known.intersection(starts):
                return talk
        return None

    def talk(self, entry: TalkEntry, base: Path | None = None) -> Talk | None:
        """Create the talk with its reschedule history, or bring the existing one up to date."""
        series = self.series
        assert series is not None
        self._fit(entry, Talk, entry.line, entry.source)
        for speaker_entry in entry.speakers:
            self._fit(speaker_entry, Speaker, entry.line, entry.source)
        starts = self._starts(entry)
        if starts is None:
            return None
        names = [s.name for s in entry.speakers]
        duration = timedelta(minutes=entry.duration_minutes or series.default_duration_minutes)
        fields = {name: getattr(entry, name) for name in TALK_FIELDS}
        existing = self._existing(entry, starts)
        label = _describe(starts[-1], entry.zone or series.timezone, names, entry.title)
        speakers = [self.speaker(s, base) for s in entry.speakers]
        if existing is None:
            talk = create_talk(
                series,
                speakers,
                start=starts[0],
                end=starts[0] + duration,
                listing=Listing.AUTO,
                published=entry.published,
                **fields,
            )
            talk.revisions[-1].summary = "Imported"
            for start in starts[1:]:
                reschedule_talk(talk, start, reason="imported")
            zone = entry.zone or series.timezone
            earlier = [wallclock.format_date(wallclock.in_zone(s, zone)) for s in starts[:-1]]
            moved = f" (moved from {', '.join(earlier)})" if earlier else ""
            self.report.count_created(label + moved)
            return talk
        changed = [
            name for name, value in fields.items() if value and getattr(existing, name) != value
        ]
        for name in changed:
            setattr(existing, name, fields[name])
        if changed:
            record_revision(existing, None, f"Imported: {', '.join(changed)}")
        if starts[-1] != existing.start and starts[-1] not in existing.previous_starts:
            reschedule_talk(existing, starts[-1], reason="imported")
            changed.append("start")
        self.report.count_existing(label, changed)
        return existing

    def finish(self) -> ImportReport:
        """Commit, or roll everything back on a dry run."""
        return self.report.finish()


def import_schedule(
    parsed: ParsedSchedule,
    slug: str,
    *,
    dry_run: bool = False,
    base: Path | None = None,
    photo_dirs: list[Path] | None = None,
) -> ImportReport:
    """Apply a parsed page to the series `slug`; `base` is the page's folder, for photos."""
    importer = Importer(slug, dry_run=dry_run, photo_dirs=photo_dirs)
    importer.report.problems.extend(parsed.problems)
    importer.use_series(parsed.series, [t.zone for t in parsed.talks if t.zone])
    for entry in parsed.talks:
        importer.talk(entry, base)
    importer.report.problems.sort(key=lambda p: p.line)
    return importer.finish()


def import_talk_pages(
    pages: list[tuple[TalkEntry | None, list[Problem], Path]],
    slug: str,
    *,
    dry_run: bool = False,
) -> ImportReport:
    """Apply talks read from separate files (Hugo pages) to the series `slug`.

    Each item is a page's talk (None when unreadable), its problems and its folder.
    """
    importer = Importer(slug, dry_run=dry_run)
    talks = [t for t, _, _ in pages if t is not None]
    events = Counter(t.event_name for t in talks if t.event_name).most_common(1)
    # A new series is named after the event its talks share, if any.
    series = SeriesEntry(name=events[0][0] if events else "")
    importer.use_series(series, [t.zone for t in talks if t.zone])
    for entry, problems, base in pages:
        importer.report.problems.extend(problems)
        if entry is not None:
            importer.talk(entry, base)
    return importer.finish()
