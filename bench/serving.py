"""What the benchmarks share: a free port, one GET, a `flask` command, a server that answers.

Every benchmark talks to the production server on 127.0.0.1 only.
"""

from __future__ import annotations

import contextlib
import http.client
import os
import socket
import subprocess
import sys
import time
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
    command: list[str], port: int, env: dict[str, str], seconds: float = 60
) -> subprocess.Popen:
    """Start a server with `env` added to ours; return once /healthz answers, within `seconds`."""
    process = subprocess.Popen(
        command,
        cwd=PROJECT_ROOT,
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
            if get(port, "/healthz")[0] == 200:
                return process
        except OSError:
            # Not listening yet: wait a little, or learn at once that the server died.
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=0.1)
    process.kill()
    raise RuntimeError(f"{name} did not answer /healthz in {seconds:g} s")


def waitress(instance: Path, port: int, threads: int | None = None) -> subprocess.Popen:
    """waitress serving `instance` as `make run` starts it (8 threads there; 4 by default)."""
    command = [str(Path(sys.executable).parent / "waitress-serve"), f"--listen=127.0.0.1:{port}"]
    if threads:
        command.append(f"--threads={threads}")
    return start([*command, "app:app"], port, {"PRISEC_INSTANCE_PATH": str(instance)})
