"""Treasury: the programme's account, yearly appropriations, elections that cut them, and payday.

Money is kept in whole cents, so appropriations minus payments equals the change in cash exactly.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Final, Protocol

import numpy as np

from sovsim.model.records import DAYS_PER_MONTH, DAYS_PER_YEAR, EventLog

if TYPE_CHECKING:
    from sovsim.model.workforce import Team
    from sovsim.scenario.schema import Treasury

__all__ = ["Account", "Meter", "CATEGORIES", "appropriations", "elections", "payday", "headroom_usd_per_year"]

CATEGORIES = ("capex", "staff", "consultants", "energy", "cloud", "facility")
UNFREEZE_HEADROOM_SHARE: Final = 0.1  #: share of the appropriation that must be free before a freeze lifts


def to_cents(usd: float) -> int:
    """Round a dollar amount to whole cents (half away from zero)."""
    cents = abs(usd) * 100.0 + 0.5
    return int(cents) if usd >= 0 else -int(cents)


class Meter(Protocol):
    """What the treasury needs of the electricity and rent meter (``sovsim.model.billing.Meter``).

    Billing pays into an :class:`Account`; the treasury only asks the meter to bill and for its running rate,
    so the two modules depend in one direction (billing on treasury).
    """

    def bill(self, account: Account, now: float) -> float: ...

    def usd_per_day_now(self) -> float: ...


class Account:
    """The programme's bank account and the current appropriation."""

    def __init__(self, initial_cash_usd: float, appropriation_usd_per_year: float) -> None:
        self.initial_cents = to_cents(initial_cash_usd)
        self.cash_cents = self.initial_cents
        self.appropriation_usd_per_year = appropriation_usd_per_year
        self.received_cents = 0
        self.paid_cents = dict.fromkeys(CATEGORIES, 0)
        self.cuts: list[tuple[float, int, float]] = []  #: (time_days, event index, fraction cut)
        self.cancelled_event: int | None = None
        self.on_change: Callable[[float], None] = lambda now: None  #: after every change of cash
        self.on_cancel: Callable[[float], None] = lambda now: None  #: when the appropriation is ended

    @property
    def cash_usd(self) -> float:
        return self.cash_cents / 100.0

    def receive(self, now: float, usd: float) -> None:
        cents = to_cents(usd)
        self.cash_cents += cents
        self.received_cents += cents
        self.on_change(now)

    def pay(self, now: float, category: str, usd: float) -> None:
        cents = to_cents(usd)
        self.cash_cents -= cents
        self.paid_cents[category] += cents
        self.on_change(now)


def appropriations(env: Any, account: Account, log: EventLog) -> Any:
    """Pays the current appropriation into the account at the start of every programme year."""
    year = 0
    while True:
        amount = account.appropriation_usd_per_year
        if amount > 0:
            account.receive(env.now, amount)
            log.log(env.now, "treasury", "appropriation", f"appropriation {_musd(amount)} for year {year + 1}",
                    key=year == 0)
        year += 1
        yield env.timeout(DAYS_PER_YEAR)


def elections(env: Any, account: Account, params: Treasury, rng: np.random.Generator, log: EventLog) -> Any:
    """Holds an election every few years; each may cut the appropriation or cancel it outright."""
    yield env.timeout(params.first_election_years * DAYS_PER_YEAR)
    while True:
        u = rng.random()
        fraction = rng.uniform(params.election_cut_fraction_min, params.election_cut_fraction_max)
        year = log.date(env.now)[:4]
        if u < params.election_cancel_probability:
            account.appropriation_usd_per_year = 0.0
            account.cancelled_event = log.log(env.now, "treasury", "cancel",
                                              f"election {year} ended the programme's appropriation", key=True)
            account.on_cancel(env.now)
        elif u < params.election_cancel_probability + params.election_cut_probability:
            before = account.appropriation_usd_per_year
            account.appropriation_usd_per_year = before * (1.0 - fraction)
            index = log.log(env.now, "treasury", "cut",
                            f"election {year} cut the budget {fraction:.0%} "
                            f"({_musd(before)} → {_musd(account.appropriation_usd_per_year)} a year)", key=True)
            account.cuts.append((env.now, index, fraction))
        else:
            log.log(env.now, "treasury", "election", f"election {year} kept the budget")
        yield env.timeout(params.election_interval_years * DAYS_PER_YEAR)


