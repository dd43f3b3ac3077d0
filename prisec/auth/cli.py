"""`flask organizer create`: organizer accounts from the command line."""

from __future__ import annotations

import sys

import click
from flask.cli import AppGroup

from ..extensions import db
from .accounts import AccountError, create_organizer

organizer_cli = AppGroup("organizer", help="Manage organizer accounts.")


@organizer_cli.command("create")
@click.argument("email")
@click.option("--name", required=True, help="The organizer's name, as shown to colleagues.")
def create_command(email: str, name: str) -> None:
    """Create an organizer; the password is prompted for, or read from standard input."""
    if sys.stdin.isatty():
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    else:
        # Piped in: the first line is the password, without its line ending.
        password = sys.stdin.readline().rstrip("\r\n")
    try:
        organizer = create_organizer(email, name, password)
    except AccountError as exc:
        raise click.ClickException(str(exc)) from exc
    db.session.commit()
    click.echo(f"Created organizer {organizer.name} <{organizer.email}>.")
