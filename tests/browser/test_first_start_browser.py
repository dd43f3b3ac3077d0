"""A new site in a real Chromium: set up from the console's link to a first published talk,
and a deleted series brought back from the trash."""

from __future__ import annotations

import contextlib
import queue
import re
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import PROJECT_ROOT, _free_port, _wait_until_up, serve
from tests.helpers import instance_env

pytestmark = pytest.mark.browser

EMAIL = "admin@example.org"
PASSWORD = "a first start password"
SETUP_LINK = re.compile(r"(http://\S+/setup\?token=\S+)")


def _flask(instance: Path, *args: str, stdin: str | None = None, **env: str) -> str:
    """Run a `flask` command over `instance` as an administrator would; its output."""
    result = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "app", *args],
        cwd=PROJECT_ROOT,
        env={**instance_env(instance), **env},
        input=stdin,
        text=True,
        check=True,
        capture_output=True,
    )
    return result.stdout


@contextlib.contextmanager
def serve_with_console(instance: Path) -> Iterator[tuple[str, queue.Queue[str]]]:
    """Waitress over `instance` as `make run DEMO=0` starts it, with its console's lines."""
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    env = {**instance_env(instance), "PRISEC_DEMO": "0", "PRISEC_SETUP_BASE_URL": url}
    process = subprocess.Popen(
        [sys.executable, "-m", "waitress", f"--listen=127.0.0.1:{port}", "app:app"],
        cwd=PROJECT_ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    lines: queue.Queue[str] = queue.Queue()

    def read_console() -> None:
        for line in process.stderr:
            lines.put(line)

    reader = threading.Thread(target=read_console, daemon=True)
    reader.start()
    try:
        _wait_until_up(url, process)
        yield url, lines
    finally:
        process.terminate()
        process.wait(timeout=10)
        reader.join(timeout=10)  # the console's end of the pipe is read to its close
        process.stderr.close()


def _setup_link(lines: queue.Queue[str]) -> str:
    while True:
        line = lines.get(timeout=30)  # printed at start, before the server answers
        match = SETUP_LINK.search(line)
        if match:
            return match.group(1)


def test_first_start_from_an_empty_database_to_a_first_published_talk(browser, tmp_path):
    instance = tmp_path / "instance"
    instance.mkdir()
    _flask(instance, "db", "upgrade", "heads")
    seeded = _flask(instance, "seed-demo", "--if-empty", PRISEC_DEMO="0")
    assert "demo not seeded" in seeded
    with serve_with_console(instance) as (base, console):
        link = _setup_link(console)
        context = browser.new_context(timezone_id="America/New_York")
        page = context.new_page()

        # The first visit to the empty site asks for the console's token.
        page.goto(base + "/")
        expect(page).to_have_url(base + "/setup")
        expect(page.get_by_text("one-time token the server printed")).to_be_visible()
        page.get_by_label("Setup token").fill("a guess")
        page.get_by_role("button", name="Continue").click()
        expect(page.get_by_role("alert")).to_contain_text("not the one this server issued")

        page.goto(link)
        page.get_by_label("Your name").fill("Ada Lovelace")
        page.get_by_label("Your email").fill(EMAIL)
        page.get_by_label("Password", exact=True).fill(PASSWORD)
        page.get_by_label("Password again").fill(PASSWORD)
        page.get_by_label("Name of the series").fill("Robustness Reading Group")
        page.get_by_label("Time zone").fill("America/New_York")
        page.get_by_label("Usual day").select_option(label="Thursday")
        page.get_by_label("Usual start time").fill("15:00")
        page.get_by_role("button", name="Create the administrator and the series").click()

        # Logged in, on the new series' dashboard.
        expect(
            page.get_by_role("heading", name="Dashboard: Robustness Reading Group")
        ).to_be_visible()
        expect(page.locator(".flash")).to_contain_text("Welcome, Ada Lovelace")

        page.get_by_role("link", name="New talk").click()
        # The series' usual time is the new talk's.
        expect(page.get_by_label("Starts")).to_have_value("15:00")
        page.get_by_label("Title", exact=True).fill("Certified robustness, explained")
        page.get_by_label("Name", exact=True).fill("Grace Hopper")
        page.get_by_label("Date", exact=True).fill("2030-06-13")
        page.get_by_role("checkbox", name=re.compile("Published")).check()
        page.get_by_role("button", name="Save talk").click()
        expect(page.locator(".flash")).to_contain_text("Saved “Certified robustness, explained”")

        visitor = browser.new_context().new_page()
        visitor.goto(base + "/")
        expect(visitor.locator("#upcoming")).to_contain_text("Certified robustness, explained")
        expect(visitor.locator("#upcoming")).to_contain_text("13 June 2030, 15:00 EDT")
        expect(visitor.get_by_text("This is a demo.")).to_have_count(0)
        # The link is spent: the setup page is gone for good.
        assert visitor.goto(link).status == 404
        context.close()
    assert not (instance / "setup_token").exists()


def _log_in(page: Page, base: str) -> None:
    page.goto(base + "/login")
    page.get_by_label("Email").fill(EMAIL)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name=re.compile("^Dashboard"))).to_be_visible()


def test_the_demo_deleted_then_restored_from_the_trash(browser, tmp_path):
    instance = tmp_path / "instance"
    instance.mkdir()
    _flask(instance, "db", "upgrade", "heads")
    _flask(instance, "seed-demo", "--if-empty")
    _flask(instance, "organizer", "create", EMAIL, "--name", "Ada Lovelace", stdin=PASSWORD + "\n")
    with serve(instance) as base:
        visitor = browser.new_context().new_page()
        visitor.goto(base + "/")
        expect(visitor.locator(".demo-banner")).to_contain_text("This is a demo.")
        expect(visitor.locator("#upcoming")).to_contain_text("Sara Hooker")

        context = browser.new_context()
        page = context.new_page()
        _log_in(page, base)
        page.get_by_role("link", name="Series settings").click()
        page.get_by_role("link", name=re.compile("^Delete “Privacy and Security")).click()
        # Nothing is deleted before the question is answered.
        expect(page.get_by_role("heading", name=re.compile(r"^Delete “.*”\?$"))).to_be_visible()
        visitor.goto(base + "/series/prisec-ml")
        expect(visitor.locator("#upcoming")).to_contain_text("Sara Hooker")
        page.get_by_role("button", name=re.compile("^Move “Privacy and Security")).click()
        expect(page.get_by_role("heading", name="Deleted series")).to_be_visible()
        expect(page.locator(".flash")).to_contain_text("are in the trash")

        assert visitor.goto(base + "/series/prisec-ml").status == 404
        visitor.goto(base + "/")
        expect(visitor.get_by_role("heading", name="No seminar series yet")).to_be_visible()
        expect(visitor.locator(".demo-banner")).to_have_count(0)
        assert "Sara Hooker" not in visitor.request.get(base + "/calendar.ics").text()

        page.get_by_role("button", name=re.compile("^Restore “Privacy and Security")).click()
        expect(page.locator(".flash")).to_contain_text("is restored, with its talks")
        expect(page.get_by_role("heading", name=re.compile("^Dashboard: Privacy"))).to_be_visible()
        visitor.goto(base + "/series/prisec-ml")
        expect(visitor.locator("#upcoming")).to_contain_text("Sara Hooker")
        expect(visitor.locator("#past")).to_contain_text("Konrad Rieck")
        context.close()
