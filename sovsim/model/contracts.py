"""Standing charges: cloud contracts billed by the hours contracted, and colocation of the owned racks.

A reserved contract (``compute.contract`` = ``reserved_1y`` or ``reserved_3y``) is paid round the clock for
every contracted GPU, used or not, from signature until an embargo revokes it (then nothing more is owed
until a new contract is signed). An ``on_demand`` contract (or capacity blocks) is billed only for the GPU-hours
training runs use, at a dearer price, by the meter (:mod:`sovsim.model.billing`). Owned GPU servers pay
colocation per kW of IT power a month (:mod:`sovsim.facility`) while they are installed (spares included).

Charges accrue between state changes (:meth:`Standing.accrue` runs at every change of the compute side and
on every payday), so a contract revoked mid-month is paid to the day. Prices: ``calibration.md`` §11.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sovsim.facility import colocation_usd_per_gpu_day

if TYPE_CHECKING:
    from sovsim.model.compute import Fleet
    from sovsim.model.treasury import Account
    from sovsim.scenario.schema import Compute

__all__ = ["CONTRACTS", "TERM_YEARS", "contract_price_usd_per_gpu_hour", "Standing"]

CONTRACTS = ("reserved_1y", "reserved_3y", "on_demand")
TERM_YEARS = {"reserved_1y": 1.0, "reserved_3y": 3.0, "on_demand": 1.0}  #: how often a contract's price is reset


def contract_price_usd_per_gpu_hour(compute: Compute, sovereign: bool = False, years: float = 0.0) -> float:
    """Price of a GPU-hour under the scenario's contract signed ``years`` after the start.

    The 1-year price of the start × the contract's factor, falling ``compute.rent_decline_per_year`` a year as
    the rented type ages.
    """
    base = compute.sovereign_rent_usd_per_gpu_hour if sovereign else compute.rent_usd_per_gpu_hour
    factor = {"reserved_1y": 1.0, "reserved_3y": compute.reserved_3y_price_factor,
              "on_demand": compute.on_demand_price_factor}[compute.contract]
    return base * factor * (1.0 - compute.rent_decline_per_year) ** years


class Standing:
    """Accrues reserved-contract rent and colocation between changes, and pays them to the treasury."""

    def __init__(self, fleet: Fleet, compute: Compute) -> None:
        self.fleet = fleet
        self.compute = compute
        self.reserved = compute.contract != "on_demand"
        self._at = 0.0
        self._cloud_usd_per_day = 0.0
        self._colo_usd_per_day = 0.0
        self._cloud_usd = 0.0
        self._colo_usd = 0.0
        self._colo_usd_per_gpu_day: dict[str, float] = {}  #: by GPU kind (a function of the scenario alone)

    def accrue(self, now: float) -> None:
        """Add the charges since the last change at the rates then, and take the rates of now."""
        dt = now - self._at
        if dt > 0:
            self._cloud_usd += self._cloud_usd_per_day * dt
            self._colo_usd += self._colo_usd_per_day * dt
            self._at = now
        c = self.fleet.contract
        self._cloud_usd_per_day = (c.gpus * c.usd_per_gpu_hour * 24.0
                                   if self.reserved and c is not None and c.active else 0.0)
        colo = 0.0
        per_gpu_day = self._colo_usd_per_gpu_day
        for b in self.fleet.batches:
            if not b.retired:
                usd = per_gpu_day.get(b.kind)
                if usd is None:
                    usd = per_gpu_day[b.kind] = colocation_usd_per_gpu_day(b.kind, self.compute)
                colo += (b.target + b.spares) * usd
        self._colo_usd_per_day = colo

    def usd_per_day(self) -> float:
        """The standing charges of a day at the current state (for budgeting)."""
        return self._cloud_usd_per_day + self._colo_usd_per_day

    def bill(self, account: Account, now: float) -> None:
        """Pay what has accrued up to ``now``: rent as cloud, colocation as facility."""
        self.accrue(now)
        if self._cloud_usd:
            account.pay(now, "cloud", self._cloud_usd)
        if self._colo_usd:
            account.pay(now, "facility", self._colo_usd)
        self._cloud_usd = self._colo_usd = 0.0
