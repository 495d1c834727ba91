"""Run a command and read what it alone used: wall time, CPU time (user + system) and peak RSS.

On Linux a process keeps, through ``exec``, the high-water RSS of the process it was forked from: a bare
``python -c "print(1)"`` started from a benchmark holding 1.5 GB reports a 1.5 GB peak, through ``wait4`` and
through its own ``getrusage`` alike. So the command is started by a small launcher process, which waits for it
with ``wait4`` and writes its usage to a file; the peak read there is the command's own.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import IO, Any, NamedTuple

#: The launcher: starts ``argv[2:]``, waits for it, writes its usage as JSON to ``argv[1]``.
LAUNCHER = """
import json, os, subprocess, sys, time
start = time.perf_counter()
proc = subprocess.Popen(sys.argv[2:])
_, status, usage = os.wait4(proc.pid, 0)
proc.returncode = os.waitstatus_to_exitcode(status)
with open(sys.argv[1], "w", encoding="ascii") as report:
    json.dump({"wall_s": time.perf_counter() - start, "cpu_s": usage.ru_utime + usage.ru_stime,
               "maxrss_kib": usage.ru_maxrss, "code": proc.returncode}, report)
"""


class Usage(NamedTuple):
    wall_s: float
    cpu_s: float  #: user + system
    peak_mib: float  #: peak resident set (``ru_maxrss``) of the command's own process
    code: int  #: its exit status
    stdout: str


def run(command: list[str], stderr: IO[Any] | int | None = None, check: bool = False) -> Usage:
    """Run ``command`` through the launcher; its usage and what it printed.

    ``stderr``: as for ``subprocess``. With ``check``, a command that fails raises ``RuntimeError`` with the
    end of what it wrote to stderr (which is then captured).
    """
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err, \
            tempfile.TemporaryDirectory() as folder:
        report = Path(folder) / "usage.json"
        code = subprocess.call([sys.executable, "-c", LAUNCHER, str(report), *command], stdout=out,
                               stderr=err if check else stderr)
        out.seek(0)
        usage = json.loads(report.read_text(encoding="ascii")) if report.is_file() else {}  # none: the launcher failed
        result = Usage(usage.get("wall_s", 0.0), usage.get("cpu_s", 0.0), usage.get("maxrss_kib", 0) / 1024,
                       usage.get("code", code or 1), out.read())
        if check and result.code != 0:
            err.seek(0)
            raise RuntimeError(f"{' '.join(command[:4])} … failed ({result.code}): {err.read()[-2000:]}")
        return result
