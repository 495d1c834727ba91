"""Allocations: GPU-hours on a shared supercomputer, won in periodic access calls and renewed — or lost.

The access call has a cut-off every ``1 / calls_per_year`` years. The programme applies at a cut-off when
the award it holds (or has won) would lapse before the decision of the next cut-off, so a renewal is asked
for in time. An application is decided ``decision_days`` after the cut-off: awarded with
``acceptance_probability`` (``renewal_probability`` while the programme holds an award). An award is a budget
of ``award_gpu_hours`` for ``period_months``; its jobs start after an exponential queue wait and may use up to
``partition_gpus`` GPUs at once. Training runs draw the budget down by the GPU-hours they run; a spent budget
takes the partition away until the next award starts, and what is left at the end of the period lapses (use
it or lose it). A follow-on award starts when the current one ends. When an award ends with no follow-on,
the allocation is **lost**: no partition until a later call is won.

A consortium share adds ``consortium_gpu_hours_per_year / consortium_countries`` GPU-hours every year, with no
call (lapsing at the year's end), for ``consortium_cost_usd_per_year / consortium_countries`` paid at the start
of the year.

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

__all__ = ["Allocations", "allocation_calls", "applications_needed"]

HOURS_PER_DAY = 24.0


def applications_needed(acceptance_probability: float) -> float:
    """Expected applications until one is awarded (geometric): 1 / p."""
    return math.inf if acceptance_probability <= 0 else 1.0 / acceptance_probability


class Allocations:
    """The programme's standing at the shared supercomputer: awards, applications, budget and partition."""

    def __init__(self, env: Any, params: Allocation, gpu: str, fleet: Fleet, account: Account,
                 rng: np.random.Generator, log: EventLog) -> None:
        self.env, self.params, self.fleet, self.account, self.rng, self.log = env, params, fleet, account, rng, log
        self.period_days = params.period_months * DAYS_PER_MONTH
        self.contract = Contract("allocation", params.host_jurisdiction, gpu, 0, params.usd_per_gpu_hour,
                                 active=False)
        fleet.contract = self.contract
        fleet.on_training = self.training
        self.award_until = -math.inf  #: end of the latest award won (running or following)
        self.award_running = False  #: an award's period has begun and its jobs left the queue
        self.award_budget = 0.0  #: GPU-hours left of the running award
        self.consortium_budget = 0.0  #: GPU-hours left of this year's consortium share
        self.upcoming = 0  #: awards won whose jobs have not started yet
        self.pending = False  #: an application awaits its decision
        self.applications = 0
        self.awards = 0
        self.losses = 0  #: awards that ended with no follow-on
        self.used_gpu_hours = 0.0
        self.in_use = 0  #: GPUs a training run uses now
        self._use_since = 0.0
        self._version = 0
        self.on_change: Callable[[float], None] = lambda now: None  #: the coroner's starved check
        self.on_lost: Callable[[float], None] = lambda now: None  #: capacity gone (interrupt a run)

    @property
    def lost(self) -> bool:
        """Whether an award ever ended with no follow-on."""
        return self.losses > 0

    def budget(self) -> float:
        """GPU-hours the programme may still run now."""
        return (self.award_budget if self.award_running else 0.0) + self.consortium_budget

    def on_its_way(self, now: float) -> bool:
        """No partition now, but an award has been won whose jobs have not started yet."""
        return not self.contract.active and self.upcoming > 0

    # -- the budget ------------------------------------------------------------------------------------
    def _charge(self, now: float) -> None:
        """Draw the GPU-hours run since the last charge from the award first, then the consortium share."""
        used = self.in_use * (now - self._use_since) * HOURS_PER_DAY
        self._use_since = now
        if used <= 0:
            return
        self.used_gpu_hours += used
        if self.award_running:
            take = min(used, self.award_budget)
            self.award_budget -= take
            used -= take
        self.consortium_budget = max(0.0, self.consortium_budget - used)

    def training(self, now: float, gpus: int) -> None:
        """A run starts or stops on ``gpus`` allocated GPUs: charge what ran, and time the budget's end."""
        self._charge(now)
        self.in_use = gpus
        self._version += 1
        if gpus > 0:
            days = self.budget() / (gpus * HOURS_PER_DAY)
            self.env.timeout(max(0.0, days)).callbacks.append(
                lambda _event, version=self._version: self._spent(version))

    def _spent(self, version: int) -> None:
        if version != self._version:
            return
        now = self.env.now
        self._charge(now)
        self.award_budget = 0.0 if self.award_running else self.award_budget
        self.consortium_budget = 0.0
        self.log.log(now, "compute", "allocation-spent",
                     "the allocation's GPU-hours are spent: no partition until the next award", key=True)
        self.fleet.loss_cause = (self.log.events[-1].details, now)
        self._update(now)

    def _update(self, now: float) -> None:
        """Open or close the partition after a change of the budget; re-time a running job's budget."""
        had = self.contract.active
        self.contract.gpus = self.params.partition_gpus if self.budget() > 1e-6 else 0
        self.contract.active = self.contract.gpus > 0
        if self.in_use > 0 and self.contract.active:
            self.training(now, self.in_use)
        if had and not self.contract.active:
            self.on_lost(now)
        self.on_change(now)

    # -- calls -----------------------------------------------------------------------------------------
    def wants_to_apply(self, next_cutoff: float) -> bool:
        """Apply now when the award held would lapse before the next cut-off's decision."""
        return not self.pending and self.award_until < next_cutoff + self.params.decision_days

    def decide(self) -> bool:
        """One application's outcome: renewal odds while an award is held, else a newcomer's."""
        p = self.params
        chance = p.renewal_probability if self.award_running else p.acceptance_probability
        return bool(self.rng.random() < chance)


