"""The whole database as one JSON document, and back, table by table and row by row.

Generic over the models' metadata, so every table any part of prisec defines is covered
without being named here.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal
from pathlib import Path
from typing import Any
from uuid import UUID

from sqlalchemy import (
    JSON,
    Column,
    Date,
    DateTime,
    Enum,
    Float,
    Integer,
    LargeBinary,
    Numeric,
    Table,
    Time,
    Uuid,
    func,
    select,
    text,
)
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.types import TypeDecorator

from ..database import utcnow
from ..dataversion import invalidate_everything
from ..extensions import db
from ..search import refresh_search_index

FORMAT = "prisec-site"
FORMAT_VERSION = 1
# Bookkeeping tables the migrations fill with a first row: the export's rows replace it.
REPLACED_ON_IMPORT: frozenset[str] = frozenset()
# Versions of this site's cached answers: meaningless elsewhere (an import raises them all).
NOT_EXPORTED = frozenset({"cache_scope"})


class ExportError(ValueError):
    """An export that cannot be imported here, with the reason a person can act on."""


def _base_type(column: Column) -> Any:
    kind = column.type
    while isinstance(kind, TypeDecorator):
        kind = kind.impl_instance
    return kind


def encode_value(value: Any) -> Any:
    """A column value as plain JSON: ISO 8601 for times, base64 for bytes, values of enums."""
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, bytes):
        return base64.b64encode(value).decode("ascii")
    if isinstance(value, Decimal | UUID):
        return str(value)  # exact, unlike a JSON number
    if hasattr(value, "value") and not isinstance(value, dict | list):
        return value.value  # an enum member
    return value


def decode_value(column: Column, value: Any) -> Any:
    """The Python value of a JSON value for `column`: the inverse of `encode_value`."""
    if value is None:
        return None
    kind = _base_type(column)
    if isinstance(kind, JSON):
        return value
    if isinstance(kind, Enum) and kind.enum_class is not None:
        return kind.enum_class(value)
    if isinstance(kind, DateTime):
        return datetime.fromisoformat(value)
    if isinstance(kind, Date):
        return date.fromisoformat(value)
    if isinstance(kind, Time):
        return time.fromisoformat(value)
    if isinstance(kind, LargeBinary):
        return base64.b64decode(value)
    if isinstance(kind, Numeric) and not isinstance(kind, Float) and isinstance(value, str):
        return Decimal(value)
    if isinstance(kind, Uuid) and isinstance(value, str):
        return UUID(value)
    return value


def _tables() -> list[Table]:
    return [table for table in db.metadata.sorted_tables if table.name not in NOT_EXPORTED]


def _schema_revisions() -> list[str]:
    try:
        return sorted(db.session.scalars(text("SELECT version_num FROM alembic_version")))
    except SQLAlchemyError:
        # A database not made by the migrations has no such table.
        db.session.rollback()
        return []


def _upload_folder(upload_folder: str | Path) -> Path:
    return Path(upload_folder)


def _stored(table: Table) -> list[Column]:
    # Columns derived from others (a plain-text abstract) are not data: left out of exports
    # and derived again on import, so an export can never carry a stale or forged copy.
    return [c for c in table.columns if not c.info.get("derived")]


def dump_site(upload_folder: str | Path, *, with_files: bool = False) -> dict[str, Any]:
    """Every row of every table, and the uploaded files (by name, or with their content)."""
    tables: dict[str, Any] = {}
    for table in _tables():
        columns = _stored(table)
        order = list(table.primary_key.columns) or columns
        rows = db.session.execute(select(*columns).order_by(*order)).mappings()
        tables[table.name] = {
            "columns": [c.name for c in columns],
            "rows": [[encode_value(row[c.name]) for c in columns] for row in rows],
        }
    files = []
    folder = _upload_folder(upload_folder)
    for path in sorted(p for p in folder.iterdir() if p.is_file()) if folder.is_dir() else []:
        content = path.read_bytes()
        entry: dict[str, Any] = {
            "name": path.name,
            "size": len(content),
            "sha256": hashlib.sha256(content).hexdigest(),
        }
        if with_files:
            entry["base64"] = base64.b64encode(content).decode("ascii")
        files.append(entry)
    return {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "exported_at": utcnow().isoformat(),
        "schema_revisions": _schema_revisions(),
        "tables": tables,
        "files": files,
    }


@dataclass
class LoadReport:
    """What an import of a JSON export wrote."""

    rows: dict[str, int] = field(default_factory=dict)
    files_written: int = 0
    files_missing: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def _check(document: Any) -> dict[str, Any]:
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise ExportError('this is not a prisec JSON export (no "format": "prisec-site")')
    version = document.get("format_version")
    if not isinstance(version, int) or version > FORMAT_VERSION:
        raise ExportError(
            f"export format version {version!r} is newer than this prisec reads "
            f"({FORMAT_VERSION}); upgrade prisec first"
        )
    tables = {t.name: t for t in _tables()}
    content_of_tables = document.get("tables")
    if not isinstance(content_of_tables, dict):
        raise ExportError('the export has no "tables"')
    for name, content in content_of_tables.items():
        if name not in tables:
            raise ExportError(
                f"the export holds table {name!r}, which this version of prisec does not "
                "have; upgrade prisec and run `flask db upgrade heads` first"
            )
        if (
            not isinstance(content, dict)
            or not isinstance(content.get("columns"), list)
            or not isinstance(content.get("rows"), list)
            or any(len(row) != len(content["columns"]) for row in content["rows"])
        ):
            raise ExportError(f"the export's table {name!r} is not a list of columns and rows")
        unknown = set(content["columns"]) - {c.name for c in tables[name].columns}
        if unknown:
            raise ExportError(
                f"the export's table {name!r} has columns {sorted(unknown)} this version of "
                "prisec does not have; upgrade prisec first"
            )
    return tables


def non_empty_tables() -> list[str]:
    """Tables holding rows an import would collide with."""
    return [
        table.name
        for table in _tables()
        if table.name not in REPLACED_ON_IMPORT
        and db.session.scalar(select(func.count()).select_from(table))
    ]


def load_site(document: Any, upload_folder: str | Path) -> LoadReport:
    """Write an export into this empty database, keeping every id; files into uploads."""
    tables = _check(document)
    occupied = non_empty_tables()
    if occupied:
        raise ExportError(
            "the database is not empty (rows in " + ", ".join(occupied) + "); import a JSON "
            "export only into a new database: point PRISEC_INSTANCE_PATH or DATABASE_URL at "
            "an empty one and run `flask db upgrade heads`"
        )
    report = LoadReport()
    if sorted(document.get("schema_revisions") or []) != _schema_revisions():
        report.notes.append(
            f"the export was made at schema {document.get('schema_revisions')}, this database "
            f"is at {_schema_revisions()}; columns missing from the export get their defaults"
        )
    content = document["tables"]
    try:
        for table in tables.values():
            if table.name not in content:
                continue
            columns = [table.columns[n] for n in content[table.name]["columns"]]
            rows = [
                {
                    c.name: decode_value(c, v)
                    for c, v in zip(columns, row, strict=True)
                    if not c.info.get("derived")
                }
                for row in content[table.name]["rows"]
            ]
            if table.name in REPLACED_ON_IMPORT and rows:
                db.session.execute(table.delete())
            if rows:
                db.session.execute(table.insert(), rows)
            report.rows[table.name] = len(rows)
        _fix_sequences(list(tables.values()))
        # Rows went in below the ORM, which keeps the search index otherwise.
        refresh_search_index(db.session.connection())
        invalidate_everything(db.session)
        db.session.commit()
    except (SQLAlchemyError, ValueError, TypeError) as exc:
        # Nothing is half-imported: the whole load is one transaction.
        db.session.rollback()
        raise ExportError(f"the export could not be loaded, nothing was written: {exc}") from exc

    folder = _upload_folder(upload_folder)
    folder.mkdir(parents=True, exist_ok=True)
    for entry in document.get("files", []):
        name = Path(entry["name"]).name  # never a path outside the uploads folder
        target = folder / name
        if "base64" in entry:
            data = base64.b64decode(entry["base64"])
            if hashlib.sha256(data).hexdigest() != entry.get("sha256"):
                report.notes.append(f"file {name} does not match its checksum; not written")
                continue
            if not target.exists():
                target.write_bytes(data)
                report.files_written += 1
        elif not target.exists():
            report.files_missing.append(name)
    return report


def _fix_sequences(tables: list[Table]) -> None:
    """On PostgreSQL, move each id sequence past the imported ids (SQLite needs nothing)."""
    if db.engine.dialect.name != "postgresql":
        return
    for table in tables:
        key = list(table.primary_key.columns)
        if len(key) != 1 or not isinstance(_base_type(key[0]), Integer):
            continue
        db.session.execute(
            text(
                f"SELECT setval(pg_get_serial_sequence(:table, :column), "
                f'COALESCE(MAX("{key[0].name}"), 1), MAX("{key[0].name}") IS NOT NULL) '
                f'FROM "{table.name}"'
            ),
            {"table": table.name, "column": key[0].name},
        )
