"""Billing: every month the electricity drawn since the last bill is priced and charged to the treasury.

The bill integrates the ledger's segments of the month against the hourly price profile (a few segments,
so the plain-Python twin of the accounting kernel); the totals of a whole future come from the numba
kernel, and the two agree to the cent (tests).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from sovsim.kernels.accounting import integrate, integrate_python
from sovsim.model.records import DAYS_PER_MONTH

if TYPE_CHECKING:
    from sovsim.model.energy import Profiles
    from sovsim.model.ledger import Ledger
    from sovsim.model.treasury import Account
    from sovsim.scenario.schema import Compute, Energy

__all__ = ["Meter", "billing"]


class Meter:
    """Reads the ledger for one fleet: power per generation and the profile it is billed against."""

    def __init__(self, ledger: Ledger, power_w: list[float], compute: Compute, energy: Energy,
                 profiles: Profiles) -> None:
        self.ledger = ledger
        self.power_w = power_w
        self.compute = compute
        self.energy = energy
        self.profiles = profiles
        self.billed_to_days = 0.0
        self._rate_version = -1
        self._rate_usd_per_day = 0.0

    def _args(self) -> tuple[Any, ...]:
        c, e, p = self.compute, self.energy, self.profiles
        return (c.server_power_factor, e.pue, c.idle_power_fraction, c.mean_power_fraction, p.price_shape,
                p.price_cum, p.carbon_shape, p.carbon_cum, p.price_usd_per_kwh, p.carbon_g_per_kwh)

    def window(self, start_days: float, end_days: float) -> list[float]:
        """Totals over ``[start_days, end_days)`` (plain Python: a month holds a handful of segments)."""
        led = self.ledger
        i, j = led.rows(start_days, end_days)
        times = [start_days * 24.0] + [t * 24.0 for t in led.times[i + 1: j]]
        return integrate_python(times, end_days * 24.0, led.gpus[i:j].tolist(), self.power_w,
                                led.train[i:j].tolist(), led.serve[i:j].tolist(), led.multiplier[i:j].tolist(),
                                led.rented[i:j].tolist(), *self._args())

    def totals(self, end_days: float) -> np.ndarray:
        """Totals of the whole future up to ``end_days``, by the numba kernel."""
        v = self.ledger.view()
        return integrate(v["time_days"] * 24.0, end_days * 24.0, v["gpus"], np.asarray(self.power_w, dtype=float),
                         v["train"], v["serve"], v["multiplier"], v["rented"], *self._args())

    def bill(self, account: Account, now: float) -> float:
        """Charge the electricity since the last bill; return its cost."""
        usd = self.window(self.billed_to_days, now)[3] if now > self.billed_to_days else 0.0
        self.billed_to_days = now
        if usd:
            account.pay(now, "energy", usd)
        return usd

    def usd_per_day_now(self) -> float:
        """Cost of a day at the current state and the average price (for budgeting, not billing)."""
        led = self.ledger
        if led.version == self._rate_version:
            return self._rate_usd_per_day
        c, e = self.compute, self.energy
        busy = min(1.0, led.current("train") + led.current("serve"))
        draw = c.idle_power_fraction + (c.mean_power_fraction - c.idle_power_fraction) * busy
        gpus = led.gpus[led.n - 1]
        kw = float(np.dot(gpus, self.power_w)) * c.server_power_factor * e.pue * draw / 1000.0
        self._rate_version = led.version
        self._rate_usd_per_day = kw * 24.0 * e.price_usd_per_kwh * led.current("multiplier")
        return self._rate_usd_per_day


def billing(env: Any, meter: Meter, account: Account) -> Any:
    """Sends the monthly electricity bill to the treasury."""
    while True:
        yield env.timeout(DAYS_PER_MONTH)
        meter.bill(account, env.now)