def allocation_calls(env: Any, alloc: Allocations, log: EventLog) -> Any:
    """The access call: a cut-off every interval; the programme applies when its award would lapse."""
    p = alloc.params
    if p.consortium_gpu_hours_per_year > 0:
        env.process(_consortium(env, alloc, log))
    if p.initial_award:
        _award(env, alloc, env.now, log, "strategic allocation granted with the launch")
    interval = DAYS_PER_YEAR / p.calls_per_year
    cutoff = interval if p.initial_award else 0.0
    while True:
        if cutoff > env.now:
            yield env.timeout(cutoff - env.now)
        if alloc.wants_to_apply(cutoff + interval):
            alloc.pending = True
            alloc.applications += 1
            env.process(_decision(env, alloc, cutoff, log))
        cutoff += interval


def _decision(env: Any, alloc: Allocations, cutoff: float, log: EventLog) -> Any:
    yield env.timeout(alloc.params.decision_days)
    kind = "renewal" if alloc.award_running else "application"
    won = alloc.decide()
    alloc.pending = False
    if not won:
        log.log(env.now, "compute", "allocation-refused", f"allocation {kind} of the {log.date(cutoff)} cut-off "
                                                          "refused", key=True)
        return
    _award(env, alloc, max(env.now, alloc.award_until), log, f"{kind} of the {log.date(cutoff)} cut-off awarded")


def _award(env: Any, alloc: Allocations, start: float, log: EventLog, why: str) -> None:
    p = alloc.params
    alloc.awards += 1
    alloc.upcoming += 1
    follow_on = alloc.award_running and start > env.now
    wait = 0.0 if follow_on or p.queue_wait_days <= 0 else float(alloc.rng.exponential(p.queue_wait_days))
    end = start + alloc.period_days
    alloc.award_until = end
    log.log(env.now, "compute", "allocation",
            f"{why}: {p.award_gpu_hours:,.3g} GPU-hours over {p.period_months:g} months on up to "
            f"{p.partition_gpus:,} GPUs from {log.date(start)}"
            + (f", jobs start after {wait:.0f} days in the queue" if wait >= 0.5 else ""), key=True)
    env.process(_period(env, alloc, start + wait, end))


def _period(env: Any, alloc: Allocations, begin: float, end: float) -> Any:
    """One award: its budget from ``begin`` (after the queue) to ``end``; then a follow-on or the loss."""
    if begin > env.now:
        yield env.timeout(begin - env.now)
    alloc.upcoming -= 1
    if begin < end:
        alloc._charge(env.now)
        alloc.award_running = True
        alloc.award_budget = alloc.params.award_gpu_hours  # a previous award's remainder lapses
        alloc._update(env.now)
        yield env.timeout(end - env.now)
    if alloc.award_until > env.now + 1e-9:
        return  # a follow-on award takes over
    alloc._charge(env.now)
    alloc.award_running = False
    alloc.award_budget = 0.0
    alloc.losses += 1
    log = alloc.log
    log.log(env.now, "compute", "allocation-lost",
            "allocation ended with no follow-on award: the partition on the shared supercomputer is gone", key=True)
    alloc.fleet.loss_cause = (log.events[-1].details, env.now)
    alloc._update(env.now)


def _consortium(env: Any, alloc: Allocations, log: EventLog) -> Any:
    """The consortium share: its GPU-hours every year, its cost paid at the start of the year."""
    p = alloc.params
    hours = p.consortium_gpu_hours_per_year / p.consortium_countries
    cost = p.consortium_cost_usd_per_year / p.consortium_countries
    log.log(env.now, "compute", "consortium",
            f"consortium share of {p.consortium_countries} countries: {hours:,.3g} GPU-hours a year for "
            f"${cost / 1e6:,.2f}M a year", key=True)
    while True:
        if cost > 0:
            alloc.account.pay(env.now, "cloud", cost)
        alloc._charge(env.now)
        alloc.consortium_budget = hours
        alloc._update(env.now)
        yield env.timeout(DAYS_PER_YEAR)
