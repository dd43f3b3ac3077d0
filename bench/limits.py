"""prisec against the real limits of this machine, in one run: `make bench`.

At 10,000 talks in 4 series (bench/archive.py), with wrk (a C load generator) on 127.0.0.1:
- a do-nothing Flask app under the same server as prisec (`waitress-serve --threads=8`),
- nginx serving a file of the same size as each prisec answer,
- prisec's cached answers (schedule, talk page, series feed, 304, the 10,000-talk feed),
each row's requests/s and the server's CPU per answer, rounds interleaved so the machine's
other work falls on all rows alike; and the mixed row: series B's cached pages while series
A takes 10 edits a second and the login form 10 wrong passwords a second, beside the same
row without them. Writes its section of bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import resource
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from datetime import UTC, datetime
from pathlib import Path

from serving import (
    PROJECT_ROOT,
    Run,
    do_nothing_flask,
    ensure_wrk,
    free_port,
    get,
    start,
    wrk,
)

sys.path.insert(0, str(PROJECT_ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import archive  # noqa: E402 -- bench/ is not a package; its folder is on the path
from results import replace_section  # noqa: E402

TALKS = 10_000
THREADS = 8
NGINX_CONF = """worker_processes 2;
pid {root}/nginx.pid;
error_log {root}/error.log;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    sendfile on;
    tcp_nopush on;
    client_body_temp_path {root}/tmp;
    proxy_temp_path {root}/tmp;
    fastcgi_temp_path {root}/tmp;
    uwsgi_temp_path {root}/tmp;
    scgi_temp_path {root}/tmp;
    default_type application/octet-stream;
    server {{
        listen 127.0.0.1:{port};
        root {root}/www;
        location /published/ {{
            alias {root}/publish/;
            types {{ text/html html; text/calendar ics; application/xml xml; }}
        }}
    }}
}}
"""
# wrk: cycle through the paths listed in the environment, one per request.
ROTATE_LUA = """
local paths = {}
for path in string.gmatch(os.getenv("BENCH_PATHS"), "[^ ]+") do table.insert(paths, path) end
local i = 0
request = function()
  i = i % #paths + 1
  return wrk.format("GET", paths[i])
end
"""

# wrk: a wrong password at the login form, each after a GET for its CSRF token and session
# cookie (an address already locked out gets no form: it posts anyway, with the last token
# it had); every request waits 160 ms first, so four connections make about 10 a second.
LOGIN_LUA = """
local token, cookie = "", ""
local body = "email=stranger%40example.org&password=not+the+password&csrf_token="
local asking = false
request = function()
  asking = not asking
  if asking then
    return wrk.format("GET", "/login")
  end
  local headers = {["Content-Type"] = "application/x-www-form-urlencoded", ["Cookie"] = cookie}
  return wrk.format("POST", "/login", headers, body .. token)
end
response = function(status, headers, page)
  if status == 200 then
    token = string.match(page, 'name="csrf_token"[^>]-value="([^"]+)"') or token
    cookie = string.match(headers["Set-Cookie"] or "", "([^;]+)") or cookie
  end
