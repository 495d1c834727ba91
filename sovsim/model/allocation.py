"""Allocations: GPU-hours on a shared supercomputer, won in periodic access calls and renewed — or lost.

The access call has a cut-off every ``1 / calls_per_year`` years. The programme applies at a cut-off when
the award it holds (or has won) would lapse before the decision of the next cut-off, so a renewal is asked
for in time. An application is decided ``decision_days`` after the cut-off: awarded with
``acceptance_probability`` (``renewal_probability`` while the programme holds an award). An award of
``award_gpu_hours`` for ``period_months`` is spread evenly over its period as a fixed partition of
``award_gpu_hours / period hours`` GPUs (the use-it-or-lose-it budgets of HPC centres); its jobs start after an
exponential queue wait. A follow-on award starts when the current one ends. When an award ends with no
follow-on, the allocation is **lost**: the partition is gone until a later call is won.

A consortium share adds ``consortium_gpu_hours_per_year / consortium_countries`` GPU-hours a year, with no
call, for ``consortium_cost_usd_per_year / consortium_countries`` paid at the start of every year.

The allocation is the fleet's contract (provider ``allocation``, jurisdiction ``host_jurisdiction``): training
runs use it as rented GPUs at ``usd_per_gpu_hour``, and it is on the country's own soil when the host is HOME.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np

from sovsim.model.compute import Contract
from sovsim.model.records import DAYS_PER_MONTH, DAYS_PER_YEAR, EventLog

if TYPE_CHECKING:
    from sovsim.model.compute import Fleet
    from sovsim.model.treasury import Account
    from sovsim.scenario.sovereignty import Allocation

__all__ = ["Allocations", "allocation_calls", "partition_gpus"]


def partition_gpus(gpu_hours: float, period_days: float) -> int:
    """GPUs of a partition that spends ``gpu_hours`` evenly over ``period_days`` (rounded down)."""
    return int(gpu_hours / (period_days * 24.0)) if period_days > 0 else 0


class Allocations:
    """The programme's standing at the shared supercomputer: its awards, applications and the partition."""

    def __init__(self, params: Allocation, gpu: str, fleet: Fleet, account: Account, rng: np.random.Generator,
                 log: EventLog) -> None:
        self.params, self.fleet, self.account, self.rng, self.log = params, fleet, account, rng, log
        self.period_days = params.period_months * DAYS_PER_MONTH
        self.award_gpus = partition_gpus(params.award_gpu_hours, self.period_days)
        share = params.consortium_gpu_hours_per_year / params.consortium_countries
        self.consortium_gpus = partition_gpus(share, DAYS_PER_YEAR)
        self.contract = Contract("allocation", params.host_jurisdiction, gpu, 0, params.usd_per_gpu_hour,
                                 active=False)
        fleet.contract = self.contract
        self.award_until = -math.inf  #: end of the latest award won (running or following)
        self.award_running = False  #: an award's partition is available now
        self.pending = False  #: an application awaits its decision
        self.applications = 0
        self.awards = 0
        self.losses = 0  #: awards that ended with no follow-on
        self.loss_events: list[int] = []
        self.on_change: Callable[[float], None] = lambda now: None  #: the coroner's starved check
        self.on_lost: Callable[[float], None] = lambda now: None  #: capacity gone (interrupt a run)

    @property
    def lost(self) -> bool:
        """Whether an award ever ended with no follow-on."""
        return self.losses > 0

    def on_its_way(self, now: float) -> bool:
        """An award has been won whose partition is not running yet (queue wait or a follow-on)."""
        return not self.award_running and self.award_until > now

    def _set_gpus(self, now: float) -> None:
        gpus = (self.award_gpus if self.award_running else 0) + self.consortium_gpus
        had = self.contract.active and self.contract.gpus > 0
        self.contract.gpus = gpus
        self.contract.active = gpus > 0
        if had and not self.contract.active:
            self.on_lost(now)
        self.on_change(now)

    def wants_to_apply(self, cutoff: float, next_cutoff: float) -> bool:
        """Apply now when the award held would lapse before the next cut-off's decision."""
        if self.pending:
            return False
        return self.award_until < next_cutoff + self.params.decision_days

    def decide(self, rng: np.random.Generator) -> bool:
        """One application's outcome: renewal odds while an award is held, else a newcomer's."""
        p = self.params
        chance = p.renewal_probability if self.award_until > -math.inf and self.award_running else \
            p.acceptance_probability
        return bool(rng.random() < chance)


