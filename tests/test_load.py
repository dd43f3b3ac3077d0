"""Short form of bench/load.py: a mixed load of readers and organizers, and not one error."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[1]


def test_mixed_load_at_sixteen_clients_has_no_errors():
    result = subprocess.run(
        [sys.executable, "bench/load.py", "--steps", "16", "--seconds", "3", "--no-write"],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "| 16 |" in result.stdout