def payday(env: Any, account: Account, team: Team, meter: Meter, params: Treasury, log: EventLog,
           month_end: Callable[[float], None]) -> Any:
    """Pays the month's electricity and rent bill, salaries and consultants; freezes hiring when money runs short.

    ``month_end`` runs after each payday (the service review and the coroner's monthly round share this
    clock, so the whole monthly rhythm costs one event). After the first payday the months go on as a
    callback on each month's timeout rather than a resumed generator (the timeouts are made at the same
    points of the run, so the order of simultaneous events is unchanged).
    """
    yield env.timeout(DAYS_PER_MONTH)
    _Payday(env, account, team, meter, params, log, month_end)(None)


class _Payday:
    """One payday and the timeout of the next (the months of :func:`payday` after its first)."""

    __slots__ = ("env", "account", "team", "meter", "params", "log", "month_end")

    def __init__(self, env: Any, account: Account, team: Team, meter: Meter, params: Treasury, log: EventLog,
                 month_end: Callable[[float], None]) -> None:
        self.env, self.account, self.team, self.meter = env, account, team, meter
        self.params, self.log, self.month_end = params, log, month_end

    def __call__(self, _event: Any) -> None:
        env, account, team = self.env, self.account, self.team
        now = env.now
        self.meter.bill(account, now)
        settle(now, account, team)
        review_freeze(env, account, team, self.meter, self.params, self.log)
        self.month_end(now)
        env.timeout(DAYS_PER_MONTH).callbacks.append(self)


def settle(now: float, account: Account, team: Team) -> None:
    """Pay the staff and consultants accrued since the last payday."""
    staff_usd, consultants_usd = team.take_accrued(now)
    if staff_usd:
        account.pay(now, "staff", staff_usd)
    if consultants_usd:
        account.pay(now, "consultants", consultants_usd)


def headroom_usd_per_year(account: Account, team: Team, meter: Meter) -> float:
    """Appropriation left after the running cost of own staff and electricity."""
    running = (team.staff_cost_usd_per_day() + meter.usd_per_day_now()) * DAYS_PER_YEAR
    return account.appropriation_usd_per_year - running


def review_freeze(env: Any, account: Account, team: Team, meter: Meter, params: Treasury, log: EventLog) -> None:
    """Freeze hiring while the budget is short; lift the freeze when it is not.

    Short means staff and electricity run above the appropriation, or cash covers fewer than the reserve
    months of spending.
    """
    energy_usd_per_day = meter.usd_per_day_now()
    appropriation = account.appropriation_usd_per_year
    headroom = appropriation - (team.staff_cost_usd_per_day() + energy_usd_per_day) * DAYS_PER_YEAR
    # Hysteresis: a freeze lifts only once a tenth of the appropriation is free again, not on the first dollar.
    was_frozen = team.frozen
    margin = UNFREEZE_HEADROOM_SHARE * appropriation if was_frozen else 0.0
    # short of reserve: cash covers fewer months than the reserve (only asked when the headroom is not short)
    frozen = headroom < margin or account.cash_usd < params.hiring_freeze_reserve_months * (
        (team.cost_usd_per_day() + energy_usd_per_day) * DAYS_PER_MONTH)
    if frozen != was_frozen:
        if frozen:
            if account.cuts:
                root = log.events[account.cuts[-1][1]]
                cause, cause_time = root.details, root.time_days
            else:
                cause, cause_time = "spending above the appropriation (structural deficit)", None
            why = (f"staff and electricity run {_musd(-headroom)} a year above the appropriation" if headroom < 0
                   else f"cash {_musd(account.cash_usd)} covers under {params.hiring_freeze_reserve_months:g} "
                        "months of spending")
            log.log(env.now, "treasury", "freeze", f"hiring frozen: {why}", key=True)
            team.set_frozen(env, True, (cause, cause_time))
        else:
            log.log(env.now, "treasury", "unfreeze", "hiring reopened", key=True)
            team.set_frozen(env, False, None)
    team.update_consultants(env.now, headroom, log)


def _musd(usd: float) -> str:
    """Dollars as $1.2M, or $340k below a million."""
    return f"${usd / 1e6:,.1f}M" if abs(usd) >= 1e6 else f"${usd / 1e3:,.0f}k"
