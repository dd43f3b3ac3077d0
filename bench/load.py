"""Load benchmark: a bounded mixed load on the production server at rising concurrency.

Serves the demo site with waitress on 127.0.0.1 as `make run` does, then, for each
step of concurrency, runs that many clients for a fixed time. Each client picks requests
from a fixed mix: public pages, feeds, the API and, for one client in eight, organizer
saves of a talk (a 409 conflict is an expected answer there, not an error). Records
throughput, p50/p99 latency and the error count (5xx, refused connections, timeouts,
or any other unexpected status) per step, beside /healthz of the same server.

    python bench/load.py                       # 1, 4, 16, 32, 64 clients, 10 s each
    python bench/load.py --steps 8 --seconds 3 --no-write   # short form
Appends a section to bench/RESULTS.md unless --no-write. Exit status 1 on any error.
"""

from __future__ import annotations

import argparse
import http.client
import os
import platform
import random
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

from results import replace_section
from serving import flask, free_port, waitress

PROJECT_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_ROOT))

from tests.liveclient import Organizer, replace  # noqa: E402

PASSWORD = "a load test password"
MIX = [
    "/", "/series/prisec-ml", "/talks/1", "/talks/2", "/talks", "/talks?q=privacy",
    "/papers", "/calendar.ics", "/feed.atom", "/api/v1/talks", "/api/v1/talks/1",
    "/embed/upcoming", "/sitemap.xml",
]  # fmt: skip


def run_step(base: str, port: int, clients: int, seconds: float) -> dict:
    """`clients` clients for `seconds`: requests, latencies, errors."""
    latencies: list[float] = []
    errors: list[str] = []
    saves = {"landed": 0, "conflicts": 0}
    lock = threading.Lock()
    deadline = time.monotonic() + seconds

    def reader(number: int) -> None:
        rng = random.Random(number)
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        while time.monotonic() < deadline:
            path = rng.choice(MIX)
            began = time.perf_counter()
            try:
                connection.request("GET", path)
                response = connection.getresponse()
                response.read()
                status = response.status
            except (OSError, http.client.HTTPException) as error:
                connection.close()
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                with lock:
                    errors.append(f"{path}: {error!r}")
                continue
            with lock:
                latencies.append(time.perf_counter() - began)
                if status >= 400:
                    errors.append(f"{path}: {status}")
        connection.close()

    def writer(number: int) -> None:
        client = Organizer(base)
        client.log_in("crash@example.org", PASSWORD)
        rng = random.Random(number)
        save = 0
        while time.monotonic() < deadline:
            talk = rng.choice((1, 2, 3))
            began = time.perf_counter()
            try:
                fields = client.edit_form(talk)
                status = client.save_talk(talk, replace(fields, title=f"Load {number}-{save}"))
            except (OSError, AssertionError) as error:
                with lock:
                    errors.append(f"save: {error!r}")
                continue
            with lock:
                latencies.append(time.perf_counter() - began)
                if status == 303:
                    saves["landed"] += 1
                elif status == 409:
                    saves["conflicts"] += 1
                else:
                    errors.append(f"save: {status}")
            save += 1

    writers = max(1, clients // 8)
    threads = [threading.Thread(target=writer, args=(n,)) for n in range(writers)]
    threads += [threading.Thread(target=reader, args=(n,)) for n in range(clients - writers)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - started
    ordered = sorted(latencies) or [0.0]
    return {
        "clients": clients,
        "requests": len(latencies),
        "per_second": len(latencies) / elapsed,
        "p50": ordered[len(ordered) // 2] * 1000,
        "p99": ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1000,
        "errors": errors,
        **saves,
    }


def healthz_rate(port: int, seconds: float) -> float:
    """Requests per second of /healthz from one keep-alive client: the machine's yardstick."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    count, deadline = 0, time.monotonic() + seconds
    while time.monotonic() < deadline:
        connection.request("GET", "/healthz")
        connection.getresponse().read()
        count += 1
    connection.close()
    return count / seconds


def main() -> int:
    """Run the steps, print them, append them to bench/RESULTS.md."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", default="1,4,16,32,64")
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    steps = [int(step) for step in args.steps.split(",")]
    with tempfile.TemporaryDirectory() as folder:
        instance = Path(folder) / "instance"
        flask(instance, "db", "upgrade", "heads")
        flask(instance, "seed-demo", "--if-empty")
        flask(
            instance,
            *("organizer", "create", "crash@example.org", "--name", "Load Test"),
            stdin=PASSWORD + "\n",
        )
        port = free_port()
        server = waitress(instance, port)
        try:
            yardstick = healthz_rate(port, 2)
            results = [run_step(f"http://127.0.0.1:{port}", port, n, args.seconds) for n in steps]
        finally:
            server.terminate()
            server.wait(timeout=10)
    lines = [
        "# Mixed load (public pages, feeds, API, organizer saves)",
        "",
        f"- date: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC",
        f"- machine: {os.cpu_count()} CPUs (`nproc`), {platform.processor() or platform.machine()};"
        f" Python {platform.python_version()}",
        "- server: waitress on 127.0.0.1 (4 threads, its default), the demo database;"
        " clients on the same machine",
        f"- load: {args.seconds:g} s per step; one client in eight saves talk edits, the rest read",
        f"  {len(MIX)} public addresses at random over keep-alive connections",
        f"- yardstick: `/healthz` from one client, {yardstick:.0f} requests/s",
        "",
        "| clients | requests/s | p50 | p99 | errors | saves landed | conflicts (409) |",
        "| ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for r in results:
        lines.append(
            f"| {r['clients']} | {r['per_second']:.0f} | {r['p50']:.0f} ms | {r['p99']:.0f} ms"
            f" | {len(r['errors'])} | {r['landed']} | {r['conflicts']} |"
        )
    text = "\n".join(lines) + "\n"
    print(text)
    for r in results:
        for error in r["errors"][:5]:
            print(f"{r['clients']} clients: {error}", file=sys.stderr)
    if not args.no_write:
        replace_section(text)
    return 1 if any(r["errors"] for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())
