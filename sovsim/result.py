"""One future's outcome: the result row, the event log and the monthly timeline."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from sovsim.model.records import EventLog, TimelineRow, date_of
from sovsim.model.world import World
from sovsim.scenario.schema import Scenario

__all__ = ["FutureResult", "run"]


@dataclass(frozen=True)
class FutureResult:
    """What one future produced. ``row`` is plain data; ``events`` and ``timeline`` are built on demand."""

    row: dict[str, Any]
    scenario: Scenario
    _log: EventLog = field(repr=False)
    _timeline: list[TimelineRow] | None = field(repr=False)
    _roles: tuple[str, ...] = field(repr=False)
    _staff_by_role: list[tuple[int, ...]] = field(repr=False)

    @property
    def verdict(self) -> str:
        return str(self.row["verdict"])

    @property
    def events(self) -> pd.DataFrame:
        """Every logged event: time_days, date, process, kind, details, key."""
        start = self._log.start
        frame = pd.DataFrame(self._log.events, columns=["time_days", "process", "kind", "details", "key"])
        frame.insert(1, "date", [date_of(start, t).isoformat() for t in frame["time_days"]])
        return frame

    @property
    def timeline(self) -> pd.DataFrame:
        """The monthly state of the programme, one row a month, plus a final row at death or horizon."""
        if self._timeline is None:
            raise ValueError("timeline: this future ran with timeline=False; allowed: run(..., timeline=True)")
        start = self._log.start
        frame = pd.DataFrame(self._timeline, columns=list(TimelineRow._fields))
        frame.insert(1, "date", pd.to_datetime([date_of(start, t) for t in frame["time_days"]]))
        for i, role in enumerate(self._roles):
            frame[f"staff_{role}"] = [counts[i] for counts in self._staff_by_role]
        return frame


def run(scenario: Scenario, seed: int = 0, future: int = 0, *, timeline: bool = True) -> FutureResult:
    """Simulate one future of ``scenario``; the same (scenario, seed, future) always gives the same result.

    ``timeline=False`` keeps no monthly timeline (a sweep that stores none); the row is the same.
    """
    world = World(scenario, seed, future, timeline).run()
    return FutureResult(world.row(), scenario, world.log, world.timeline if timeline else None,
                        tuple(world.team.names), world.staff_by_role)