end
delay = function() return 160 end
"""


def children(pid: int) -> list[int]:
    """The process and its children (nginx's workers)."""
    found = [pid]
    listing = subprocess.run(["ps", "-o", "pid=", "--ppid", str(pid)], capture_output=True)
    found += [int(line) for line in listing.stdout.split()]
    return found


def edit_series_a(instance: Path, rate: float) -> None:
    """`rate` edits a second of one talk of series A through the real editing operation,
    until stopped (SIGTERM); prints how many."""
    from sqlalchemy import select

    from prisec import create_app
    from prisec.editing import record_revision
    from prisec.extensions import db
    from prisec.models import Talk

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    app = create_app({"INSTANCE_PATH": str(instance)})
    done = 0
    with app.app_context():
        talk_id = db.session.scalar(
            select(Talk.id).where(Talk.series_id == 1).order_by(Talk.start.desc()).limit(1)
        )
        print("ready", flush=True)
        began, cpu_began = time.monotonic(), time.process_time()
        while not stop.is_set():
            talk = db.session.get(Talk, talk_id)
            talk.title = f"Series A, edit {done}"
            record_revision(talk, None, "Edited")
            db.session.commit()
            done += 1
            stop.wait(max(0.0, began + done / rate - time.monotonic()))
        elapsed = time.monotonic() - began
        db.engine.dispose()
    print(f"{done} {elapsed} {time.process_time() - cpu_began}", flush=True)


def publish_one_edit(instance: Path, folder: Path) -> None:
    """Edit the newest talk of series A with publishing on; print when it is committed."""
    from sqlalchemy import select

    from prisec import create_app
    from prisec.extensions import db
    from prisec.models import Talk

    app = create_app({"INSTANCE_PATH": str(instance), "PUBLISH_DIR": str(folder)})
    with app.app_context():
        talk = db.session.scalar(
            select(Talk).where(Talk.series_id == 1).order_by(Talk.start.desc()).limit(1)
        )
        print(f"ready {talk.id}", flush=True)
        sys.stdin.readline()
        talk.title = f"Published within seconds {time.time():.0f}"
        db.session.commit()
        print(f"committed {talk.title}", flush=True)
        app.extensions["prisec_publisher"].wait()
        db.engine.dispose()


def full_rebuild(instance: Path, folder: Path) -> dict[str, float]:
    """`flask publish` of the whole site: wall and CPU seconds, peak memory (MB)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    began = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "flask", "--app", "app", "publish"],
        cwd=PROJECT_ROOT,
        env={
            **os.environ,
            "PRISEC_INSTANCE_PATH": str(instance),
            "PRISEC_PUBLISH_DIR": str(folder),
        },
        check=True,
        capture_output=True,
    )
    wall = time.perf_counter() - began
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    files = sum(1 for path in folder.rglob("*") if path.is_file())
    return {
        "wall": wall,
        "cpu": after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime,
        "peak_mb": after.ru_maxrss / 1024,
        "files": files,
        "bytes": sum(path.stat().st_size for path in folder.rglob("*") if path.is_file()),
    }


def edit_to_published(instance: Path, folder: Path) -> float:
    """Seconds from the commit of an edit to its talk page and series feed on disk."""
    editor = subprocess.Popen(
        [sys.executable, __file__, "--publish-edit", str(instance), "--folder", str(folder)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    talk_id = editor.stdout.readline().split()[1]
    editor.stdin.write("go\n")
    editor.stdin.flush()
    line = editor.stdout.readline().strip()
    began = time.monotonic()
    assert line.startswith("committed ")
    title = line.removeprefix("committed ").encode()
    feed = folder / "series" / "series-0" / "calendar.ics"
    while time.monotonic() - began < 30:
        # The new title is a new slug: the page's old folder goes while we look.
        with contextlib.suppress(FileNotFoundError):
            pages = list((folder / "talks" / talk_id).glob("*/index.html"))
            if (
                # Unfolded: a long SUMMARY line is folded across lines.
                title in feed.read_bytes().replace(b"\r\n ", b"")
                and pages
                and title in pages[0].read_bytes()
            ):
                break
        time.sleep(0.02)
    seconds = time.monotonic() - began
    editor.communicate(timeout=60)
    return seconds


class Editor:
    """The editing of series A in a process of its own, as another worker's saves are."""

    def __init__(self, instance: Path, rate: float) -> None:
        self.process = subprocess.Popen(
            [sys.executable, __file__, "--edit", str(instance), "--rate", str(rate)],
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.process.stdout.readline().strip() == "ready"

    def finish(self) -> tuple[int, float]:
        """Stop; the edits made and over how many seconds."""
        self.process.terminate()
        out, _ = self.process.communicate(timeout=60)
        done, elapsed, self.cpu = out.split()
        self.cpu = float(self.cpu)
        return int(done), float(elapsed)


class WrongLogins:
    """Wrong passwords at the login form from wrk (the C client, as every other load here):
    four strangers, each a GET for the form's CSRF token and session, then the POST, about
    2.5 a second each."""

    def __init__(self, base: str, lua: Path) -> None:
        lua.write_text(LOGIN_LUA)
        # Stopped by SIGINT, on which wrk prints its summary; the duration is only a bound.
        self.process = subprocess.Popen(
            ["wrk", "-t4", "-c4", "-d120s", "-s", str(lua), base + "/login"],
            stdout=subprocess.PIPE,
            text=True,
        )
        self.began = time.monotonic()

    def finish(self, after: float = 0) -> tuple[int, float]:
        """Stop (`after` seconds from the start); the attempts made (each a GET and a POST)
        and over how many seconds."""
        time.sleep(max(0.0, self.began + after - time.monotonic()))
        self.process.send_signal(signal.SIGINT)
        out, _ = self.process.communicate(timeout=60)
        seconds = time.monotonic() - self.began
        return int(re.search(r"(\d+) requests in", out).group(1)) // 2, seconds


def canonical(port: int, path: str) -> str:
    """Where `path` redirects to (a talk's canonical URL), or itself."""
    status, headers, _ = get(port, path)
    if status not in (301, 302):
        return path
    return urllib.parse.urlsplit(headers["Location"]).path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=3)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--mixed-rounds", type=int, default=10, help="alone and busy, in turn")
    parser.add_argument("--no-record", action="store_true", help="print, leave RESULTS.md")
    parser.add_argument(
        "--only",
        nargs="+",
        choices=PARTS,
        default=list(PARTS),
        help="measure only these parts (implies --no-record)",
    )
    parser.add_argument("--edit", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--rate", type=float, default=10, help=argparse.SUPPRESS)
    parser.add_argument("--publish-edit", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--folder", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.publish_edit:
        publish_one_edit(args.publish_edit, args.folder)
        return
    if args.edit:
        edit_series_a(args.edit, args.rate)
        return
    ensure_wrk()
    load_before = os.getloadavg()
    started = datetime.now(UTC)
    # nginx's files (plain and published) in memory (tmpfs) where the machine has it: the
    # rebuild writes 40,000 files, and this machine's virtual disk takes from 0.1 to 1 ms to
    # create one, whatever prisec does. The database stays on the disk.
    memory = "/dev/shm" if os.path.isdir("/dev/shm") and os.access("/dev/shm", os.W_OK) else None
    with (
        tempfile.TemporaryDirectory(prefix="prisec-limits-", dir=memory) as folder,
        tempfile.TemporaryDirectory(prefix="prisec-instance-") as on_disk,
    ):
        root = Path(folder)
        (root / "instance").symlink_to(on_disk)
        instance = root / "instance"
        began = time.perf_counter()
        archive.build(instance, TALKS)
        build_seconds = time.perf_counter() - began
        lua = root / "rotate.lua"
        lua.write_text(ROTATE_LUA)
        waitress = str(Path(sys.executable).parent / "waitress-serve")
        prisec_port, noop_port, nginx_port = free_port(), free_port(), free_port()
        servers = [
            start(
                [waitress, f"--listen=127.0.0.1:{prisec_port}", f"--threads={THREADS}", "app:app"],
                prisec_port,
                {"PRISEC_INSTANCE_PATH": str(instance)},
            )
        ]
        noop = do_nothing_flask(root, noop_port, THREADS)
        servers.append(noop)
        try:
            report = measure(args, root, lua, servers[0], noop, prisec_port, noop_port, nginx_port)
        finally:
            for server in servers:
                server.terminate()
                server.wait(timeout=10)
        report["build_seconds"] = build_seconds
        report["folder_kind"] = "tmpfs, in memory" if memory else "the disk"
    report.update(load_before=load_before, load_after=os.getloadavg(), started=started)
    if set(args.only) != set(PARTS):
        return  # a part alone: its figures went to standard error as they came
    section = render(report, args)
    print(section)
    if not args.no_record and set(args.only) == set(PARTS):
        replace_section(section)


PARTS = ("rows", "publishing", "mixed")


def measure(args, root, lua, prisec, noop, prisec_port, noop_port, nginx_port) -> dict:
    """Every row, interleaved over the rounds; static publishing; the mixed row after them."""
    talk_b = canonical(prisec_port, "/talks/2")  # talk i goes to series i % 4: series B
    paths = {
        "/ cached": "/",
        "talk page cached": talk_b,
        "series feed cached": "/series/series-1/calendar.ics",
        "/calendar.ics, no gzip": "/calendar.ics",
    }
    report: dict = {"parts": args.only}
    if "rows" in args.only or "publishing" in args.only:
        report.update(
            measure_rows(args, root, prisec, noop, prisec_port, noop_port, nginx_port, paths)
        )
    if "mixed" in args.only:
        report.update(measure_mixed(args, root, lua, prisec, prisec_port, talk_b))
    return report


def measure_rows(args, root, prisec, noop, prisec_port, noop_port, nginx_port, paths) -> dict:
    """The rows against the do-nothing app and nginx; the rebuild and nginx serving it."""
    bodies = {name: get(prisec_port, path)[2] for name, path in paths.items()}
    etag = get(prisec_port, "/")[1]["ETag"]
    www = root / "www"
    www.mkdir()
    (root / "tmp").mkdir()
    for index, body in enumerate(bodies.values()):
        (www / f"file{index}").write_bytes(body)
    publishing = "publishing" in args.only
    published_folder = root / "publish"
    rebuild = full_rebuild(root / "instance", published_folder) if publishing else None
    if rebuild:
        progress(
            f"rebuild: {rebuild['files']:,} files in {rebuild['wall']:.1f} s wall, "
            f"{rebuild['cpu']:.1f} s CPU, {rebuild['peak_mb']:.0f} MB"
        )
        # A published file is compared with a plain file of its own size: nginx's rate
        # moves by some 15% with the last few KB of a 440 KB file (441,589 bytes against
        # 444,109: 9,400 against 11,000 a second), and the published feed's links differ
        # from the live one's.
        for index, path in enumerate(PUBLISHED.values()):
            published_file = published_folder / path.removeprefix("/published/")
            (www / f"copy{index}").write_bytes(published_file.read_bytes())
    # nginx started by root serves as nobody, who must be able to read the files.
    for path in (root, www, *www.iterdir()):
        path.chmod(0o755)
    (root / "nginx.conf").write_text(NGINX_CONF.format(root=root, port=nginx_port))
    nginx = subprocess.Popen(
        ["nginx", "-p", str(root), "-c", str(root / "nginx.conf"), "-g", "daemon off;"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    rows: dict[str, tuple] = {}
    if "rows" in args.only:
        rows["do-nothing Flask, waitress 8 threads"] = (noop_port, "/", {})
    for index, name in enumerate(bodies):
        rows[f"nginx, file of the size of {name}"] = (nginx_port, f"/file{index}", {})
    if publishing:
        for index, (name, path) in enumerate(PUBLISHED.items()):
            # Each published file right after its plain copy, seconds apart.
            rows[plain_copy(name)] = (nginx_port, f"/copy{index}", {})
            rows[name] = (nginx_port, path, {})
    if "rows" in args.only:
        for name, path in paths.items():
            rows[f"prisec {name}"] = (prisec_port, path, {})
        rows["prisec / 304"] = (prisec_port, "/", {"If-None-Match": etag})
    if "rows" in args.only:
        rows["prisec /calendar.ics, gzip"] = (
            prisec_port,
            "/calendar.ics",
            {"Accept-Encoding": "gzip"},
        )
    try:
        time.sleep(0.5)
        nginx_pids = children(nginx.pid)
        published_sizes = {
            row: len(get(nginx_port, path)[2])
            for name, path in PUBLISHED.items()
            if publishing
            for row in (name, plain_copy(name))
        }
        pids = {noop_port: [noop.pid], nginx_port: nginx_pids, prisec_port: [prisec.pid]}
        runs: dict[str, list[Run]] = {name: [] for name in rows}
        for round_ in range(args.rounds):
            for name, (port, path, headers) in rows.items():
                run = wrk(f"http://127.0.0.1:{port}{path}", pids[port], args.seconds, headers)
                runs[name].append(run)
                progress(
                    f"round {round_ + 1}, {name}: {run.per_second:,.0f}/s, {run.cpu_ms:.3f} ms"
                )
    finally:
        nginx.terminate()
        nginx.wait(timeout=10)
    published_after = edit_to_published(root / "instance", published_folder) if publishing else None
    if published_after is not None:
        progress(f"an edit in the published files after {published_after:.2f} s")
    return {
        "runs": runs,
        "sizes": {name: len(body) for name, body in bodies.items()},
        "published_sizes": published_sizes,
        "rebuild": rebuild,
        "published_after": published_after,
    }


def measure_mixed(args, root, lua, prisec, prisec_port, talk_b) -> dict:
    """Series B's pages, alone and while series A is edited and the login form is attacked."""
    base = f"http://127.0.0.1:{prisec_port}"
    b_paths = ["/series/series-1", talk_b, "/series/series-1/calendar.ics"]
    mixed: dict[str, list[Run]] = {"B alone": [], "B with A's edits and wrong logins": []}
    edits = logins = 0
    edit_seconds = login_seconds = edit_cpu = 0.0
    instance = root / "instance"
    for path in b_paths:
        get(prisec_port, path)
    # The attack as it goes on: its first ten wrong passwords (a scrypt hash each, as for a
    # real account) lock the address, and every later one is answered 429 without a hash.
    WrongLogins(base, lua.with_name("login.lua")).finish(after=3)

    def b_alone() -> Run:
        return wrk(base + b_paths[0], [prisec.pid], args.seconds * 2, paths=b_paths, lua=lua)

    def b_busy() -> Run:
        nonlocal edits, logins, edit_seconds, login_seconds, edit_cpu
        editor, attackers = Editor(instance, 10), WrongLogins(base, lua.with_name("login.lua"))
        time.sleep(0.5)
        run = b_alone()
        attempts, attempt_seconds = attackers.finish()
        logins += attempts
        login_seconds += attempt_seconds
        done, seconds = editor.finish()
        edits += done
        edit_seconds += seconds
        edit_cpu += editor.cpu
        return run

    for round_ in range(args.mixed_rounds):
        # Alone first, then busy first, and so on: a machine that speeds up or slows down
        # over the rounds favours neither.
        if round_ % 2 == 0:
            alone = b_alone()
            busy = b_busy()
        else:
            busy = b_busy()
            alone = b_alone()
        mixed["B alone"].append(alone)
        mixed["B with A's edits and wrong logins"].append(busy)
        progress(
            f"round {round_ + 1}, B alone {alone.per_second:,.0f}/s p99 {alone.p99_ms:.1f} ms, "
            f"busy {busy.per_second:,.0f}/s p99 {busy.p99_ms:.1f} ms "
            f"({busy.per_second / alone.per_second:.2f})"
        )
    return {
        "mixed": mixed,
        "edits": edits,
        "logins": logins,
        "edit_seconds": edit_seconds,
        "edit_cpu": edit_cpu,
        "login_seconds": login_seconds,
    }


def progress(line: str) -> None:
    """A figure as soon as it is measured, on standard error."""
    print(line, file=sys.stderr, flush=True)


# The published files nginx serves, each compared with a plain file of its bytes.
PUBLISHED = {
    "nginx, published index.html": "/published/index.html",
    "nginx, published series feed": "/published/series/series-1/calendar.ics",
}


def plain_copy(published: str) -> str:
    """The row of a plain file holding the bytes of the published row's file."""
    return published.replace("nginx, published ", "nginx, a plain copy of the published ")


def _paired(runs: dict[str, list[Run]], name: str, beside: str) -> float:
    """The median over rounds of a row's requests/s against the row taken beside it."""
    return statistics.median(
        run.per_second / other.per_second
        for run, other in zip(runs[name], runs[beside], strict=True)
    )


def _median(runs: list[Run], field: str) -> float:
    return statistics.median(getattr(run, field) for run in runs)


def render(report: dict, args) -> str:
    """The RESULTS.md section."""
    runs: dict[str, list[Run]] = report["runs"]
    noop = _median(runs["do-nothing Flask, waitress 8 threads"], "per_second")
    sizes = report["sizes"]
    nginx_of = {
        f"prisec {name}": _median(runs[f"nginx, file of the size of {name}"], "per_second")
        for name in sizes
    }
    nginx_of["prisec / 304"] = None
    nginx_of["prisec /calendar.ics, gzip"] = None
    lines = [
        "# Against the real limits (`make bench`)",
        "",
        f"Run {report['started']:%Y-%m-%d %H:%M} UTC on {os.cpu_count()} cores, "
        f"load average {report['load_before'][0]:.2f} before and "
        f"{report['load_after'][0]:.2f} after (other work shares the machine: compare rows "
        "by their ratios, which were measured interleaved). "
        f"{TALKS:,} talks in 4 series (built in {report['build_seconds']:.0f} s). "
        f"`wrk -t2 -c16 -d{args.seconds:g}s`, {args.rounds} rounds interleaved, medians; "
        "server CPU per answer is the server processes' user + system time over the run "
        "divided by the answers.",
        "",
        "| answer | bytes | requests/s | server CPU per answer | vs do-nothing Flask "
        "| vs nginx, same size | p99 |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for name, name_runs in runs.items():
        per_second = _median(name_runs, "per_second")
        size = sizes.get(
            name.removeprefix("prisec ").removeprefix("nginx, file of the size of ")
        ) or report["published_sizes"].get(name)
        nginx = nginx_of.get(name)
        errors = sum(run.non_2xx for run in name_runs)
        note = f" ({errors} non-2xx/3xx)" if errors and "304" not in name else ""
        if name in PUBLISHED:
            of_plain = _paired(runs, name, plain_copy(name))
        else:
            of_plain = per_second / nginx if nginx else None
        lines.append(
            f"| {name}{note} | {f'{size:,}' if size else ''} | {per_second:,.0f} "
            f"| {_median(name_runs, 'cpu_ms'):.3f} ms | {per_second / noop:.2f} "
            f"| {f'{of_plain:.2f}' if of_plain else ''} "
            f"| {_median(name_runs, 'p99_ms'):.1f} ms |"
        )
    mixed = report["mixed"]
    alone, busy = mixed["B alone"], mixed["B with A's edits and wrong logins"]
    seconds = report["login_seconds"]
    lines += [
        "",
        "Mixed row: series B's series page, a talk page and its feed in turn, alone and while "
        f"series A took {report['edits'] / report['edit_seconds']:.1f} edits a second "
        "(through the editing "
        f"operation, from another process) and the login form {report['logins'] / seconds:.1f} "
        "wrong passwords a second (each a GET of the form, then the POST, from wrk), rounds "
        "interleaved; "
        "the server's CPU is all it did over the run, divided by B's answers:",
        "",
        "| series B | requests/s | server CPU per answer | p99 |",
        "| --- | ---: | ---: | ---: |",
    ]
    for name, name_runs in mixed.items():
        lines.append(
            f"| {name} | {_median(name_runs, 'per_second'):,.0f} "
            f"| {_median(name_runs, 'cpu_ms'):.3f} ms | {_median(name_runs, 'p99_ms'):.1f} ms |"
        )
    # Each round's busy run beside its alone run, then the median of rounds.
    pairs = list(zip(alone, busy, strict=True))
    ratios = [b.per_second / a.per_second for a, b in pairs]
    p99s = [b.p99_ms / a.p99_ms for a, b in pairs]
    cpus = [b.cpu_ms / a.cpu_ms for a, b in pairs]
    lines += [
        "",
        f"B with the edits and wrong logins, round by round ({args.mixed_rounds} rounds, "
        "alone then busy, busy then alone, in turn) against B alone in the same round, after "
        "the attack's first ten wrong passwords had locked its address: "
        f"{', '.join(f'{r:.2f}' for r in ratios)} of its requests/s (median "
        f"{statistics.median(ratios):.2f}); p99 {', '.join(f'{r:.2f}×' for r in p99s)} "
        f"(median {statistics.median(p99s):.2f}×); the server's CPU per B answer, the edits' "
        f"and logins' work included, {', '.join(f'{r:.2f}×' for r in cpus)} "
        f"(median {statistics.median(cpus):.2f}×). The editing process used "
        f"{report['edit_cpu'] / report['edits'] * 1000:.1f} ms of CPU per edit.",
    ]
    rebuild = report["rebuild"]
    lines += [
        "",
        f"Static publishing: `flask publish` of {TALKS:,} talks wrote {rebuild['files']:,} files "
        f"(to {report['folder_kind']}) "
        f"({rebuild['bytes'] / 2**20:.0f} MB, gzip versions included) in {rebuild['wall']:.0f} s "
        f"wall, {rebuild['cpu']:.0f} s CPU, peak memory {rebuild['peak_mb']:.0f} MB. An edit of "
        "a series A talk (from another process, publishing on) was in its published talk page "
        f"and series feed {report['published_after']:.2f} s after its commit. The published "
        "rows above are nginx serving those files; their ratio is to nginx serving a plain "
        "copy of the same bytes, taken right before each in every round, as the median of "
        "the rounds' ratios (a copy, since nginx's rate moves by some 15% with the last few "
        "KB of a 440 KB file, and the published feed, whose links differ, is 2.5 KB shorter "
        "than the live one).",
    ]
    lines += ["", *targets(report, noop, nginx_of, ratios, p99s), "", NOTES]
    return "\n".join(lines) + "\n"


def targets(
    report: dict,
    noop: float,
    nginx_of: dict[str, float | None],
    ratios: list[float],
    p99s: list[float],
) -> list[str]:
    """What the issue asks of these figures, each beside what this run measured."""
    runs, rebuild = report["runs"], report["rebuild"]

    def of_noop(name: str) -> float:
        return _median(runs[name], "per_second") / noop

    def of_nginx(name: str) -> float:
        return _paired(runs, name, plain_copy(name))

    rows = [
        (f"{name} at ≥ {floor} of the do-nothing Flask app", f"{of_noop(row):.2f}",
         of_noop(row) >= floor)
        for name, row, floor in (
            ("cached `/`", "prisec / cached", 0.7),
            ("cached talk page", "prisec talk page cached", 0.7),
            ("cached series feed", "prisec series feed cached", 0.7),
            ("`304`", "prisec / 304", 0.8),
        )
    ]  # fmt: skip
    feed_ms = _median(runs["prisec /calendar.ics, no gzip"], "cpu_ms")
    rows += [
        ("series B's requests/s with A's edits and the wrong logins at ≥ 0.9 of B alone "
         "(median of rounds)", f"{statistics.median(ratios):.2f}",
         statistics.median(ratios) >= 0.9),
        ("and its p99 at most 1.5× (median of rounds)", f"{statistics.median(p99s):.2f}×",
         statistics.median(p99s) <= 1.5),
        (f"`/calendar.ics` of {TALKS:,} talks without gzip at most 1.5 ms of server CPU",
         f"{feed_ms:.3f} ms", feed_ms <= 1.5),
        ("published `index.html` from nginx at ≥ 0.9 of nginx serving a plain file",
         f"{of_nginx('nginx, published index.html'):.2f}",
         of_nginx("nginx, published index.html") >= 0.9),
        ("published series feed from nginx at ≥ 0.9 of nginx serving a plain file",
         f"{of_nginx('nginx, published series feed'):.2f}",
         of_nginx("nginx, published series feed") >= 0.9),
        ("an edit in the published files within 2 s", f"{report['published_after']:.2f} s",
         report["published_after"] <= 2),
        (f"a full rebuild of {TALKS:,} talks in under 60 s and 200 MB",
         f"{rebuild['wall']:.0f} s, {rebuild['peak_mb']:.0f} MB",
         rebuild["wall"] < 60 and rebuild["peak_mb"] < 200),
    ]  # fmt: skip
    return [
        "The targets, against this run:",
        "",
        "| target | this run | |",
        "| --- | ---: | --- |",
        *(f"| {name} | {value} | {'met' if met else 'NOT met'} |" for name, value, met in rows),
    ]


NOTES = """Reading the rows: a kept answer is served before Flask (one read of its scopes'
versions on the thread's own connection), so it can cost less than the do-nothing Flask
app, which runs Flask's request machinery. Answers over 256 KB go to waitress as one
file-like piece, which it sends from memory; as a list of one bytes object, waitress
copies it into its output buffer and, past 1 MB (`outbuf_overflow`), into a temporary
file. waitress 3.0 closes the connection after every `304` (a 304 carries no
Content-Length, and `build_response_header` then always sets close-on-finish), so each
304 row includes a new TCP connection per request; the answer itself is cheaper than a
200. The mixed row's load generators (wrk for B and for the logins, the editing process)
run on the same 2 cores as the server, and the server is bound by its GIL at about 1.2 of
them, so any Python work beside B's answers costs B several times its own CPU: while it
holds the GIL, B's threads and waitress's select loop wait (py-spy on the server). The
attack's first ten wrong passwords (a scrypt hash each) lock its address, before the
rounds begin; from then on each of its requests, the GET of the form and the POST, is
answered from the lockout page kept for that address in front of Flask (auth/lockout.py),
at about the cost of a kept page. Before that gate, a throttled attempt rendered the login
page through Flask twice (about 7 ms of server CPU a pair) and B kept 0.67 to 0.80 of its
requests/s. The edits, from another process, take CPU from the same cores: nine
statements an edit (the search index is refreshed in three, the talks named as one
JSON array), about 6 ms of CPU on an idle machine and about twice that on a busy one.
Static publishing takes series B's pages off the Python server altogether."""


if __name__ == "__main__":
    main()
