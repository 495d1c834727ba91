"""Process hygiene of a sweep: the driver stops its workers on a signal, and workers die with their driver.

- :func:`stop_on_signals`: inside the block, SIGINT, SIGTERM and SIGHUP raise :class:`Interrupted` in the
  driver's main thread, so the engine can stop its workers and the command can say how to resume.
- :func:`die_with_parent`: called in each pool worker; the worker is killed as soon as the driver is gone
  (``prctl(PR_SET_PDEATHSIG, SIGKILL)`` on Linux, and on every platform a thread that polls ``getppid``),
  so no worker outlives a killed driver or writes parts after it. A worker ignores SIGINT (a Ctrl-C
  reaches the whole process group): the driver decides when its workers stop.
- :func:`stop_workers`: terminate the processes of a pool now, without waiting for their shards.

A part is written to a temporary name and renamed (:mod:`sovsim.sweep.store`), so a worker killed while
writing leaves only debris, which the next resume deletes.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import sys
import threading
import time
from collections.abc import Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from typing import Any

__all__ = ["Interrupted", "stop_on_signals", "die_with_parent", "stop_workers", "SIGNALS", "PARENT_POLL_S"]

#: The signals that stop a sweep (those a terminal, a scheduler or ``kill`` sends).
SIGNALS = tuple(s for s in (getattr(signal, n, None) for n in ("SIGINT", "SIGTERM", "SIGHUP")) if s is not None)
#: Seconds between a worker's checks that its driver is alive (the fallback where PDEATHSIG is missing).
PARENT_POLL_S = 0.5
_PR_SET_PDEATHSIG = 1


class Interrupted(BaseException):  # noqa: N818 - named for what happened, like KeyboardInterrupt
    """A signal asked the sweep to stop; ``signum`` is the signal."""

    def __init__(self, signum: int) -> None:
        self.signum = signum
        super().__init__(signal.Signals(signum).name)

    @property
    def exit_status(self) -> int:
        """The shell's status for a process ended by this signal (128 + its number)."""
        return 128 + int(self.signum)


@contextlib.contextmanager
def stop_on_signals(signals: Iterable[int] = SIGNALS) -> Iterator[None]:
    """Within the block, each of ``signals`` raises :class:`Interrupted` (main thread only; else a no-op)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum: int, frame: Any) -> None:
        raise Interrupted(signum)

    previous = {s: signal.signal(s, handler) for s in signals}
    try:
        yield
    finally:
        for s, old in previous.items():
            signal.signal(s, old)


def die_with_parent(poll_s: float = PARENT_POLL_S) -> None:
    """Make this (worker) process exit as soon as its parent is gone, and ignore SIGINT."""
    parent = os.getppid()
    with contextlib.suppress(ValueError, OSError):
        signal.signal(signal.SIGINT, signal.SIG_IGN)
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(_PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0)
    if os.getppid() != parent:  # the driver died before the request was in place
        os._exit(1)

    def watch() -> None:
        while True:
            time.sleep(poll_s)
            if os.getppid() != parent:
                os._exit(1)  # no cleanup: nothing more may be written for a driver that is gone

    threading.Thread(target=watch, name="sovsim-parent-watch", daemon=True).start()


def stop_workers(pool: ProcessPoolExecutor, timeout_s: float = 5.0) -> None:
    """Terminate the worker processes of ``pool`` (SIGTERM, then SIGKILL after ``timeout_s``) and shut it down."""
    processes = list((getattr(pool, "_processes", None) or {}).values())  # the executor keeps no public list
    for process in processes:
        with contextlib.suppress(Exception):
            process.terminate()
    deadline = time.monotonic() + timeout_s
    for process in processes:
        with contextlib.suppress(Exception):
            process.join(max(0.0, deadline - time.monotonic()))
            if process.is_alive():
                process.kill()
                process.join(1.0)
    pool.shutdown(wait=False, cancel_futures=True)
