"""Benchmark of the public site under the production server, against Flask doing nothing.

For archives of 10, 1,000 and 10,000 talks (bench/archive.py, bulk inserts), it serves each
database with waitress on 127.0.0.1 exactly as `make run` does (all of them at once, so that
their rows can be loaded in turn), measures the cold build of /calendar.ics, then throughput
and p50/p99 latency of the schedule, a talk page, a search, the feeds (warm and 304) and the
API beside a do-nothing Flask app under the same server, the ceiling, and the peak memory
of the server. Writes bench/RESULTS.md.
Run with `make bench`.
"""

from __future__ import annotations

import argparse
import contextlib
import gzip
import os
import platform
import re
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from serving import Run, cpu_seconds, do_nothing_flask, ensure_wrk, free_port, get, waitress, wrk

PROJECT_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import archive  # noqa: E402 -- bench/ is not a package; its folder was put on the path above
from results import replace_section  # noqa: E402 -- bench/ is on the path, as below

SIZES = (10, 1_000, 10_000)
# The row every other is measured against: Flask itself, under the same waitress, doing nothing.
CEILING = "do-nothing Flask (ceiling)"
# What a browser sends: compressed answers, like every real client.
GZIP = {"Accept-Encoding": "gzip"}


@dataclass
class SizeResult:
    """Everything measured for one archive size."""

    talks: int
    build_seconds: float
    cold_feed: float = 0.0
    cold_feed_cpu: float = 0.0
    cold_events: int = 0
    cold_bytes: int = 0
    rebuild_feed: float = 0.0
    peak_rss_mb: float = 0.0
    start_rss_mb: float = 0.0
    page_weight: dict[str, int] = field(default_factory=dict)
    runs: dict[str, Run] = field(default_factory=dict)
    # Each row's load slices, one a round, in the order taken.
    slices: dict[str, list[Run]] = field(default_factory=dict)
    body_bytes: dict[str, int] = field(default_factory=dict)
    first_answer: dict[str, float] = field(default_factory=dict)


def peak_rss_mb(pid: int) -> float:
    """The peak resident memory (VmHWM) of a process, in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def load(
    port: int, path: str, headers: dict[str, str], seconds: float, clients: int, pid: int
) -> Run:
    """wrk (the C client) with `clients` keep-alive connections sending GETs for `seconds`."""
    return wrk(f"http://127.0.0.1:{port}{path}", [pid], seconds, headers, connections=clients)


def page_weight(port: int) -> dict[str, int]:
    """Bytes transferred (gzip) for the schedule page and the CSS and JS it links."""
    status, _, html = get(port, "/", GZIP)
    assert status == 200, status
    weights = {"/": len(html)}
    text = gzip.decompress(html).decode()
    for url in re.findall(r'<(?:link rel="stylesheet" href|script src)="([^"]+)"', text):
        url = url.replace("&amp;", "&")
        weights[url] = len(get(port, url, GZIP)[2])
    return weights


def merged(runs: list[Run]) -> Run:
    """Several load runs of one row as one: totals, and the slices' median latencies."""
    return Run(
        requests=sum(run.requests for run in runs),
        seconds=sum(run.seconds for run in runs),
        server_cpu=sum(run.server_cpu for run in runs),
        p50_ms=statistics.median(run.p50_ms for run in runs),
        p99_ms=statistics.median(run.p99_ms for run in runs),
        non_2xx=sum(run.non_2xx for run in runs),
    )


@dataclass
class Site:
    """One archive served, with the rows to load it with."""

    result: SizeResult
    instance: Path
    port: int
    server: subprocess.Popen
    # Each row: the port and process it loads, its path and its headers.
    plan: dict[str, tuple[int, int, str, dict[str, str]]]


