"""Browser tests: the production WSGI server on a free local port, driven by Debian's Chromium."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from prisec.editing import create_talk
from prisec.extensions import db
from prisec.models import Series, Speaker
from tests.helpers import instance_env, make_app

PROJECT_ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("PRISEC_CHROMIUM", "/usr/bin/chromium")


@pytest.fixture(scope="session", autouse=True)
def _require_chromium() -> None:
    """Without Chromium, browser tests skip loudly on a laptop and fail in CI."""
    if Path(CHROMIUM).exists():
        return
    reason = f"no Chromium at {CHROMIUM}: apt-get install chromium, or set PRISEC_CHROMIUM"
    if os.environ.get("CI"):
        pytest.fail(reason)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    """Debian's Chromium instead of a downloaded browser; quiet on a closed network."""
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ],
    }


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _flask(instance: Path, *args: str, stdin: str | None = None) -> None:
    """Run a `flask` command over `instance`, as an organizer would in a shell."""
    env = instance_env(instance)
    subprocess.run(
        [sys.executable, "-m", "flask", "--app", "app", *args],
        cwd=PROJECT_ROOT,
        env=env,
        input=stdin,
        text=True,
        check=True,
        capture_output=True,
    )


def _wait_until_up(url: str, process: subprocess.Popen, deadline_seconds: float = 60) -> None:
    deadline = time.monotonic() + deadline_seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode}")
        try:
            with urllib.request.urlopen(url + "/healthz", timeout=1) as response:
                if response.status == 200:
                    return
        except OSError:
            # Not listening yet: give it a moment, noticing at once if it died.
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=0.05)
    raise RuntimeError("server did not answer /healthz in time")


@pytest.fixture(scope="session")
def live_instance(tmp_path_factory) -> Path:
    """An instance folder prepared exactly as `make run` prepares one."""
    instance = tmp_path_factory.mktemp("live-instance")
    _flask(instance, "db", "upgrade", "heads")
    _flask(instance, "seed-demo", "--if-empty")
    return instance


@contextlib.contextmanager
def serve(instance: Path) -> Iterator[str]:
    """Base URL of waitress serving the app over `instance`, as `make run` does."""
    port = _free_port()
    env = instance_env(instance)
    process = subprocess.Popen(
        [sys.executable, "-m", "waitress", f"--listen=127.0.0.1:{port}", "app:app"],
        cwd=PROJECT_ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(url, process)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture(scope="session")
def live_server(live_instance: Path) -> Iterator[str]:
    """The demo site, served on a free 127.0.0.1 port."""
    with serve(live_instance) as url:
        yield url


@pytest.fixture(scope="session")
def long_archive_server(tmp_path_factory) -> Iterator[str]:
    """A series with 45 past talks, enough for three pages."""
    instance = tmp_path_factory.mktemp("archive-instance")
    _flask(instance, "db", "upgrade", "heads")
    app = make_app(instance)
    with app.app_context():
        series = Series(slug="archive", name="Archive Seminar", timezone="Europe/London")
        base = datetime(2020, 1, 8, 13, 0, tzinfo=UTC)
        for i in range(45):
            start = base + timedelta(weeks=i)
            speaker = Speaker(name=f"Speaker {i:02d}")
            create_talk(
                series,
                [speaker],
                start=start,
                end=start + timedelta(hours=1),
                title=f"Past talk {i:02d}",
                published=True,
            )
        db.session.commit()
        db.engine.dispose()
    with serve(instance) as url:
        yield url
