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

from sovsim.model.poaching import wave_multipliers
from sovsim.model.records import DAYS_PER_MONTH, DAYS_PER_YEAR, EventLog

if TYPE_CHECKING:
    from sovsim.scenario.schema import Staff

__all__ = ["Team", "Attrition", "Search", "poaching", "pay_review"]


class Team:
    """Own staff by role (each person's hire time, for ramp-up), open searches, consultants and pay."""

    def __init__(self, params: Staff) -> None:
        roles = list(params.roles.values())
        self.params = params
        self.names = list(params.roles)
        self.targets = [r.target_fte for r in roles]
        self.public_usd = [r.public_salary_usd_per_year for r in roles]
        self.market_usd = [r.market_salary_usd_per_year * params.local_market_pay_factor for r in roles]
        self.n = [min(r.initial_fte, r.target_fte) for r in roles]  #: staff in post per role
        self.ramped = list(self.n)  #: of which fully ramped (counted when next looked at)
        self.ramped_total = sum(self.ramped)  #: Σ ramped, a lower bound of the effective FTE
        self.ramping: list[list[float]] = [[] for _ in roles]  #: hire times of staff still ramping up
        self.searching = [0] * len(roles)
        self.public_index = 1.0
        self.market_index = 1.0
        self.in_wave = False  #: a poaching wave is on
        self.poaching = [1.0] * len(roles)  #: per role, the factor a wave puts on the quit hazard (1 outside)
        self.consultants_fte = 0.0
        self.consultant_usd_per_fte_year = 0.0
        self.consultant_rate_factor = 1.0  #: consultants' rates rise with their share of the know-how (knowhow.py)
        self.in_house_knowhow = 1.0  #: share of the pipeline know-how held by own staff (knowhow.py)
        self.frozen = False
        self.freeze_cause: tuple[str, float | None] | None = None
        self.unfrozen: simpy.Event | None = None
        self.hires = 0
        self.quits = 0
        self.poaching_events: list[int] = []
        self.attrition: Attrition | None = None
        self._accrued_at = 0.0
        self._staff_usd = 0.0
        self._consultants_usd = 0.0
        self.ramp_days = params.ramp_up_months * DAYS_PER_MONTH
        self.target_total = sum(self.targets)
        if params.time_to_hire_cv > 0:  # a search round's gamma length: shape 1/cv², mean time_to_hire_days
            self.search_round_shape = 1.0 / params.time_to_hire_cv**2
            self.search_round_scale_days = params.time_to_hire_days / self.search_round_shape
        self._effective_at = -1.0  #: time of the cached effective_fte (invalidated by hires and quits)
        self._effective = 0.0
        self._open_key: tuple[int, int, float] | None = None  #: (hires, quits, market index) of ``_open``
        self._open = (0, 0.0)
        self._update_pay()

    def _update_pay(self) -> None:
        """Recompute what depends on pay: gaps, quit hazards, hire chances and the payroll rate."""
        p = self.params
        pay = [u * p.salary_premium * self.public_index for u in self.public_usd]
        self.gaps = [max(0.0, 1.0 - w / (m * self.market_index)) for w, m in zip(pay, self.market_usd)]
        self.gap_text = [f"{g:.0%}" for g in self.gaps]  #: the gaps as the hire and quit events write them
        self.hazard_per_day = [p.attrition_per_year / DAYS_PER_YEAR * (1.0 + p.attrition_gap_slope * g)
                               for g in self.gaps]
        self.hire_chance = [max(0.05, p.hire_success_at_parity * (1.0 - p.hire_gap_slope * g)) for g in self.gaps]
        self.poaching = (wave_multipliers(pay, self.gaps, self.frontier_offer_usd(), p.attrition_gap_slope)
                         if self.in_wave else [1.0] * len(pay))
        self.pay_usd_per_day = [w * (1.0 + p.on_cost_fraction) / DAYS_PER_YEAR for w in pay]  # with on-costs
        self._staff_rate = sum(k * w for k, w in zip(self.n, self.pay_usd_per_day))

    # -- state -----------------------------------------------------------------------------------------
    def in_post(self, r: int) -> int:
        return self.n[r]

    def headcount(self) -> int:
        return sum(self.n)

    def effective_fte(self, now: float) -> float:
        """Own staff weighted by ramp-up: a new hire counts linearly from 0 to 1 over the ramp."""
        if now == self._effective_at:
            return self._effective
        total = float(sum(self.ramped))
        ramp_days = self.ramp_days
        for r, times in enumerate(self.ramping):
            if not times:
                continue
            while times and now - times[0] >= ramp_days:
                times.pop(0)
                self.ramped[r] += 1
                self.ramped_total += 1
                total += 1.0
            for t in times:
                total += (now - t) / ramp_days
        self._effective_at, self._effective = now, total
        return total

    def ramp_due(self, now: float) -> bool:
        """Whether someone's ramp-up has ended by ``now`` but is not yet counted in ``ramped``."""
        ramp_days = self.ramp_days
        for times in self.ramping:
            if times and now - times[0] >= ramp_days:
                return True
        return False

    def hire(self, r: int, now: float) -> None:
        self.accrue(now)
        self._effective_at = -1.0
        if self.ramp_days > 0:
            self.ramping[r].append(now)
        else:
            self.ramped[r] += 1
            self.ramped_total += 1
        self.n[r] += 1
        self._staff_rate += self.pay_usd_per_day[r]
        self.hires += 1

    def remove(self, r: int, who: int, now: float) -> None:
        """Person ``who`` of role ``r`` leaves (index over ramped staff first, then ramping, by hire time)."""
        self.accrue(now)
        self._effective_at = -1.0
        if who < self.ramped[r]:
            self.ramped[r] -= 1
            self.ramped_total -= 1
        else:
            self.ramping[r].pop(who - self.ramped[r])
        self.n[r] -= 1
        self._staff_rate = sum(k * w for k, w in zip(self.n, self.pay_usd_per_day))
        self.quits += 1

    def capacity_fraction(self, now: float) -> float:
        """Work the team can do, as a share of the full target team (consultants count at their productivity)."""
        if self.target_total == 0:
            return 0.0  # no team, no work
        work = self.effective_fte(now) + self.consultants_fte * self.params.consultant_productivity
        return min(1.0, work / self.target_total) * self.in_house_knowhow  # know-how with consultants is rented

    def salary_gap(self, r: int) -> float:
        """1 − pay / market pay of role ``r`` (0 when pay matches or beats the market)."""
        return self.gaps[r]

    def quit_rates_per_day(self) -> list[float]:
        return [k * h * w for k, h, w in zip(self.n, self.hazard_per_day, self.poaching)]

    def frontier_offer_usd(self) -> float:
        """What frontier labs offer a year in a poaching wave (grown with market pay)."""
        return self.params.frontier_lab_pay_usd_per_year * self.market_index

    def set_poaching(self, on: bool) -> None:
        """Start or end a poaching wave."""
        self.in_wave = on
        self._update_pay()
        self.rates_changed()

    def hire_probability(self, r: int) -> float:
        return self.hire_chance[r]

    def vacancies(self) -> int:
        return sum([t - k for t, k in zip(self.targets, self.n) if t > k])

    def raise_pay(self, now: float) -> None:
        """Yearly pay review: the public scale and the market each rise by their own rate."""
        self.accrue(now)
        self.public_index *= 1.0 + self.params.public_pay_growth_per_year
        self.market_index *= 1.0 + self.params.market_pay_growth_per_year
        self._update_pay()
        self.rates_changed()

    # -- money -----------------------------------------------------------------------------------------
    def cost_usd_per_day(self) -> float:
        """What the team costs per day at the current headcount, pay and consultants."""
        return self._staff_rate + self.consultants_fte * self.consultant_usd_per_fte_year / DAYS_PER_YEAR

    def staff_cost_usd_per_day(self) -> float:
        """What the own staff cost per day at the current headcount and pay."""
        return self._staff_rate

    def accrue(self, now: float) -> None:
        """Add the cost of the team since the last accrual; call before anything that changes the cost."""
        dt = now - self._accrued_at
        if dt > 0:
            self._staff_usd += self._staff_rate * dt
            self._consultants_usd += self.consultants_fte * self.consultant_usd_per_fte_year / DAYS_PER_YEAR * dt
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
        if self.attrition is not None:
            self.attrition.redraw()

    def update_consultants(self, now: float, headroom_usd_per_year: float, log: EventLog) -> None:
        """Consultants fill open positions while hiring is open, up to a cap and to the budget's headroom.

        They cost a premium on the market pay of the open positions and keep no know-how. Contracts are
        reviewed monthly, at payday.
        """
        p = self.params
        if self.consultants_fte == 0 and (self.frozen or p.consultant_max_fte <= 0):
            return
        if self.frozen or p.consultant_max_fte <= 0:
            want = 0.0
            usd_per_fte_year = self.consultant_usd_per_fte_year
        else:
            vacancies, usd_per_fte_year = self._open_positions()
            want = min(p.consultant_max_fte, float(vacancies))
            if want <= 0:
                usd_per_fte_year = self.consultant_usd_per_fte_year
        if want > 0 and usd_per_fte_year > 0:
            want = float(math.floor(min(want, max(0.0, headroom_usd_per_year) / usd_per_fte_year)))
        if want == self.consultants_fte and usd_per_fte_year == self.consultant_usd_per_fte_year:
            return
        self.accrue(now)
        self.consultant_usd_per_fte_year = usd_per_fte_year
        if (want > 0) != (self.consultants_fte > 0):
            log.log(now, "workforce", "consultants", f"{want:g} consultants in" if want > 0 else "consultants out")
        self.consultants_fte = want

    def _open_positions(self) -> tuple[int, float]:
        """Vacancies, and what a consultant filling them costs a year (the premium on their mean market pay).

        Reused until a hire, a quit or a pay review changes them (the consultants are reviewed monthly).
        """
        key = (self.hires, self.quits, self.market_index * self.consultant_rate_factor)
        if key != self._open_key:
            vacancies = self.vacancies()
            usd_per_fte_year = 0.0
            if vacancies > 0:
                gaps = [(t - k, m) for t, k, m in zip(self.targets, self.n, self.market_usd) if t > k]
                mean_market = sum(g * m for g, m in gaps) / sum(g for g, _ in gaps)
                usd_per_fte_year = (self.params.consultant_premium * mean_market * self.market_index
                                    * self.consultant_rate_factor)
            self._open_key, self._open = key, (vacancies, usd_per_fte_year)
        return self._open

    def set_consultant_rate_factor(self, factor: float) -> None:
        """Lock-in: new consultant rates are the premium × this factor (reviewed with the contracts)."""
        self.consultant_rate_factor = factor

    def set_frozen(self, env: Any, frozen: bool, cause: tuple[str, float | None] | None) -> None:
        self.frozen = frozen
        if frozen:
            self.freeze_cause = cause
            self.unfrozen = env.event()
        elif self.unfrozen is not None:
            self.unfrozen.succeed()
            self.unfrozen = None