def serve(
    talks: int, folder: Path, stack: contextlib.ExitStack, noop: subprocess.Popen, noop_port: int
) -> Site:
    """Build an archive of `talks` in `folder`, serve it, and take its cold and first answers."""
    instance = folder / "instance"
    began = time.perf_counter()
    archive.build(instance, talks)
    result = SizeResult(talks, time.perf_counter() - began)
    port = free_port()
    server = waitress(instance, port, threads=8)
    stack.callback(_stop, server)
    result.start_rss_mb = peak_rss_mb(server.pid)
    began, cpu_before = time.perf_counter(), cpu_seconds([server.pid])
    status, headers, body = get(port, "/calendar.ics")
    result.cold_feed = time.perf_counter() - began
    result.cold_feed_cpu = cpu_seconds([server.pid]) - cpu_before
    assert status == 200, status
    result.cold_events = body.count(b"BEGIN:VEVENT")
    result.cold_bytes = len(body)
    feed_etag = headers["ETag"]

    # The talk page of the latest past talk, at its canonical address.
    status, headers, _ = get(port, f"/talks/{max(1, talks - 10)}")
    talk_path = headers["Location"] if status == 301 else f"/talks/{talks - 10}"
    talk_path = re.sub(r"^https?://[^/]+", "", talk_path)
    home_etag = get(port, "/", GZIP)[1]["ETag"]
    talk_etag = get(port, talk_path, GZIP)[1]["ETag"]
    result.page_weight = page_weight(port)
    rows = {
        "/healthz": ("/healthz", {}),
        "/ (schedule)": ("/", GZIP),
        "/ (If-None-Match, 304)": ("/", {**GZIP, "If-None-Match": home_etag}),
        "talk page": (talk_path, GZIP),
        "talk page (If-None-Match, 304)": (talk_path, {**GZIP, "If-None-Match": talk_etag}),
        "/talks?q=membership (search)": ("/talks?q=membership", GZIP),
        "/calendar.ics (warm)": ("/calendar.ics", GZIP),
        "/calendar.ics (If-None-Match, 304)": (
            "/calendar.ics",
            {**GZIP, "If-None-Match": feed_etag},
        ),
        "/api/v1/talks": ("/api/v1/talks", GZIP),
    }
    plan = {CEILING: (noop_port, noop.pid, "/", {})}
    plan.update({name: (port, server.pid, path, headers) for name, (path, headers) in rows.items()})
    for name, (row_port, _, path, headers) in plan.items():
        # The first answer renders (or rebuilds) and fills the caches.
        began = time.perf_counter()
        body = get(row_port, path, headers)[2]
        result.first_answer[name] = time.perf_counter() - began
        result.body_bytes[name] = len(body)
    return Site(result, instance, port, server, plan)


def _stop(server: subprocess.Popen) -> None:
    server.terminate()
    server.wait(timeout=10)


def finish(site: Site) -> None:
    """After the load: an edit, the feed rebuilt after it, and the server's peak memory."""
    archive.edit_one_talk(site.instance)
    began = time.perf_counter()
    status, _, body = get(site.port, "/calendar.ics")
    site.result.rebuild_feed = time.perf_counter() - began
    assert b"Retitled: " in body
    site.result.peak_rss_mb = peak_rss_mb(site.server.pid)


def measure(sizes: list[int], seconds: float, clients: int, rounds: int) -> list[SizeResult]:
    """Every size served at once, and every row of every size loaded in slices taken in turn.

    Whatever else the machine does in the meantime falls on every row and every size alike,
    the ceiling's included: the sizes are compared with each other as the rows are.
    """
    with contextlib.ExitStack() as stack:
        folder = stack.enter_context(tempfile.TemporaryDirectory(prefix="prisec-bench-"))
        noop_port = free_port()
        noop = do_nothing_flask(Path(folder), noop_port)
        stack.callback(_stop, noop)
        sites = []
        for talks in sizes:
            print(f"building and serving {talks:,} talks ...", flush=True)
            folder = stack.enter_context(tempfile.TemporaryDirectory(prefix="prisec-bench-"))
            sites.append(serve(talks, Path(folder), stack, noop, noop_port))
        print("loading every row of every size in turn ...", flush=True)
        for _ in range(rounds):
            # One row at every size back to back, so that the slices compared are seconds apart.
            for name in sites[0].plan:
                for site in sites:
                    port, pid, path, headers = site.plan[name]
                    run = load(port, path, headers, seconds / rounds, clients, pid)
                    site.result.slices.setdefault(name, []).append(run)
        for site in sites:
            site.result.runs = {name: merged(site.result.slices[name]) for name in site.plan}
            finish(site)
        return [site.result for site in sites]


