"""`flask export ...`: the site as one JSON document, or as static HTML files."""

from __future__ import annotations

import json
from pathlib import Path

import click
from flask import current_app

from .sitejson import dump_site
from .static import export_static


@click.group("export", help="Export the site: every table as JSON, or the public pages as HTML.")
def export_group() -> None:
    """The `flask export` commands."""


@export_group.command("json")
@click.option("--with-files", is_flag=True, help="Include uploaded files (base64) in the JSON.")
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    help="Write to this file instead of standard output.",
)
def export_json(with_files: bool, output: Path | None) -> None:
    """Every row of every table, with uploaded files by name (or content), as JSON."""
    document = dump_site(current_app.config["UPLOAD_FOLDER"], with_files=with_files)
    rendered = json.dumps(document, ensure_ascii=False, indent=1)
    if output is None:
        click.echo(rendered)
    else:
        output.write_text(rendered + "\n", encoding="utf-8")
        rows = sum(len(t["rows"]) for t in document["tables"].values())
        click.echo(f"Wrote {rows} rows and {len(document['files'])} file entries to {output}.")


@export_group.command("static")
@click.argument("outdir", type=click.Path(file_okay=False, path_type=Path))
@click.option(
    "--site-url",
    default="",
    help="Address the static site will be served at, for canonical links and live-only pages.",
)
def export_static_command(outdir: Path, site_url: str) -> None:
    """Write the public site (schedules, talk pages, feeds, assets) as static files."""
    report = export_static(current_app._get_current_object(), outdir, site_url=site_url)
    click.echo(f"Wrote {len(report.files)} pages and files to {outdir} (plus the static folder).")
    for url, reason in sorted(report.skipped.items()):
        click.echo(f"skipped {url}: {reason}", err=True)
