"""`flask import ...` and `flask export ...`: bringing a site in and taking it out."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TextIO

import click
from flask import Flask, current_app

from ..backup import backup_command, restore_command
from ..exporting.cli import export_group
from ..exporting.sitejson import ExportError, load_site
from ..extensions import db
from ..models import Talk, slugify
from .apply import ImportReport, import_schedule, import_talk_pages

# The parsers (YAML, ftfy, BibTeX, LaTeX) are imported by the commands that use them: a
# server process registers these commands but never runs them.


def _read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        # A page saved in a legacy encoding: read it as Windows-1252 and let the repair run.
        return path.read_text(encoding="cp1252", errors="replace")


def _series_slug(ctx: click.Context, param: click.Parameter, value: str) -> str:
    """Refuse a slug that would not read well in the series' URL."""
    if value != slugify(value):
        raise click.BadParameter(
            f"use lower-case letters, digits and dashes, such as {slugify(value) or 'seminar'!r}"
        )
    return value


def _echo_report(report: ImportReport) -> None:
    for line in report.lines():
        click.echo(line, err=line.startswith("problem:"))


# The options every talk import shares.
_series_option = click.option(
    "--series",
    "slug",
    required=True,
    callback=_series_slug,
    help="Slug of the series; created when new.",
)
_dry_run_option = click.option(
    "--dry-run", is_flag=True, help="Print what would be created or changed; write nothing."
)


@click.group(
    "import",
    help="Import talks from a Jekyll page or Hugo talk pages, papers from a paper list or "
    "BibTeX, or a whole site from a JSON export.",
)
def import_group() -> None:
    """The `flask import` commands."""


@import_group.command("page")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@_series_option
@_dry_run_option
@click.option(
    "--photos",
    "photo_dirs",
    multiple=True,
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="Folder holding the speakers' photos (default: as the page refers to them).",
)
def import_page(file: Path, slug: str, dry_run: bool, photo_dirs: tuple[Path, ...]) -> None:
    """Import the talks, organizers and links of a Jekyll seminar page."""
    from .jekyll import parse_page

    parsed = parse_page(_read_text(file))
    report = import_schedule(
        parsed, slug, dry_run=dry_run, base=file.parent, photo_dirs=list(photo_dirs)
    )
    _echo_report(report)


@import_group.command("hugo")
@click.argument("path", type=click.Path(exists=True, path_type=Path))
@_series_option
@_dry_run_option
@click.option(
    "--base-url",
    default="",
    help="Address of the old site's page folder, to link slides and PDFs kept beside a page.",
)
def import_hugo(path: Path, slug: str, dry_run: bool, base_url: str) -> None:
    """Import Hugo Academic talk pages: one file, or every index.md or .md in a folder tree."""
    from .hugo import featured_image, parse_talk_page, talk_files

    files = talk_files(path)
    if not files:
        raise click.ClickException(f"no .md files under {path}")
    pages = []
    for file in files:
        source = str(file.relative_to(path)) if path.is_dir() else file.name
        parsed = parse_talk_page(_read_text(file), source=source, base_url=base_url)
        if parsed.talk is not None and not parsed.talk.speakers[0].photo:
            parsed.talk.speakers[0].photo = featured_image(file)
        pages.append((parsed.talk, parsed.problems, file.parent))
    _echo_report(import_talk_pages(pages, slug, dry_run=dry_run))


@import_group.command("papers")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--talk", "talk_id", type=int, help="Also list the papers on this talk's page.")
@_dry_run_option
def import_papers_command(file: Path, talk_id: int | None, dry_run: bool) -> None:
    """Import papers from a publications list copied as text, or a BibTeX file (.bib)."""
    from .apply_papers import import_papers
    from .papers import parse_bibtex, parse_publications

    talk = db.session.get(Talk, talk_id) if talk_id is not None else None
    if talk_id is not None and talk is None:
        raise click.BadParameter(f"there is no talk {talk_id}", param_hint="--talk")
    text = _read_text(file)
    bibtex = file.suffix.lower() == ".bib" or text.lstrip().startswith("@")
    parsed = parse_bibtex(text) if bibtex else parse_publications(text)
    _echo_report(import_papers(parsed, talk=talk, dry_run=dry_run))


@import_group.command("json")
@click.argument("file", type=click.File("r", encoding="utf-8"))
def import_json(file: TextIO) -> None:
    """Load a `flask export json` document into an empty database, keeping every id."""
    try:
        document = json.load(file)
    except json.JSONDecodeError as exc:
        raise click.ClickException(f"{file.name} is not JSON: {exc}") from exc
    try:
        report = load_site(document, current_app.config["UPLOAD_FOLDER"])
    except ExportError as exc:
        raise click.ClickException(str(exc)) from exc
    for note in report.notes:
        click.echo(f"note: {note}")
    total = sum(report.rows.values())
    click.echo(f"Imported {total} rows into {len(report.rows)} tables.")
    if report.files_written:
        click.echo(f"Wrote {report.files_written} uploaded files.")
    if report.files_missing:
        click.echo(
            f"{len(report.files_missing)} uploaded files are referenced but not here: copy "
            "the old instance/uploads/ folder into this one (or export with --with-files)."
        )


def init_app(app: Flask) -> None:
    """Register the `import` and `export` command groups, and `backup` and `restore`."""
    app.cli.add_command(import_group)
    app.cli.add_command(export_group)
    app.cli.add_command(backup_command)
    app.cli.add_command(restore_command)
