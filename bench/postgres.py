"""Benchmark of the two production set-ups in one run: SQLite under waitress, PostgreSQL under
two gunicorn workers, each beside /healthz of the same server.

Starts a throwaway PostgreSQL server (tests/pgcluster.py), builds the same talks into a
SQLite file and into PostgreSQL, serves each as the README's deployment section does, and
measures the public pages, search and the calendar feed for a fixed time each. Checks that
an edit made outside the servers reaches every worker. Writes its own section at the end of
bench/RESULTS.md. Run with `make bench-postgres`.
"""

from __future__ import annotations

import argparse
import http.client
import os
import platform
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from results import replace_section
from serving import flask, free_port, get, start

PROJECT_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_ROOT))

HEADING = "# PostgreSQL with two gunicorn workers beside SQLite"
ZONES = ("Europe/London", "America/Los_Angeles", "Asia/Kolkata", "America/New_York")
ABSTRACT = (
    "We study **membership inference** against models trained with DP-SGD, and show that "
    "auditing with $\\varepsilon$-canaries gives tight lower bounds. "
) * 3
PATHS = ("/healthz", "/", "/talks", "/talks?q=auditing+private", "/calendar.ics")


@dataclass
class Load:
    """Outcome of one fixed-time load run."""

    requests: int
    seconds: float
    latencies: list[float]
    statuses: dict[int, int]

    @property
    def per_second(self) -> float:
        return self.requests / self.seconds

    def percentile(self, p: float) -> float:
        ordered = sorted(self.latencies) or [0.0]
        return ordered[min(len(ordered) - 1, int(len(ordered) * p))] * 1000


def build_site(instance: Path, database_url: str, talks: int) -> float:
    """Migrate the database and fill it with `talks` published talks; seconds it took."""
    began = time.perf_counter()
    flask(instance, "db", "upgrade", "heads", env={"DATABASE_URL": database_url})
    from prisec import create_app
    from prisec.extensions import db
    from prisec.models import Series, Speaker, Talk, TalkSpeaker

    app = create_app({"INSTANCE_PATH": str(instance), "SQLALCHEMY_DATABASE_URI": database_url})
    with app.app_context():
        series = [
            Series(slug=f"series-{i}", name=f"Seminar {i}", timezone=zone)
            for i, zone in enumerate(ZONES)
        ]
        speakers = [
            Speaker(name=f"Speaker Nº{i} Müller", affiliation="Universität") for i in range(500)
        ]
        db.session.add_all(series + speakers)
        first = datetime.now(UTC).replace(microsecond=0) - timedelta(days=4 * 365)
        step = timedelta(days=5 * 365) / talks
        for i in range(talks):
            start = first + step * i
            talk = Talk(
                series=series[i % len(series)],
                title=f"Talk {i}: auditing private learning",
                abstract=f"{ABSTRACT} (Talk {i}.)",
                start=start,
                end=start + timedelta(hours=1),
                published=True,
            )
            talk.speaker_links = [TalkSpeaker(speaker=speakers[i % len(speakers)], position=0)]
            db.session.add(talk)
        db.session.commit()
        db.engine.dispose()
    return time.perf_counter() - began


def retitle_newest(instance: Path, database_url: str, title: str) -> None:
    """Retitle the newest talk through the ORM in this process, as a third worker would."""
    from sqlalchemy import select

    from prisec import create_app
    from prisec.extensions import db
    from prisec.models import Talk

    app = create_app({"INSTANCE_PATH": str(instance), "SQLALCHEMY_DATABASE_URI": database_url})
    with app.app_context():
        talk = db.session.scalar(select(Talk).order_by(Talk.start.desc()).limit(1))
        talk.title = title
        db.session.commit()
        db.engine.dispose()


def load(port: int, path: str, seconds: float, clients: int) -> Load:
    """`clients` keep-alive connections sending GETs for `seconds`."""
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    lock = threading.Lock()
    stop_at = time.monotonic() + seconds

    def client() -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        mine: list[float] = []
        codes: dict[int, int] = {}
        while time.monotonic() < stop_at:
            began = time.perf_counter()
            connection.request("GET", path)
            response = connection.getresponse()
            response.read()
            mine.append(time.perf_counter() - began)
            codes[response.status] = codes.get(response.status, 0) + 1
        connection.close()
        with lock:
            latencies.extend(mine)
            for code, count in codes.items():
                statuses[code] = statuses.get(code, 0) + count

    began = time.monotonic()
    threads = [threading.Thread(target=client) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=seconds + 180)
    return Load(len(latencies), time.monotonic() - began, latencies, statuses)


