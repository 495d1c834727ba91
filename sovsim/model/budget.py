"""The yearly budget round: what the programme asks for, by kind, and what the treasury grants.

At the start of every programme year the programme requests what its plan needs (:func:`request`):

- **people**: the team at its target size, at current pay with on-costs;
- **compute**: the training compute of the year's release cycles — at a frontier-relative scale, the
  first cycle's FLOPs grown with frontier compute and cheapened by price-performance — priced at the
  contract's GPU-hour (rented) or the owned fleet's running cost per GPU-hour (electricity and colocation),
  plus the standing charges of the contracts and racks;
- **refresh**: the owned fleet's replacement spread over its life (price with the facility / lifetime);
- **data**: post-training and evaluation data for each release;
- **safety**: safety and conformity work.

The treasury grants the year's appropriation (after cuts), shared among the kinds in proportion to the
requests and never above them. Both are summed over the future by kind: the maintenance tax as demanded
as well as paid, in every future (not only the survivors).
"""

from __future__ import annotations

import math
from typing import Any

from sovsim.facility import facility_capex_factor
from sovsim.model.gpus import GPUS
from sovsim.model.records import DAYS_PER_YEAR

__all__ = ["KINDS", "Ledger", "request", "budget_rounds"]

KINDS = ("people", "compute", "refresh", "data", "safety")


class Ledger:
    """Requested and granted money by kind, summed over the budget years."""

    def __init__(self) -> None:
        self.requested = dict.fromkeys(KINDS, 0.0)
        self.granted = dict.fromkeys(KINDS, 0.0)

    def add(self, requested: dict[str, float], appropriation_usd: float) -> None:
        total = sum(requested.values())
        share = min(1.0, appropriation_usd / total) if total > 0 else 0.0
        for k, v in requested.items():
            self.requested[k] += v
            self.granted[k] += v * share

    @property
    def requested_usd(self) -> float:
        return sum(self.requested.values())

    @property
    def granted_usd(self) -> float:
        return sum(self.granted.values())


def request(world: Any, now: float) -> dict[str, float]:
    """What the plan needs for the programme year starting at ``now``, by kind (USD); ``world`` is the World."""
    s = world.scenario
    m, c, b = s.model, s.compute, s.budget
    team = world.team
    pay = sum(t * w for t, w in zip(team.targets, team.pay_usd_per_day)) * DAYS_PER_YEAR
    tokens = {"scratch": m.scratch_tokens, "continue": m.continue_tokens, "finetune": m.finetune_tokens}[m.strategy]
    flops = 6.0 * m.parameter_count * tokens
    years = now / DAYS_PER_YEAR
    if b.frontier_relative:
        flops *= (s.frontier.compute_growth_per_year / b.price_performance_per_year) ** years
    cycles = 12.0 / m.release_interval_months
    kind = c.gpu
    gpu_hours = flops * cycles / (GPUS[kind].peak_flops * m.mfu) / 3600.0
    if c.strategy in ("rent", "sovereign_cloud"):
        usd_per_gpu_hour = world.hardware.rent_usd_per_gpu_hour_at(now)
    else:
        kw = GPUS[kind].power_w * c.server_power_factor * s.energy.pue * c.mean_power_fraction / 1000.0
        hours_per_month = DAYS_PER_YEAR / 12.0 * 24.0
        usd_per_gpu_hour = kw * s.energy.price_usd_per_kwh + c.colocation_usd_per_kw_month * kw / hours_per_month
    compute = gpu_hours * usd_per_gpu_hour
    if c.strategy not in ("own",):
        compute += world.standing.usd_per_day() * DAYS_PER_YEAR  # reserved contracts are paid whether used or not
    refresh = 0.0
    if c.strategy in ("own", "hybrid") and c.gpu_count > 0:
        n = c.gpu_count * (1.0 + c.spare_fraction)
        refresh = n * GPUS[kind].price_usd * facility_capex_factor(c) / c.lifetime_years
    return {"people": pay, "compute": compute if math.isfinite(compute) else 0.0, "refresh": refresh,
            "data": b.data_usd_per_release * cycles, "safety": b.safety_usd_per_year}


def budget_rounds(env: Any, world: Any) -> Any:
    """Every programme year: request by kind, and the treasury's grant of the year's appropriation."""
    while True:
        world.budget.add(request(world, env.now), world.account.appropriation_usd_per_year)
        yield env.timeout(DAYS_PER_YEAR)
