"""Benchmark of the calendar feeds under the production server, beside /healthz of the same server.

Builds a database of 10,000 talks in a temporary instance folder, serves it with
waitress on 127.0.0.1 as `make run` does, and measures the cold build of
/calendar.ics, then warm and 304 throughput for a fixed time each. Writes
bench/RESULTS.md. Run with `make bench`.
"""

from __future__ import annotations

import argparse
import http.client
import os
import platform
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_ROOT))

TALKS = 10_000
ZONES = ("Europe/London", "America/Los_Angeles", "Asia/Kolkata", "America/New_York")
ABSTRACT = (
    "We study **membership inference** against models trained with DP-SGD, and show that "
    "auditing with $\\varepsilon$-canaries gives tight lower bounds; see "
    "[the paper](https://example.org/paper). "
) * 4


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
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(len(ordered) * p))] * 1000


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def build_database(instance: Path) -> None:
    """Migrate a fresh database and fill it with TALKS published talks over ten years."""
    env = {**os.environ, "PRISEC_INSTANCE_PATH": str(instance)}
    subprocess.run(
        [sys.executable, "-m", "flask", "--app", "app", "db", "upgrade", "heads"],
        cwd=PROJECT_ROOT,
        env=env,
        check=True,
        capture_output=True,
    )
    from prisec import create_app
    from prisec.extensions import db
    from prisec.models import Series, Speaker, Talk, TalkSpeaker

    app = create_app({"INSTANCE_PATH": str(instance)})
    with app.app_context():
        series = [
            Series(slug=f"series-{i}", name=f"Seminar {i}", timezone=zone)
            for i, zone in enumerate(ZONES)
        ]
        speakers = [
            Speaker(name=f"Speaker Nº{i} Müller", affiliation="Universität") for i in range(2000)
        ]
        db.session.add_all(series + speakers)
        # Eight years of past talks and two ahead: the default feed holds about three years.
        first = datetime.now(UTC).replace(microsecond=0) - timedelta(days=8 * 365)
        step = timedelta(days=10 * 365) / TALKS
        for i in range(TALKS):
            start = first + step * i
            talk = Talk(
                series=series[i % len(series)],
                title=f"Talk {i}: auditing private learning, with commas; and semicolons",
                abstract=f"{ABSTRACT} (Talk {i}.)",
                start=start,
                end=start + timedelta(hours=1),
                registration_url=f"https://zoom.example/register/{i}",
                published=True,
            )
            talk.speaker_links = [TalkSpeaker(speaker=speakers[i % len(speakers)], position=0)]
            db.session.add(talk)
        db.session.commit()
        db.engine.dispose()


def edit_one_talk(instance: Path) -> None:
    """Retitle the last talk through the real editing operation, as an organizer's save does."""
    from sqlalchemy import select

    from prisec import create_app
    from prisec.editing import record_revision
    from prisec.extensions import db
    from prisec.models import Talk

    app = create_app({"INSTANCE_PATH": str(instance)})
    with app.app_context():
        talk = db.session.scalar(select(Talk).order_by(Talk.start.desc()).limit(1))
        talk.title = "Retitled: " + talk.title
        record_revision(talk, None, "Edited")
        db.session.commit()
        db.engine.dispose()


def start_server(instance: Path, port: int) -> subprocess.Popen:
    """waitress serving the app as `make run` does, with a deadline to come up."""
    env = {**os.environ, "PRISEC_INSTANCE_PATH": str(instance)}
    process = subprocess.Popen(
        [sys.executable, "-m", "waitress", f"--listen=127.0.0.1:{port}", "--threads=8", "app:app"],
        cwd=PROJECT_ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode}")
        try:
            status, _, _ = request(port, "/healthz")
            if status == 200:
                return process
        except OSError:
            time.sleep(0.1)  # not listening yet
    process.terminate()
    raise RuntimeError("server did not answer /healthz in 30 s")


