"""Short form of bench/crash.py: SIGKILL the server mid-write, restart, no saved write lost."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[1]


def test_a_killed_server_loses_no_acknowledged_write():
    result = subprocess.run(
        [sys.executable, "bench/crash.py", "--rounds", "1", "--writers", "3", "--writes", "15"],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "all present; integrity ok" in result.stdout
