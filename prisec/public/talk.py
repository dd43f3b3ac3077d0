"""A talk's own page: its abstract, speakers, recording, slides and papers."""

from __future__ import annotations

from flask import abort, redirect, url_for

from ..database import utcnow
from ..dataversion import talk_scopes
from ..models import public_talk
from ..pagecache import public_answer
from ..papers.models import papers_of
from ..recordings import is_pdf, media_sources, recording_link, video_embed
from ..rendering import render
from ..security import allow
from .schedule import bp
from .seo import preview_text, talk_event, talk_images
from .site import site_has_papers

# The talk page is a page of the schedule (endpoint `schedule.talk_page`), in a room of its own.


@bp.get("/talks/<int:talk_id>")
@bp.get("/talks/<int:talk_id>/<slug>")
@public_answer(lambda talk_id, slug=None: talk_scopes(talk_id))
def talk_page(talk_id: int, slug: str | None = None):
    """One talk's own page; any other slug redirects to the canonical URL."""
    talk = public_talk(talk_id) or abort(404)
    if slug != talk.slug:
        return redirect(url_for("schedule.talk_page", talk_id=talk.id, slug=talk.slug), 301)
    now = utcnow()
    page_url = url_for("schedule.talk_page", talk_id=talk.id, slug=talk.slug, _external=True)
    recording_url = recording_link(talk, now)
    recording = video_embed(recording_url)
    slides_pdf = is_pdf(talk.slides_url)
    for directive, sources in media_sources(
        recording, talk.slides_url if slides_pdf else ""
    ).items():
        allow(directive, *sources)
    images = talk_images(talk)
    event = talk_event(
        talk,
        page_url=page_url,
        series_url=url_for("schedule.series_page", slug=talk.series.slug, _external=True),
        image_urls=images,
    )
    return render(
        "schedule/talk.html",
        "schedule/talk.html",
        talk=talk,
        series=talk.series,
        now=now,
        page_url=page_url,
        event=event,
        preview=preview_text(talk),
        preview_image=images[0] if images else None,
        recording_url=recording_url,
        recording=recording,
        slides_pdf=slides_pdf,
        # A site without papers has none to look up for any talk.
        papers=papers_of(talk) if site_has_papers() else [],
    )