def allocation_calls(env: Any, alloc: Allocations, log: EventLog) -> Any:
    """The access call: a cut-off every interval; the programme applies when its award would lapse."""
    p, rng = alloc.params, alloc.rng
    if alloc.consortium_gpus > 0:
        env.process(_consortium(env, alloc, log))
    if p.initial_award:
        alloc.awards += 1
        _award(env, alloc, env.now, log, "strategic allocation granted with the launch")
    interval = DAYS_PER_YEAR / p.calls_per_year
    cutoff = 0.0 if not p.initial_award else interval
    while True:
        if cutoff > env.now:
            yield env.timeout(cutoff - env.now)
        if alloc.wants_to_apply(cutoff, cutoff + interval):
            alloc.pending = True
            alloc.applications += 1
            env.process(_decision(env, alloc, cutoff, log))
        cutoff += interval


def _decision(env: Any, alloc: Allocations, cutoff: float, log: EventLog) -> Any:
    p = alloc.params
    yield env.timeout(p.decision_days)
    renewal = alloc.award_running
    won = alloc.decide(alloc.rng)
    alloc.pending = False
    kind = "renewal" if renewal else "application"
    if not won:
        log.log(env.now, "compute", "allocation-refused",
                f"allocation {kind} of the {log.date(cutoff)} cut-off refused", key=True)
        return
    alloc.awards += 1
    start = max(env.now, alloc.award_until)
    _award(env, alloc, start, log, f"{kind} of the {log.date(cutoff)} cut-off awarded")


def _award(env: Any, alloc: Allocations, start: float, log: EventLog, why: str) -> None:
    p = alloc.params
    wait = float(alloc.rng.exponential(p.queue_wait_days)) if p.queue_wait_days > 0 else 0.0
    end = start + alloc.period_days
    alloc.award_until = end
    log.log(env.now, "compute", "allocation",
            f"{why}: {p.award_gpu_hours:,.3g} GPU-hours over {p.period_months:g} months ({alloc.award_gpus:,} "
            f"GPUs) from {log.date(start)}, jobs start after {wait:.0f} days in the queue", key=True)
    env.process(_partition(env, alloc, start + wait, end))


def _partition(env: Any, alloc: Allocations, begin: float, end: float) -> Any:
    """One award's partition: available from ``begin`` (after the queue) to ``end``, unless followed on."""
    if begin > env.now:
        yield env.timeout(begin - env.now)
    if begin < end:
        if not alloc.award_running:
            alloc.award_running = True
            alloc._set_gpus(env.now)
        yield env.timeout(end - env.now)
    if alloc.award_until > env.now + 1e-9:
        return  # a follow-on award keeps the partition running
    alloc.award_running = False
    alloc.losses += 1
    alloc.loss_events.append(alloc.log.log(
        env.now, "compute", "allocation-lost",
        f"allocation ended with no follow-on award: {alloc.award_gpus:,} GPUs of the shared supercomputer gone",
        key=True))
    alloc.fleet.loss_cause = (alloc.log.events[alloc.loss_events[-1]].details, env.now)
    alloc._set_gpus(env.now)


def _consortium(env: Any, alloc: Allocations, log: EventLog) -> Any:
    """The consortium share: its GPUs from day 0, its cost paid at the start of every year."""
    p = alloc.params
    alloc._set_gpus(env.now)
    log.log(env.now, "compute", "consortium",
            f"consortium share of {p.consortium_countries} countries: {alloc.consortium_gpus:,} GPUs for "
            f"${p.consortium_cost_usd_per_year / p.consortium_countries / 1e6:,.2f}M a year", key=True)
    while True:
        if p.consortium_cost_usd_per_year > 0:
            alloc.account.pay(env.now, "cloud", p.consortium_cost_usd_per_year / p.consortium_countries)
        yield env.timeout(DAYS_PER_YEAR)
