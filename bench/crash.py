"""Crash test: SIGKILL the production server in the middle of a stream of writes, then restart.

Organizers save talk edits through waitress on 127.0.0.1 as fast as it answers; after a
while the server is killed with SIGKILL, mid-write. After a restart, SQLite's
`PRAGMA integrity_check` must say `ok` and every save the server acknowledged (303) before
the kill must be in the talk's revision history. Repeats for several rounds.

    python bench/crash.py --rounds 5 --writers 4 --record   # long form, into RESULTS.md
    python bench/crash.py --rounds 1 --writers 2   # short form, run by the tests
Exit status 0 when every round passed.
"""

from __future__ import annotations

import argparse
import os
import platform
import signal
import sqlite3
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

from serving import flask, free_port, waitress

PROJECT_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_ROOT))

from tests.liveclient import Organizer, replace  # noqa: E402 -- after the path is set

PASSWORD = "a crash test password"


def one_round(
    instance: Path, number: int, writers: int, acknowledged_before_kill: int
) -> tuple[str, dict]:
    """Write, kill, restart, check: what went wrong ('' when all is well), and the figures."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = waitress(instance, port)
    acknowledged: list[tuple[int, str]] = []
    lock = threading.Lock()
    enough = threading.Event()

    def write(writer: int) -> None:
        talk = 1 + writer % 3  # the demo's three talks; writers sharing one may conflict (409)
        client = Organizer(base, timeout=10)
        try:
            client.log_in("crash@example.org", PASSWORD)
            save = 0
            while True:
                title = f"Round {number} write {writer}-{save}"
                fields = client.edit_form(talk)
                if client.save_talk(talk, replace(fields, title=title)) == 303:
                    with lock:
                        acknowledged.append((talk, title))
                        if len(acknowledged) >= acknowledged_before_kill:
                            enough.set()
                save += 1
        except (OSError, AssertionError):
            return  # the server is gone: this writer's stream ends here

    threads = [threading.Thread(target=write, args=(writer,)) for writer in range(writers)]
    for thread in threads:
        thread.start()
    enough.wait(timeout=120)
    os.kill(server.pid, signal.SIGKILL)  # mid-stream: other saves are in flight
    server.wait()
    for thread in threads:
        thread.join(timeout=30)
    with lock:
        done = list(acknowledged)

    restart = time.monotonic()
    server = waitress(instance, port)  # restarts over the same files, recovering the WAL
    restarted_in = time.monotonic() - restart
    try:
        with sqlite3.connect(instance / "prisec.db") as connection:
            check = connection.execute("PRAGMA integrity_check").fetchall()
            stored = set(
                connection.execute(
                    "SELECT talk_id, json_extract(snapshot, '$.title') FROM talk_revision"
                ).fetchall()
            )
    finally:
        server.terminate()
        server.wait(timeout=10)
    missing = [write for write in done if write not in stored]
    figures = {
        "round": number,
        "acknowledged": len(done),
        "present": len(done) - len(missing),
        "integrity": check[0][0] if len(check) == 1 else f"{len(check)} problems",
        "restart": restarted_in,
    }
    if check != [("ok",)]:
        return f"round {number}: integrity_check said {check}", figures
    if missing:
        return (
            f"round {number}: {len(missing)} acknowledged writes lost, e.g. {missing[:3]}",
            figures,
        )
    print(f"round {number}: {len(done)} acknowledged writes, all present; integrity ok")
    return "", figures


def record(rounds: list[dict], writers: int) -> None:
    """Replace the crash test's section of bench/RESULTS.md with these rounds."""
    from results import replace_section

    lines = [
        "# Crash test (SIGKILL in the middle of writes)",
        "",
        f"- date: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC",
        f"- machine: {os.cpu_count()} CPUs (`nproc`), {platform.processor() or platform.machine()};"
        f" Python {platform.python_version()}",
        f"- {writers} organizers save talk edits through waitress on 127.0.0.1 as fast as it"
        " answers; the server is killed with SIGKILL mid-stream, restarted over the same files,"
        " and checked",
        "",
        "| round | saves acknowledged before the kill | present after restart"
        " | `PRAGMA integrity_check` | restart to first answer |",
        "| ---: | ---: | ---: | --- | ---: |",
    ]
    for r in rounds:
        lines.append(
            f"| {r['round']} | {r['acknowledged']} | {r['present']} | {r['integrity']}"
            f" | {r['restart']:.1f} s |"
        )
    replace_section("\n".join(lines) + "\n")


def main() -> int:
    """Run the rounds; 0 when every one passed."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--writers", type=int, default=4)
    parser.add_argument("--writes", type=int, default=60, help="acknowledged writes before kill")
    parser.add_argument("--record", action="store_true", help="write bench/RESULTS.md")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        instance = Path(folder) / "instance"
        flask(instance, "db", "upgrade", "heads")
        flask(instance, "seed-demo", "--if-empty")
        flask(
            instance,
            *("organizer", "create", "crash@example.org", "--name", "Crash Test"),
            stdin=PASSWORD + "\n",
        )
        outcomes = [
            one_round(instance, number, args.writers, args.writes)
            for number in range(1, args.rounds + 1)
        ]
    if args.record:
        record([figures for _, figures in outcomes], args.writers)
    problems = [problem for problem, _ in outcomes if problem]
    for problem in problems:
        print(problem, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
