"""The benchmarks read a command's peak memory through a launcher, so a large benchmark process does not inflate it."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest

LAUNCH = Path(__file__).resolve().parent.parent / "benchmarks" / "launch.py"
BALLAST_MIB = 512


def _launch():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("launch", LAUNCH)
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the high-water mark kept through exec is Linux's")
def test_a_small_command_reads_small_beside_a_large_parent() -> None:
    ballast = bytearray(b"\1") * (BALLAST_MIB * 2**20)  # written, so resident
    command = [sys.executable, "-c", "print('done')"]
    # started straight from here, the child reports at least this process's size ...
    proc = subprocess.Popen(command, stdout=subprocess.DEVNULL)
    _, status, direct = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    assert direct.ru_maxrss / 1024 >= BALLAST_MIB
    # ... through the launcher, only its own
    usage = _launch().run(command)
    assert usage.code == 0 and usage.stdout.strip() == "done"
    assert usage.peak_mib < 100, usage
    assert usage.wall_s > 0 and usage.cpu_s > 0
    del ballast


def test_a_failing_command_reports_its_exit_status_or_raises_with_what_it_said() -> None:
    command = [sys.executable, "-c", "import sys; sys.stderr.write('no such store'); raise SystemExit(3)"]
    assert _launch().run(command, stderr=subprocess.DEVNULL).code == 3
    with pytest.raises(RuntimeError, match=r"failed \(3\): no such store"):
        _launch().run(command, check=True)
