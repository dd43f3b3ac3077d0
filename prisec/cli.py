"""Command-line commands: `flask seed-demo`."""

from __future__ import annotations

import click
from flask import Flask

from . import demo


@click.command("seed-demo")
@click.option(
    "--as-published", is_flag=True, help="Keep the 2021 dates instead of moving them forward."
)
@click.option("--if-empty", is_flag=True, help="Seed only when the database holds no series.")
def seed_demo_command(as_published: bool, if_empty: bool) -> None:
    """Create the PriSec-ML demo series (does nothing when it already exists)."""
    if if_empty and not demo.database_is_empty():
        click.echo("Database already holds a series; demo not seeded.")
        return
    series = demo.seed_demo(as_published=as_published)
    if series is None:
        click.echo("Demo series already exists; nothing changed.")
    else:
        click.echo(f"Seeded demo series {series.name!r} with {len(series.talks)} talks.")


def init_app(app: Flask) -> None:
    """Register the commands."""
    app.cli.add_command(seed_demo_command)
