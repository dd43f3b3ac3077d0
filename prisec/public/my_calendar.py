"""/my: a reader's own calendar across series, with no account: the selection is the address."""

from __future__ import annotations

from dataclasses import dataclass

from flask import redirect, request, url_for
from sqlalchemy import or_, select
from werkzeug.datastructures import MultiDict

from ..database import utcnow
from ..dataversion import SITE_WIDE
from ..extensions import db
from ..models import Series, Talk, public_talks, upcoming_clause
from ..pagecache import public_answer
from ..rendering import render
from .series_list import bp
from .site import public_series

# A selection is written in its address: these bounds keep the address and the query small.
MAX_SELECTED_SERIES = 50
MAX_SELECTED_TALKS = 200
# Upcoming talks offered for ticking one by one on the my-calendar page.
TALK_CHOICES = 100


@dataclass(frozen=True)
class Selection:
    """The series and single talks a reader follows, as `/my?series=a,b&talks=12,40` says."""

    series: tuple[str, ...] = ()
    talks: tuple[int, ...] = ()

    @classmethod
    def from_args(cls, args: MultiDict[str, str]) -> Selection:
        """Read `series` and `talks`, comma lists or repeated (as a form sends them)."""

        def items(name: str) -> list[str]:
            return [part.strip() for value in args.getlist(name) for part in value.split(",")]

        slugs = [slug for slug in items("series") if slug and len(slug) <= 80]
        ids = [int(part) for part in items("talks") if part.isdigit() and 0 < int(part) < 2**31]
        return cls(
            series=tuple(sorted(set(slugs)))[:MAX_SELECTED_SERIES],
            talks=tuple(sorted(set(ids)))[:MAX_SELECTED_TALKS],
        )

    def __bool__(self) -> bool:
        return bool(self.series or self.talks)

    def query_args(self) -> dict[str, str]:
        """The canonical query of this selection, for url_for."""
        args = {}
        if self.series:
            args["series"] = ",".join(self.series)
        if self.talks:
            args["talks"] = ",".join(str(talk_id) for talk_id in self.talks)
        return args

    def is_canonical(self, args: MultiDict[str, str]) -> bool:
        """Whether the request's query already spells the selection the canonical way."""
        wanted = self.query_args()
        given = {key: args.getlist(key) for key in args if key != "page"}
        return given == {key: [value] for key, value in wanted.items()}

    def talks_query(self):
        """A select() of the public talks this selection holds."""
        chosen = select(Series.id).where(Series.slug.in_(self.series))
        return public_talks().where(or_(Talk.series_id.in_(chosen), Talk.id.in_(self.talks or [0])))


@bp.get("/my")
@public_answer(SITE_WIDE)
def my_calendar():
    """A reader's selection across series: its talks and its address; without one, the chooser."""
    selection = Selection.from_args(request.args)
    if selection and not selection.is_canonical(request.args):
        # A ticked form sends repeated fields: the short, shareable address replaces it.
        return redirect(url_for("public.my_calendar", **selection.query_args()), 303)
    now = utcnow()
    all_series = public_series()
    talks = []
    if selection:
        talks = db.session.scalars(
            selection.talks_query().where(upcoming_clause(now)).order_by(Talk.start, Talk.id)
        ).all()
    choices = db.session.scalars(
        public_talks().where(upcoming_clause(now)).order_by(Talk.start, Talk.id).limit(TALK_CHOICES)
    ).all()
    feed_url = (
        url_for("feeds.my_feed", **selection.query_args(), _external=True) if selection else None
    )
    return render(
        "schedule/my.html",
        "schedule/my.html",
        selection=selection,
        all_series=all_series,
        talks=talks,
        talk_choices=choices,
        feed_url=feed_url,
        page_url=url_for("public.my_calendar", **selection.query_args(), _external=True),
        now=now,
    )
