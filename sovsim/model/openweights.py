"""Open-weights supply: foreign families releasing generations of open models, until they stop.

Each family releases a generation every ``cadence_months`` (its phase drawn per future) in three sizes.
A generation's flagship is as capable as the frontier a sampled lag earlier (minus the family's offset);
its smaller sizes follow from the Chinchilla form at the generation's token count. A family stops open
releases to this country at a time drawn from its hazard (it goes closed or changes its licence), or at
the scenario's cutoff; export controls on weights can bar US releases above a compute threshold. Weights
already released stay usable. A programme may only build on a release that exists on its run's start
day, is licensed to it (not from an excluded jurisdiction, not controlled) and fits its parameter count.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from sovsim.model.capability import data_excess, effective_log10, effective_log10_of_excess, parameter_excess
from sovsim.model.records import DAYS_PER_MONTH, DAYS_PER_YEAR, EventLog

if TYPE_CHECKING:
    from sovsim.model.frontier import Curve
    from sovsim.scenario.capability import Data, OpenWeights

__all__ = ["Release", "Supply", "open_deficit_log10"]


@dataclass
class Release:
    """One open model: a size of one generation of one family."""

    family: str
    jurisdiction: str
    time_days: float
    parameters: float
    tokens: float
    lag_days: float
    offset_log10: float  #: general capability below its family's flagship (size) and the leaders (family)
    usable: bool  #: licensed to this programme and not export-controlled
    general: float = math.nan  #: log10 effective FLOP, set once the release exists
    local_deficit: float = math.nan

    @property
    def name(self) -> str:
        return f"{self.family}-{self.parameters / 1e9:g}B"

    @property
    def raw_log10(self) -> float:
        return math.log10(6.0 * self.parameters * self.tokens)


def open_deficit_log10(data: Data, t: float) -> float:
    """Local deficit of the open models at time ``t``: it halves every ``open_deficit_halving_years``."""
    return data.open_local_deficit_log10 * 0.5 ** (t / (data.open_deficit_halving_years * DAYS_PER_YEAR))


class Supply:
    """The releases of all families over one future, and the best usable base at any time."""

    def __init__(self, params: OpenWeights, data: Data, curve: Curve, start: dt.date, horizon_days: float,
                 tier: int, max_parameters: float, rng: np.random.Generator) -> None:
        self.params, self.data, self.curve = params, data, curve
        self.stops: dict[str, tuple[float, str]] = {}  #: family → (time it stops, why)
        cutoff = params.cutoff
        cutoff_days = (cutoff.date - start).days if cutoff.date.year < 9999 else math.inf
        control_days = (rng.exponential(DAYS_PER_YEAR / params.weights_control_per_year)
                        if params.weights_control_per_year > 0 and tier >= 2 else math.inf)
        self.control_days = control_days
        releases: list[Release] = []
        random = rng.random
        lag_min, lag_span = params.lag_months_min, params.lag_months_max - params.lag_months_min
        tokens_max, tokens_at_start, growth = params.tokens_max, params.tokens_at_start, params.tokens_growth_per_year
        control_log10 = params.weights_control_log10_flop
        for name, fam in params.families.items():
            cadence = fam.cadence_months * DAYS_PER_MONTH
            phase = float(random()) * cadence
            stop = (rng.exponential(DAYS_PER_YEAR / fam.stop_per_year) if fam.stop_per_year > 0 else math.inf)
            why = "goes closed or changes its licence"
            if cutoff_days < stop and cutoff.jurisdiction in ("", fam.jurisdiction):
                stop, why = cutoff_days, f"cutoff of open releases on {cutoff.date.isoformat()}"
            self.stops[name] = (stop, why)
            jurisdiction, large, offset = fam.jurisdiction, fam.large_parameters, fam.offset_log10
            sizes = [(size, parameter_excess(size))  # the Chinchilla terms of each size, reused each generation
                     for size in (fam.small_parameters, fam.mid_parameters, large) if size <= max_parameters]
            large_excess = parameter_excess(large)
            licensed = jurisdiction not in params.excluded_jurisdictions
            controllable = jurisdiction == "US"  # export controls on weights bar US releases above the threshold
            end = min(stop, horizon_days)
            t = phase - cadence  # the generation before the first one of the future exists on day 0
            while t < end:
                lag_days = (lag_min + float(random()) * lag_span) * DAYS_PER_MONTH
                tokens = min(tokens_max, tokens_at_start * growth ** (t / DAYS_PER_YEAR))
                data_term = data_excess(tokens)
                flagship = effective_log10_of_excess(large_excess + data_term)  # effective_log10(large, tokens)
                for size, size_excess in sizes:
                    usable = licensed and not (controllable and t >= control_days
                                               and math.log10(6.0 * size * tokens) >= control_log10)
                    own = flagship if size == large else effective_log10_of_excess(size_excess + data_term)
                    below = flagship - own
                    releases.append(Release(name, jurisdiction, t, size, tokens, lag_days, offset - below, usable))
                t += cadence
        releases.sort(key=lambda r: (r.time_days, r.family, r.parameters))
        self.releases = releases
        self._next = 0  #: releases before this index exist (their capability is set)
        self._next_days = releases[0].time_days if releases else math.inf  #: when the next release comes out
        self.best: Release | None = None  #: the best usable release so far (by local capability)
        self.best_any: Release | None = None  #: the best release so far, licensed to this programme or not

    def advance(self, now: float) -> Release | None:
        """The best usable release on day ``now`` (``now`` never goes back)."""
        if now < self._next_days:  # no new release since the last look: the commonest case
            return self.best
        releases, curve = self.releases, self.curve
        while self._next < len(releases) and releases[self._next].time_days <= now:
            r = releases[self._next]
            self._next += 1
            r.general = curve.frontier_log10(r.time_days - r.lag_days) + r.offset_log10
            r.local_deficit = open_deficit_log10(self.data, max(0.0, r.time_days))
            local = r.general - r.local_deficit
            if r.usable and (self.best is None or local > self.best.general - self.best.local_deficit):
                self.best = r
            if self.best_any is None or local > self.best_any.general - self.best_any.local_deficit:
                self.best_any = r
        self._next_days = releases[self._next].time_days if self._next < len(releases) else math.inf
        return self.best

    def stopped(self, family: str, now: float) -> bool:
        return self.stops[family][0] <= now

    def schedule_events(self, env: Any, log: EventLog, horizon_days: float) -> None:
        """Log each family's stop and the weights control as they happen (key events of the narrative)."""
        for name, (stop, why) in self.stops.items():
            if 0 <= stop < horizon_days:
                fam = self.params.families[name]
                timer = env.timeout(stop)
                timer.callbacks.append(lambda _e, n=name, j=fam.jurisdiction, w=why: log.log(
                    env.now, "openweights", "supply-stop", f"open-weights family {n} ({j}) stops: {w}", key=True))
        if self.control_days < horizon_days:
            timer = env.timeout(self.control_days)
            timer.callbacks.append(lambda _e: log.log(
                env.now, "openweights", "weights-control",
                f"US export control on model weights above 1e{self.params.weights_control_log10_flop:g} FLOP",
                key=True))


REFERENCE_PARAMETERS = 405e9  #: size of the open flagship class the tier curve describes (Llama 3.1 405B)


def alternative_log10(curve: Curve, params: OpenWeights, parameters: float, t: float) -> float:
    """General capability of the free alternative in the national model's size class at time ``t``.

    The open-weights tier (the frontier ``open_lag_months`` ago), less what a model of ``parameters``
    loses against the flagship class at the tokens of that time (the Chinchilla form). It keeps improving
    after open releases stop: closed APIs at the same price tier follow the same curve.
    """
    then = t - curve.lag_days
    tokens = min(params.tokens_max, params.tokens_at_start * params.tokens_growth_per_year ** (then / DAYS_PER_YEAR))
    gap = effective_log10(REFERENCE_PARAMETERS, tokens) - effective_log10(min(parameters, REFERENCE_PARAMETERS),
                                                                         tokens)
    return curve.open_log10(t) - gap