class Attrition:
    """Quits of all staff as one superposed Poisson stream (rate Σ headcount × hazard).

    The next quit is one pending timeout; when any rate changes the stream is redrawn, which is exact
    because the stream is memoryless, and the superseded timeout is ignored when it fires. (A callback
    rather than an interrupted generator: quits and hires are the commonest events of a future.)
    """

    def __init__(self, env: Any, team: Team, rng: np.random.Generator, log: EventLog,
                 open_search: Callable[[int], None], on_change: Callable[[float], None]) -> None:
        self.env, self.team, self.rng, self.log = env, team, rng, log
        self.open_search, self.on_change = open_search, on_change
        self.version = 0  #: redraws so far
        self._timer: Any = None  #: the pending quit's timeout; any other that fires was superseded
        team.attrition = self

    def redraw(self) -> None:
        self.version += 1
        total = sum(self.team.quit_rates_per_day())
        if total > 0:
            timer = self.env.timeout(self.rng.exponential(1.0 / total))
            self._timer = timer
            timer.callbacks.append(self._quit)
        else:
            self._timer = None

    def _quit(self, timer: Any) -> None:
        if timer is not self._timer:  # superseded by a redraw
            return
        env, team, rng = self.env, self.team, self.rng
        now, n = env.now, team.n
        rates = team.quit_rates_per_day()
        u = rng.random() * sum(rates)
        r, last = 0, len(rates) - 1
        while r < last and u >= rates[r]:
            u -= rates[r]
            r += 1
        k = n[r]
        team.remove(r, min(k - 1, int(rng.random() * k)), now)
        self.log.log(now, "workforce", "quit",
                     f"{team.names[r]} staff quit (pay {team.gap_text[r]} below market); "
                     f"{k - 1} of {team.targets[r]} in post")
        self.redraw()
        self.open_search(r)
        self.on_change(now)