def paired_cost(smallest: SizeResult, largest: SizeResult, name: str) -> list[float]:
    """Per round, the row's server CPU per answer at the largest size over the smallest's."""
    return sorted(
        big.cpu_ms / small.cpu_ms
        for small, big in zip(smallest.slices[name], largest.slices[name], strict=True)
        if small.cpu_ms
    )


def cpu_model() -> str:
    """The processor's model name."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def capacity(run: Run, result: SizeResult) -> float:
    """CPU per answer of the ceiling over this endpoint's: the throughput ratio when CPU-bound."""
    ceiling = result.runs[CEILING].cpu_ms
    return ceiling / run.cpu_ms if run.cpu_ms else 0.0


def report(results: list[SizeResult], args: argparse.Namespace, total: float) -> str:
    """RESULTS.md: every figure beside the ceiling, and the targets met or missed."""
    smallest, largest = results[0], results[-1]
    lines = [
        "# Benchmark of the public site",
        "",
        f"- date: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC",
        f"- machine: {os.cpu_count()} CPUs (`nproc`), {cpu_model()}; Python "
        f"{platform.python_version()}; load average at the end "
        f"{', '.join(f'{x:.1f}' for x in os.getloadavg())}",
        "- server: `waitress-serve --listen=127.0.0.1:PORT --threads=8 app:app`, as `make run`",
        f"- load: `wrk -t2 -c{args.clients}` (the C load generator, on the same machine) for "
        f"{args.seconds:g} s per row, in {args.rounds} slices taken in turn with the other "
        "rows, each row's slice at every size back to back, all sizes served at once (so the "
        "machine's other work falls on all rows and sizes alike), `Accept-Encoding: gzip` "
        "(except /healthz); p50 and p99 are the median of the slices'",
        "- archives (bench/archive.py): talks of four series over ten past years and up to ten "
        "ahead, one or two speakers each, every tenth rescheduled, every fiftieth cancelled, "
        "abstracts of about 1 KB of Markdown with maths",
        f"- whole run: {total:.0f} s",
        "",
        "The ceiling is a do-nothing Flask app (one view returning `ok`) under the same "
        "`waitress-serve --threads=8`, loaded in the same rounds; each figure is also given "
        "as a ratio to it. `/healthz` is prisec's own (Flask's request machinery, its "
        "middleware and one `SELECT 1`). Before each load run one "
        "request renders the answer (its time is the 'first answer' column: a page rendered "
        "from the database, since every page is kept per scope of its data and minute); the load "
        "then measures what visitors get while the data does not change.",
        "",
        "On a shared machine requests per second swing with whatever else runs, the ceiling "
        "included. So the server's own CPU time (user + system, from /proc, all its threads) "
        "is measured over each run too: *capacity vs ceiling* is the CPU per answer of the "
        "do-nothing app divided by the endpoint's, the throughput ratio the server reaches "
        "when the CPU is the limit. The targets below are judged on it, and on server CPU "
        "for the cold feed.",
        "",
    ]
    for result in results:
        health = result.runs[CEILING].per_second
        lines += [
            f"## {result.talks:,} talks",
            "",
            f"Built in {result.build_seconds:.1f} s. Server memory (RSS): "
            f"{result.start_rss_mb:.0f} MB after start, {result.peak_rss_mb:.0f} MB at peak. "
            f"Cold `/calendar.ics`: {result.cold_events:,} events, "
            f"{result.cold_bytes / 1e6:.2f} MB, {result.cold_feed * 1000:.0f} ms "
            f"({result.cold_feed_cpu * 1000:.0f} ms of server CPU); rebuilt after "
            f"one talk was edited: {result.rebuild_feed * 1000:.0f} ms.",
            "",
            "| endpoint | first answer | requests/s | vs ceiling | server CPU/answer "
            "| capacity vs ceiling | p50 | p99 | bytes/answer | answers | errors |",
            "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
        ]
        for name, run in result.runs.items():
            lines.append(
                f"| `{name}` | {result.first_answer[name] * 1000:.0f} ms | "
                f"{run.per_second:.0f} | {run.per_second / health:.2f} | "
                f"{run.cpu_ms:.2f} ms | {capacity(run, result):.2f} | "
                f"{run.p50_ms:.1f} ms | {run.p99_ms:.1f} ms | "
                f"{result.body_bytes[name]:,} | {run.requests:,} | {run.non_2xx} |"
            )
        lines.append("")
    lines += [
        f"## {largest.talks:,} talks against {smallest.talks:,}",
        "",
        f"| endpoint | requests/s at {smallest.talks:,} | at {largest.talks:,} | ratio | "
        f"vs ceiling at {largest.talks:,} |",
        "| --- | ---: | ---: | ---: | ---: |",
    ]
    large_health = largest.runs[CEILING].per_second
    for name, run in largest.runs.items():
        small = smallest.runs[name].per_second
        lines.append(
            f"| `{name}` | {small:.0f} | {run.per_second:.0f} | "
            f"{run.per_second / small if small else 0:.2f} | {run.per_second / large_health:.2f} |"
        )
    weight = largest.page_weight
    lines += [
        "",
        f"## Page weight of the schedule (`/`, {largest.talks:,} talks, no photos, gzip)",
        "",
        "| resource | bytes transferred |",
        "| --- | ---: |",
        *(f"| `{url}` | {size:,} |" for url, size in weight.items()),
        f"| total | {sum(weight.values()):,} |",
        "",
        "KaTeX (`static/vendor/katex/`) is fetched by `static/js/maths.js` only on pages that "
        "hold maths, after the page is shown, and is not counted above.",
        "",
        *targets(smallest, largest),
    ]
    return "\n".join(lines)


