"""Hardware: the compute side of a world wired together — supply chain, export regimes, orders, fleet, cloud.

It places the day-0 order and cloud contract of the scenario's compute strategy, revokes a contract the
moment its provider's jurisdiction embargoes the country (and signs a new one after an embargo is lifted),
orders refreshes, and answers the coroner's question: is there any usable training compute?
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from sovsim.model.allocation import Allocations, allocation_calls
from sovsim.model.compute import Batch, Contract, Fleet
from sovsim.model.contracts import TERM_YEARS, contract_price_usd_per_gpu_hour
from sovsim.model.export import Regimes, export_regimes, scheduled_changes
from sovsim.model.ledger import Ledger
from sovsim.model.procurement import Procurement, place_order, refresh
from sovsim.model.records import DAYS_PER_YEAR, EventLog
from sovsim.model.supply import SupplyChain
from sovsim.model.treasury import Account
from sovsim.scenario.schema import Scenario

__all__ = ["Hardware"]


class Hardware:
    """Fleet, supply chain, regimes and procurement of one world."""

    def __init__(self, env: Any, scenario: Scenario, ledger: Ledger, account: Account, log: EventLog,
                 rngs: dict[str, np.random.Generator]) -> None:
        self.env = env
        self.scenario = scenario
        self.log = log
        c = scenario.compute
        self.fleet = Fleet(c, ledger, rngs["compute"], log)
        self.chain = SupplyChain.of(scenario.supply)
        self.regimes = Regimes(scenario.export)
        self.proc = Procurement(self.chain, self.regimes, self.fleet, account, c, scenario.export, log,
                                rng=rngs["procurement"], changed=env.event(),
                                start_date=scenario.calendar.start_date, lineup=_lineup(scenario))
        self._export_rng = rngs["export"]
        self.provider: str | None = {"rent": c.cloud_provider, "hybrid": c.cloud_provider,
                                     "sovereign_cloud": c.sovereign_cloud_provider}.get(c.strategy)
        self.regimes.listeners.append(self._regime_changed)
        self.proc.on_delivered = self._delivered
        self.proc.on_blocked = lambda now: self.on_change(now)
        self.on_change: Callable[[float], None] = lambda now: None  #: the coroner's starved check
        self.on_reprice: Callable[[float, float], None] = lambda now, usd: None  #: an on-demand rate changes
        self.allocation: Allocations | None = None  #: awards on a shared supercomputer (strategy "allocation")
        if c.strategy == "allocation":
            self.allocation = Allocations(env, scenario.allocation, c.gpu, self.fleet, account, rngs["allocation"],
                                          log)
            self.allocation.on_change = lambda now: self.on_change(now)
            self.allocation.on_lost = lambda now: self.fleet.on_capacity_lost(now)

    @property
    def rent_usd_per_gpu_hour(self) -> float:
        """The price of a rented GPU-hour now (at the last renewal of the contract's term)."""
        return self.rent_usd_per_gpu_hour_at(self.env.now)

    def rent_usd_per_gpu_hour_at(self, now: float) -> float:
        """The price of a GPU-hour of a contract signed or renewed at the start of the term that holds ``now``."""
        c = self.scenario.compute
        if c.strategy == "allocation":
            return self.scenario.allocation.usd_per_gpu_hour
        term_days = TERM_YEARS[c.contract] * DAYS_PER_YEAR
        signed_years = (now // term_days) * term_days / DAYS_PER_YEAR
        return contract_price_usd_per_gpu_hour(c, sovereign=c.strategy == "sovereign_cloud", years=signed_years)

    def _renewals(self) -> Any:
        """At the end of each term the contract is renewed at the market price of that day (rents fall)."""
        c = self.scenario.compute
        term_days = TERM_YEARS[c.contract] * DAYS_PER_YEAR
        while True:
            yield self.env.timeout(term_days)
            now = self.env.now
            price = self.rent_usd_per_gpu_hour_at(now)
            contract = self.fleet.contract
            if contract is not None and price != contract.usd_per_gpu_hour:
                contract.usd_per_gpu_hour = price
                self.on_change(now)  # reserved rent accrues to the day at the old price, then at the new one
            self.on_reprice(now, price)

    def start(self) -> None:
        env, c = self.env, self.scenario.compute
        env.process(export_regimes(env, self.regimes, self._export_rng, self.log))
        if self.scenario.export.schedule:
            env.process(scheduled_changes(env, self.regimes, self.scenario.calendar.start_date, self.log))
        if c.strategy in ("own", "hybrid") and c.gpu_count > 0:
            place_order(env, self.proc, c.gpu, c.gpu_count)
        if self.allocation is not None:
            env.process(allocation_calls(env, self.allocation, self.log))
        if self.provider is not None and c.rented_gpus > 0:
            node = self.chain.graph.nodes[self.provider]
            contract = Contract(self.provider, node["jurisdiction"], c.gpu, c.rented_gpus, self.rent_usd_per_gpu_hour)
            self.fleet.rent(env.now, contract)
            if c.rent_decline_per_year > 0:
                env.process(self._renewals())
            self.log.log(env.now, "compute", "contract",
                         f"cloud contract with {self.provider} ({node['jurisdiction']}): {c.rented_gpus:,} "
                         f"{c.gpu.upper()} at ${contract.usd_per_gpu_hour:g}/GPU-hour ({c.contract})", key=True)
            if contract.jurisdiction in self.regimes.embargoed():
                self.fleet.revoke(env.now, self.log.log(env.now, "export", "regime",
                                                        f"{contract.jurisdiction} embargoes the country"))

    def _regime_changed(self, now: float, who: str, regime: str, event: int) -> None:
        self.proc.changed.succeed()
        self.proc.changed = self.env.event()
        contract = self.fleet.contract
        if contract is not None and contract.jurisdiction == who:
            if regime == "embargoed":
                self.fleet.revoke(now, event)
            elif not contract.active:
                timer = self.env.timeout(self.scenario.compute.recontract_days)
                timer.callbacks.append(lambda _e: self._recontract())
        self.on_change(now)

    def _recontract(self) -> None:
        contract = self.fleet.contract
        if contract is not None and not contract.active and contract.jurisdiction not in self.regimes.embargoed():
            contract.usd_per_gpu_hour = self.rent_usd_per_gpu_hour  # a new contract, at the price of its day
            self.fleet.restore(self.env.now)
            self.on_change(self.env.now)

    def _delivered(self, now: float, batch: Batch) -> None:
        if self.scenario.compute.refresh:
            self.env.process(refresh(self.env, self.proc, batch))
        self.on_change(now)

    # -- the coroner's questions -----------------------------------------------------------------------
    def starved(self, now: float) -> bool:
        """No usable training compute, and none on its way (an order in the normal allocation queue is)."""
        if self.fleet.usable(now) or (self.allocation is not None and self.allocation.on_its_way(now)):
            return False
        return not any(o.status == "open" and not o.blocked for o in self.proc.orders)

    def why_starved(self, since: float) -> tuple[str, float | None]:
        if self.fleet.loss_cause is not None:
            return self.fleet.loss_cause
        open_orders = [o for o in self.proc.orders if o.status == "open"]
        if open_orders:
            o = open_orders[0]
            return (f"order #{o.number} of {o.target:,} {o.kind.upper()} still in the allocation queue",
                    o.placed_days)
        return "no compute ordered or rented", None


def _lineup(scenario: Scenario) -> dict[str, tuple[str, ...]]:
    """Each GPU kind → every kind its maker sells (a refresh stays with the maker, moving up a generation)."""
    out: dict[str, tuple[str, ...]] = {}
    for node in scenario.supply.nodes.values():
        for kind in node.products:
            out.setdefault(kind, node.products)
    return out