class Search:
    """One open position: rounds of search until an offer is accepted; pauses while hiring is frozen.

    Each round lasts a gamma-distributed time (mean ``time_to_hire_days``) and ends in a hire with the
    role's hire chance, so the rounds needed are geometric and their total length is gamma with the
    summed shape: both are drawn at once, with the hire chance at the start of the search. A search is
    a callback on one timeout, not a SimPy process: one event per search instead of three. The caller
    counts the search in ``team.searching[r]``; it is counted out when the search ends.
    """

    __slots__ = ("env", "team", "r", "rng", "log", "on_hire", "rounds")

    def __init__(self, env: Any, team: Team, r: int, rng: np.random.Generator, log: EventLog,
                 on_hire: Callable[[float], None]) -> None:
        self.env, self.team, self.r, self.rng, self.log, self.on_hire = env, team, r, rng, log, on_hire
        self.rounds = 0
        self.begin()

    def begin(self, _event: Any = None) -> None:
        team, p = self.team, self.team.params
        if team.frozen and team.unfrozen is not None and team.unfrozen.callbacks is not None:
            team.unfrozen.callbacks.append(self.begin)  # resume when the freeze lifts
            return
        self.rounds = rounds = int(self.rng.geometric(team.hire_chance[self.r]))
        if p.time_to_hire_cv > 0:
            shape = team.search_round_shape
            days = self.rng.gamma(rounds * shape, team.search_round_scale_days)
        else:
            days = rounds * p.time_to_hire_days
        self.env.timeout(days).callbacks.append(self.end)

    def end(self, _event: Any) -> None:
        team, r, now, rounds = self.team, self.r, self.env.now, self.rounds
        if team.frozen:
            self.begin()
            return
        team.searching[r] -= 1
        if team.n[r] >= team.targets[r]:
            return
        team.hire(r, now)
        self.log.log(now, "workforce", "hire",
                     f"hired {team.names[r]} staff after {rounds} search round{'s' if rounds > 1 else ''} "
                     f"(pay {team.gap_text[r]} below market); {team.n[r]} of {team.targets[r]} in post")
        team.rates_changed()
        self.on_hire(now)


