"""How long the organizer's dashboard of a 2,500-talk series takes, on a site of 2,000 series.

Builds a real SQLite file in bulk (bench/archive.py: 10,000 talks in 4 series of 2,500,
then 1,996 more empty series, an administrator, drafts and speaker proposals), logs in
through the login form and times the application's answer to the dashboard's requests
in-process (no network, no server threads: what the answer costs the application), wall
clock and the CPU of the thread, with the number of SQL statements and the bytes.

    .venv/bin/python bench/dashboard.py [--runs 30]
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from archive import build  # noqa: E402  (bench/ is not a package)
from results import replace_section  # noqa: E402

EMAIL = "bench@example.org"
PASSWORD = "a dashboard benchmark password"
SERIES = 2_000


def extend(instance: Path) -> None:
    """More series up to SERIES, an administrator, drafts and proposals in series-0."""
    from sqlalchemy import insert, select, text

    from prisec import create_app
    from prisec.auth.accounts import create_organizer
    from prisec.extensions import db
    from prisec.models import Role, Series, Talk
    from prisec.speakerform.operations import create_link, submit

    app = create_app({"INSTANCE_PATH": str(instance)})
    with app.app_context():
        have = db.session.scalar(select(db.func.count(Series.id)))
        db.session.execute(
            insert(Series),
            [{"slug": f"more-{i}", "name": f"More seminar {i:04d}"} for i in range(SERIES - have)],
        )
        create_organizer(EMAIL, "Bench Admin", PASSWORD, role=Role.ADMIN)
        series = db.session.scalar(select(Series).where(Series.slug == "series-0"))
        soon = db.session.scalars(
            select(Talk)
            .where(Talk.series_id == series.id, Talk.start > datetime.now(UTC))
            .order_by(Talk.start)
            .limit(3)
        ).all()
        for talk in soon:
            link, _ = create_link(talk, None)
            submit(link, {"abstract": "A proposal."})
        now = datetime.now(UTC)
        for day in (3, 9, 30):
            db.session.add(
                Talk(
                    series=series,
                    title=f"Draft in {day} days",
                    start=now + timedelta(days=day),
                    end=now + timedelta(days=day, hours=1),
                    published=False,
                )
            )
        db.session.commit()
        db.session.execute(text("PRAGMA wal_checkpoint(TRUNCATE)"))
        db.engine.dispose()


def measure(instance: Path, runs: int) -> list[tuple[str, float, float, float, int, int]]:
    """(request, median ms, max ms, median CPU ms, SQL statements, bytes) for each request."""
    from sqlalchemy import event

    from prisec import create_app
    from prisec.extensions import db

    app = create_app({"INSTANCE_PATH": str(instance)})
    client = app.test_client()
    login = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', login)
    token = token or re.search(r'name="csrf_token" value="([^"]+)"', login)
    assert token, "no CSRF token on the login page"
    answer = client.post(
        "/login", data={"email": EMAIL, "password": PASSWORD, "csrf_token": token.group(1)}
    )
    assert answer.status_code == 302, answer.status_code
    fragment = {"HX-Request": "true", "HX-Target": "dashboard-listing"}
    requests = [
        ("dashboard of series-0 (2,500 talks)", "/dashboard/series/series-0", {}),
        ("past, page 50", "/dashboard/series/series-0?page=50", {}),
        ("past, page 50, htmx", "/dashboard/series/series-0?page=50", fragment),
        ("search 'Talk 12'", "/dashboard/series/series-0?q=Talk+12", fragment),
        ("speaker filter", "/dashboard/series/series-0?speaker=N%C2%BA12", fragment),
        ("all series, 2,000", "/dashboard/series", {}),
    ]
    results = []
    with app.app_context():
        statements: list[str] = []
        event.listen(
            db.engine, "before_cursor_execute", lambda *args, **kw: statements.append(args[2])
        )
        for name, path, headers in requests:
            client.get(path, headers=headers)  # warm: templates compiled, pages in the OS cache
            times, cpu = [], []
            for _ in range(runs):
                statements.clear()
                began, began_cpu = time.perf_counter(), time.thread_time()
                response = client.get(path, headers=headers)
                times.append((time.perf_counter() - began) * 1000)
                # The CPU this thread spent, SQLite's included: what other processes on a
                # busy machine do not change as much as they change the wall clock.
                cpu.append((time.thread_time() - began_cpu) * 1000)
                assert response.status_code == 200, (path, response.status_code)
            size = len(response.get_data())
            median, worst, cpu_median = statistics.median(times), max(times), statistics.median(cpu)
            results.append((name, median, worst, cpu_median, len(statements), size))
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--instance", type=Path, help="build here once, reuse it after")
    parser.add_argument("--no-record", action="store_true", help="print, leave RESULTS.md")
    args = parser.parse_args()
    started = datetime.now(UTC)
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="prisec-dashboard-") as folder:
        instance = args.instance or Path(folder)
        built = ""
        if not (instance / "prisec.db").exists():
            began = time.perf_counter()
            build(instance, 10_000)
            extend(instance)
            built = f" (built in {time.perf_counter() - began:.0f} s)"
        rows = measure(instance, args.runs)
    lines = [
        "# The organizer's dashboard of a 2,500-talk series (`bench/dashboard.py`)",
        "",
        f"Run {started:%Y-%m-%d %H:%M} UTC on {os.cpu_count()} cores, load average "
        f"{load_before:.2f} before and {os.getloadavg()[0]:.2f} after. 10,000 talks in 4 "
        f"series of 2,500 and {SERIES - 4:,} more series{built}; logged in through the login "
        f"form, each request {args.runs} times in-process (what the answer costs the "
        "application, no server threads).",
        "",
        "| request | median ms | max ms | median CPU ms | SQL statements | bytes |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for name, median, worst, cpu, queries, size in rows:
        lines.append(f"| {name} | {median:.1f} | {worst:.1f} | {cpu:.1f} | {queries} | {size:,} |")
    slowest = max(rows, key=lambda row: row[1])
    lines += [
        "",
        f"- slowest median: {slowest[0]}, {slowest[1]:.0f} ms (target under 100 ms: "
        f"{'met' if slowest[1] < 100 else 'missed'})",
    ]
    section = "\n".join(lines) + "\n"
    print(section)
    if not args.no_record:
        replace_section(section)


if __name__ == "__main__":
    main()
