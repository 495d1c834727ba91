"""A terminal progress bar for sweeps: futures done, rate, ETA and deaths so far."""

from __future__ import annotations

from types import TracebackType
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeRemainingColumn

__all__ = ["SweepProgress"]


class SweepProgress:
    """Context manager whose ``start`` and ``update`` plug into :func:`sovsim.sweep.sweep`."""

    def __init__(self, console: Console, enabled: bool = True) -> None:
        self.enabled = enabled
        self.progress = Progress(
            TextColumn("[bold]sweep"), BarColumn(), MofNCompleteColumn(), TextColumn("futures"),
            TextColumn("{task.fields[rate]}"), TextColumn("ETA"), TimeRemainingColumn(),
            TextColumn("{task.fields[deaths]}"), console=console, disable=not enabled, transient=False)
        self.task: TaskID | None = None
        self.already = 0

    def __enter__(self) -> SweepProgress:
        self.progress.__enter__()
        return self

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.progress.__exit__(kind, value, tb)

    def start(self, total: int, already: int) -> None:
        self.already = already
        self.task = self.progress.add_task("sweep", total=total, completed=already, rate="", deaths="")

    def _completed(self) -> float:
        return self.progress.tasks[0].completed if self.progress.tasks else 0.0

    def tick(self, futures: int) -> None:
        """``futures`` more futures finished (engines that report each future: the local one)."""
        if self.task is None:
            return
        total = self.progress.tasks[0].total or 0
        done = min(total, self._completed() + futures)
        elapsed = max(1e-9, self.progress.tasks[0].elapsed or 1e-9)
        self.progress.update(self.task, completed=done, rate=f"{(done - self.already) / elapsed:,.0f}/s")

    def update(self, summary: Any, report: Any) -> None:
        """A shard finished: the bar is at least at the futures of the finished shards, and deaths are counted."""
        if self.task is None:
            return
        elapsed = max(1e-9, self.progress.tasks[0].elapsed or 1e-9)
        deaths = sum(n for v, n in report.verdicts.items() if v not in ("alive", "error"))
        errors = report.errors
        done = max(self._completed(), self.already + report.futures_run)
        self.progress.update(self.task, completed=done, rate=f"{(done - self.already) / elapsed:,.0f}/s",
                             deaths=f"deaths {deaths:,}" + (f", errors {errors:,}" if errors else ""))
