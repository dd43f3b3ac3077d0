"""A site of many series: every public page and feed cold, the archive's and feed's sizes, memory.

Builds 50,000 talks in 2,000 series (bench/many_series.py, bulk inserts), serves them with
waitress on 127.0.0.1 as `make run` does, and asks each kind of public page and feed once
right after the server starts, then once more after an organizer's edit (both cold: the
first answer of that address, and the first after its data changed), noting the server's
resident memory after each. Writes its section of bench/RESULTS.md. Run with
`make bench-scale`.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from itertools import zip_longest
from pathlib import Path
from xml.etree import ElementTree

PROJECT_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import many_series  # noqa: E402 -- bench/ is not a package; its folder was put on the path above
from results import replace_section  # noqa: E402 -- bench/ is on the path, as above
from serving import free_port, get, waitress  # noqa: E402 -- bench/ is on the path, as above

GZIP = {"Accept-Encoding": "gzip"}
# What the issue asks of this site.
COLD_LIMIT = 0.5
ARCHIVE_GZIP_LIMIT = 60 * 1024
FEED_LIMIT = 1_000_000
MEMORY_LIMIT_MB = 150
# A talk of seminar-7 (talks are numbered across the series in turn): its page is measured,
# then it is edited, which makes its page, its series' pages and every site-wide answer cold.
EDITED_TALK = 8
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


@dataclass
class Answer:
    """One cold request."""

    path: str
    status: int
    seconds: float
    plain_bytes: int
    gzip_bytes: int
    rss_mb: float


def rss_mb(pid: int) -> tuple[float, float]:
    """The resident memory of a process now (VmRSS) and at its peak (VmHWM), in MB."""
    found = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(("VmRSS:", "VmHWM:")):
            name, kilobytes = line.split()[:2]
            found[name] = int(kilobytes) / 1024
    return found.get("VmRSS:", 0.0), found.get("VmHWM:", 0.0)


def canonical(port: int, talk_id: int) -> str:
    """The path of a talk's page at its current slug."""
    location = get(port, f"/talks/{talk_id}")[1].get("Location", f"/talks/{talk_id}")
    return "/" + location.split("/", 3)[3] if location.startswith("http") else location


def pages(talk_path: str) -> list[str]:
    """One address of every kind of public page and feed; the talk is one of seminar-7's."""
    talk_id = talk_path.split("/")[2]
    slug, other_slug, speaker_part = "seminar-7", "seminar-8", "Goldw"
    return [
        "/",
        "/series",
        f"/series/{slug}",
        f"/series/{slug}?page=2",
        talk_path,
        "/talks",
        "/talks?q=membership",
        f"/talks?speaker={speaker_part}",
        f"/talks/speakers?speaker={speaker_part}",
        "/talks?page=40",
        "/papers",
        f"/my?series={slug},{other_slug}&talks={talk_id}",
        f"/my.ics?series={slug},{other_slug}&talks={talk_id}",
        f"/embed/upcoming?series={slug}",
        "/embed/upcoming",
        "/feed.atom",
        "/calendar.ics",
        f"/series/{slug}/calendar.ics",
        f"/talks/{talk_id}.ics",
        "/calendar/help",
        "/robots.txt",
        "/sitemap.xml",
    ]


def sitemap_files(body: bytes) -> list[str]:
    """The sitemap files a sitemap index names, as paths."""
    root = ElementTree.fromstring(body)
    if root.tag != f"{SITEMAP}sitemapindex":
        return []
    return [
        "/" + loc.text.split("/", 3)[3]
        for loc in root.iter(f"{SITEMAP}loc")
        if loc.text and loc.text.count("/") >= 3
    ]


def ask(port: int, pid: int, path: str) -> Answer:
    """One GET as a browser sends it (gzip accepted), timed; then the plain size."""
    began = time.perf_counter()
    status, headers, body = get(port, path, GZIP)
    seconds = time.perf_counter() - began
    compressed = len(body) if headers.get("Content-Encoding") == "gzip" else 0
    plain = len(get(port, path)[2]) if compressed else len(body)
    return Answer(path, status, seconds, plain, compressed, rss_mb(pid)[0])


def edit_one_talk(instance: Path, talk_id: int) -> None:
    """Retitle a talk through the real editing operation, as an organizer's save does."""
    from prisec import create_app
    from prisec.editing import record_revision
    from prisec.extensions import db
    from prisec.models import Talk

    app = create_app({"INSTANCE_PATH": str(instance)})
    with app.app_context():
        talk = db.session.get(Talk, talk_id)
        talk.title = "Retitled: " + talk.title
        record_revision(talk, None, "Edited")
        db.session.commit()
        db.engine.dispose()


