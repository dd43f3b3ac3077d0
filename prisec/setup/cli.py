"""`flask setup`: the first administrator and series from a terminal, as the setup page does."""

from __future__ import annotations

import sys
from datetime import time

import click
from flask import current_app

from ..auth.accounts import AccountError
from ..extensions import db
from ..forms import WEEKDAYS
from ..models import site_needs_setup
from .operations import AlreadySetUp, SetupError, set_up_site
from .token import discard_token, setup_lock

NO_DAY = "none"


def parse_weekday(value: str) -> int | None:
    """'Wednesday', 'wed' or 'none' as a weekday number (0 for Monday) or None."""
    text = value.strip().lower()
    if text in (NO_DAY, ""):
        return None
    for number, day in enumerate(WEEKDAYS):
        if len(text) >= 3 and day.lower().startswith(text):
            return number
    raise click.BadParameter(f"a weekday such as Wednesday, or {NO_DAY!r}")


def parse_time(value: str) -> time:
    """'13:00' as a time of day."""
    try:
        return time.fromisoformat(value.strip())
    except ValueError:
        raise click.BadParameter("a time of day such as 13:00") from None


def _ask(value: str | None, prompt: str, default: str | None = None) -> str:
    if value is not None:
        return value
    if not sys.stdin.isatty():
        option = prompt.lower().split(" (")[0].replace(" ", "-")
        raise click.UsageError(f"give --{option} when standard input is not a terminal")
    return click.prompt(prompt, default=default)


@click.command("setup")
@click.option("--email", help="The first administrator's email.")
@click.option("--name", help="The first administrator's name.")
@click.option("--series", "series_name", help="The name of the first series.")
@click.option("--timezone", help="The series' IANA time zone, e.g. Europe/London.")
@click.option("--weekday", help=f"The series' usual day, e.g. Wednesday, or {NO_DAY!r}.")
@click.option("--time", "start", help="The usual start time, e.g. 13:00.")
def setup_command(
    email: str | None,
    name: str | None,
    series_name: str | None,
    timezone: str | None,
    weekday: str | None,
    start: str | None,
) -> None:
    """Create the first administrator and series of a site without any account.

    What is not given as an option is asked for on a terminal. The password is asked for
    twice on a terminal, or read from the first line of standard input otherwise.
    """
    if not site_needs_setup():
        raise click.ClickException("The site is set up already: an account exists.")
    email = _ask(email, "Email")
    name = _ask(name, "Name")
    series_name = _ask(series_name, "Series (name of the first series)")
    timezone = _ask(timezone, "Timezone", "Europe/London")
    weekday_number = parse_weekday(_ask(weekday, f"Weekday (usual day, or {NO_DAY})", NO_DAY))
    start_time = parse_time(_ask(start, "Time (usual start time)", "13:00"))
    if sys.stdin.isatty():
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    else:
        # Piped in: the first line is the password, without its line ending.
        password = sys.stdin.readline().rstrip("\r\n")
    instance = current_app.instance_path
    with setup_lock(instance):
        try:
            organizer, series = set_up_site(
                email=email,
                name=name,
                password=password,
                series_name=series_name,
                timezone=timezone,
                weekday=weekday_number,
                start_time=start_time,
            )
        except AlreadySetUp:
            raise click.ClickException("The site is set up already: an account exists.") from None
        except (AccountError, SetupError) as exc:
            db.session.rollback()
            raise click.ClickException(str(exc)) from exc
        db.session.commit()
        # The console's setup link would open nothing now.
        discard_token(instance)
    click.echo(f"Created administrator {organizer.name} <{organizer.email}>.")
    click.echo(f"Created series {series.name!r} at /series/{series.slug}; log in at /login.")
