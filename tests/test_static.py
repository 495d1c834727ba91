"""Static checks of the package: ruff (lint and docstring convention) and mypy (both in the test extras)."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", *args], cwd=ROOT, capture_output=True, text=True, check=False)


def test_ruff_passes() -> None:
    done = _run("ruff", "check", "sovsim", "benchmarks", "experiments")
    assert done.returncode == 0, done.stdout + done.stderr


def test_mypy_passes() -> None:
    done = _run("mypy", "sovsim")
    assert done.returncode == 0, done.stdout + done.stderr
