"""`flask organizer promote|assign`: roles and series from the command line."""

from __future__ import annotations

import click
from sqlalchemy import select

from ..auth.accounts import AccountError, normalise_email
from ..auth.cli import organizer_cli
from ..extensions import db
from ..models import Organizer, Role, Series
from . import accounts


def _account(email: str) -> Organizer:
    found = db.session.scalar(select(Organizer).where(Organizer.email == normalise_email(email)))
    if found is None:
        raise click.ClickException(f"There is no account with the email {email}.")
    return found


@organizer_cli.command("promote")
@click.argument("email")
def promote_command(email: str) -> None:
    """Make an account an administrator: every series, accounts and site settings."""
    account = _account(email)
    if account.is_admin:
        click.echo(f"{account.name} <{account.email}> is already an administrator.")
        return
    accounts.set_role(None, account, Role.ADMIN, [])
    db.session.commit()
    click.echo(f"{account.name} <{account.email}> is now an administrator.")


@organizer_cli.command("assign")
@click.argument("email")
@click.argument("slugs", nargs=-1, required=True, metavar="SERIES...")
def assign_command(email: str, slugs: tuple[str, ...]) -> None:
    """Make an account an organizer of exactly these series (by slug), and of no others."""
    account = _account(email)
    chosen = []
    for slug in slugs:
        series = db.session.scalar(select(Series).where(Series.slug == slug))
        if series is None:
            raise click.ClickException(f"There is no series with the slug {slug}.")
        chosen.append(series)
    try:
        accounts.set_role(None, account, Role.ORGANIZER, chosen)
    except AccountError as exc:
        raise click.ClickException(str(exc)) from exc
    db.session.commit()
    click.echo(
        f"{account.name} <{account.email}> is now an organizer of {accounts.series_names(chosen)}."
    )
