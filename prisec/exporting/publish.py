"""Static publishing: public pages and feeds written to PRISEC_PUBLISH_DIR for nginx to serve.

After a change is committed, the addresses whose scopes it raised are rendered again in a
background thread (debounced: a burst of saves is one pass, and never in the organizer's
request) through the application itself, so each file is byte for byte what the server
answers, and written atomically (a temporary file in the same folder, then a rename) with
its gzip version beside it. `flask publish` writes all of it. Addresses map to files as
nginx's `try_files $uri $uri/index.html @prisec` finds them: `/` is `index.html`,
`/series/x` is `series/x/index.html`, `/calendar.ics` is `calendar.ics`.
"""

from __future__ import annotations

import contextlib
import gc
import gzip
import io
import os
import shutil
import sys
import tempfile
import threading
from collections.abc import Iterable
from pathlib import Path
from urllib.parse import SplitResult, urlsplit

import click
from flask import Flask, current_app, has_app_context
from sqlalchemy import select

from ..dataversion import SITE
from ..extensions import db
from ..pagecache import BYPASS

# A burst of saves (an import, a rescheduled series) is published in one pass.
DEBOUNCE_SECONDS = 0.5
# Requests between two releases of the session a rebuild's requests share.
SESSION_BATCH = 200
SITE_WIDE_ADDRESSES = ("/", "/talks", "/calendar.ics", "/sitemap.xml", "/papers", "/calendar/help")


def file_for(address: str) -> str:
    """The file, relative to the publishing folder, that nginx serves for `address`."""
    path = address.strip("/")
    if not path:
        return "index.html"
    last = path.rsplit("/", 1)[-1]
    return path if "." in last else f"{path}/index.html"


def series_addresses(series_ids: Iterable[int]) -> set[str]:
    """A series' page and feed, for each of `series_ids`."""
    from ..models import Series

    ids = list(series_ids)
    if not ids:
        return set()
    slugs = db.session.scalars(select(Series.slug).where(Series.id.in_(ids)))
    return {
        address for slug in slugs for address in (f"/series/{slug}", f"/series/{slug}/calendar.ics")
    }


def talk_addresses(talk_ids: Iterable[int]) -> set[str]:
    """A talk's page (at its canonical address) and its .ics file."""
    from ..models import Talk, slugify

    ids = list(talk_ids)
    if not ids:
        return set()
    found = set()
    # The title alone gives the slug: no need to load whole talks (a rebuild names them all).
    for talk_id, title in db.session.execute(select(Talk.id, Talk.title).where(Talk.id.in_(ids))):
        found |= {f"/talks/{talk_id}/{slugify(title) or 'talk'}", f"/talks/{talk_id}.ics"}
    return found


def every_address() -> set[str]:
    """Every address a full rebuild writes."""
    from ..models import Series, Talk

    series_ids = db.session.scalars(select(Series.id)).all()
    talk_ids = db.session.scalars(
        select(Talk.id).where(Talk.published.is_(True), Talk.deleted_at.is_(None))
    ).all()
    return site_wide_addresses() | series_addresses(series_ids) | talk_addresses(talk_ids)


def site_wide_addresses() -> set[str]:
    """The pages and feeds that list every series, the sitemap's files among them."""
    from ..public.seo import sitemap_addresses

    return set(SITE_WIDE_ADDRESSES) | set(sitemap_addresses())


def addresses_of(names: Iterable[str]) -> set[str] | None:
    """The addresses that show the scopes `names`; None when that is every address."""
    names = set(names)
    if SITE in names:
        return None
    series_ids = {int(name.split(":")[1]) for name in names if name.startswith("series:")}
    talk_ids = {int(name.split(":")[1]) for name in names if name.startswith("talk:")}
    found = site_wide_addresses() if series_ids else set()
    return found | series_addresses(series_ids) | talk_addresses(talk_ids)