def request(port: int, path: str, headers: dict[str, str] | None = None):
    """One GET on a fresh connection: status, headers, body."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    try:
        connection.request("GET", path, headers=headers or {})
        response = connection.getresponse()
        return response.status, response.msg, response.read()
    finally:
        connection.close()


def load(port: int, path: str, headers: dict[str, str], seconds: float, clients: int) -> Load:
    """`clients` keep-alive connections sending GETs for `seconds`."""
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    lock = threading.Lock()
    stop_at = time.monotonic() + seconds

    def client() -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        mine: list[float] = []
        codes: dict[int, int] = {}
        while time.monotonic() < stop_at:
            began = time.perf_counter()
            connection.request("GET", path, headers=headers)
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
        thread.join(timeout=seconds + 120)
    return Load(len(latencies), time.monotonic() - began, latencies, statuses)


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5.0, help="length of each load run")
    parser.add_argument("--clients", type=int, default=4, help="concurrent connections")
    parser.add_argument("--output", type=Path, default=PROJECT_ROOT / "bench" / "RESULTS.md")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="prisec-bench-") as tmp:
        instance = Path(tmp) / "instance"
        began = time.perf_counter()
        build_database(instance)
        setup_seconds = time.perf_counter() - began
        port = free_port()
        server = start_server(instance, port)
        try:
            began = time.perf_counter()
            status, headers, body = request(port, "/calendar.ics")
            cold = time.perf_counter() - began
            assert status == 200, status
            events = body.count(b"BEGIN:VEVENT")
            began = time.perf_counter()
            request(port, "/calendar.ics")
            warm_single = time.perf_counter() - began

            edit_one_talk(instance)
            began = time.perf_counter()
            status, headers, body = request(port, "/calendar.ics")
            rebuild = time.perf_counter() - began
            assert status == 200, status
            assert b"Retitled: " in body

            began = time.perf_counter()
            status_all, _, body_all = request(port, "/calendar.ics?past=all")
            cold_all = time.perf_counter() - began
            assert status_all == 200, status_all
            events_all = body_all.count(b"BEGIN:VEVENT")

            conditional = {"If-None-Match": headers["ETag"]}
            runs = {
                "/healthz": load(port, "/healthz", {}, args.seconds, args.clients),
                "/calendar.ics (warm, 200)": load(
                    port, "/calendar.ics", {}, args.seconds, args.clients
                ),
                "/calendar.ics (If-None-Match, 304)": load(
                    port, "/calendar.ics", conditional, args.seconds, args.clients
                ),
            }
        finally:
            server.terminate()
            server.wait(timeout=10)

    nproc = os.cpu_count()
    health = runs["/healthz"].per_second
    lines = [
        "# Calendar feed benchmark",
        "",
        f"- date: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC",
        f"- machine: {nproc} CPUs (`nproc`), {cpu_model()}; Python {platform.python_version()}",
        f"- database: {TALKS:,} published talks in {len(ZONES)} series over ten years "
        f"(built in {setup_seconds:.1f} s), SQLite",
        "- server: waitress on 127.0.0.1, 8 threads, as `make run` starts it",
        f"- load: {args.clients} keep-alive connections for {args.seconds:g} s per row, "
        "a Python client on the same machine",
        "",
        "## Builds (one request each, in this order)",
        "",
        "| feed | events | size | time |",
        "| --- | ---: | ---: | ---: |",
        f"| `/calendar.ics` (upcoming + past 12 months), cold | {events:,} | "
        f"{len(body) / 1e6:.2f} MB | {cold * 1000:.0f} ms ({cold / events * 1000:.2f} ms/event) |",
        f"| `/calendar.ics` again, from the cache | {events:,} | {len(body) / 1e6:.2f} MB | "
        f"{warm_single * 1000:.0f} ms |",
        f"| `/calendar.ics` after one talk was edited (rebuilt, other events reused) | "
        f"{events:,} | {len(body) / 1e6:.2f} MB | {rebuild * 1000:.0f} ms |",
        f"| `/calendar.ics?past=all` (the {events:,} above reused) | {events_all:,} | "
        f"{len(body_all) / 1e6:.2f} MB | {cold_all * 1000:.0f} ms |",
        "",
        "## Throughput",
        "",
        "| endpoint | requests/s | vs /healthz | p50 | p99 | statuses |",
        "| --- | ---: | ---: | ---: | ---: | --- |",
    ]
    for name, run in runs.items():
        codes = ", ".join(f"{code}: {count}" for code, count in sorted(run.statuses.items()))
        lines.append(
            f"| `{name}` | {run.per_second:.0f} | {run.per_second / health:.2f} | "
            f"{run.percentile(0.5):.1f} ms | {run.percentile(0.99):.1f} ms | {codes} |"
        )
    lines += [
        "",
        "Warm and 304 answers come from the in-process cache keyed on the data version: "
        "each reads that version (one query) and builds nothing.",
        "",
    ]
    args.output.write_text("\n".join(lines))
    print("\n".join(lines))
    print(f"mean /healthz latency {statistics.mean(runs['/healthz'].latencies) * 1000:.1f} ms")


if __name__ == "__main__":
    main()
