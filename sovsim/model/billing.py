"""Billing: on every payday the electricity and rent since the last bill are priced and charged to the treasury.

The bill integrates the ledger's segments of the month against the hourly price profile (one to three
segments, computed directly in Python); the totals of a whole future come from the numba kernel, and the
two agree to the cent (tests).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from sovsim.kernels.accounting import integrate

if TYPE_CHECKING:
    from sovsim.model.contracts import Standing
    from sovsim.model.energy import Profiles
    from sovsim.model.ledger import Ledger
    from sovsim.model.treasury import Account
    from sovsim.scenario.schema import Compute, Energy

__all__ = ["Meter"]


def _price_integral(hour: float, shape: list[float], cum: list[float]) -> float:
    """The price profile integrated from hour 0 to ``hour`` (its prefix sums, linear within an hour)."""
    n = len(shape)
    if hour >= n:
        return cum[n]
    k = int(hour)
    return cum[k] + (hour - k) * shape[k]


class Meter:
    """Reads the ledger for one fleet: power per generation and the profile it is billed against."""

    def __init__(self, ledger: Ledger, power_w: list[float], compute: Compute, energy: Energy,
                 profiles: Profiles, rent_usd_per_gpu_hour: float = 0.0) -> None:
        self.ledger = ledger
        self.power_w = power_w
        self.compute = compute
        self.energy = energy
        self.profiles = profiles
        self.rent_usd_per_gpu_hour = rent_usd_per_gpu_hour
        self.billed_to_days = 0.0
        self._rate_version = -1
        self._rate_usd_per_day = 0.0
        self._watts_of: tuple[float, ...] | None = None  #: the GPUs per generation that ``_watts`` is the power of
        self._watts = 0.0
        self._kw_of: tuple[Any, ...] | None = None  #: the ledger state that ``_kw`` is the power of (kept alive)
        self._kw = 0.0
        self.standing: Standing | None = None  #: reserved-contract rent and colocation, paid with the bill

    def _args(self) -> tuple[Any, ...]:
        c, e, p = self.compute, self.energy, self.profiles
        return (c.server_power_factor, e.pue, c.idle_power_fraction, c.mean_power_fraction, p.price_shape,
                p.price_cum, p.carbon_shape, p.carbon_cum, p.price_usd_per_kwh, p.carbon_g_per_kwh)

    def totals(self, end_days: float) -> np.ndarray:
        """Totals of the whole future up to ``end_days``, by the numba kernel."""
        v = self.ledger.view()
        return integrate(v["time_days"] * 24.0, end_days * 24.0, v["gpus"], np.asarray(self.power_w, dtype=float),
                         v["train"], v["serve"], v["multiplier"], v["rented"], *self._args())

    def _state_kw(self, state: tuple[tuple[float, ...], float, float, float, float]) -> float:
        """Electric power of a ledger state, in kW at the wall (servers and cooling).

        The last state asked is remembered (and held, so its identity stays its own): the budget's rate of the
        current state at payday is the first segment of the next bill.
        """
        if state is self._kw_of:
            return self._kw
        gpus = state[0]
        if gpus is not self._watts_of:  # rows that change only the load share the fleet's tuple
            self._watts_of = gpus
            self._watts = sum(n * w for n, w in zip(gpus, self.power_w))
        c = self.compute
        draw = c.idle_power_fraction + (c.mean_power_fraction - c.idle_power_fraction) * min(1.0, state[2] + state[3])
        kw = self._watts * c.server_power_factor * self.energy.pue * draw / 1000.0
        self._kw_of, self._kw = state, kw
        return kw

    def window_usd(self, start_days: float, end_days: float) -> tuple[float, float]:
        """Electricity and cloud rent over ``[start_days, end_days)``: the cost columns of the accounting kernel.

        Computed directly on the ledger's rows (a month holds one to three segments); the tests hold it to
        the kernel's total.
        """
        led, p = self.ledger, self.profiles
        shape, cum = p.price_list
        times, states, state_kw = led.times, led.states, self._state_kw
        i, j = led.rows(start_days, end_days)
        a = start_days * 24.0
        cum_a = _price_integral(a, shape, cum)
        usd = rented_hours = 0.0
        for r in range(i, j):
            b = times[r + 1] * 24.0 if r + 1 < j else end_days * 24.0
            cum_b = _price_integral(b, shape, cum)
            state = states[r]
            usd += state_kw(state) * state[4] * (cum_b - cum_a)
            rented_hours += state[1] * (b - a)
            a, cum_a = b, cum_b
        return usd * p.price_usd_per_kwh, rented_hours * self.rent_usd_per_gpu_hour

    def bill(self, account: Account, now: float) -> float:
        """Charge the electricity and cloud rent since the last bill; return their cost."""
        energy_usd, rent_usd = self.window_usd(self.billed_to_days, now) if now > self.billed_to_days else (0, 0)
        self.billed_to_days = now
        if self.standing is not None:
            self.standing.bill(account, now)
        if energy_usd:
            account.pay(now, "energy", energy_usd)
        if rent_usd:
            account.pay(now, "cloud", rent_usd)
        return energy_usd + rent_usd

    def usd_per_day_now(self) -> float:
        """Electricity, reserved rent and colocation of a day at the current state (for budgeting)."""
        standing = self.standing.usd_per_day() if self.standing is not None else 0.0
        return self._electricity_usd_per_day() + standing

    def _electricity_usd_per_day(self) -> float:
        """Electricity of a day at the current state and the average price (for budgeting, not billing).

        The rent of GPUs rented for a training run is left out: it is paid by the GPU-hour only while the run
        lasts (days of a cycle), so the rate of a run in progress is no yearly running cost.
        """
        led = self.ledger
        if led.version != self._rate_version:
            state = led.states[-1]
            self._rate_version = led.version
            self._rate_usd_per_day = self._state_kw(state) * 24.0 * self.energy.price_usd_per_kwh * state[4]
        return self._rate_usd_per_day
