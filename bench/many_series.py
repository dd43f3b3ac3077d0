"""A benchmark site of many series: 50,000 talks in 2,000 series, written with bulk inserts.

researchseminars.org's scale. Each series has 25 talks: 22 over the past ten years and three
in the coming weeks (6,000 upcoming across the site), one or two of about 20,000 speakers each,
every tenth talk rescheduled, 500 papers discussed at talks. Built in about a minute.
"""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from serving import flask
from sqlalchemy import insert, text

SERIES = 2_000
TALKS = 50_000
PAPERS = 500
ZONES = (
    "Europe/London",
    "America/Los_Angeles",
    "Asia/Kolkata",
    "America/New_York",
    "Europe/Berlin",
    "Asia/Tokyo",
    "Australia/Sydney",
    "America/Sao_Paulo",
)
FIRST_NAMES = [
    "Ada",
    "Alan",
    "Barbara",
    "Carlos",
    "Chen",
    "Dana",
    "Elena",
    "Farid",
    "Grace",
    "Hana",
    "Ibrahim",
    "Ines",
    "Jun",
    "Karin",
    "Lars",
    "Leila",
    "Marco",
    "Mei",
    "Nadia",
    "Noor",
    "Olga",
    "Pablo",
    "Priya",
    "Quentin",
    "Rosa",
    "Sami",
    "Sofia",
    "Tariq",
    "Uma",
    "Vera",
    "Wei",
    "Xavier",
    "Yara",
    "Yusuf",
    "Zofia",
    "Amara",
    "Björn",
    "Chiara",
    "Dmitri",
    "Emeka",
    "Fatima",
    "Gustav",
    "Hiroshi",
    "Ilse",
    "Jonas",
    "Kwame",
    "Lucía",
    "Mateo",
    "Nils",
    "Oren",
]
LAST_NAMES = [
    "Goldwasser",
    "Müller",
    "Nakamura",
    "Okafor",
    "Petrov",
    "Rossi",
    "Schmidt",
    "Tanaka",
    "Underwood",
    "Vasquez",
    "Weber",
    "Xu",
    "Yamamoto",
    "Zhang",
    "Abadi",
    "Bernstein",
    "Carlini",
    "Dwork",
    "Erlingsson",
    "Feldman",
    "Gilbert",
    "Hardt",
    "Ishai",
    "Jagielski",
    "Kamath",
    "Lindell",
    "Mironov",
    "Nissim",
    "Oprea",
    "Papernot",
    "Quach",
    "Rogaway",
    "Shokri",
    "Talwar",
    "Ullman",
    "Vadhan",
    "Wagner",
    "Yekhanin",
    "Zanella",
    "Agarwal",
    "Bhowmick",
    "Chaudhuri",
    "Duchi",
    "Evans",
    "Fredrikson",
    "Garg",
    "Hopper",
    "Iyengar",
    "Jha",
    "Kifer",
    "Ligett",
    "McSherry",
    "Narayanan",
    "Ohm",
    "Pathak",
    "Raskhodnikova",
    "Smith",
    "Thakurta",
    "Uhler",
    "Vinterbo",
    "Wright",
    "Yu",
    "Zhou",
    "Arora",
    "Balle",
    "Cummings",
    "Desfontaines",
    "Esfandiari",
    "Fioretti",
    "Gehrke",
    "Honaker",
    "Imola",
    "Jiang",
    "Kasiviswanathan",
    "Lyu",
    "Machanavajjhala",
    "Near",
    "Oh",
    "Pietrzak",
    "Rothblum",
    "Sarwate",
    "Tramèr",
    "Ullrich",
    "Vietri",
    "Wang",
    "Xiao",
    "Yang",
    "Zhu",
    "Abowd",
    "Blocki",
    "Canonne",
    "Dinur",
    "Ekstrand",
]
TOPICS = (
    "membership inference against fine-tuned language models",
    "auditing differentially private training",
    "secure aggregation at scale",
    "privacy amplification by shuffling",
    "extracting training data from diffusion models",
    "federated learning under attack",
    "homomorphic encryption for inference",
    "the price of privacy in synthetic data",
    "unlearning, verified",
    "side channels in accelerators",
)
ABSTRACT = (
    "We study **membership inference** against models trained with DP-SGD, and show that "
    "auditing with $\\varepsilon$-canaries gives tight lower bounds; see "
    "[the paper](https://example.org/paper).\n\n"
    "- the attack needs *no* shadow models\n- it works on `CIFAR-10` and on language models\n\n"
    "Joint work with colleagues at three universities. "
) * 3
BIO = "Researcher in privacy-preserving machine learning, **differential privacy** and audits. " * 4


def speaker_names() -> list[str]:
    """About 20,000 distinct speaker names."""
    return [
        f"{first} {initial}. {last}"
        for initial in "ABCD"
        for last in LAST_NAMES
        for first in FIRST_NAMES
    ]