def run_round(port: int, pid: int, paths: list[str]) -> list[Answer]:
    """Every path once, sitemap files after the index that names them."""
    answers = []
    for path in paths:
        answers.append(ask(port, pid, path))
        if path == "/sitemap.xml":
            for file in sitemap_files(get(port, path)[2]):
                answers.append(ask(port, pid, file))
    return answers


def measure(instance: Path) -> tuple[list[Answer], list[Answer], float, float]:
    """Both cold rounds, and the server's memory at start and at its peak."""
    port = free_port()
    server = waitress(instance, port, threads=8)
    try:
        started_rss = rss_mb(server.pid)[0]
        first = run_round(port, server.pid, pages(canonical(port, EDITED_TALK)))
        edit_one_talk(instance, EDITED_TALK)
        # The same kinds of address; the edited talk's page is at its new slug now.
        after = run_round(port, server.pid, pages(canonical(port, EDITED_TALK)))
        return first, after, started_rss, rss_mb(server.pid)[1]
    finally:
        server.terminate()
        server.wait(timeout=30)


def _size(count: int) -> str:
    return f"{count:,}" if count else ""


def section(
    built: float,
    first: list[Answer],
    after: list[Answer],
    started_rss: float,
    peak_rss: float,
    load: tuple[float, float],
) -> str:
    """The Markdown section of bench/RESULTS.md."""
    now = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        "# A site of many series (`make bench-scale`)",
        "",
        f"Run {now} on {os.cpu_count()} cores ({platform.machine()}), load average "
        f"{load[0]:.2f} before and {load[1]:.2f} after. {many_series.TALKS:,} talks in "
        f"{many_series.SERIES:,} series, {len(many_series.speaker_names()):,} speakers "
        f"(bench/many_series.py, built in {built:.0f} s), waitress with 8 threads on "
        "127.0.0.1. Each address asked once right after the server started and once after "
        "an organizer's edit of a talk of seminar-7 (both the first answer since its data "
        "changed: nothing kept); gzip accepted, as browsers send.",
        "",
        "| address | status | cold | after an edit | bytes | gzip bytes | server RSS after |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    # The rounds ask the same kinds of address in the same order (the edited talk's slug
    # differs), so they pair by position.
    for answer, again in zip_longest(first, after):
        if answer is None:
            break
        after_edit = f"{again.seconds * 1000:.0f} ms" if again else ""
        lines.append(
            f"| `{answer.path}` | {answer.status} | {answer.seconds * 1000:.0f} ms | "
            f"{after_edit} | {_size(answer.plain_bytes)} | {_size(answer.gzip_bytes)} | "
            f"{answer.rss_mb:.0f} MB |"
        )
    everything = first + after
    slowest = max(everything, key=lambda a: a.seconds)
    archive = next(a for a in first if a.path == "/talks")
    feed = next(a for a in first if a.path == "/calendar.ics")
    lines += [
        "",
        f"- slowest cold answer: `{slowest.path}`, {slowest.seconds * 1000:.0f} ms "
        f"(target under {COLD_LIMIT * 1000:.0f} ms: "
        f"{'met' if slowest.seconds < COLD_LIMIT else 'NOT met'})",
        f"- the archive `/talks`: {archive.gzip_bytes:,} bytes gzipped "
        f"(target under {ARCHIVE_GZIP_LIMIT:,}: "
        f"{'met' if archive.gzip_bytes < ARCHIVE_GZIP_LIMIT else 'NOT met'})",
        f"- the site-wide feed `/calendar.ics`: {feed.plain_bytes:,} bytes without gzip "
        f"(target under {FEED_LIMIT:,}: {'met' if feed.plain_bytes < FEED_LIMIT else 'NOT met'})",
        f"- server memory: {started_rss:.0f} MB at start, "
        f"{max(a.rss_mb for a in everything):.0f} MB at most after a page, peak "
        f"{peak_rss:.0f} MB (target under {MEMORY_LIMIT_MB} MB: "
        f"{'met' if peak_rss < MEMORY_LIMIT_MB else 'NOT met'})",
    ]
    bad = [a.path for a in everything if a.status != 200]
    if bad:
        lines.append(f"- not 200: {', '.join(f'`{p}`' for p in sorted(set(bad)))}")
    return "\n".join(lines) + "\n"


def main() -> None:
    """Build (or reuse with --instance) the site, measure, write the section."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--instance", type=Path, help="a site built before (skips the build)")
    parser.add_argument("--no-record", action="store_true", help="print, leave RESULTS.md")
    args = parser.parse_args()
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="prisec-scale-") as folder:
        instance = args.instance or Path(folder) / "instance"
        built = 0.0
        if args.instance is None:
            began = time.monotonic()
            many_series.build(instance)
            built = time.monotonic() - began
        first, after, started_rss, peak_rss = measure(instance)
    text = section(built, first, after, started_rss, peak_rss, (load_before, os.getloadavg()[0]))
    print(text)
    if not args.no_record:
        replace_section(text)


if __name__ == "__main__":
    main()
