"""The one-time setup token: a secret in a 0600 file under instance/ that every worker reads."""

from __future__ import annotations

import fcntl
import hmac
import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

TOKEN_FILE = "setup_token"
LOCK_FILE = "setup.lock"


def token_path(instance_path: str) -> Path:
    """Where the token is kept: readable by the site's owner only, like the secret key."""
    return Path(instance_path) / TOKEN_FILE


@contextmanager
def setup_lock(instance_path: str) -> Iterator[None]:
    """Held while the token is issued, checked and used: one worker and one thread at a time.

    flock() locks belong to an open file, so two threads of one worker exclude each other
    as two worker processes do.
    """
    fd = os.open(Path(instance_path) / LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing releases the lock


def issue_token(instance_path: str) -> tuple[str, bool]:
    """The setup token, created when there is none yet; True when this call created it."""
    path = token_path(instance_path)
    try:
        return path.read_text().strip(), False
    except FileNotFoundError:
        pass
    token = secrets.token_urlsafe(32)
    # Written whole under another name, then linked into place: a worker reading at the same
    # moment sees either no file or the whole token, and only one of two writers wins.
    draft = path.with_name(f"{TOKEN_FILE}.{secrets.token_hex(8)}")
    fd = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(token)
    try:
        os.link(draft, path)
    except FileExistsError:
        return path.read_text().strip(), False
    finally:
        draft.unlink()
    return token, True


def token_matches(instance_path: str, given: str) -> bool:
    """Whether `given` is the current setup token (compared in constant time)."""
    try:
        expected = token_path(instance_path).read_text().strip()
    except FileNotFoundError:
        return False
    return bool(expected) and hmac.compare_digest(expected.encode(), given.strip().encode())


def discard_token(instance_path: str) -> None:
    """Use the token up: once the first administrator exists it opens nothing."""
    token_path(instance_path).unlink(missing_ok=True)
