"""Links that hand a feed or a talk to calendar clients: webcal:// and Google's forms."""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import quote, urlencode

from ..models import Talk
from .ical import talk_location, talk_summary

GOOGLE_SUBSCRIBE = "https://calendar.google.com/calendar/r"
GOOGLE_EVENT = "https://calendar.google.com/calendar/render"
OUTLOOK_EVENT = "https://outlook.live.com/calendar/0/deeplink/compose"


def webcal_url(feed_url: str) -> str:
    """The feed URL with the webcal:// scheme, which opens the reader's calendar app."""
    return "webcal://" + feed_url.split("://", 1)[-1]


def google_subscribe_url(feed_url: str) -> str:
    """Google Calendar's "add this calendar" page for a feed."""
    return f"{GOOGLE_SUBSCRIBE}?cid={quote(webcal_url(feed_url), safe='')}"


def _google_time(instant: datetime) -> str:
    return instant.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def _details(talk: Talk, page_url: str) -> str:
    details = [f"Talk page: {page_url}"]
    if talk.registration_url:
        details.append(f"Registration: {talk.registration_url}")
    if talk.livestream_url:
        details.append(f"Live stream: {talk.livestream_url}")
    return "\n".join(details)


def google_event_url(talk: Talk, page_url: str) -> str:
    """Google Calendar's "add this event" form, filled in with one talk (times in UTC)."""
    query = {
        "action": "TEMPLATE",
        "text": talk_summary(talk),
        "dates": f"{_google_time(talk.start)}/{_google_time(talk.end)}",
        "details": _details(talk, page_url),
        "location": talk_location(talk),
    }
    return f"{GOOGLE_EVENT}?{urlencode(query, quote_via=quote)}"


def outlook_event_url(talk: Talk, page_url: str) -> str:
    """Outlook.com's "new event" form, filled in with one talk (times in UTC)."""
    query = {
        "path": "/calendar/action/compose",
        "rru": "addevent",
        "subject": talk_summary(talk),
        "startdt": talk.start.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "enddt": talk.end.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "body": _details(talk, page_url),
        "location": talk_location(talk),
    }
    return f"{OUTLOOK_EVENT}?{urlencode(query, quote_via=quote)}"
