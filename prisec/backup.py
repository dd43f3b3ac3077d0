"""Backups: a consistent copy of the live SQLite database and the uploads, and restoring one."""

from __future__ import annotations

import io
import json
import sqlite3
import tarfile
import tempfile
import zlib
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import click
from flask import current_app

from .database import utcnow
from .extensions import db

DATABASE_MEMBER = "prisec.db"
MANIFEST_MEMBER = "manifest.json"
UPLOADS_MEMBER = "uploads"


class BackupError(ValueError):
    """A backup that cannot be taken or restored, with the reason."""


def sqlite_file() -> Path:
    """The file of the application's SQLite database; BackupError on another database."""
    url = db.engine.url
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        raise BackupError(
            "backups copy a SQLite file; on PostgreSQL use pg_dump, or `flask export json`"
        )
    return Path(url.database)


def copy_database(source: Path, target: Path) -> None:
    """Copy a live SQLite database with the online backup API: one consistent snapshot.

    Safe while the server writes: the copy is taken in one read transaction (WAL mode
    lets writers go on meanwhile), never a half-written file.
    """
    with sqlite3.connect(source) as live, sqlite3.connect(target) as copy:
        live.backup(copy)
    copy.close()
    live.close()


def check_database(path: Path) -> None:
    """BackupError unless SQLite finds the file whole."""
    try:
        with sqlite3.connect(path) as connection:
            result = connection.execute("PRAGMA integrity_check").fetchone()
        connection.close()
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"the backup's database cannot be read: {exc}") from exc
    if result is None or result[0] != "ok":
        raise BackupError(f"the backup's database is damaged: {result}")


def take_backup(source: Path, uploads: Path, target_dir: Path, now: datetime) -> Path:
    """Write `prisec-backup-<time>.tar.gz` holding the database, the uploads and a manifest."""
    target_dir.mkdir(parents=True, exist_ok=True)
    archive = target_dir / f"prisec-backup-{now:%Y%m%d-%H%M%S}.tar.gz"
    with tempfile.TemporaryDirectory() as scratch:
        snapshot = Path(scratch) / DATABASE_MEMBER
        copy_database(source, snapshot)
        check_database(snapshot)
        files = sorted(p for p in uploads.iterdir() if p.is_file()) if uploads.is_dir() else []
        manifest = {
            "created_at": now.isoformat(),
            "database": DATABASE_MEMBER,
            "uploads": [p.name for p in files],
        }
        partial = archive.with_suffix(".partial")
        with tarfile.open(partial, "w:gz") as tar:
            tar.add(snapshot, arcname=DATABASE_MEMBER)
            for path in files:
                tar.add(path, arcname=f"{UPLOADS_MEMBER}/{path.name}")
            data = json.dumps(manifest, indent=1).encode()
            info = tarfile.TarInfo(MANIFEST_MEMBER)
            info.size = len(data)
            info.mtime = int(now.timestamp())
            tar.addfile(info, io.BytesIO(data))
        # Renamed only when complete, so a crash never leaves a truncated backup behind.
        partial.replace(archive)
    return archive


@dataclass
class RestoreReport:
    """What a restore brought back."""

    created_at: str
    uploads_written: int


def restore_backup(archive: Path, target: Path, uploads: Path) -> RestoreReport:
    """Replace the database at `target` with the backup's, and add its uploads."""
    try:
        with tarfile.open(archive, "r:gz") as tar, tempfile.TemporaryDirectory() as scratch:
            return _restore_from(tar, Path(scratch), target, uploads)
    except (tarfile.TarError, EOFError, zlib.error) as exc:
        raise BackupError(f"{archive} is not a readable prisec backup: {exc}") from exc


def _member_bytes(tar: tarfile.TarFile, name: str) -> bytes:
    handle = tar.extractfile(name)
    if handle is None:
        raise BackupError(f"the backup's {name} is not a file")
    return handle.read()


def _restore_from(
    tar: tarfile.TarFile, scratch: Path, target: Path, uploads: Path
) -> RestoreReport:
    names = set(tar.getnames())
    if DATABASE_MEMBER not in names or MANIFEST_MEMBER not in names:
        raise BackupError("this is not a prisec backup (no database or manifest in it)")
    manifest = json.loads(_member_bytes(tar, MANIFEST_MEMBER))
    snapshot = scratch / DATABASE_MEMBER
    snapshot.write_bytes(_member_bytes(tar, DATABASE_MEMBER))
    check_database(snapshot)
    # The backup API writes into the live file under SQLite's own locks, so connections
    # the running server holds see the restored data instead of a swapped-out file.
    copy_database(snapshot, target)
    uploads.mkdir(parents=True, exist_ok=True)
    written = 0
    for member in tar.getmembers():
        # Only plain files directly under uploads/, by their base name: nothing escapes.
        name = Path(member.name)
        if member.isfile() and name.parent.as_posix() == UPLOADS_MEMBER:
            destination = uploads / name.name
            if not destination.exists():
                destination.write_bytes(_member_bytes(tar, member.name))
                written += 1
    return RestoreReport(created_at=str(manifest.get("created_at", "")), uploads_written=written)


@click.command("backup")
@click.argument("directory", required=False, type=click.Path(file_okay=False, path_type=Path))
def backup_command(directory: Path | None) -> None:
    """Copy the live database and the uploads into DIRECTORY (default instance/backups/)."""
    target_dir = directory or Path(current_app.instance_path) / "backups"
    try:
        archive = take_backup(
            sqlite_file(), Path(current_app.config["UPLOAD_FOLDER"]), target_dir, utcnow()
        )
    except BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"Backed up to {archive}")


@click.command("restore")
@click.argument("archive", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
def restore_command(archive: Path, yes: bool) -> None:
    """Replace the database with a backup's (after confirmation) and bring back its uploads."""
    try:
        target = sqlite_file()
    except BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    if not yes:
        click.confirm(f"Replace everything in {target} with the backup {archive.name}?", abort=True)
    db.session.remove()
    db.engine.dispose()
    try:
        report = restore_backup(archive, target, Path(current_app.config["UPLOAD_FOLDER"]))
    except BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(
        f"Restored the backup of {report.created_at}; {report.uploads_written} uploaded files "
        "brought back."
    )
