"""Frontier: frontier and open-weights-tier capability, in log10 effective compute, bounded by feasibility.

Effective compute is training FLOPs times algorithmic efficiency relative to the start date. Frontier
*training compute* grows by ``compute_growth_per_year`` but never above a feasibility ceiling (Epoch AI's
2030 estimate, drawn per future, growing slowly after 2030): the two are joined by a smooth minimum, so
growth decelerates as the ceiling nears. Algorithmic efficiency grows at a rate drawn per future; jumps
(breakthroughs) add to it. The open-weights tier is the frontier ``open_lag_months`` earlier.
"""

from __future__ import annotations

import bisect
import datetime as dt
import math
from typing import TYPE_CHECKING, Any

import numpy as np

from sovsim.model.records import DAYS_PER_MONTH, DAYS_PER_YEAR, EventLog

if TYPE_CHECKING:
    from sovsim.scenario.schema import Frontier

__all__ = ["Curve", "frontier", "CEILING_DATE", "SOFTNESS_LOG10"]

CEILING_DATE = dt.date(2030, 1, 1)  #: the date of the published feasibility estimate
SOFTNESS_LOG10 = 0.1  #: width of the smooth minimum, decades (the bend where trend meets ceiling)


class Curve:
    """Frontier capability as a function of time: bounded compute, algorithms, plus the jumps so far.

    ``rng`` draws the future's algorithmic rate and feasibility ceiling; without it the central values
    are used (the middle of the ceiling range).
    """

    def __init__(self, params: Frontier, start_date: dt.date | None = None,
                 rng: np.random.Generator | None = None) -> None:
        self.params = params
        p = params
        self.start_log10 = p.frontier_log10_flop_at_start
        u_algo, u_ceiling = (0.5, 0.5) if rng is None else (float(rng.random()), float(rng.random()))
        algo = math.log10(p.algorithmic_efficiency_per_year) + (2 * u_algo - 1) * math.log10(p.algorithmic_uncertainty)
        self.algo_log10_per_day = max(0.0, algo) / DAYS_PER_YEAR
        self.compute_log10_per_day = math.log10(p.compute_growth_per_year) / DAYS_PER_YEAR
        self.ceiling_2030_log10 = (p.compute_ceiling_log10_2030_min
                                   + u_ceiling * (p.compute_ceiling_log10_2030_max - p.compute_ceiling_log10_2030_min))
        start = start_date or dt.date(2027, 1, 1)
        self.ceiling_offset_days = (CEILING_DATE - start).days  #: day of the ceiling date in simulation time
        self.ceiling_log10_per_day = math.log10(p.ceiling_growth_per_year) / DAYS_PER_YEAR
        self.lag_days = p.open_lag_months * DAYS_PER_MONTH
        self.jump_days: list[float] = []
        self.jump_cumsum: list[float] = []
        self.jump_events: list[int] = []
        self._open_at = math.nan  #: time of the cached open-tier capability (cleared by a jump)
        self._open = math.nan

    @property
    def trend_log10_per_day(self) -> float:
        """Unbounded trend of effective compute (compute growth × algorithms), decades a day."""
        return self.compute_log10_per_day + self.algo_log10_per_day

    @property
    def trend_log10_per_month(self) -> float:
        return self.trend_log10_per_day * DAYS_PER_MONTH

    def ceiling_log10(self, t: float) -> float:
        """Feasible frontier training compute at time ``t``, log10 FLOP."""
        return self.ceiling_2030_log10 + self.ceiling_log10_per_day * (t - self.ceiling_offset_days)

    def compute_log10(self, t: float) -> float:
        """Frontier training compute at ``t``, log10 FLOP: the trend, bent smoothly under the ceiling."""
        trend = self.start_log10 + self.compute_log10_per_day * t
        ceiling = self.ceiling_log10(t)
        low, high = (ceiling, trend) if ceiling < trend else (trend, ceiling)
        return low - SOFTNESS_LOG10 * math.log10(1.0 + 10.0 ** ((low - high) / SOFTNESS_LOG10))

    def frontier_log10(self, t: float) -> float:
        jump_days = self.jump_days
        n = bisect.bisect_right(jump_days, t) if jump_days else 0
        return self.compute_log10(t) + self.algo_log10_per_day * t + (self.jump_cumsum[n - 1] if n else 0.0)

    def open_log10(self, t: float) -> float:
        """The open-weights tier (the free alternative's flagship class): the frontier ``open_lag_months`` ago."""
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
                        f"frontier jump +{size:.2f} decades (open weights follow in {p.open_lag_months:.3g} months)",
                        key=True)
        curve.add_jump(env.now, size, event)
