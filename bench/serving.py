"""What the benchmarks share: a free port, one GET, a `flask` command, a server that answers.

Every benchmark talks to the production server on 127.0.0.1 only.
"""

from __future__ import annotations

import contextlib
import http.client
import os
import re
import shutil
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    """A port nothing listens on at the moment."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def get(
    port: int, path: str, headers: dict[str, str] | None = None
) -> tuple[int, http.client.HTTPMessage, bytes]:
    """One GET on a fresh connection: status, headers, body."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    try:
        connection.request("GET", path, headers=headers or {})
        response = connection.getresponse()
        return response.status, response.msg, response.read()
    finally:
        connection.close()


def flask(
    instance: Path, *args: str, env: dict[str, str] | None = None, stdin: str | None = None
) -> str:
    """A `flask` command over `instance` (and `env`, e.g. DATABASE_URL); its standard output."""
    done = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "app", *args],
        cwd=PROJECT_ROOT,
        env={**os.environ, "PRISEC_INSTANCE_PATH": str(instance), **(env or {})},
        check=True,
        capture_output=True,
        input=stdin,
        text=True,
    )
    return done.stdout


def start(
    command: list[str],
    port: int,
    env: dict[str, str],
    seconds: float = 60,
    ready: str = "/healthz",
    cwd: Path = PROJECT_ROOT,
) -> subprocess.Popen:
    """Start a server with `env` added to ours; return once `ready` answers, within `seconds`."""
    process = subprocess.Popen(
        command,
        cwd=cwd,
        env={**os.environ, **env},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    name = Path(command[0]).name
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{name} exited with {process.returncode}")
        try:
            if get(port, ready)[0] == 200:
                return process
        except OSError:
            # Not listening yet: wait a little, or learn at once that the server died.
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=0.1)
    process.kill()
    raise RuntimeError(f"{name} did not answer {ready} in {seconds:g} s")


# The yardstick of every answer: Flask itself under the same server, doing nothing.
NOOP_APP = """from flask import Flask

app = Flask(__name__)


@app.get("/")
def index():
    return "ok"
"""


def do_nothing_flask(folder: Path, port: int, threads: int = 8) -> subprocess.Popen:
    """A do-nothing Flask app under `waitress-serve --threads` as prisec's, answering /."""
    (folder / "noop.py").write_text(NOOP_APP)
    waitress = str(Path(sys.executable).parent / "waitress-serve")
    command = [waitress, f"--listen=127.0.0.1:{port}", f"--threads={threads}", "noop:app"]
    return start(command, port, {}, ready="/", cwd=folder)


def waitress(instance: Path, port: int, threads: int | None = None) -> subprocess.Popen:
    """waitress serving `instance` as `make run` starts it (8 threads there; 4 by default)."""
    command = [str(Path(sys.executable).parent / "waitress-serve"), f"--listen=127.0.0.1:{port}"]
    if threads:
        command.append(f"--threads={threads}")
    return start([*command, "app:app"], port, {"PRISEC_INSTANCE_PATH": str(instance)})


@dataclass
class Run:
    """One wrk run (or several taken as one): answers, seconds and the server's CPU seconds."""

    requests: int
    seconds: float
    server_cpu: float
    p50_ms: float
    p99_ms: float
    non_2xx: int

    @property
    def per_second(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    @property
    def cpu_ms(self) -> float:
        """Server CPU milliseconds per answer."""
        return self.server_cpu / self.requests * 1000 if self.requests else 0.0


def cpu_seconds(pids: list[int]) -> float:
    """CPU time (user + system) the processes have used."""
    total = 0.0
    for pid in pids:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def _ms(text: str) -> float:
    value, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text).groups()
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}[unit]


def wrk(
    url: str,
    pids: list[int],
    seconds: float,
    headers: dict[str, str] | None = None,
    paths: list[str] | None = None,
    lua: Path | None = None,
    connections: int = 16,
) -> Run:
    """wrk -t2 against `url`, with the CPU the server processes `pids` used meanwhile."""
    command = ["wrk", "-t2", f"-c{connections}", f"-d{seconds:g}s", "--latency"]
    for name, value in (headers or {}).items():
        command += ["-H", f"{name}: {value}"]
    env = dict(os.environ)
    if paths:
        command += ["-s", str(lua)]
        env["BENCH_PATHS"] = " ".join(paths)
    before = cpu_seconds(pids)
    out = subprocess.run(
        [*command, url], capture_output=True, text=True, check=True, env=env
    ).stdout
    cpu = cpu_seconds(pids) - before
    requests, seconds = re.search(r"(\d+) requests in ([\d.]+(?:us|ms|s|m))", out).groups()
    p50 = re.search(r"50%\s+([\d.]+(?:us|ms|s))", out)
    p99 = re.search(r"99%\s+([\d.]+(?:us|ms|s))", out)
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return Run(
        requests=int(requests),
        seconds=_ms(seconds) / 1000,
        server_cpu=cpu,
        p50_ms=_ms(p50.group(1)) if p50 else float("nan"),
        p99_ms=_ms(p99.group(1)) if p99 else float("nan"),
        non_2xx=int(non_2xx.group(1)) if non_2xx else 0,
    )


def ensure_wrk() -> None:
    """wrk from Debian, installed when missing."""
    if shutil.which("wrk"):
        return
    sudo = [] if os.geteuid() == 0 else ["sudo"]
    subprocess.run([*sudo, "apt-get", "install", "-y", "wrk"], check=True)
