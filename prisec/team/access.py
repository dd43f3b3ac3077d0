"""Who may act on what: an administrator on everything, an organizer on their own series only.

Every URL under /dashboard is the organizer area. `guard_organizer_area` runs before each of
its views: anonymous visitors log in first, administrators' pages answer 403 to organizers,
and every URL argument that names a series, a talk or something of a talk is resolved to its
series, which must be one the account organizes; otherwise the answer is 404, as if the
series did not exist. An argument the guard does not know also answers 404 to organizers,
so a new route is closed until its argument is taught here (tests/test_access.py checks).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from flask import abort, current_app, request
from flask_login import current_user
from sqlalchemy import exists, select

from ..extensions import db, login
from ..models import Organizer, Series, Talk, TalkRevision, organizer_series

ORGANIZER_AREA = "/dashboard"

View = TypeVar("View", bound=Callable[..., Any])


def admin_only(view: View) -> View:
    """Mark a view of the organizer area as one for administrators only."""
    view.admin_only = True  # type: ignore[attr-defined]
    return view


def current_account() -> Organizer:
    """The logged-in account making the request."""
    return current_user._get_current_object()


def may_organize(account: Organizer, series: Series) -> bool:
    """Whether the account may see and change the series and everything in it."""
    if account.is_admin:
        return True
    return bool(
        db.session.scalar(
            select(
                exists().where(
                    organizer_series.c.organizer_id == account.id,
                    organizer_series.c.series_id == series.id,
                )
            )
        )
    )


def organized_series(account: Organizer) -> list[Series]:
    """The series the account may work on, by name: every series for an administrator."""
    # A series in the trash is listed on the trash page only.
    query = select(Series).where(Series.deleted_at.is_(None)).order_by(Series.name)
    if not account.is_admin:
        query = query.join(organizer_series, organizer_series.c.series_id == Series.id).where(
            organizer_series.c.organizer_id == account.id
        )
    return list(db.session.scalars(query))


def series_or_404(slug: str) -> Series:
    """The series of that slug when the current account organizes it, or 404 (also in the trash)."""
    series = db.session.scalar(select(Series).where(Series.slug == slug))
    if series is None or series.deleted_at is not None:
        abort(404)
    if not may_organize(current_account(), series):
        abort(404)
    return series


def talk_or_404(talk_id: int) -> Talk:
    """The talk of that id when the current account organizes its series, or 404."""
    talk = db.session.get(Talk, talk_id)
    if talk is None or talk.series.deleted_at is not None:
        abort(404)
    if not may_organize(current_account(), talk.series):
        abort(404)
    return talk


def _series_of_slug(slug: str) -> Series | None:
    return db.session.scalar(select(Series).where(Series.slug == slug))


def _series_of_talk(talk_id: int) -> Series | None:
    talk = db.session.get(Talk, talk_id)
    return talk.series if talk is not None else None


def _series_of_revision(revision_id: int) -> Series | None:
    revision = db.session.get(TalkRevision, revision_id)
    return revision.talk.series if revision is not None else None


def _series_of_speaker_link(link_id: int) -> Series | None:
    from ..speakerform.models import SpeakerLink

    link = db.session.get(SpeakerLink, link_id)
    return link.talk.series if link is not None else None


def _series_of_proposal(proposal_id: int) -> Series | None:
    from ..speakerform.models import SpeakerProposal

    proposal = db.session.get(SpeakerProposal, proposal_id)
    return proposal.talk.series if proposal is not None else None


def _series_of_paper(paper_id: int) -> Series | None:
    # A paper may be discussed in talks of several series: the URL names it within one talk.
    from ..papers.models import TalkPaper

    talk_id = (request.view_args or {}).get("talk_id")
    listed = db.session.scalar(
        select(TalkPaper).where(TalkPaper.paper_id == paper_id, TalkPaper.talk_id == talk_id)
    )
    return listed.talk.series if listed is not None else None


# The URL arguments of the organizer area, each with the series the object it names belongs to.
SERIES_OF_ARGUMENT: dict[str, Callable[[Any], Series | None]] = {
    "slug": _series_of_slug,
    "talk_id": _series_of_talk,
    "revision_id": _series_of_revision,
    "link_id": _series_of_speaker_link,
    "proposal_id": _series_of_proposal,
    "paper_id": _series_of_paper,
}


def in_organizer_area(rule: str) -> bool:
    """Whether a URL rule belongs to the organizer area."""
    return rule == ORGANIZER_AREA or rule.startswith(ORGANIZER_AREA + "/")


def guard_organizer_area():
    """Before every view: the one access rule of the organizer area (see the module's text)."""
    rule = request.url_rule
    if rule is None or not in_organizer_area(rule.rule):
        return None
    if not current_user.is_authenticated:
        return login.unauthorized()
    account = current_account()
    if account.is_admin:
        return None
    view = current_app.view_functions.get(request.endpoint or "")
    if getattr(view, "admin_only", False):
        abort(403, "Only an administrator can open that page.")
    for name, value in (request.view_args or {}).items():
        series_of = SERIES_OF_ARGUMENT.get(name)
        # An argument not taught here closes the route rather than leaving it open.
        series = series_of(value) if series_of is not None else None
        if series is None or not may_organize(account, series):
            abort(404)
    return None
