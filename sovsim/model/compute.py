"""Compute: the owned fleet by generation, its failures and retirement, and rented capacity.

Owned GPUs arrive in batches (one per delivered order). Hardware failures of a batch are one superposed
Poisson stream (rate = working GPUs × rate per GPU), advanced lazily whenever the fleet is looked at: a
failed GPU is replaced from the batch's spares if any, else it is down until its repair returns. A batch
retires at the end of its life. Rented capacity is a contract with a cloud provider of some jurisdiction,
revoked the moment that jurisdiction embargoes the country. Every change is written to the ledger.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from sovsim.model.gpus import GPUS
from sovsim.model.records import DAYS_PER_YEAR, EventLog
from sovsim.scenario.schema import GPU_KINDS, HOME

if TYPE_CHECKING:
    from sovsim.model.ledger import Ledger
    from sovsim.scenario.schema import Compute

__all__ = ["Batch", "Contract", "Fleet", "retire"]


@dataclass
class Batch:
    """GPUs of one delivered order."""

    kind: str
    target: int  #: GPUs meant to be in service
    spares: int
    delivered_days: float
    event: int  #: the delivery event
    up: int = 0  #: GPUs working now
    repairs: list[tuple[float, int]] = field(default_factory=list)  #: (back at, count) of GPUs in repair
    retired: bool = False

    def __post_init__(self) -> None:
        self.up = self.target


@dataclass
class Contract:
    """Rented GPUs from one cloud provider."""

    provider: str
    jurisdiction: str
    kind: str
    gpus: int
    usd_per_gpu_hour: float
    active: bool = True
    revoked_event: int | None = None


class Fleet:
    """Owned batches and rented contracts; ``capacity`` is what a training run can use now."""

    def __init__(self, params: Compute, ledger: Ledger, rng: np.random.Generator, log: EventLog) -> None:
        self.params = params
        self.ledger = ledger
        self.rng = rng
        self.log = log
        self.kinds = list(GPU_KINDS)  #: ledger column order
        self.batches: list[Batch] = []
        self.contract: Contract | None = None
        self.failure_rate_per_day = params.failures_per_gpu_year / DAYS_PER_YEAR
        self.failures = 0
        self.loss_cause: tuple[str, float | None] | None = None  #: why capacity last went away
        self.on_capacity_lost: Callable[[float], None] = lambda now: None
        self.on_training: Callable[[float, int], None] | None = None  #: rented GPUs a run uses (allocation.py)
        self._advanced_to = 0.0
        self._up: dict[str, int] = {}

    @property
    def power_w(self) -> list[float]:
        """Board power of each generation, in ledger column order."""
        return [GPUS[k].power_w for k in self.kinds]

    # -- owned GPUs ------------------------------------------------------------------------------------
    def deliver(self, now: float, kind: str, target: int, spares: int, event: int) -> Batch:
        self.advance(now)
        batch = Batch(kind, target, spares, now, event)
        self.batches.append(batch)
        self._write(now)
        return batch

    def advance(self, now: float) -> None:
        """Apply the failures and repair returns of every batch up to ``now`` (one Poisson draw per batch)."""
        dt = now - self._advanced_to
        if dt <= 0:
            return
        self._advanced_to = now
        changed = False
        rate, poisson = self.failure_rate_per_day, self.rng.poisson
        for b in self.batches:
            if b.retired:
                continue
            repairs = b.repairs
            if repairs and repairs[0][0] <= now:
                # repairs come back in the order they began (a fixed repair time): the due ones lead the list
                back = 0
                while repairs and repairs[0][0] <= now:
                    back += repairs.pop(0)[1]
                fill = min(back, b.target - b.up)
                b.up += fill
                b.spares += back - fill
                changed = changed or fill > 0
            if b.up > 0 and rate > 0:
                k = min(b.up + b.spares, int(poisson(rate * b.up * dt)))
                if k:
                    self.failures += k
                    covered = min(k, b.spares)
                    b.spares -= covered
                    down = min(b.up, k - covered)
                    b.up -= down
                    b.repairs.append((now + self.params.repair_days, k))
                    changed = changed or down > 0
        if changed:
            self._write(now)

    def owned_up(self, now: float) -> dict[str, int]:
        """Working owned GPUs by kind (do not modify the returned dict)."""
        if now > self._advanced_to:
            self.advance(now)
        return self._up

    def _write(self, now: float) -> None:
        """Recount the working GPUs by kind and write the changed kinds to the ledger."""
        counts = dict.fromkeys(self.kinds, 0)
        for b in self.batches:
            if not b.retired:
                counts[b.kind] += b.up
        self._up = {k: n for k, n in counts.items() if n}
        for g, kind in enumerate(self.kinds):
            if self.ledger.current_gpus(g) != counts[kind]:
                self.ledger.set(now, gpus=(g, counts[kind]))

    # -- rented GPUs -----------------------------------------------------------------------------------
    def rent(self, now: float, contract: Contract) -> None:
        """Sign a contract: its GPUs are reserved for training runs and billed for the hours they run."""
        self.contract = contract

    def revoke(self, now: float, event: int) -> None:
        c = self.contract
        if c is None or not c.active:
            return
        c.active = False
        c.revoked_event = event
        self.loss_cause = (self.log.events[event].details, self.log.events[event].time_days)
        self.log.log(now, "compute", "revoked", f"cloud contract with {c.provider} ({c.jurisdiction}) revoked: "
                                                f"{c.gpus:,} rented GPUs gone overnight", key=True)
        self.on_capacity_lost(now)

    def restore(self, now: float) -> None:
        c = self.contract
        if c is None or c.active:
            return
        c.active = True
        self.log.log(now, "compute", "recontract", f"new cloud contract with {c.provider}: {c.gpus:,} GPUs", key=True)

    def rented(self) -> dict[str, int]:
        c = self.contract
        return {c.kind: c.gpus} if c is not None and c.active and c.gpus else {}

    # -- what a training run can use -------------------------------------------------------------------
    def capacity(self, now: float, share: float) -> dict[str, int]:
        """GPUs by kind a training run may use: ``share`` of the owned fleet (at least one) and all rented."""
        out = {k: max(1, int(n * share)) for k, n in self.owned_up(now).items()}
        for k, n in self.rented().items():
            out[k] = out.get(k, 0) + n
        return out

    def usable(self, now: float) -> bool:
        if self.owned_up(now):
            return True
        c = self.contract  # rented(), without building its dict
        return c is not None and c.active and bool(c.gpus)

    def on_own_soil(self, now: float) -> bool:
        """Compute the country controls on its own soil: owned GPUs, or a contract with a domestic cloud."""
        c = self.contract
        return bool(self.owned_up(now)) or (c is not None and c.active and c.jurisdiction == HOME and c.gpus > 0)

    def set_training(self, now: float, share_of_owned: float, rented: int = 0) -> None:
        """A run starts (or stops, with zeros): the share of the owned fleet it uses and the rented GPUs."""
        self.ledger.set(now, train=share_of_owned, rented=rented)
        if self.on_training is not None:
            self.on_training(now, rented)


def retire(env: Any, fleet: Fleet, batch: Batch, lifetime_days: float, log: EventLog) -> Any:
    """A batch serves for its lifetime, then retires."""
    yield env.timeout(lifetime_days)
    fleet.advance(env.now)
    batch.retired = True
    gone = batch.up
    batch.up = 0
    fleet._write(env.now)
    event = log.log(env.now, "compute", "retire",
                    f"{gone:,} {batch.kind.upper()} delivered {log.date(batch.delivered_days)} retired at end of life",
                    key=True)
    if not fleet.owned_up(env.now):
        fleet.loss_cause = (log.events[event].details, env.now)
        fleet.on_capacity_lost(env.now)
