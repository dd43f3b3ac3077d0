"""`flask organizer …`: organizer accounts from the command line."""

from __future__ import annotations

import sys

import click
from flask import current_app, url_for
from flask.cli import AppGroup
from sqlalchemy import select

from ..extensions import db
from ..models import Organizer
from .accounts import (
    RESET_LIFETIME,
    AccountError,
    create_account_token,
    create_organizer,
    organizer_by_email,
)

organizer_cli = AppGroup("organizer", help="Manage organizer accounts.")


def _account(email: str) -> Organizer:
    organizer = organizer_by_email(email)
    if organizer is None:
        raise click.ClickException(f"No organizer has the email {email}.")
    return organizer


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


@organizer_cli.command("reset-password")
@click.argument("email")
def reset_password_command(email: str) -> None:
    """Print a one-time link (valid one hour) to choose a new password: for sites without mail."""
    organizer = _account(email)
    if not organizer.active:
        raise click.ClickException(f"The account {organizer.email} is deactivated.")
    token = create_account_token(organizer, "reset", RESET_LIFETIME)
    db.session.commit()
    if current_app.config.get("SERVER_NAME"):
        link = url_for("auth.reset", token=token, _external=True)
    else:
        with current_app.test_request_context():
            path = url_for("auth.reset", token=token)
        link = f"{path}  (on your site's address; set PRISEC_SITE_URL to print it whole)"
    minutes = int(RESET_LIFETIME.total_seconds() // 60)
    click.echo(f"Send {organizer.name} this link; it works once, for {minutes} minutes:")
    click.echo(link)


@organizer_cli.command("list")
def list_command() -> None:
    """Every organizer account: email, name, status, when it was created."""
    organizers = db.session.scalars(select(Organizer).order_by(Organizer.email))
    for organizer in organizers:
        status = "active" if organizer.active else "deactivated"
        created = f"{organizer.created_at:%Y-%m-%d}"
        click.echo(f"{organizer.email}\t{organizer.name}\t{status}\tcreated {created}")


@organizer_cli.command("deactivate")
@click.argument("email")
def deactivate_command(email: str) -> None:
    """Close an account: it can no longer log in, and its sessions end at once."""
    from ..team.accounts import deactivate as deactivate_account

    organizer = _account(email)
    try:
        # Through the team's rule, so the last active administrator stays.
        deactivate_account(None, organizer)
    except AccountError as exc:
        raise click.ClickException(str(exc)) from exc
    db.session.commit()
    click.echo(f"Deactivated {organizer.name} <{organizer.email}>; its sessions have ended.")
