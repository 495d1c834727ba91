"""The national model's builder: which base and how many tokens a run uses, what it is worth, and pivots.

A run is planned on the day it starts, when its GPUs are known: ``continue`` and ``finetune`` pick the best
open release that exists, is licensed and fits the parameter count (:mod:`sovsim.model.openweights`);
``scratch`` trains its own parameter count. The tokens are the plan's, but no more than the fleet can
process within ``max_run_days`` (a team plans its run to fit a training window). The release's capability
follows :mod:`sovsim.model.capability`: general from the base and the own tokens (or, from scratch, the
own parameters and tokens at the algorithms of the run's start), local from the local tokens seen, which
the corpus bounds.

Pivots (``model.pivot_on``), checked at the start of each cycle: ``behind`` — a scratch programme whose
last release was behind the alternative moves to continued pre-training of an open base that beats it;
``supply_stop`` — a continue or fine-tune programme whose base family has stopped and that has no newer
base goes back to scratch; ``budget_cut`` — an appropriation cut since the last cycle moves one step
cheaper (scratch → continue → finetune).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sovsim.model.capability import continued_log10, effective_log10, local_deficit
from sovsim.model.openweights import Release, Supply, alternative_log10, open_deficit_log10
from sovsim.model.records import DAYS_PER_YEAR

if TYPE_CHECKING:
    from sovsim.model.frontier import Curve
    from sovsim.scenario.capability import Data, OpenWeights
    from sovsim.scenario.schema import ModelPlan

__all__ = ["Plan", "Builder", "run_tokens"]

CHEAPER = {"scratch": "continue", "continue": "finetune"}


@dataclass(frozen=True)
class Plan:
    """One training run as planned on its start day, and the capability its release will have."""

    strategy: str
    base: Release | None
    parameters: float
    tokens: float
    flops: float
    general_log10: float
    local_log10: float


def run_tokens(plan_tokens: float, parameters: float, flops_per_hour: float, max_run_days: float) -> float:
    """Tokens of a run: the plan's, capped by what ``flops_per_hour`` processes in ``max_run_days``."""
    return min(plan_tokens, flops_per_hour * 24.0 * max_run_days / (6.0 * parameters))


class Builder:
    """Plans runs, values releases and pivots, for one national programme."""

    def __init__(self, model: ModelPlan, data: Data, open_weights: OpenWeights, supply: Supply, curve: Curve) -> None:
        self.model, self.data, self.open_weights, self.supply, self.curve = model, data, open_weights, supply, curve
        self.strategy = model.strategy
        self.pivots: list[tuple[float, str, str, str]] = []  #: (time, from, to, reason)
        self.base_supply_stopped = False
        self.last_base: Release | None = None
        self.plans: list[tuple[float, Plan]] = []  #: (run start, plan) of every run planned
        self._alternative_key: tuple[float, int] | None = None  #: (time, frontier jumps) of the cached alternative
        self._alternative_value = (math.nan, math.nan)

    # -- the alternative -------------------------------------------------------------------------------
    def _alternative(self, now: float) -> tuple[float, float]:
        """(general, local) of the free alternative in the national model's size class.

        The better, in the country's languages, of the best open release so far that the country's
        public sector may use (the programme's licence filter applies to its users too) and the API tier
        that follows the frontier ``open_lag_months`` behind (it goes on after open releases stop).
        """
        key = (now, len(self.curve.jump_days))  # asked several times a month (service, stale check, timeline)
        if key == self._alternative_key:
            return self._alternative_value
        self._alternative_key, self._alternative_value = key, self._alternative_now(now)
        return self._alternative_value

    def _alternative_now(self, now: float) -> tuple[float, float]:
        api = alternative_log10(self.curve, self.open_weights, self.model.parameter_count, now)
        api_local = api - open_deficit_log10(self.data, now)
        best = self.supply.advance(now)
        if best is not None and best.general - best.local_deficit > api_local:
            return best.general, best.general - best.local_deficit
        return api, api_local

    def alternative_general(self, now: float) -> float:
        return self._alternative(now)[0]

    def alternative_local(self, now: float) -> float:
        """The free alternative's capability in the country's languages, log10 effective FLOP."""
        return self._alternative(now)[1]

    # -- planning --------------------------------------------------------------------------------------
    def corpus_tokens(self, now: float) -> float:
        """Usable local tokens on day ``now`` (each may be seen ``max_epochs`` times)."""
        d = self.data
        return d.local_corpus_tokens * d.usable_share * (1.0 + d.corpus_growth_per_year) ** (now / DAYS_PER_YEAR)

    def plan(self, now: float, flops_per_hour: float) -> Plan | None:
        """The run that starts now on ``flops_per_hour`` of GPUs; None when no base is usable."""
        m, d = self.model, self.data
        seen_max = self.corpus_tokens(now) * d.max_epochs
        if self.strategy == "scratch":
            n = m.parameter_count
            tokens = run_tokens(m.scratch_tokens, n, flops_per_hour, m.max_run_days)
            general = effective_log10(n, tokens) + self.curve.algo_log10(now)
            local_seen = min(tokens * d.scratch_local_share, seen_max)
            deficit = local_deficit(d.no_local_deficit_log10, local_seen, d.half_tokens)
            return self._planned(now, Plan("scratch", None, n, tokens, 6.0 * n * tokens, general, general - deficit))
        base = self.supply.advance(now)
        if base is None:
            return None
        n = base.parameters
        if self.strategy == "continue":
            tokens = run_tokens(m.continue_tokens, n, flops_per_hour, m.max_run_days)
            local_seen = min(tokens * d.continue_local_share, seen_max)
        else:
            tokens = run_tokens(m.finetune_tokens, n, flops_per_hour, m.max_run_days)
            local_seen = min(tokens, seen_max) * d.finetune_token_weight
        general = continued_log10(base.general, n, base.tokens, tokens)
        deficit = local_deficit(base.local_deficit, local_seen, d.half_tokens)
        return self._planned(now, Plan(self.strategy, base, n, tokens, 6.0 * n * tokens, general, general - deficit))

    def _planned(self, now: float, plan: Plan) -> Plan:
        self.plans.append((now, plan))
        return plan

    # -- pivots ----------------------------------------------------------------------------------------
    def review(self, now: float, last_local: float, last_release_days: float, cut_since_last: bool) -> str | None:
        """The reason to pivot at the start of a cycle (and the pivot made), or None."""
        triggers = self.model.pivot_on
        before = self.strategy
        reason = None
        if self.strategy != "scratch" and self.last_base is not None:
            best = self.supply.advance(now)
            stuck = best is None or best is self.last_base
            if stuck and self.supply.stopped(self.last_base.family, now):
                self.base_supply_stopped = True
                if "supply_stop" in triggers:
                    self.strategy = "scratch"
                    reason = f"the open-weights supply stopped ({self.last_base.family} releases no new base)"
        if reason is None and self.strategy == "scratch" and "behind" in triggers and not math.isnan(last_local):
            best = self.supply.advance(now)
            if (self.alternative_local(last_release_days) > last_local and best is not None
                    and best.general - best.local_deficit > last_local):
                self.strategy = "continue"
                reason = f"release behind the alternative; open base {best.name} is ahead"
        if reason is None and cut_since_last and "budget_cut" in triggers and self.strategy in CHEAPER:
            self.strategy = CHEAPER[self.strategy]
            reason = "the appropriation was cut"
        if reason is None:
            return None
        self.pivots.append((now, before, self.strategy, reason))
        return f"{before} → {self.strategy}: {reason}"