def targets(smallest: SizeResult, largest: SizeResult) -> list[str]:
    """The issue's targets, each met or missed, and by how much."""

    def verdict(ok: bool) -> str:
        return "met" if ok else "**missed**"

    rows = []
    for name in largest.runs:
        if name == CEILING:
            continue
        ratios = paired_cost(smallest, largest, name)
        ratio = statistics.median(ratios) if ratios else 0.0
        rows.append(
            f"| `{name}` at {largest.talks:,} talks costs at most 20% more than at "
            f"{smallest.talks:,} | {ratio:.2f} × the server CPU per answer (median of "
            f"{len(ratios)} rounds; {ratios[0]:.2f} to {ratios[-1]:.2f}) | "
            f"{verdict(ratio <= 1.2)} |"
        )
    rows.append(
        f"| cold `/calendar.ics` of {largest.talks:,} talks under 0.5 s | "
        f"{largest.cold_feed_cpu:.2f} s of server CPU ({largest.cold_feed:.2f} s wall) for "
        f"{largest.cold_events:,} events | {verdict(largest.cold_feed_cpu < 0.5)} |"
    )
    rss = max(r.peak_rss_mb for r in (smallest, largest))
    rows.append(f"| server memory under 100 MB | {rss:.0f} MB | {verdict(rss < 100)} |")
    weight = sum(largest.page_weight.values())
    rows.append(
        f"| schedule page (HTML, CSS, JS, gzip) under 60 KB | {weight / 1024:.1f} KB | "
        f"{verdict(weight < 60 * 1024)} |"
    )
    notes = [
        "## Reading the figures",
        "",
        "- wrk runs on the same two cores as the server (and, on a shared machine, beside "
        "other work: see the load average above), so every ratio carries the noise of the "
        "machine. A cached page or a `304` is answered before Flask (one read of its scopes' "
        "versions on the thread's own connection, then the kept headers and body), so it "
        "costs less than `/healthz`, which runs Flask's request machinery and a `SELECT 1`, "
        "and can come close to Flask doing nothing. What cached answers must reach against "
        "it (the issue's 0.7 and 0.8) is judged in the limits section below, with its nginx "
        "rows; here the capacity column shows every row. A Python load client, used here before, "
        "took the cores from the server as it read, and made the 39 KB feed of 10,000 talks "
        "look 20% dearer than the 2 KB one of 10; under wrk they cost the same.",
        "- Cost against size: within one server the CPU per answer of a one-second slice "
        "swings by up to twice from slice to slice (the machine, not the archive: it swings "
        "as much at 10 talks), more than the 20% the target allows. So each round compares a "
        "row's slice at the largest size with its slice at the smallest, taken seconds apart, "
        "and the target is judged on the median of those ratios; the range beside it is "
        "the lowest and highest round.",
        f"- Memory: the server holds {largest.start_rss_mb:.0f} MB before its first request "
        "(the imports: Flask and SQLAlchemy alone are about 40 MB, then icalendar, "
        "markdown-it and nh3; Alembic, feedgen, Pillow and the importers' parsers load only "
        "in the commands and routes that use them); the caches of pages, feeds, events, "
        "gzipped bodies and rendered Markdown add the rest, bounded in count and in bytes.",
        f"- Search: the first answer to `/talks?q=` renders from the database "
        f"({largest.first_answer['/talks?q=membership (search)'] * 1000:.0f} ms at "
        f"{largest.talks:,} talks, where every talk matches the word); it shows 20 talks, "
        "and its speaker filter is a text field with suggestions, not a menu of every "
        "speaker, so the page stays the size of what it shows "
        f"({largest.body_bytes['/talks?q=membership (search)']:,} bytes gzipped); the series "
        "and year menus are kept until a series changes, and later answers come from the "
        "page cache.",
        f"- Cold feed: `/calendar.ics` holds every upcoming talk and those of the past 12 "
        f"months: {largest.cold_events:,} events at {largest.talks:,} talks, "
        f"{largest.cold_feed_cpu / max(largest.cold_events, 1) * 1000:.2f} ms of CPU each "
        "(reading the "
        "talks as plain rows with their stored plain-text abstracts, writing and folding "
        "the lines).",
        "",
    ]
    return [
        "## Targets",
        "",
        "| target | measured | |",
        "| --- | ---: | --- |",
        *rows,
        "",
        *notes,
    ]


def main() -> None:
    """Measure every size and write the report."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=6.0, help="load per row, in all")
    parser.add_argument("--rounds", type=int, default=6, help="slices each row is taken in")
    parser.add_argument("--clients", type=int, default=16, help="concurrent connections")
    parser.add_argument("--sizes", type=int, nargs="+", default=list(SIZES), help="archives")
    parser.add_argument("--output", type=Path, default=PROJECT_ROOT / "bench" / "RESULTS.md")
    args = parser.parse_args()
    if args.seconds % args.rounds:
        # wrk takes its duration in whole seconds.
        parser.error("--seconds must be a whole number of seconds per round")
    ensure_wrk()
    began = time.perf_counter()
    results = measure(args.sizes, args.seconds, args.clients, args.rounds)
    text = report(results, args, time.perf_counter() - began)
    replace_section(text, args.output)
    print(text)


if __name__ == "__main__":
    main()
