"""Static publishing: files nginx serves, byte for byte what the application answers."""

from __future__ import annotations

import gzip
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from prisec.exporting.publish import file_for, publish_everything, site_base_url
from prisec.extensions import db as _db
from tests.helpers import make_app, wait_until


def _future() -> datetime:
    return datetime.now(UTC) + timedelta(days=3)


def _wait_for(condition, seconds: float = 10) -> None:
    wait_until(condition, seconds, "published")


def test_addresses_map_to_the_files_nginx_tries():
    assert file_for("/") == "index.html"
    assert file_for("/series/ml") == "series/ml/index.html"
    assert file_for("/series/ml/calendar.ics") == "series/ml/calendar.ics"
    assert file_for("/talks/5/a-title") == "talks/5/a-title/index.html"
    assert file_for("/talks/5.ics") == "talks/5.ics"


def test_published_files_match_what_the_application_serves(
    app, runner, create_series, create_talk, tmp_path: Path
):
    folder = tmp_path / "publish"
    talk = create_talk(series=create_series(slug="ml"), title="Published talk", start=_future())
    result = runner.invoke(args=["publish"], env={"PRISEC_PUBLISH_DIR": str(folder)})
    assert "Set PRISEC_PUBLISH_DIR" in result.output  # this app was built without one

    published = make_app(Path(app.instance_path), PUBLISH_DIR=str(folder))
    with published.app_context():  # the command runs in the current app's context
        result = published.test_cli_runner().invoke(args=["publish"])
    assert result.exit_code == 0, result.output
    client = published.test_client()
    base = site_base_url(published)
    addresses = [
        "/",
        "/series/ml",
        "/series/ml/calendar.ics",
        f"/talks/{talk.id}/{talk.slug}",
        f"/talks/{talk.id}.ics",
        "/calendar.ics",
        "/talks",
        "/sitemap.xml",
    ]
    for address in addresses:
        served = client.get(address, base_url=base)
        assert served.status_code == 200, address
        on_disk = folder / file_for(address)
        assert on_disk.read_bytes() == served.data, address
        packed = on_disk.with_name(on_disk.name + ".gz").read_bytes()
        assert gzip.decompress(packed) == served.data
        zipped = client.get(address, base_url=base, headers={"Accept-Encoding": "gzip"})
        if zipped.headers.get("Content-Encoding") == "gzip":
            assert packed == zipped.data  # the bytes a gzip-asking client gets from the server

    # An edit rewrites what it changed, soon and in the background.
    other_feed = folder / file_for("/series/other/calendar.ics")
    with published.app_context():
        from prisec.models import Series, Talk

        _db.session.add(Series(slug="other", name="Other seminar", timezone="UTC"))
        _db.session.commit()
        published.extensions["prisec_publisher"].wait()
        assert other_feed.exists()  # a new series is site-wide: everything is rewritten
        untouched = other_feed.stat().st_mtime_ns

        edited = _db.session.get(Talk, talk.id)
        edited.title = "Published talk edited"
        began = time.monotonic()
        _db.session.commit()
        page = folder / file_for(f"/talks/{edited.id}/{edited.slug}")
        _wait_for(lambda: page.exists() and b"Published talk edited" in page.read_bytes())
        assert time.monotonic() - began < 2
        published.extensions["prisec_publisher"].wait()
        assert b"Published talk edited" in (folder / "series/ml/calendar.ics").read_bytes()
        # The old address is left to the application, which redirects it.
        assert not (folder / file_for(f"/talks/{talk.id}/{talk.slug}")).exists()
        # Another series' feed was not rewritten.
        assert other_feed.stat().st_mtime_ns == untouched
        served = client.get(f"/talks/{edited.id}/{edited.slug}", base_url=base)
        assert page.read_bytes() == served.data
        _db.session.remove()


def test_a_rebuild_shared_among_processes_writes_the_same_files(
    app, create_series, create_talk, tmp_path: Path
):
    series = create_series(slug="ml")
    for day in range(6):
        create_talk(series=series, title=f"Talk {day}", start=_future() + timedelta(days=day))
    trees = {}
    for processes in (1, 2):
        folder = tmp_path / f"by-{processes}"
        with app.app_context():
            written = publish_everything(app, folder, processes=processes)
        files = sorted(p for p in folder.rglob("*") if p.is_file())
        trees[processes] = {str(p.relative_to(folder)): p.read_bytes() for p in files}
        assert written * 2 == len(files)  # every page beside its gzip version
    assert trees[1] == trees[2]
    assert "series/ml/calendar.ics" in trees[2]
