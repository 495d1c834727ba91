"""Frontier: frontier and best open-weights capability, in log10 effective compute, with random jumps.

Effective compute is training FLOPs times algorithmic efficiency relative to the start date. The frontier
grows by ``log10(compute growth × algorithmic efficiency)`` decades a year, plus jumps; open weights are
the frontier ``open_lag_months`` earlier.
"""

from __future__ import annotations

import bisect
import math
from typing import TYPE_CHECKING, Any

import numpy as np

from sovsim.model.records import DAYS_PER_MONTH, DAYS_PER_YEAR, EventLog

if TYPE_CHECKING:
    from sovsim.scenario.schema import Frontier

__all__ = ["Curve", "frontier"]


class Curve:
    """Frontier capability as a function of time: a trend plus the jumps so far."""

    def __init__(self, params: Frontier) -> None:
        self.params = params
        self.start_log10 = params.frontier_log10_flop_at_start
        self.algo_log10_per_day = math.log10(params.algorithmic_efficiency_per_year) / DAYS_PER_YEAR
        self.trend_log10_per_day = (math.log10(params.compute_growth_per_year) / DAYS_PER_YEAR
                                    + self.algo_log10_per_day)
        self.lag_days = params.open_lag_months * DAYS_PER_MONTH
        self.jump_days: list[float] = []
        self.jump_cumsum: list[float] = []
        self.jump_events: list[int] = []
        self._open_at = math.nan  #: time of the cached open-weights capability (cleared by a jump)
        self._open = math.nan

    @property
    def trend_log10_per_month(self) -> float:
        return self.trend_log10_per_day * DAYS_PER_MONTH

    def frontier_log10(self, t: float) -> float:
        n = bisect.bisect_right(self.jump_days, t)
        return self.start_log10 + self.trend_log10_per_day * t + (self.jump_cumsum[n - 1] if n else 0.0)

    def open_log10(self, t: float) -> float:
        if t == self._open_at:  # asked several times a month: by the stale check, the service and the timeline
            return self._open
        value = self.frontier_log10(t - self.lag_days)
        self._open_at, self._open = t, value
        return value

    def algo_log10(self, t: float) -> float:
        """Algorithmic efficiency at time ``t`` relative to the start date, in decades."""
        return self.algo_log10_per_day * t

    def add_jump(self, t: float, size_log10: float, event: int) -> None:
        self.jump_days.append(t)
        self.jump_cumsum.append((self.jump_cumsum[-1] if self.jump_cumsum else 0.0) + size_log10)
        self.jump_events.append(event)
        self._open_at = math.nan


def frontier(env: Any, curve: Curve, rng: np.random.Generator, log: EventLog) -> Any:
    """Breakthrough releases arrive as a Poisson stream and lift the frontier by an exponential jump."""
    p = curve.params
    if p.jumps_per_year <= 0:
        return
    while True:
        yield env.timeout(rng.exponential(DAYS_PER_YEAR / p.jumps_per_year))
        size = rng.exponential(p.jump_mean_log10)
        event = log.log(env.now, "frontier", "jump",
                        f"frontier jump +{size:.2f} decades (open weights follow in {p.open_lag_months:g} months)",
                        key=True)
        curve.add_jump(env.now, size, event)
