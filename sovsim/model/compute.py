"""Compute: the owned GPU fleet, what it can train on, and the electricity it draws.

For now the fleet is bought on day 0 and keeps its size; procurement through the supplier graph,
failures and rented capacity plug in behind the same interface (``gpus``, ``training_gpus``,
``peak_flops``, the energy accrual).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sovsim.model.gpus import GPUS
from sovsim.model.records import EventLog

if TYPE_CHECKING:
    from sovsim.model.treasury import Account
    from sovsim.scenario.schema import Compute, Energy

__all__ = ["Fleet", "cluster"]


class Fleet:
    """Owned GPUs of one generation, with their energy use accrued between bills."""

    def __init__(self, params: Compute, energy: Energy) -> None:
        self.params = params
        self.energy = energy
        self.spec = GPUS[params.gpu]
        self.gpus = 0
        self.energy_kwh = 0.0
        self._accrued_at = 0.0
        self._cost_usd = 0.0

    @property
    def peak_flops(self) -> float:
        return self.spec.peak_flops

    def training_gpus(self, share: float) -> int:
        """GPUs a training run may use: the given share of the fleet, at least one if any."""
        if self.gpus <= 0:
            return 0
        return max(1, int(self.gpus * share))

    def power_kw(self) -> float:
        """Facility draw of the fleet: GPU TDP × server factor × mean draw × PUE."""
        p = self.params
        return self.gpus * self.spec.power_w * p.server_power_factor * p.mean_power_fraction * self.energy.pue / 1e3

    def energy_cost_usd_per_day(self) -> float:
        return self.power_kw() * 24.0 * self.energy.price_usd_per_kwh

    def accrue(self, now: float) -> None:
        """Add the energy drawn since the last accrual; call before anything that changes the fleet."""
        dt = now - self._accrued_at
        if dt > 0:
            kwh = self.power_kw() * 24.0 * dt
            self.energy_kwh += kwh
            self._cost_usd += kwh * self.energy.price_usd_per_kwh
            self._accrued_at = now

    def take_accrued_cost(self, now: float) -> float:
        self.accrue(now)
        cost, self._cost_usd = self._cost_usd, 0.0
        return cost


def cluster(env: Any, fleet: Fleet, account: Account, log: EventLog) -> Any:
    """Buys the owned fleet on day 0 and commissions it."""
    n = fleet.params.gpu_count
    if n > 0:
        account.pay(env.now, "capex", n * fleet.spec.price_usd)
        fleet.accrue(env.now)
        fleet.gpus = n
        log.log(env.now, "compute", "commission",
                f"cluster of {n:,} {fleet.spec.name.upper()} commissioned "
                f"(${n * fleet.spec.price_usd / 1e6:,.1f}M)", key=True)
    yield env.timeout(0)
