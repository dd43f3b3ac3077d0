"""Setting a site up: the first administrator and the first series, once, by web or shell."""

from __future__ import annotations

from datetime import time

from .. import wallclock
from ..auth.accounts import create_organizer
from ..dashboard.settings_views import unique_slug
from ..extensions import db
from ..models import Organizer, Role, Series, site_needs_setup


class SetupError(ValueError):
    """The first series cannot be created as asked; `field` names the field at fault."""

    def __init__(self, message: str, field: str) -> None:
        super().__init__(message)
        self.field = field


class AlreadySetUp(RuntimeError):
    """An account exists: the site was set up before."""


def check_series(name: str, timezone: str, weekday: int | None) -> None:
    """SetupError unless the first series' name, zone and usual weekday are usable."""
    if not name.strip() or len(name) > 200:
        raise SetupError("Enter the series' name (at most 200 characters).", "series_name")
    if not wallclock.is_valid_zone(timezone.strip()):
        raise SetupError(
            "Enter an IANA time zone such as Europe/London or America/New_York.", "timezone"
        )
    if weekday is not None and not 0 <= weekday <= 6:
        raise SetupError("Choose a weekday.", "weekday")


def set_up_site(
    *,
    email: str,
    name: str,
    password: str,
    series_name: str,
    timezone: str,
    weekday: int | None,
    start_time: time,
) -> tuple[Organizer, Series]:
    """Create the first administrator and the first series; the caller commits.

    AlreadySetUp when an account exists; AccountError or SetupError, naming the field,
    when a value is refused (nothing is written then).
    """
    if not site_needs_setup():
        raise AlreadySetUp("the site already has an account")
    check_series(series_name, timezone, weekday)
    organizer = create_organizer(email, name, password, role=Role.ADMIN)
    series = Series(
        slug=unique_slug(series_name),
        name=series_name.strip(),
        timezone=timezone.strip(),
        default_start_time=start_time,
        # A usual weekday means a weekly series; the settings page changes how often.
        recurrence_weeks=1 if weekday is not None else None,
        recurrence_weekday=weekday,
    )
    db.session.add(series)
    db.session.flush()
    return organizer, series
