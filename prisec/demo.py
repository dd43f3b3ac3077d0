"""The demo series: the PriSec-ML seminar page as it stood in November 2021."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, time, timedelta
from typing import Any

from sqlalchemy import func, select

from . import wallclock
from .database import utcnow
from .editing import create_talk, reschedule_talk
from .extensions import db
from .models import Listing, Organizer, Series, SeriesOrganizer, Speaker

ZONE = "Europe/London"

SERIES: dict[str, Any] = {
    "slug": "prisec-ml",
    "name": "Privacy and Security in ML Seminars",
    "timezone": ZONE,
    "default_start_time": time(13, 0),
    "default_duration_minutes": 60,
    "recurrence_weeks": 2,
    "recurrence_weekday": 2,  # Wednesday
    "description": (
        "This is the homepage of the **Privacy & Security in Machine Learning (PriSec-ML) "
        "Interest Group**. It brings together researchers and practitioners around the world "
        "broadly interested in this topic. For the time being, it features recurring seminars, "
        "roughly every two weeks, tentatively Wednesdays 1pm (London Time).\n\n"
        "This is a reboot of the [Turing Institute](https://www.turing.ac.uk)'s interest group "
        "in Privacy and Machine Learning ([old page](https://www.turing.ac.uk/research/"
        "interest-groups/privacy-preserving-data-analysis)). We have branched out and expanded "
        'to topics at the intersection of Security (not "just" Privacy) and Machine Learning.'
    ),
    "mailing_list_url": "https://www.jiscmail.ac.uk/cgi-bin/webadmin?SUBED1=PRISEC-ML&A=1",
    "youtube_url": "http://youtube.com/c/PrivacyandMachineLearningInterestGroup",
    "calendar_html_url": (
        "https://calendar.google.com/calendar/embed?"
        "src=oormvn3d4hah013g6gd39pjpfk%40group.calendar.google.com&ctz=Europe%2FLondon"
    ),
    "calendar_ics_url": (
        "https://calendar.google.com/calendar/ical/"
        "oormvn3d4hah013g6gd39pjpfk%40group.calendar.google.com/public/basic.ics"
    ),
}

ORGANIZERS = [
    ("Prof.", "Emiliano De Cristofaro", "UCL", "https://emilianodc.com/"),
    ("Dr.", "Giovanni Cherubin", "Alan Turing Institute", "https://giocher.com/"),
    ("Prof.", "Lorenzo Cavallaro", "UCL", "https://s2lab.cs.ucl.ac.uk/people/sullivan"),
    ("Dr.", "Vasilis Mavroudis", "Alan Turing Institute", "https://mavroud.is/"),
]

# Wall-clock times are London time, as the page gives them.
TALKS: list[dict[str, Any]] = [
    {
        "speaker": ("Dr.", "Sara Hooker", "Google Brain", "https://www.sarahooker.me"),
        "title": (
            "The myth of the interpretable, robust, compact and high performance "
            "deep neural network"
        ),
        "start": datetime(2021, 11, 3, 16, 0),
        "registration_url": "",
        "livestream_url": "",
        "abstract": (
            "To-date, a discussion around the relative merits of different compression methods "
            "has centered on the trade-off between level of compression and top-line metrics. "
            "Along this dimension, compression techniques such as pruning and quantization are "
            "remarkably successful. It is possible to prune or heavily quantize with negligible "
            "decreases to test-set accuracy. However, top-line metrics obscure critical "
            "differences in generalization between compressed and non-compressed networks. In "
            "this talk, we will go beyond test-set accuracy and discuss some of my recent work "
            "measuring the trade-offs between compression, robustness and algorithmic bias. "
            "Characterizing these trade-offs provide insight into how capacity is used in deep "
            "neural networks -- the majority of parameters are used to represent a small "
            "fraction of the training set."
        ),
        "bio": "[https://www.sarahooker.me](https://www.sarahooker.me)",
    },
    {
        "speaker": (
            "Prof.",
            "Reza Shokri",
            "National University of Singapore",
            "https://www.comp.nus.edu.sg/~reza/",
        ),
        "title": "Privacy Auditing in Machine Learning",
        "start": datetime(2021, 10, 27, 13, 30),
        "rescheduled_to": datetime(2021, 11, 17, 13, 30),
        "registration_url": (
            "https://ucl.zoom.us/meeting/register/tJYpduCoqDIsHNdg26Sb1Bc8s2GZkKF-mir1"
        ),
        "livestream_url": "https://youtu.be/Ud7-sSJTG2k",
        "abstract": "",
        "bio": "[https://www.comp.nus.edu.sg/~reza/](https://www.comp.nus.edu.sg/~reza/)",
    },
    {
        "speaker": (
            "Prof.",
            "Konrad Rieck",
            "Technische Universität Braunschweig",
            "https://www.tu-braunschweig.de/en/sec/team/rieck",
        ),
        "title": "Adversarial Preprocessing: Image-Scaling Attacks in Machine Learning",
        "start": datetime(2021, 10, 13, 13, 0),
        "registration_url": (
            "https://ucl.zoom.us/meeting/register/tJEoc-itqzwoE9wIgC6gpR5WAMIWlt0dgFeB"
        ),
        "livestream_url": "https://youtu.be/kCKayHjZd3E",
        "abstract": (
            "The remarkable advances of machine learning are overshadowed by attacks that thwart "
            "its proper operation. While previous work has mainly focused on attacking learning "
            "algorithms directly, another weak spot in intelligent systems has been overlooked: "
            "preprocessing. As an example of this threat, I present a recent class of attacks "
            "against image scaling. These attacks are agnostic to learning algorithms and affect "
            "the preprocessing of all vision systems that use vulnerable implementations, "
            "including versions of TensorFlow, OpenCV, and Pillow. Based on a root-cause analysis "
            "of the vulnerabilities, I introduce novel defenses that effectively block "
            "image-scaling attacks in practice and can be easily added to existing systems."
        ),
        "bio": (
            "[https://www.tu-braunschweig.de/en/sec/team/rieck]"
            "(https://www.tu-braunschweig.de/en/sec/team/rieck)"
        ),
    },
]

# The first talk that must be upcoming after the shift: Hooker's, the earliest upcoming one.
_FIRST_UPCOMING = datetime(2021, 11, 3, 16, 0)


def weeks_to_shift(now: datetime, duration_minutes: int = 60) -> int:
    """Whole weeks that move the 2021 demo forward until Hooker's talk has not yet ended.

    With the smallest such shift Hooker's talk ends within the coming week, so Rieck's,
    three weeks earlier, is past and Shokri's, two weeks later, is upcoming.
    """
    first = wallclock.to_utc(_FIRST_UPCOMING, ZONE, fold=0)
    duration = timedelta(minutes=duration_minutes)
    # A guess one week short (wall-clock weeks differ from 168 hours across DST), then count up.
    weeks = max(0, (now - first - duration) // timedelta(weeks=1) - 1)
    while wallclock.shift_weeks(first, ZONE, weeks) + duration <= now:
        weeks += 1
    return weeks


def seed_demo(*, as_published: bool = False, now: datetime | None = None) -> Series | None:
    """Create the demo series unless it exists; returns it when created, None otherwise."""
    if db.session.scalar(select(Series).where(Series.slug == SERIES["slug"])) is not None:
        return None
    now = now or utcnow()
    series = Series(**SERIES, is_demo=True)
    series.organizers = [
        SeriesOrganizer(position=i, honorific=h, name=n, affiliation=a, homepage=u)
        for i, (h, n, a, u) in enumerate(ORGANIZERS)
    ]
    db.session.add(series)
    weeks = 0 if as_published else weeks_to_shift(now, series.default_duration_minutes)
    duration = series.default_duration_minutes

    def instant(local: datetime) -> datetime:
        return wallclock.shift_weeks(wallclock.to_utc(local, ZONE, fold=0), ZONE, weeks)

    for spec in TALKS:
        honorific, name, affiliation, homepage = spec["speaker"]
        speaker = Speaker(
            honorific=honorific, name=name, affiliation=affiliation, homepage=homepage
        )
        start = instant(spec["start"])
        talk = create_talk(
            series,
            [speaker],
            start=start,
            end=start + timedelta(minutes=duration),
            title=spec["title"],
            abstract=spec["abstract"],
            bio=spec["bio"],
            registration_url=spec["registration_url"],
            livestream_url=spec["livestream_url"],
            listing=Listing.AUTO,
            published=True,
        )
        if "rescheduled_to" in spec:
            new_start = instant(spec["rescheduled_to"])
            # The move was announced a week before the original date.
            reschedule_talk(talk, new_start, changed_at=start - timedelta(weeks=1))
    db.session.commit()
    return series


def database_is_empty() -> bool:
    """Whether the site is fresh, with no series and no account: the moment `make run` seeds.

    Accounts count too: once someone set the site up, an emptied (purged) site is theirs and
    a restart does not bring the demo back.
    """
    return not (
        db.session.scalar(select(func.count()).select_from(Series))
        or db.session.scalar(select(func.count()).select_from(Organizer))
    )


def demo_wanted(config: Mapping[str, Any]) -> bool:
    """Whether `make run` seeds the demo: PRISEC_DEMO unset or true; 0, false, no or off: not."""
    value = config.get("DEMO", True)
    if isinstance(value, str):
        return value.strip().lower() not in ("0", "false", "no", "off", "")
    return bool(value)