def measure(
    name: str, command: list[str], instance: Path, url: str, port: int, args: argparse.Namespace
) -> tuple[dict[str, Load], int]:
    """Warm every page once, load each in turn, then check an outside edit reaches all workers."""
    server = start(command, port, {"PRISEC_INSTANCE_PATH": str(instance), "DATABASE_URL": url})
    try:
        for path in PATHS:
            status, _, _ = get(port, path)
            assert status == 200, (name, path, status)
        runs = {path: load(port, path, args.seconds, args.clients) for path in PATHS}
        title = f"Renamed while serving {name}"
        retitle_newest(instance, url, title)
        # Fresh connections land on either worker: each must show the edit at once.
        seen = sum(title.encode() in get(port, "/talks")[2] for _ in range(20))
    finally:
        server.terminate()
        server.wait(timeout=30)
    return runs, seen


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def report(
    results: dict[str, tuple[dict[str, Load], int]],
    builds: dict[str, float],
    args: argparse.Namespace,
) -> str:
    """The Markdown section for RESULTS.md."""
    lines = [
        HEADING,
        "",
        f"- date: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC",
        f"- machine: {os.cpu_count()} CPUs (`nproc`), {cpu_model()}; "
        f"Python {platform.python_version()}; the server, the database and the client share it "
        f"(load average {os.getloadavg()[0]:.1f} at the end)",
        f"- data: {args.talks:,} published talks in {len(ZONES)} series, built in "
        + ", ".join(f"{build:.1f} s ({name})" for name, build in builds.items()),
        "- SQLite: waitress, 8 threads, one process (`make run`)",
        "- PostgreSQL: gunicorn, 2 workers × 4 threads (`gthread`), a throwaway PostgreSQL "
        "server on a local socket (fsync off)",
        f"- load: {args.clients} keep-alive connections for {args.seconds:g} s per row, "
        "a Python client on the same machine",
        "",
        "| page | set-up | requests/s | vs /healthz | p50 | p99 | statuses |",
        "| --- | --- | ---: | ---: | ---: | ---: | --- |",
    ]
    for path in PATHS:
        for name, (runs, _) in results.items():
            run, health = runs[path], runs["/healthz"].per_second
            codes = ", ".join(f"{code}: {count}" for code, count in sorted(run.statuses.items()))
            lines.append(
                f"| `{path}` | {name} | {run.per_second:.0f} | {run.per_second / health:.2f} | "
                f"{run.percentile(0.5):.1f} ms | {run.percentile(0.99):.1f} ms | {codes} |"
            )
    lines += [
        "",
        "An edit written by another process, then 20 fresh requests for `/talks`: "
        + "; ".join(f"{name} showed it {seen}/20 times" for name, (_, seen) in results.items())
        + ". Caches key on the versions of their scopes (the site, the series, the talk) "
        "kept in the database, so every worker sees it.",
        "",
    ]
    return "\n".join(lines)


def main() -> None:
    from tests.pgcluster import throwaway_cluster

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--talks", type=int, default=2000, help="published talks to build")
    parser.add_argument("--seconds", type=float, default=5.0, help="length of each load run")
    parser.add_argument("--clients", type=int, default=4, help="concurrent connections")
    parser.add_argument("--output", type=Path, default=PROJECT_ROOT / "bench" / "RESULTS.md")
    args = parser.parse_args()
    bin_dir = Path(sys.executable).parent

    with tempfile.TemporaryDirectory(prefix="prisec-bench-") as tmp, throwaway_cluster() as pg:
        sqlite_instance, pg_instance = Path(tmp) / "sqlite", Path(tmp) / "postgres"
        sqlite_url = f"sqlite:///{sqlite_instance / 'prisec.db'}"
        builds = {
            "SQLite": build_site(sqlite_instance, sqlite_url, args.talks),
            "PostgreSQL": build_site(pg_instance, pg, args.talks),
        }
        results = {}
        port = free_port()
        results["SQLite, waitress"] = measure(
            "SQLite",
            [str(bin_dir / "waitress-serve"), f"--listen=127.0.0.1:{port}", "--threads=8"]
            + ["app:app"],
            sqlite_instance,
            sqlite_url,
            port,
            args,
        )
        port = free_port()
        results["PostgreSQL, 2 gunicorn workers"] = measure(
            "PostgreSQL",
            [str(bin_dir / "gunicorn"), "--bind", f"127.0.0.1:{port}", "--workers", "2"]
            + ["--threads", "4", "app:app"],
            pg_instance,
            pg,
            port,
            args,
        )
    section = report(results, builds, args)
    replace_section(section, args.output)
    print(section)


if __name__ == "__main__":
    main()
