"""The public site, what attendees read: schedules, talk pages, the archive, papers, feeds.

One module per page or concern: site.py (the frame every page carries), schedule.py (/ and
/series/<slug>), talk.py (a talk's page), series_list.py (/series), my_calendar.py (/my),
archive.py (/talks), papers.py (/papers), embed.py (/embed/upcoming), atom.py (/feed.atom),
seo.py (JSON-LD, sitemap, robots.txt). The calendar feeds themselves are prisec/feeds/.
"""

from __future__ import annotations

from flask import Flask

from . import archive, atom, embed, my_calendar, papers, schedule, seo, series_list, site, talk  # noqa: F401 -- they add routes to series_list's and schedule's blueprints


def init_app(app: Flask) -> None:
    """Register every public page's blueprint, and give templates the site's frame."""
    for room in (site, schedule, series_list, archive, papers, embed, atom, seo):
        room.init_app(app)
