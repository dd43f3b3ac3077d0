"""A throwaway PostgreSQL server in a temporary folder, for `make test-postgres` and the benchmark.

Run as `python -m tests.pgcluster COMMAND...`: installs Debian's `postgresql` when it is
missing, starts a server listening only on a socket in a temporary folder, runs COMMAND
with PRISEC_TEST_DATABASE_URL pointing at it, stops the server and removes the folder.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

# Durability buys nothing on a server that is thrown away; these make the tests faster.
_SETTINGS = {
    "listen_addresses": "''",
    "fsync": "off",
    "synchronous_commit": "off",
    "full_page_writes": "off",
    "max_connections": "200",
}


def _bin_dir() -> Path | None:
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), key=lambda p: int(p.parts[-3]))
    return found[-1].parent if found else None


def server_binaries() -> Path:
    """The folder of initdb and pg_ctl, installing Debian's postgresql package if needed."""
    found = _bin_dir()
    if found:
        return found
    if os.geteuid() != 0:
        raise SystemExit("PostgreSQL is not installed: sudo apt-get install -y postgresql")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run(["apt-get", "update", "-qq"], check=True, env=env)
    subprocess.run(["apt-get", "install", "-y", "-qq", "postgresql"], check=True, env=env)
    found = _bin_dir()
    if not found:
        raise SystemExit("apt-get installed postgresql but no initdb was found")
    return found


@contextlib.contextmanager
def throwaway_cluster() -> Iterator[str]:
    """Start a server in a temporary folder; yield its SQLAlchemy URL; stop it and clean up."""
    binaries = server_binaries()
    folder = Path(tempfile.mkdtemp(prefix="prisec-pg-"))
    # PostgreSQL refuses to run as root: as root, the server runs as the postgres user.
    run_as: list[str] = []
    if os.geteuid() == 0:
        account = pwd.getpwnam("postgres")
        os.chown(folder, account.pw_uid, account.pw_gid)
        run_as = ["runuser", "-u", "postgres", "--"]
    data = folder / "data"
    options = " ".join(f"-c {name}={value}" for name, value in _SETTINGS.items())
    try:
        subprocess.run(
            [
                *run_as,
                str(binaries / "initdb"),
                "-D",
                str(data),
                "-U",
                "postgres",
                "-A",
                "trust",
                "-E",
                "UTF8",
                "--locale=C.UTF-8",
            ],
            check=True,
            capture_output=True,
        )
        subprocess.run(
            [
                *run_as,
                str(binaries / "pg_ctl"),
                "-D",
                str(data),
                "-l",
                str(folder / "server.log"),
                "-o",
                f"-k {folder} {options}",
                "-w",
                "start",
            ],
            check=True,
            capture_output=True,
        )
    except subprocess.CalledProcessError as exc:
        shutil.rmtree(folder, ignore_errors=True)
        raise SystemExit(f"could not start PostgreSQL: {exc.stderr.decode()}") from exc
    try:
        yield f"postgresql+psycopg://postgres@/postgres?host={folder}"
    finally:
        subprocess.run(
            [*run_as, str(binaries / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop"],
            check=False,
            capture_output=True,
        )
        shutil.rmtree(folder, ignore_errors=True)


def main(command: list[str]) -> int:
    """Run `command` with PRISEC_TEST_DATABASE_URL set to a throwaway server; its exit code."""
    if not command:
        print("usage: python -m tests.pgcluster COMMAND...", file=sys.stderr)
        return 2
    with throwaway_cluster() as url:
        print(f"PostgreSQL for this run: {url}", flush=True)
        env = {**os.environ, "PRISEC_TEST_DATABASE_URL": url}
        return subprocess.run(command, env=env, check=False).returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
