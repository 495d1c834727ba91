"""Export regimes: for each foreign jurisdiction, its regime toward the country, changing at random.

Regimes are ``open``, ``capped`` (a GPU cap over a window), ``licensed`` (extra delay) and ``embargoed``.
Changes arrive as one Poisson stream; each concerns one jurisdiction (by weight) and draws its new regime
from the weights of the country's tier.
"""

from __future__ import annotations

import bisect
import datetime as dt
import itertools
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np

from sovsim.model.records import DAYS_PER_YEAR, EventLog
from sovsim.scenario.schema import REGIMES

if TYPE_CHECKING:
    from sovsim.scenario.schema import Export

__all__ = ["Regimes", "export_regimes", "scheduled_changes", "TIER_WEIGHTS"]

#: Chance of each regime (open, capped, licensed, embargoed) after a rule change, by tier. Assumption anchored
#: in calibration.md §2: Tier 1 faced no cap; Tier 2 (most countries) was capped in Jan 2025, licensed at other
#: times, and rarely cut off; Tier 3 (arms-embargoed countries) mostly licensed or embargoed.
TIER_WEIGHTS = {
    1: (0.85, 0.0, 0.15, 0.0),
    2: (0.45, 0.30, 0.245, 0.005),
    3: (0.05, 0.15, 0.30, 0.50),
}


class Regimes:
    """The current regime of every foreign jurisdiction, and who to tell when one changes."""

    def __init__(self, params: Export) -> None:
        self.params = params
        self.names = list(params.jurisdictions)
        self.regime = {name: j.initial_regime for name, j in params.jurisdictions.items()}
        self.last_change: dict[str, int] = {}  #: jurisdiction → event index of its latest change
        self.listeners: list[Callable[[float, str, str, int], None]] = []

    def embargoed(self) -> frozenset[str]:
        return frozenset(n for n, r in self.regime.items() if r == "embargoed")

    def of(self, jurisdictions: frozenset[str]) -> set[str]:
        return {self.regime.get(j, "open") for j in jurisdictions}

    def apply(self, now: float, who: str, new: str, label: str, log: EventLog) -> None:
        """Move ``who`` to regime ``new``, log it, and tell the listeners."""
        old = self.regime[who]
        self.regime[who] = new
        event = log.log(now, "export", "regime", f"{label}: {who} {old} → {new}", key="embargoed" in (old, new))
        self.last_change[who] = event
        for listener in list(self.listeners):
            listener(now, who, new, event)


def export_regimes(env: Any, regimes: Regimes, rng: np.random.Generator, log: EventLog) -> Any:
    """Rule changes arrive as a Poisson stream; each moves one jurisdiction to a new regime.

    After the first, the changes run as a callback on each gap's timeout rather than a resumed generator
    (the timeouts and draws made at the same points of the run, so the order of events is unchanged).
    """
    p = regimes.params
    weights = [p.jurisdictions[n].change_weight for n in regimes.names]
    if p.changes_per_year <= 0 or not regimes.names or sum(weights) <= 0:
        return
    yield env.timeout(rng.exponential(DAYS_PER_YEAR / p.changes_per_year))
    _RuleChanges(env, regimes, rng, log, list(itertools.accumulate(w / sum(weights) for w in weights)))(None)


class _RuleChanges:
    """One rule change of :func:`export_regimes`, then the timeout of the next."""

    __slots__ = ("env", "regimes", "rng", "log", "cumulative", "tier", "number")

    def __init__(self, env: Any, regimes: Regimes, rng: np.random.Generator, log: EventLog,
                 cumulative: list[float]) -> None:
        self.env, self.regimes, self.rng, self.log, self.cumulative = env, regimes, rng, log, cumulative
        self.tier = TIER_WEIGHTS[regimes.params.tier]
        self.number = 0

    def __call__(self, _event: Any) -> None:
        self._change()
        self.env.timeout(self.rng.exponential(DAYS_PER_YEAR / self.regimes.params.changes_per_year)).callbacks.append(
            self)

    def _change(self) -> None:
        env, regimes, rng, log = self.env, self.regimes, self.rng, self.log
        p = regimes.params
        u_who, u_what, u_keep = rng.random(), rng.random(), rng.random()
        who = regimes.names[min(len(self.cumulative) - 1, bisect.bisect_right(self.cumulative, u_who))]
        self.number += 1
        number = self.number
        if regimes.regime[who] == "embargoed" and u_keep < p.embargo_persistence:
            log.log(env.now, "export", "tighten", f"export rule change #{number}: {who} keeps its embargo")
            return
        current = REGIMES.index(regimes.regime[who])
        odds = [0.0 if i == current else w for i, w in enumerate(self.tier)]
        if sum(odds) <= 0:
            return
        cut = list(itertools.accumulate(w / sum(odds) for w in odds))
        new = REGIMES[min(len(odds) - 1, bisect.bisect_right(cut, u_what))]
        regimes.apply(env.now, who, new, f"export rule change #{number}", log)


def scheduled_changes(env: Any, regimes: Regimes, start: dt.date, log: EventLog) -> Any:
    """Applies the scenario's rule changes on their fixed dates."""
    for name, change in sorted(regimes.params.schedule.items(), key=lambda kv: (kv[1].date, kv[0])):
        at = float((change.date - start).days)
        if at < env.now:
            continue
        yield env.timeout(at - env.now)
        if regimes.regime[change.jurisdiction] != change.regime:
            regimes.apply(env.now, change.jurisdiction, change.regime, f"scheduled rule change {name}", log)
