"""The world of one future: builds the actors and their processes, runs SimPy, and writes the records."""

from __future__ import annotations

import math
from typing import Any

import simpy

from sovsim.kernels.accounting import OUTPUTS
from sovsim.model import (
    billing,
    budget,
    contracts,
    coroner,
    deployment,
    energy,
    frontier,
    lifecycle,
    people,
    treasury,
    workforce,
)
from sovsim.model.builder import Builder
from sovsim.model.coroner import Condition, Coroner, Diagnosis
from sovsim.model.hardware import Hardware
from sovsim.model.ledger import Ledger
from sovsim.model.months import Months
from sovsim.model.openweights import Supply
from sovsim.model.records import DAYS_PER_MONTH, DAYS_PER_YEAR, ROW_FIELDS, EventLog, TimelineRow
from sovsim.model.rng import stream
from sovsim.model.sovereignty import Mechanisms
from sovsim.scenario.schema import GPU_KINDS, Scenario

__all__ = ["World"]


class World:
    """Everything that exists in one future of one scenario, wired together."""

    def __init__(self, scenario: Scenario, seed: object, future: object, timeline: bool = True) -> None:
        """``timeline``: keep the monthly timeline and staff counts (the result row is the same without)."""
        if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
            raise ValueError(f"seed: got {seed!r}; allowed: an integer ≥ 0")
        if isinstance(future, bool) or not isinstance(future, int) or future < 0:
            raise ValueError(f"future: got {future!r}; allowed: an integer ≥ 0")
        self.scenario = scenario
        self.seed = seed
        self.future = future
        self.env = env = simpy.Environment(initial_time=0.0)  # a float clock from day 0, as the model types it
        self.log = EventLog(scenario.calendar.start_date)
        self.account = treasury.Account(scenario.treasury.initial_cash_usd,
                                        scenario.treasury.appropriation_usd_per_year)
        self.team = workforce.Team(scenario.staff)
        self._rngs = {name: stream(seed, future, name) for name in ("treasury", "workforce", "frontier", "energy",
                                                                    "compute", "procurement", "export", "lifecycle",
                                                                    "deployment", "allocation", "governance",
                                                                    "trust")}
        self.ledger = Ledger(generations=len(GPU_KINDS))
        self.hardware = Hardware(env, scenario, self.ledger, self.account, self.log, self._rngs)
        self.fleet = self.hardware.fleet
        profiles = energy.profiles_for(scenario.energy, scenario.calendar.start_date, scenario.calendar.horizon_years)
        on_demand = scenario.compute.contract == "on_demand"  # reserved contracts are billed by Standing
        self.meter = billing.Meter(self.ledger, self.fleet.power_w, scenario.compute, scenario.energy, profiles,
                                   self.hardware.rent_usd_per_gpu_hour if on_demand else 0.0)
        self.standing = contracts.Standing(self.fleet, scenario.compute)
        self.meter.standing = self.standing
        if on_demand:  # an on-demand rate renews yearly: the hours before are billed at the old rate
            self.hardware.on_reprice = self._reprice_on_demand
        self.budget = budget.Ledger()
        self._hiring_plan_days = people.hiring_plan_days(scenario.staff) if scenario.staff.hiring_plan_grace else 0.0
        supply_rng = stream(seed, future, "openweights")  # drawn once, here: the future's frontier and supply
        self.curve = frontier.Curve(scenario.frontier, scenario.calendar.start_date, supply_rng)
        self.supply = Supply(scenario.open_weights, scenario.data, self.curve, scenario.calendar.start_date,
                             scenario.calendar.horizon_years * DAYS_PER_YEAR, scenario.export.tier,
                             scenario.model.parameter_count, supply_rng)
        self.builder = Builder(scenario.model, scenario.data, scenario.open_weights, self.supply, self.curve)
        self.programme = lifecycle.Programme()
        self.coroner = Coroner(env, self.log)
        self.service = deployment.Service(scenario, self.fleet, self.ledger, self.account, self.team, self.programme,
                                          self.curve, self._model_is_behind, self._rngs["deployment"], self.log)
        self.service.alternative_lead_log10 = self._alternative_lead_log10
        self._first_release = env.event()
        self.timeline: list[TimelineRow] = []
        self.keeps_timeline = timeline
        self.months = Months(self.curve.trend_log10_per_month)  #: what the result row needs of the months
        self.staff_by_role: list[tuple[int, ...]] = []
        self._lifecycle: simpy.Process | None = None
        self._minimum_crew_fte = scenario.staff.minimum_crew_fte
        self._accepted_lag_log10 = scenario.model.accepted_lag_months * self.curve.trend_log10_per_month
        self.sovereign = Mechanisms(self)  #: know-how, trust, governance, allocation hooks
        self._add_conditions()

    # -- wiring ----------------------------------------------------------------------------------------
    def _add_conditions(self) -> None:
        s = self.scenario
        insolvent = self.coroner.conditions  # filled below; looked up when cash changes
        self.account.on_change = lambda now: (
            self.coroner.check("insolvent", now)
            if self.account.cash_cents < 0 or insolvent["insolvent"].since is not None else None)
        self.account.on_cancel = lambda now: self.coroner.check("cancelled", now)
        self.coroner.add(Condition("insolvent", "defunded", s.treasury.insolvency_grace_days,
                                   lambda now: self.account.cash_cents < 0, self._why_insolvent))
        self.coroner.add(Condition("cancelled", "defunded", 0.0,
                                   lambda now: self.account.cancelled_event is not None, self._why_cancelled))
        self.coroner.add(Condition("hollowed", "hollowed", s.staff.hollowed_grace_days, self._crew_short,
                                   self._why_hollowed))
        self.coroner.add(Condition("stale", "stale", s.model.stale_grace_months * DAYS_PER_MONTH,
                                   self._model_is_stale, self._why_stale))
        self.coroner.add(Condition("starved", "starved", s.compute.starved_grace_days, self.hardware.starved,
                                   self.hardware.why_starved))
        self.hardware.on_change = self._compute_changed
        self.coroner.add(Condition("vanity_pilot", "vanity_pilot", s.deployment.max_pilot_years * DAYS_PER_YEAR,
                                   lambda now: self.service.stage != "production", self.service.why_vanity))
        self.service.on_change = lambda now: self.coroner.check("vanity_pilot", now)
        self.sovereign.add_conditions()
        self.hardware.proc.affordable_usd = self._affordable_usd
        self.fleet.on_capacity_lost = self._capacity_lost

    def _reprice_on_demand(self, now: float, usd_per_gpu_hour: float) -> None:
        self.meter.bill(self.account, now)
        self.meter.rent_usd_per_gpu_hour = usd_per_gpu_hour

    def _compute_changed(self, now: float) -> None:
        self.standing.accrue(now)  # contracts and racks change: standing charges accrue to the day
        self.coroner.check("starved", now)

    def _open_search(self, r: int) -> None:
        team = self.team
        if team.n[r] + team.searching[r] >= team.targets[r]:
            return
        team.searching[r] += 1
        workforce.Search(self.env, team, r, self._rngs["workforce"], self.log, self._staff_changed)

    def _staff_changed(self, now: float) -> None:
        self.coroner.check("hollowed", now)

    def _released(self, now: float) -> None:
        self.coroner.check("stale", now)
        if not self._first_release.triggered:
            self._first_release.succeed()

    def _affordable_usd(self) -> float:
        """Cash a refresh may spend: what is left above a year of current spending."""
        burn_usd_per_year = (self.team.cost_usd_per_day() + self.meter.usd_per_day_now()) * DAYS_PER_YEAR
        return self.account.cash_usd - burn_usd_per_year

    def _capacity_lost(self, now: float) -> None:
        if self.programme.running and self._lifecycle is not None and self._lifecycle.is_alive:
            self._lifecycle.interrupt("capacity lost")
        self.coroner.check("starved", now)

    def _start(self) -> None:
        env, s, log, rngs = self.env, self.scenario, self.log, self._rngs
        env.process(treasury.appropriations(env, self.account, log))
        env.process(budget.budget_rounds(env, self))
        self.hardware.start()
        self.standing.accrue(0.0)
        env.process(treasury.elections(env, self.account, s.treasury, rngs["treasury"], log))
        env.process(energy.energy_market(env, self.ledger, s.energy, rngs["energy"], log))
        env.process(treasury.payday(env, self.account, self.team, self.meter, s.treasury, log, self._month_end))
        workforce.Attrition(env, self.team, rngs["workforce"], log, self._open_search, self._staff_changed).redraw()
        for r in range(len(self.team.names)):
            for _ in range(self.team.targets[r] - self.team.in_post(r)):
                self._open_search(r)
        env.process(workforce.poaching(env, self.team, rngs["workforce"], log))
        env.process(workforce.pay_review(env, self.team, log))
        env.process(frontier.frontier(env, self.curve, rngs["frontier"], log))
        self._lifecycle = env.process(lifecycle.lifecycle(env, self.programme, self.team, self.fleet, self.builder,
                                                          s.model, s.compute, rngs["lifecycle"], log, self._released,
                                                          s.calendar.horizon_years * DAYS_PER_YEAR,
                                                          lambda: len(self.account.cuts)))
        self.supply.schedule_events(env, log, s.calendar.horizon_years * DAYS_PER_YEAR)
        env.process(deployment.deployment(env, self.service, self._first_release))
        self.sovereign.start()
        horizon = env.timeout(s.calendar.horizon_years * DAYS_PER_YEAR)
        horizon.callbacks.append(lambda _event: self.coroner.horizon())
        deadline = env.timeout(s.model.first_release_deadline_months * DAYS_PER_MONTH)
        deadline.callbacks.append(lambda _event: self.coroner.check("stale", env.now))
        # Day 0 once every process has taken its first step: the first timeline row and the first checks.
        env.timeout(0).callbacks.append(lambda _event: self._day_zero())

    def run(self) -> World:
        """Run the future to its death or horizon, then settle the last bills."""
        self._start()
        self.env.run(until=self.coroner.end)
        now = self.env.now
        self.service.settle(now)
        self.meter.bill(self.account, now)
        treasury.settle(now, self.account, self.team)
        if self.months.last_days != now:
            self._record(now)
        return self

    def _day_zero(self) -> None:
        if self.env.peek() == 0.0:  # other day-0 steps are still queued (a delivery with no lead time): after them
            self.env.timeout(0).callbacks.append(lambda _event: self._day_zero())
            return
        self._record(0.0)
        for name in ("hollowed", "stale", "starved", "vanity_pilot"):
            self.coroner.check(name, 0.0)

    def _month_end(self, now: float) -> None:
        self.service.review(now)
        self.sovereign.month(now)
        coroner.monthly_round(self.coroner, now, ("hollowed", "stale", "starved", "museum"), self._record)

    # -- records ---------------------------------------------------------------------------------------
    def _record(self, now: float) -> None:
        team, curve, programme, fleet, account = self.team, self.curve, self.programme, self.fleet, self.account
        headcount, effective, sovereign = sum(team.n), team.effective_fte(now), fleet.on_own_soil(now)
        national, local = programme.national_log10, programme.national_local_log10
        if not self.keeps_timeline:
            months = self.months
            if months.wants_gaps and not math.isnan(national):
                months.add(now, headcount, effective, sovereign, national, local, curve.frontier_log10(now),
                           self.builder.alternative_local(now))
            else:
                months.add(now, headcount, effective, sovereign, national, local)
            return
        paid = account.paid_cents
        contract = fleet.contract
        frontier_log10, open_local_log10 = curve.frontier_log10(now), self.builder.alternative_local(now)
        self.months.add(now, headcount, effective, sovereign, national, local, frontier_log10, open_local_log10)
        self.timeline.append(TimelineRow(
            now, account.cash_usd, account.appropriation_usd_per_year, headcount, effective,
            team.consultants_fte, team.frozen, sum(fleet.owned_up(now).values()),
            contract.gpus if contract is not None and contract.active else 0, sovereign,
            national, local, self.builder.alternative_general(now),
            open_local_log10, self._best_base_log10(now), frontier_log10,
            curve.compute_log10(now), self.builder.strategy, programme.stage,
            len(programme.releases), self.service.stage, self.service.requests_per_day, paid["capex"] / 100.0,
            paid["staff"] / 100.0, paid["consultants"] / 100.0, paid["energy"] / 100.0, paid["cloud"] / 100.0,
            *self.sovereign.timeline(now), paid["facility"] / 100.0, self.budget.requested_usd,
            self.budget.granted_usd))
        self.staff_by_role.append(tuple(team.n))

    # -- death conditions ------------------------------------------------------------------------------
    def _crew_short(self, now: float) -> bool:
        if now < self._hiring_plan_days:
            return False  # a new team is still being hired: it has not lost know-how it never had
        team = self.team
        if team.ramped_total >= self._minimum_crew_fte and not team.ramp_due(now):
            return False  # the ramped staff alone make a crew (and nobody's ramp-up ends now)
        return team.effective_fte(now) < self._minimum_crew_fte

    def _best_base_log10(self, now: float) -> float:
        best = self.supply.advance(now)
        return math.nan if best is None else best.general

    def _alternative_lead_log10(self, now: float) -> float:
        """Decades by which the free alternative beats the national model in the country's languages."""
        return self.builder.alternative_local(now) - self.programme.national_local_log10

    def _model_is_behind(self, now: float) -> bool:
        """No release past the first-release deadline, or the alternative leads by more than the country accepts.

        The lead is in the country's languages; ``model.accepted_lag_months`` of frontier progress is accepted.
        """
        m = self.scenario.model
        if not self.programme.releases:
            return now >= m.first_release_deadline_months * DAYS_PER_MONTH
        return self._alternative_lead_log10(now) > self._accepted_lag_log10

    def _model_is_stale(self, now: float) -> bool:
        """Behind, and the service's users have gone to the alternative (no adoption left).

        A model in production loses ``deployment.stale_adoption_loss`` years of adoption per year while behind, so
        a service with users outlives being overtaken by as long as its users take to leave; a pilot has none to
        lose. The condition's grace (``model.stale_grace_months``) runs from the day both hold.
        """
        return self.service.adoption_years <= 0.0 and self._model_is_behind(now)

    def _event_cause(self, index: int) -> Diagnosis:
        event = self.log.events[index]
        return event.details, event.time_days

    def _why_cancelled(self, since: float) -> Diagnosis:
        assert self.account.cancelled_event is not None
        return self._event_cause(self.account.cancelled_event)

    def _why_insolvent(self, since: float) -> Diagnosis:
        cuts = [c for c in self.account.cuts if c[0] <= since]
        if cuts:
            return self._event_cause(cuts[-1][1])
        return "spending above the appropriation (structural deficit)", None

    def _why_hollowed(self, since: float) -> Diagnosis:
        team = self.team
        freeze = self.log.last("freeze", since)
        if freeze is not None and since - freeze.time_days <= DAYS_PER_YEAR and team.freeze_cause is not None:
            return team.freeze_cause
        for index in reversed(team.poaching_events):
            event = self.log.events[index]
            if since - DAYS_PER_YEAR <= event.time_days <= since:
                return event.details, event.time_days
        gap = max(team.salary_gap(r) for r in range(len(team.names)))
        return f"pay up to {gap:.0%} below market: quits outpaced hiring", None

    def _why_stale(self, since: float) -> Diagnosis:
        m, programme, curve, log = self.scenario.model, self.programme, self.curve, self.log
        if programme.stage == "training" and not self.programme.running and not self.fleet.usable(since):
            cause, when = self.hardware.why_starved(since)
            return f"no compute to train release {len(programme.releases) + 1}: {cause}", when
        if not programme.releases:
            reason = f"no release within {m.first_release_deadline_months:g} months (cycle 1 in {programme.stage})"
            short = programme.prep_capacity if programme.stage != "data" else self.team.capacity_fraction(since)
            if short < 0.8:
                cause, when = self._why_hollowed(since)
                return f"{reason}; team short: {cause}", when
            return f"{reason}: the first cycle needs longer than the deadline", None
        for t, index in zip(reversed(curve.jump_days), reversed(curve.jump_events)):
            if since - curve.lag_days - DAYS_PER_YEAR <= t <= since - curve.lag_days:
                return self._event_cause(index)
        if programme.prep_capacity < 0.8:
            cause, when = self._why_hollowed(since)
            return f"data preparation at {programme.prep_capacity:.0%} of the full team: {cause}", when
        n = len(programme.releases)
        builder = self.builder
        if builder.base_supply_stopped:
            stop = self.log.last("supply-stop", since)
            if stop is not None:
                return f"no new open base to build on: {stop.details}", stop.time_days
        return (f"the alternative overtook release {n} ({log.date(programme.releases[-1][0])}) in the country's "
                f"languages; a {m.release_interval_months:g}-month {builder.strategy} cadence outlasts its local "
                "edge", since)

    # -- the result row --------------------------------------------------------------------------------
    def row(self) -> dict[str, Any]:
        """The result row of this future; ``ROW_FIELDS`` documents every key."""
        s, acc, team, c, programme = self.scenario, self.account, self.team, self.coroner, self.programme
        end = self.env.now
        years = end / DAYS_PER_YEAR
        paid = {k: v / 100.0 for k, v in acc.paid_cents.items()}
        totals = dict(zip(OUTPUTS, self.meter.totals(end).tolist()))
        monthly = self.months.row(end, years, team.quits, s.staff.minimum_crew_fte)
        row = {
            "scenario": s.name,
            "seed": self.seed,
            "future": self.future,
            "verdict": c.verdict,
            "death_time_years": None if c.death_days is None else c.death_days / DAYS_PER_YEAR,
            "death_date": None if c.death_days is None else self.log.date(c.death_days),
            "root_cause": c.root_cause,
            "root_event_date": None if c.root_days is None else self.log.date(c.root_days),
            "horizon_years": s.calendar.horizon_years,
            "releases": len(programme.releases),
            "first_release_years": programme.releases[0][0] / DAYS_PER_YEAR if programme.releases else None,
            "second_release_years": programme.releases[1][0] / DAYS_PER_YEAR if len(programme.releases) > 1 else None,
            "mean_gap_months": monthly["mean_gap_months"],
            "max_gap_months": monthly["max_gap_months"],
            "mean_open_gap_months": monthly["mean_open_gap_months"],
            "total_cost_usd": sum(acc.paid_cents.values()) / 100.0,
            "capex_usd": paid["capex"],
            "staff_usd": paid["staff"],
            "consultants_usd": paid["consultants"],
            "energy_cost_usd": paid["energy"],
            "appropriations_usd": acc.received_cents / 100.0,
            "initial_cash_usd": acc.initial_cents / 100.0,
            "final_cash_usd": acc.cash_usd,
            "budget_cuts": len(acc.cuts),
            "hires": team.hires,
            "quits": team.quits,
            "staff_turnover": monthly["staff_turnover"],
            "mean_effective_fte": monthly["mean_effective_fte"],
            "poaching_waves": len(team.poaching_events),
            "frontier_jumps": len(self.curve.jump_days),
            "gpu_hours": totals["gpu_hours"] + totals["rented_gpu_hours"],
            "training_gpu_hours": programme.training_gpu_hours,
            "interruptions": programme.interruptions,
            "goodput": programme.goodput,
            "gpu_failures": self.fleet.failures,
            "orders": len(self.hardware.proc.orders),
            "orders_blocked": self.hardware.proc.blocked_orders,
            "sovereign_months": monthly["sovereign_months"],
            "cloud_usd": paid["cloud"],
            "facility_usd": paid["facility"],
            "requested_usd": self.budget.requested_usd,
            "granted_usd": self.budget.granted_usd,
            **{f"requested_{k}_usd": v for k, v in self.budget.requested.items()},
            **{f"granted_{k}_usd": v for k, v in self.budget.granted.items()},
            "energy_mwh": totals["kwh"] / 1e3,
            "co2_t": totals["kg_co2"] / 1e3,
            "update_capable_months": monthly["update_capable_months"],
            "years_in_production": self.service.years_in_production,
            "tokens_served": self.service.tokens_served,
            "cost_per_mtok_usd": self.service.cost_per_mtok_usd,
            "p95_latency_s": None if self.service.last is None else self.service.last.p95_s,
            **self.sovereign.row(end),
            "pivots": len(self.builder.pivots),
            "final_strategy": self.builder.strategy,
            "base_supply_stopped": int(self.builder.base_supply_stopped),
        }
        return {key: row[key] for key in ROW_FIELDS}
