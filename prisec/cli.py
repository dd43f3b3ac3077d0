"""Command-line commands: `flask seed-demo` and `flask purge`."""

from __future__ import annotations

import click
from flask import Flask, current_app

from . import demo, trash
from .extensions import db


@click.command("seed-demo")
@click.option(
    "--as-published", is_flag=True, help="Keep the 2021 dates instead of moving them forward."
)
@click.option(
    "--if-empty",
    is_flag=True,
    help="Seed only a fresh database (no series, no account), and only when PRISEC_DEMO allows.",
)
def seed_demo_command(as_published: bool, if_empty: bool) -> None:
    """Create the PriSec-ML demo series (does nothing when it already exists)."""
    if if_empty and not demo.demo_wanted(current_app.config):
        click.echo("PRISEC_DEMO=0: the site starts empty; demo not seeded.")
        return
    if if_empty and not demo.database_is_empty():
        click.echo("Database already holds a series or an account; demo not seeded.")
        return
    series = demo.seed_demo(as_published=as_published)
    if series is None:
        click.echo("Demo series already exists; nothing changed.")
    else:
        click.echo(f"Seeded demo series {series.name!r} with {len(series.talks)} talks.")


@click.command("purge")
@click.option("--dry-run", is_flag=True, help="Say what would be removed; remove nothing.")
def purge_command(dry_run: bool) -> None:
    """Remove for good the series and talks in the trash for longer than 30 days."""
    report = trash.purge(dry_run=dry_run)
    if not dry_run:
        db.session.commit()
    verb = "Would remove" if dry_run else "Removed"
    for name in report.series:
        click.echo(f"{verb} series {name!r} and its talks.")
    click.echo(f"{verb} {len(report.series)} series and {report.talks} talks in all.")


def init_app(app: Flask) -> None:
    """Register the commands."""
    app.cli.add_command(seed_demo_command)
    app.cli.add_command(purge_command)
