"""Lighthouse scores of the schedule and a talk page, served as `make run` serves them.

Installs Lighthouse from the npm registry into the git-ignored bench/.lighthouse/ on
first run, prepares a temporary instance with the demo series, serves it with waitress
on 127.0.0.1, runs Lighthouse with Debian's Chromium (`CHROME_PATH`, default
/usr/bin/chromium) in mobile emulation (its default) and replaces the "Lighthouse"
section of bench/RESULTS.md with the four scores of each page. Run with `make lighthouse`.
"""

from __future__ import annotations

import json
import os
import platform
import re
import subprocess
import tempfile
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

from results import replace_section
from serving import flask, free_port, waitress

PROJECT_ROOT = Path(__file__).resolve().parent.parent
TOOLS = PROJECT_ROOT / "bench" / ".lighthouse"
LIGHTHOUSE_VERSION = "12.2.3"  # 13 wants Node 22; Debian ships Node 20.
RESULTS = PROJECT_ROOT / "bench" / "RESULTS.md"
HEADING = "# Lighthouse"
CATEGORIES = ("performance", "accessibility", "best-practices", "seo")
CHROME_FLAGS = "--headless=new --no-sandbox --disable-gpu --no-first-run --disable-quic"


def install_lighthouse() -> Path:
    """The lighthouse command, installed with npm into bench/.lighthouse/ when missing."""
    command = TOOLS / "node_modules" / ".bin" / "lighthouse"
    if not command.exists():
        TOOLS.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            ["npm", "install", "--prefix", str(TOOLS), "--no-audit", "--no-fund",
             "--save-exact", f"lighthouse@{LIGHTHOUSE_VERSION}"],
            check=True,
        )  # fmt: skip
    return command


def first_talk_path(base: str) -> str:
    """The path of the first talk the schedule links to."""
    with urllib.request.urlopen(base + "/", timeout=10) as response:
        html = response.read().decode()
    match = re.search(r'href="(/talks/\d+/[^"#]+)"', html)
    if not match:
        raise SystemExit("the schedule links to no talk")
    return match.group(1)


def run_lighthouse(command: Path, url: str) -> dict[str, int]:
    """The four category scores (0-100) of one page."""
    env = {**os.environ, "CHROME_PATH": os.environ.get("CHROME_PATH", "/usr/bin/chromium")}
    # The full report is kept beside the installed tool (git-ignored) for a closer look.
    reports = TOOLS / "reports"
    reports.mkdir(exist_ok=True)
    report = reports / (re.sub(r"[^a-z0-9]+", "-", url.split("/", 3)[-1]).strip("-") or "index")
    report = report.with_suffix(".json")
    subprocess.run(
        [str(command), url, "--quiet", "--output=json", f"--output-path={report}",
         f"--chrome-flags={CHROME_FLAGS}",
         "--only-categories=" + ",".join(CATEGORIES)],
        check=True,
        env=env,
    )  # fmt: skip
    data = json.loads(report.read_text())
    missed = [
        f"{audit['id']} ({audit['score']})"
        for audit in data["audits"].values()
        if audit.get("score") is not None and audit["score"] < 0.9
        and audit.get("scoreDisplayMode") in ("binary", "numeric")
    ]  # fmt: skip
    if missed:
        print(f"{url}: audits below 0.9: {', '.join(missed)}")
    return {c: round(data["categories"][c]["score"] * 100) for c in CATEGORIES}


def write_results(scores: dict[str, dict[str, int]]) -> None:
    """Replace this script's section of bench/RESULTS.md, leaving other sections alone."""
    lines = [
        HEADING,
        "",
        f"Run by `make lighthouse` on {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, "
        f"{platform.machine()} with {os.cpu_count()} CPUs, Lighthouse {LIGHTHOUSE_VERSION} "
        "(mobile emulation, simulated throttling), Debian Chromium headless, the demo "
        "series served by waitress on 127.0.0.1.",
        "",
        "| page | performance | accessibility | best practices | SEO |",
        "| --- | --- | --- | --- | --- |",
    ]
    for page, got in scores.items():
        lines.append(f"| {page} | " + " | ".join(str(got[c]) for c in CATEGORIES) + " |")
    replace_section("\n".join(lines) + "\n", RESULTS)


def main() -> None:
    """Install, serve the demo, measure both pages, record the scores."""
    command = install_lighthouse()
    with tempfile.TemporaryDirectory() as folder:
        instance = Path(folder)
        flask(instance, "db", "upgrade", "heads")
        flask(instance, "seed-demo", "--if-empty")
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        server = waitress(instance, port, threads=8)
        try:
            pages = {"schedule `/`": base + "/", "talk page": base + first_talk_path(base)}
            scores = {name: run_lighthouse(command, url) for name, url in pages.items()}
        finally:
            server.terminate()
            server.wait(timeout=10)
    write_results(scores)
    for name, got in scores.items():
        print(name, got)


if __name__ == "__main__":
    main()
