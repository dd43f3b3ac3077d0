"""Recordings and slides on a talk page: privacy-friendly video embeds and inline PDFs."""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import parse_qs, urlencode, urlsplit

_YOUTUBE_ID = re.compile(r"^[A-Za-z0-9_-]{11}$")
_VIMEO_ID = re.compile(r"^\d{3,12}$")
_YOUTUBE_HOSTS = {"youtube.com", "www.youtube.com", "m.youtube.com", "youtube-nocookie.com"}
_YOUTUBE_HOSTS |= {"www.youtube-nocookie.com", "music.youtube.com"}
_PLAIN_HOST = re.compile(r"^[A-Za-z0-9.-]+(:[0-9]{1,5})?$")
_VIMEO_HOSTS = {"vimeo.com", "www.vimeo.com", "player.vimeo.com"}


@dataclass(frozen=True)
class VideoEmbed:
    """Where a recording plays inside the page, and whose player it is."""

    provider: str  # "YouTube" or "Vimeo"
    embed_url: str


def _start_seconds(value: str) -> int | None:
    """'90', '90s' or '1m30s' as seconds; None for anything else."""
    match = re.fullmatch(r"(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s?)?", value or "")
    if not value or not match:
        return None
    hours, minutes, seconds = (int(part or 0) for part in match.groups())
    return hours * 3600 + minutes * 60 + seconds


def video_embed(url: str) -> VideoEmbed | None:
    """The privacy-friendly player of a YouTube or Vimeo link; None for other links.

    YouTube plays from youtube-nocookie.com, which sets no cookie until playback starts;
    Vimeo's player is told not to track (`dnt=1`).
    """
    try:
        parts = urlsplit((url or "").strip())
    except ValueError:
        return None
    if parts.scheme not in {"http", "https"}:
        return None
    host = (parts.hostname or "").lower()
    path = [segment for segment in parts.path.split("/") if segment]
    query = parse_qs(parts.query)
    if host in _YOUTUBE_HOSTS or host == "youtu.be":
        video_id = ""
        if host == "youtu.be" and path:
            video_id = path[0]
        elif path[:1] == ["watch"]:
            video_id = query.get("v", [""])[0]
        elif len(path) >= 2 and path[0] in {"embed", "live", "shorts", "v"}:
            video_id = path[1]
        if not _YOUTUBE_ID.match(video_id):
            return None
        params = {}
        start = _start_seconds(query.get("t", query.get("start", [""]))[0])
        if start:
            params["start"] = str(start)
        suffix = "?" + urlencode(params) if params else ""
        return VideoEmbed("YouTube", f"https://www.youtube-nocookie.com/embed/{video_id}{suffix}")
    if host in _VIMEO_HOSTS:
        # vimeo.com/123, vimeo.com/channels/x/123, player.vimeo.com/video/123
        numeric = [segment for segment in path if _VIMEO_ID.match(segment)]
        if not numeric:
            return None
        return VideoEmbed("Vimeo", f"https://player.vimeo.com/video/{numeric[0]}?dnt=1")
    return None


def media_sources(recording: VideoEmbed | None, slides_url: str) -> dict[str, list[str]]:
    """What a talk page's Content-Security-Policy allows: the player's and slides' origin."""
    sources: dict[str, list[str]] = {}
    if recording is not None:
        parts = urlsplit(recording.embed_url)
        sources["frame-src"] = [f"{parts.scheme}://{parts.netloc}"]
    if slides_url:
        try:
            parts = urlsplit(slides_url.strip())
        except ValueError:
            return sources
        # Our own uploads (a path) or the web host the slides live on; a host that is not a
        # plain name could smuggle other directives into the header, so it allows nothing.
        if not parts.scheme:
            origin = "'self'"
        elif parts.scheme in {"http", "https"} and _PLAIN_HOST.match(parts.netloc):
            origin = f"{parts.scheme}://{parts.netloc}"
        else:
            return sources
        sources["object-src"] = [origin]
        sources["frame-src"] = [*sources.get("frame-src", []), origin]
    return sources


def is_pdf(url: str) -> bool:
    """Whether a link points at a PDF file, which the page can show inline."""
    try:
        return urlsplit(url or "").path.lower().endswith(".pdf")
    except ValueError:
        return False


def recording_link(talk, now) -> str:
    """Where a talk's recording is: its own link, or after the talk its YouTube/Vimeo stream."""
    # A past talk's live stream on YouTube or Vimeo is where its recording stays.
    if talk.recording_url:
        return talk.recording_url
    if not talk.is_upcoming(now) and video_embed(talk.livestream_url):
        return talk.livestream_url
    return ""