def poaching(env: Any, team: Team, rng: np.random.Generator, log: EventLog) -> Any:
    """Frontier labs poach in waves: for a few months their offers, not the local market, set the quit hazard."""
    p = team.params
    if p.poaching_waves_per_year <= 0:
        return
    while True:
        yield env.timeout(rng.exponential(DAYS_PER_YEAR / p.poaching_waves_per_year))
        team.set_poaching(True)
        lo, hi = min(team.poaching), max(team.poaching)
        factor = f"×{lo:.2f}" if hi - lo < 0.005 else f"×{lo:.2f}–{hi:.2f} by role"
        offer_k = team.frontier_offer_usd() / 1e3
        team.poaching_events.append(log.log(env.now, "workforce", "poaching",
                                            f"poaching wave: frontier labs offer ${offer_k:,.0f}k a year; quit "
                                            f"hazard {factor} for {p.poaching_duration_months:g} months", key=True))
        yield env.timeout(p.poaching_duration_months * DAYS_PER_MONTH)
        team.set_poaching(False)
        log.log(env.now, "workforce", "poaching-end", "poaching wave over")


def pay_review(env: Any, team: Team, log: EventLog) -> Any:
    """Yearly pay review: the public scale and the market each rise by their own rate."""
    while True:
        yield env.timeout(DAYS_PER_YEAR)
        team.raise_pay(env.now)