def _write_atomically(target: Path, body: bytes) -> None:
    handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=".publish-")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(body)
        os.chmod(temporary, 0o644)
        os.replace(temporary, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise


def site_base_url(app: Flask) -> str:
    """The public address the published pages link to (their absolute URLs)."""
    return (app.config.get("SITE_URL") or f"https://{app.config['SITE_HOST']}").rstrip("/")


def _talks_of(addresses: list[str]) -> list:
    """The public talks whose pages or files are among `addresses`, loaded together."""
    from ..models import Talk, public_talks

    ids = {int(unit[5:]) for unit in map(_unit_of, addresses) if unit.startswith("talk:")}
    if not ids:
        return []
    return list(db.session.scalars(public_talks().where(Talk.id.in_(ids))))


def _answer(app: Flask, base: SplitResult, address: str) -> tuple[int, bytes]:
    """The status and body the application gives an anonymous GET of `address` at `base`.

    A plain WSGI call, as a server makes it: a rebuild asks for 20,000 addresses, and a
    test client's request building and response wrapping cost more than some pages.
    """
    https = base.scheme == "https"
    environ = {
        "REQUEST_METHOD": "GET",
        "SCRIPT_NAME": base.path.rstrip("/"),
        "PATH_INFO": address,
        "QUERY_STRING": "",
        "SERVER_NAME": base.hostname or "localhost",
        "SERVER_PORT": str(base.port or (443 if https else 80)),
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_HOST": base.netloc,
        "REMOTE_ADDR": "127.0.0.1",
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": base.scheme,
        "wsgi.input": io.BytesIO(),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": False,
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
        BYPASS: True,
    }
    started: list[str] = []

    def start_response(status: str, headers: list, exc_info: object = None) -> None:
        started[:] = [status]

    chunks = app(environ, start_response)
    try:
        body = b"".join(chunks)
    finally:
        close = getattr(chunks, "close", None)
        if close is not None:
            close()
    return int(started[0].split(" ", 1)[0]), body


def publish(app: Flask, addresses: Iterable[str], folder: Path) -> list[str]:
    """Render `addresses` as an anonymous visitor and write them under `folder`; the files."""
    base = urlsplit(site_base_url(app))
    written = []
    # What an edit changed itself first (its talk, its series), the site-wide lists after.
    ordered = sorted(
        set(addresses), key=lambda a: (a in SITE_WIDE_ADDRESSES or a.startswith("/sitemap"), a)
    )
    held: list = []
    folders: set[Path] = set()
    for done, address in enumerate(ordered):
        if done % SESSION_BATCH == 0:
            # The requests share the caller's app context and so its session: let go of
            # what it loaded, or a full rebuild holds every talk of the site; then load the
            # next batch's talks in a few queries, which their pages find in the session.
            if done:
                held.clear()
                db.session.remove()
            held = _talks_of(ordered[done : done + SESSION_BATCH])
        status, body = _answer(app, base, address)
        target = folder / file_for(address)
        if address.startswith("/talks/") and not address.endswith(".ics"):
            # A talk whose slug changed leaves its old address to the application (a 301).
            with contextlib.suppress(FileNotFoundError):
                for old in target.parent.parent.iterdir():
                    if old != target.parent and old.is_dir():
                        shutil.rmtree(old)
        if status != 200:
            for stale in (target, target.with_name(target.name + ".gz")):
                with contextlib.suppress(FileNotFoundError):
                    stale.unlink()
            continue
        if target.parent not in folders:
            target.parent.mkdir(parents=True, exist_ok=True)
            folders.add(target.parent)
        _write_atomically(target, body)
        # mtime=0: the same bytes as the answer cache's gzip body.
        _write_atomically(target.with_name(target.name + ".gz"), gzip.compress(body, 6, mtime=0))
        written.append(str(target.relative_to(folder)))
    return written


class Publisher:
    """Collects the scopes of committed changes and publishes them after a short quiet spell."""

    def __init__(self, app: Flask, folder: Path) -> None:
        self.app = app
        self.folder = folder
        self._pending: set[str] = set()
        self._lock = threading.Lock()
        self._timer: threading.Timer | None = None
        self._passes = threading.Lock()  # one pass at a time

    def changed(self, names: Iterable[str]) -> None:
        """Scopes raised by a committed transaction: publish them soon, in the background."""
        with self._lock:
            self._pending |= set(names)
            if self._timer is None:
                self._timer = threading.Timer(DEBOUNCE_SECONDS, self._run)
                self._timer.start()

    def _run(self) -> None:
        with self._lock:
            names, self._pending, self._timer = self._pending, set(), None
        with self._passes, self.app.app_context():
            try:
                addresses = addresses_of(names)
                publish(self.app, every_address() if addresses is None else addresses, self.folder)
            finally:
                db.session.remove()

    def wait(self) -> None:
        """Until what is pending is published (for commands and tests)."""
        while True:
            with self._lock:
                timer = self._timer
            if timer is None:
                break
            timer.join()
        with self._passes:
            pass


def committed(names: set[str]) -> None:
    """Called after every commit with the scopes it raised (from prisec.dataversion)."""
    if not names or not has_app_context():
        return
    publisher: Publisher | None = current_app.extensions.get("prisec_publisher")
    if publisher is not None:
        publisher.changed(names)


@click.command("publish")
def publish_command() -> None:
    """Write every public page and feed to PRISEC_PUBLISH_DIR (a full rebuild)."""
    folder = current_app.config.get("PUBLISH_DIR")
    if not folder:
        raise click.ClickException("Set PRISEC_PUBLISH_DIR to the folder nginx serves.")
    written = publish_everything(current_app._get_current_object(), Path(folder))
    click.echo(f"Published {written} files to {folder}.")


def _unit_of(address: str) -> str:
    parts = address.split("/")
    if len(parts) > 2 and parts[1] == "talks" and parts[2].removesuffix(".ics").isdigit():
        return "talk:" + parts[2].removesuffix(".ics")
    return address


def publish_everything(app: Flask, folder: Path, processes: int = 0) -> int:
    """A full rebuild, the addresses shared among one process per core; the files written."""
    addresses = sorted(every_address())
    if not processes:
        # Forking pays from a few hundred pages on.
        processes = max(1, min(os.cpu_count() or 1, len(addresses) // 500))
    if processes == 1 or not hasattr(os, "fork"):
        return len(publish(app, addresses, folder))
    # Site-wide pages (the largest) are dealt first, one to each process in turn; then a
    # talk's page and file go together (one load of the talk), talks dealt in turn.
    units: dict[str, list[str]] = {}
    for address in sorted(addresses, key=lambda a: a not in SITE_WIDE_ADDRESSES):
        units.setdefault(_unit_of(address), []).append(address)
    shares: list[list[str]] = [[] for _ in range(processes)]
    for index, unit in enumerate(units.values()):
        shares[index % processes].extend(unit)
    db.session.remove()
    db.engine.dispose()
    # What the app built so far lives as long as the children: frozen, the collector leaves it
    # alone (and the pages shared since the fork stay shared); rendering allocates in bursts,
    # so the youngest generation is collected less often.
    gc.collect()
    gc.freeze()
    thresholds = gc.get_threshold()
    gc.set_threshold(20_000, 20, 20)
    children = []
    for share in shares:
        reading, writing = os.pipe()
        pid = os.fork()
        if pid == 0:  # the child: its own connections, its share, then out without cleanup
            code = 1
            try:
                os.close(reading)
                db.engine.dispose(close=False)
                with app.app_context():
                    count = len(publish(app, share, folder))
                os.write(writing, str(count).encode())
                code = 0
            finally:
                os._exit(code)
        os.close(writing)
        children.append((pid, reading))
    gc.set_threshold(*thresholds)
    gc.unfreeze()
    written, failed = 0, 0
    for pid, reading in children:
        with os.fdopen(reading, "rb") as pipe:
            told = pipe.read()
        if os.waitpid(pid, 0)[1] != 0 or not told:
            failed += 1
        else:
            written += int(told)
    if failed:
        raise click.ClickException(f"{failed} of {processes} publishing processes failed.")
    return written


def init_app(app: Flask) -> None:
    """The `flask publish` command, and the background publisher when PUBLISH_DIR is set."""
    app.cli.add_command(publish_command)
    folder = app.config.get("PUBLISH_DIR")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        app.extensions["prisec_publisher"] = Publisher(app, Path(folder))
