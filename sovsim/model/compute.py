"""Compute: the owned GPU fleet, what it can train on, and its state in the ledger.

For now the fleet is bought on day 0 and keeps its size; procurement through the supplier graph,
failures and rented capacity plug in behind the same interface (``gpus``, ``training_gpus``,
``peak_flops``, and the ledger rows that the bill and the accounting kernels read).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sovsim.model.gpus import GPUS
from sovsim.model.records import EventLog

if TYPE_CHECKING:
    from sovsim.model.ledger import Ledger
    from sovsim.model.treasury import Account
    from sovsim.scenario.schema import Compute

__all__ = ["Fleet", "cluster"]


class Fleet:
    """Owned GPUs of one generation; every change of size or use is written to the ledger."""

    def __init__(self, params: Compute, ledger: Ledger) -> None:
        self.params = params
        self.ledger = ledger
        self.spec = GPUS[params.gpu]
        self.generation = 0  #: the fleet's column in the ledger
        self.gpus = 0

    @property
    def peak_flops(self) -> float:
        return self.spec.peak_flops

    @property
    def power_w(self) -> list[float]:
        """Board power of each generation, in ledger column order."""
        return [self.spec.power_w]

    def training_gpus(self, share: float) -> int:
        """GPUs a training run may use: the given share of the fleet, at least one if any."""
        if self.gpus <= 0:
            return 0
        return max(1, int(self.gpus * share))

    def commission(self, now: float, gpus: int) -> None:
        self.gpus = gpus
        self.ledger.set(now, gpus=(self.generation, gpus))

    def start_training(self, now: float, gpus: int) -> None:
        self.ledger.set(now, train=gpus / self.gpus if self.gpus else 0.0)

    def stop_training(self, now: float) -> None:
        self.ledger.set(now, train=0.0)


def cluster(env: Any, fleet: Fleet, account: Account, log: EventLog) -> Any:
    """Buys the owned fleet on day 0 and commissions it."""
    n = fleet.params.gpu_count
    if n > 0:
        account.pay(env.now, "capex", n * fleet.spec.price_usd)
        fleet.commission(env.now, n)
        log.log(env.now, "compute", "commission",
                f"cluster of {n:,} {fleet.spec.name.upper()} commissioned "
                f"(${n * fleet.spec.price_usd / 1e6:,.1f}M)", key=True)
    yield env.timeout(0)
