"""Workforce: roles with targets, searches that end in hires, quits, ramp-up, poaching and consultants.

Quits of all staff are one superposed Poisson stream (rate = Σ headcount × hazard), redrawn whenever a
rate changes; each open position is its own search process.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np
import simpy

from sovsim.model.records import DAYS_PER_MONTH, DAYS_PER_YEAR, EventLog

if TYPE_CHECKING:
    from sovsim.scenario.schema import Staff

__all__ = ["Team", "attrition", "search", "poaching", "pay_review"]


class Team:
    """Own staff by role (each person's hire time, for ramp-up), open searches, consultants and pay."""

    def __init__(self, params: Staff) -> None:
        roles = list(params.roles.values())
        self.params = params
        self.names = list(params.roles)
        self.targets = [r.target_fte for r in roles]
        self.public_usd = [r.public_salary_usd_per_year for r in roles]
        self.market_usd = [r.market_salary_usd_per_year for r in roles]
        self.ramped = [min(r.initial_fte, r.target_fte) for r in roles]  #: fully ramped staff per role
        self.ramping: list[list[float]] = [[] for _ in roles]  #: hire times of staff still ramping up
        self.searching = [0] * len(roles)
        self.public_index = 1.0
        self.market_index = 1.0
        self.poaching = 1.0
        self.consultants_fte = 0.0
        self.consultant_usd_per_fte_year = 0.0
        self.frozen = False
        self.freeze_cause: tuple[str, float | None] | None = None
        self.unfrozen: simpy.Event | None = None
        self.hires = 0
        self.quits = 0
        self.poaching_events: list[int] = []
        self.attrition_process: simpy.Process | None = None
        self._interrupt_pending = False
        self._accrued_at = 0.0
        self._staff_usd = 0.0
        self._consultants_usd = 0.0
        self.ramp_days = params.ramp_up_months * DAYS_PER_MONTH
        self.target_total = sum(self.targets)

    # -- state -----------------------------------------------------------------------------------------
    def in_post(self, r: int) -> int:
        return self.ramped[r] + len(self.ramping[r])

    def headcount(self) -> int:
        return sum(self.ramped) + sum(len(h) for h in self.ramping)

    def effective_fte(self, now: float) -> float:
        """Own staff weighted by ramp-up: a new hire counts linearly from 0 to 1 over the ramp."""
        total = float(sum(self.ramped))
        for r, times in enumerate(self.ramping):
            while times and now - times[0] >= self.ramp_days:
                times.pop(0)
                self.ramped[r] += 1
                total += 1.0
            for t in times:
                total += (now - t) / self.ramp_days
        return total

    def hire(self, r: int, now: float) -> None:
        self.accrue(now)
        if self.ramp_days > 0:
            self.ramping[r].append(now)
        else:
            self.ramped[r] += 1
        self.hires += 1

    def remove(self, r: int, who: int, now: float) -> None:
        """Person ``who`` of role ``r`` leaves (index over ramped staff first, then ramping, by hire time)."""
        self.accrue(now)
        if who < self.ramped[r]:
            self.ramped[r] -= 1
        else:
            self.ramping[r].pop(who - self.ramped[r])
        self.quits += 1

    def capacity_fraction(self, now: float) -> float:
        """Work the team can do, as a share of the full target team (consultants count at their productivity)."""
        if self.target_total == 0:
            return 1.0
        work = self.effective_fte(now) + self.consultants_fte * self.params.consultant_productivity
        return min(1.0, work / self.target_total)

    def salary_gap(self, r: int) -> float:
        pay = self.public_usd[r] * self.params.salary_premium * self.public_index
        return max(0.0, 1.0 - pay / (self.market_usd[r] * self.market_index))

    def quit_rates_per_day(self) -> list[float]:
        p = self.params
        base = p.attrition_per_year * self.poaching / DAYS_PER_YEAR
        return [self.in_post(r) * base * (1.0 + p.attrition_gap_slope * self.salary_gap(r))
                for r in range(len(self.names))]

    def hire_probability(self, r: int) -> float:
        p = self.params
        return max(0.05, p.hire_success_at_parity * (1.0 - p.hire_gap_slope * self.salary_gap(r)))

    def vacancies(self) -> int:
        return sum(max(0, t - self.in_post(r)) for r, t in enumerate(self.targets))

    # -- money -----------------------------------------------------------------------------------------
    def cost_usd_per_day(self) -> float:
        """What the team costs per day at the current headcount, pay and consultants."""
        staff, consultants = self._rates()
        return staff + consultants

    def staff_cost_usd_per_day(self) -> float:
        """What the own staff cost per day at the current headcount and pay."""
        return self._rates()[0]

    def _rates(self) -> tuple[float, float]:
        pay_index = self.params.salary_premium * self.public_index
        staff = sum(self.in_post(r) * self.public_usd[r] for r in range(len(self.names))) * pay_index / DAYS_PER_YEAR
        return staff, self.consultants_fte * self.consultant_usd_per_fte_year / DAYS_PER_YEAR

    def accrue(self, now: float) -> None:
        """Add the cost of the team since the last accrual; call before anything that changes the cost."""
        dt = now - self._accrued_at
        if dt > 0:
            staff, consultants = self._rates()
            self._staff_usd += staff * dt
            self._consultants_usd += consultants * dt
            self._accrued_at = now

    def take_accrued(self, now: float) -> tuple[float, float]:
        """Staff and consultant costs accrued and not yet paid; resets them."""
        self.accrue(now)
        out = (self._staff_usd, self._consultants_usd)
        self._staff_usd = self._consultants_usd = 0.0
        return out

    # -- changes ---------------------------------------------------------------------------------------
    def rates_changed(self) -> None:
        """Tell the attrition stream to redraw its next quit (exact: the stream is memoryless)."""
        proc = self.attrition_process
        if proc is not None and proc.is_alive and not self._interrupt_pending and proc.env.active_process is not proc:
            self._interrupt_pending = True
            proc.interrupt()

    def update_consultants(self, now: float, headroom_usd_per_year: float, log: EventLog) -> None:
        """Consultants fill open positions while hiring is open, up to a cap and to the budget's headroom.

        They cost a premium on the market pay of the open positions and keep no know-how.
        """
        p = self.params
        gaps = [(t - self.in_post(r), self.market_usd[r]) for r, t in enumerate(self.targets)]
        open_positions = sum(g for g, _ in gaps if g > 0)
        mean_market = sum(g * m for g, m in gaps if g > 0) / open_positions if open_positions else 0.0
        usd_per_fte_year = p.consultant_premium * mean_market * self.market_index
        want = 0.0 if self.frozen else min(p.consultant_max_fte, float(open_positions))
        if want > 0 and usd_per_fte_year > 0:
            want = min(want, float(int(max(0.0, headroom_usd_per_year) / usd_per_fte_year)))
        if want == self.consultants_fte:
            return
        self.accrue(now)
        self.consultant_usd_per_fte_year = usd_per_fte_year
        if (want > 0) != (self.consultants_fte > 0):
            log.log(now, "workforce", "consultants", f"{want:g} consultants in" if want > 0 else "consultants out")
        self.consultants_fte = want

    def set_frozen(self, env: Any, frozen: bool, cause: tuple[str, float | None] | None) -> None:
        self.frozen = frozen
        if frozen:
            self.freeze_cause = cause
            self.unfrozen = env.event()
        elif self.unfrozen is not None:
            self.unfrozen.succeed()
            self.unfrozen = None


def attrition(env: Any, team: Team, rng: np.random.Generator, log: EventLog,
              open_search: Callable[[int], None], on_change: Callable[[float], None]) -> Any:
    """Staff quit as one Poisson stream whose rate grows with the salary gap and poaching waves."""
    while True:
        rates = team.quit_rates_per_day()
        total = sum(rates)
        try:
            yield env.timeout(rng.exponential(1.0 / total)) if total > 0 else env.event()
        except simpy.Interrupt:
            team._interrupt_pending = False
            continue
        u = rng.random() * total
        r = 0
        while r < len(rates) - 1 and u >= rates[r]:
            u -= rates[r]
            r += 1
        team.remove(r, int(rng.integers(team.in_post(r))), env.now)
        log.log(env.now, "workforce", "quit",
                f"{team.names[r]} staff quit (pay {team.salary_gap(r):.0%} below market); "
                f"{team.in_post(r)} of {team.targets[r]} in post")
        open_search(r)
        on_change(env.now)


def search(env: Any, team: Team, r: int, rng: np.random.Generator, log: EventLog,
           on_hire: Callable[[float], None]) -> Any:
    """One open position: search, make an offer, hire or search again; pauses while hiring is frozen."""
    p = team.params
    shape = 1.0 / p.time_to_hire_cv**2 if p.time_to_hire_cv > 0 else math.inf
    try:
        while True:
            if team.frozen and team.unfrozen is not None:
                yield team.unfrozen
            days = rng.gamma(shape, p.time_to_hire_days / shape) if shape < math.inf else p.time_to_hire_days
            yield env.timeout(days)
            accepted = rng.random() < team.hire_probability(r)
            if team.frozen:
                continue
            if team.in_post(r) >= team.targets[r]:
                return
            if accepted:
                team.hire(r, env.now)
                log.log(env.now, "workforce", "hire",
                        f"hired {team.names[r]} staff; {team.in_post(r)} of {team.targets[r]} in post")
                team.rates_changed()
                on_hire(env.now)
                return
            log.log(env.now, "workforce", "search-failed",
                    f"{team.names[r]} search ended without a hire (pay {team.salary_gap(r):.0%} below market)")
    finally:
        team.searching[r] -= 1


def poaching(env: Any, team: Team, rng: np.random.Generator, log: EventLog) -> Any:
    """Private labs poach in waves that multiply everyone's quit hazard for a few months."""
    p = team.params
    if p.poaching_waves_per_year <= 0:
        return
    while True:
        yield env.timeout(rng.exponential(DAYS_PER_YEAR / p.poaching_waves_per_year))
        team.poaching = p.poaching_multiplier
        team.poaching_events.append(log.log(env.now, "workforce", "poaching",
                                            f"poaching wave: quit hazard ×{p.poaching_multiplier:g} for "
                                            f"{p.poaching_duration_months:g} months", key=True))
        team.rates_changed()
        yield env.timeout(p.poaching_duration_months * DAYS_PER_MONTH)
        team.poaching = 1.0
        log.log(env.now, "workforce", "poaching-end", "poaching wave over")
        team.rates_changed()


def pay_review(env: Any, team: Team, log: EventLog) -> Any:
    """Yearly pay review: the public scale and the market each rise by their own rate."""
    p = team.params
    while True:
        yield env.timeout(DAYS_PER_YEAR)
        team.accrue(env.now)
        team.public_index *= 1.0 + p.public_pay_growth_per_year
        team.market_index *= 1.0 + p.market_pay_growth_per_year
        team.rates_changed()