def fill(series_count: int = SERIES, talks: int = TALKS, papers: int = PAPERS) -> None:
    """Insert the site into the current app's database (inside an app context)."""
    from prisec.dataversion import invalidate_everything
    from prisec.extensions import db
    from prisec.models import (
        Listing,
        Reschedule,
        Series,
        Speaker,
        Talk,
        TalkSpeaker,
        TalkStatus,
        abstract_to_text,
    )
    from prisec.papers.models import Paper, TalkPaper
    from prisec.search import refresh_search_index

    rng = random.Random(20)
    now = datetime.now(UTC).replace(second=0, microsecond=0)
    db.session.execute(
        insert(Series),
        [
            {
                "slug": f"seminar-{i}",
                "name": f"Seminar {i} on {TOPICS[i % len(TOPICS)].split(' ', 1)[1]}",
                "timezone": ZONES[i % len(ZONES)],
                "description": f"The weekly seminar number {i}.",
            }
            for i in range(series_count)
        ],
    )
    names = speaker_names()
    db.session.execute(
        insert(Speaker),
        [
            {"name": name, "affiliation": "Universität Zürich", "honorific": "", "bio": BIO}
            for name in names
        ],
    )
    per_series = talks // series_count
    upcoming_per_series = 3
    past_per_series = per_series - upcoming_per_series
    # The plain text of the abstract is the same for every talk: derived once, not per row.
    plain = abstract_to_text(ABSTRACT)
    rows = []
    for i in range(talks):
        series = i % series_count
        nth = i // series_count
        # Each series' past talks spread over ten years, then weekly from this week.
        if nth < past_per_series:
            start = now - timedelta(days=1 + (past_per_series - nth) * 3650 // past_per_series)
        else:
            start = now + timedelta(days=1 + 7 * (nth - past_per_series), hours=series % 24)
        rows.append(
            {
                "id": i + 1,
                "series_id": series + 1,
                "title": f"{TOPICS[i % len(TOPICS)].capitalize()} ({i})",
                "abstract": ABSTRACT,
                "abstract_text": plain,
                "bio": BIO,
                "start": start,
                "end": start + timedelta(hours=1),
                "registration_url": f"https://zoom.example/register/{i}",
                "status": TalkStatus.CANCELLED if i % 50 == 7 else TalkStatus.SCHEDULED,
                "listing": Listing.AUTO,
                "published": True,
                "created_at": now,
                "updated_at": now,
                "sequence": 1 if i % 10 == 3 else 0,
            }
        )
    for chunk in range(0, len(rows), 10_000):
        db.session.execute(insert(Talk), rows[chunk : chunk + 10_000])
    links = []
    for i in range(talks):
        links.append({"talk_id": i + 1, "speaker_id": rng.randrange(len(names)) + 1, "position": 0})
        if i % 3 == 0:
            second = rng.randrange(len(names)) + 1
            if second != links[-1]["speaker_id"]:
                links.append({"talk_id": i + 1, "speaker_id": second, "position": 1})
    db.session.execute(insert(TalkSpeaker), links)
    db.session.execute(
        insert(Reschedule),
        [
            {
                "talk_id": row["id"],
                "previous_start": row["start"] - timedelta(days=7),
                "previous_end": row["end"] - timedelta(days=7),
                "changed_at": now,
            }
            for row in rows
            if row["sequence"]
        ],
    )
    db.session.execute(
        insert(Paper),
        [
            {
                "title": f"On {TOPICS[i % len(TOPICS)]}, part {i}",
                "authors": [names[(i * 7) % len(names)], names[(i * 13) % len(names)]],
                "published_on": date(2016 + i % 10, 1 + i % 12, 1 + i % 28),
                "category": ("CR", "LG", "CV")[i % 3],
                "url": f"https://arxiv.org/abs/2{i % 10}01.{i:05d}",
                "created_at": now,
            }
            for i in range(papers)
        ],
    )
    db.session.execute(
        insert(TalkPaper),
        [
            {"talk_id": (i * 97) % talks + 1, "paper_id": i + 1, "position": 0}
            for i in range(papers)
        ],
    )
    # A bulk insert bypasses the hook that raises the cache versions.
    invalidate_everything(db.session)
    refresh_search_index(db.session.connection())
    db.session.commit()
    db.session.execute(text("PRAGMA wal_checkpoint(TRUNCATE)"))


def build(instance: Path) -> None:
    """Migrate and fill the many-series site under `instance`."""
    from prisec import create_app
    from prisec.extensions import db

    flask(instance, "db", "upgrade", "heads")
    app = create_app({"INSTANCE_PATH": str(instance)})
    with app.app_context():
        fill()
        db.engine.dispose()


if __name__ == "__main__":
    import sys
    import time

    began = time.monotonic()
    build(Path(sys.argv[1]))
    print(f"built in {time.monotonic() - began:.0f} s")
