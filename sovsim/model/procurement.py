"""Procurement: purchase orders through the supply graph, under the export regimes.

An order follows a public tender (:mod:`sovsim.facility`); a deposit is paid when it is placed and the rest
on delivery. It waits in the global allocation queue for the lead time of the fastest
route whose suppliers are all available (a small buyer waits longer on a route through small suppliers);
the lead time depends on the generation and the date the order is placed (:mod:`sovsim.model.leadtimes`).
A route through a ``licensed`` jurisdiction adds the licence delay; one through a ``capped`` jurisdiction
must fit under the cap. At the delivery date the route is checked again: an order that lost its route is
re-routed, or waits for a regime change, and is cancelled with a partial refund once its patience is
spent. The market draw of an order is taken when it is placed, so adding a supplier never delays an order.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sovsim.facility import deposit_fraction, facility_capex_factor, tender_days
from sovsim.model.compute import Batch, Fleet, retire
from sovsim.model.gpus import GPUS, best_generation, h100_equivalents, price_at
from sovsim.model.leadtimes import market_position
from sovsim.model.records import DAYS_PER_YEAR, EventLog, date_of
from sovsim.model.supply import Route, SupplyChain  # at run time: the dataclass's fields name them
from sovsim.scenario.schema import Compute, Export

if TYPE_CHECKING:
    from sovsim.model.export import Regimes
    from sovsim.model.treasury import Account

__all__ = ["Order", "Procurement", "purchase", "place_order", "refresh"]


@dataclass
class Order:
    """A purchase order for GPUs of one kind."""

    number: int
    kind: str
    target: int  #: GPUs for service
    spares: int
    placed_days: float
    market_u: float  #: the market draw that sets its lead time
    price_usd: float
    position: float | None = None  #: market position when placed (after the tender); None: the draw itself
    blocked: bool = False
    status: str = "open"  #: open, delivered, cancelled


@dataclass
class Procurement:
    """The country's orders, the supply chain and regimes they go through, and the cap's ledger."""

    chain: SupplyChain
    regimes: Regimes
    fleet: Fleet
    account: Account
    compute: Compute
    export: Export
    log: EventLog
    orders: list[Order] = field(default_factory=list)
    capped: list[tuple[float, float, frozenset[str]]] = field(default_factory=list)  #: (time, H100-eq, via)
    rng: Any = None  #: the procurement stream: one market draw per order
    changed: Any = None  #: a SimPy event triggered at the next regime change
    on_delivered: Callable[[float, Batch], None] = lambda now, batch: None
    on_blocked: Callable[[float], None] = lambda now: None
    affordable_usd: Callable[[], float] = lambda: 0.0  #: what the treasury can spend on a refresh now
    start_date: dt.date | None = None  #: calendar date of day 0 (for availability dates and prices)
    lineup: dict[str, tuple[str, ...]] = field(default_factory=dict)  #: kind → the kinds its maker sells

    def available_in_days(self, kind: str, now: float) -> float:
        """Days from ``now`` until ``kind`` ships (0 when it already does)."""
        if self.start_date is None:
            return 0.0
        return max(0.0, (GPUS[kind].available - self.start_date).days - now)

    @property
    def blocked_orders(self) -> int:
        return sum(o.blocked for o in self.orders)

    def fits_cap(self, now: float, route: Route, order: Order) -> bool:
        via = {j for j in route.jurisdictions if self.regimes.regime.get(j) == "capped"}
        if not via:
            return True
        window = self.export.cap_window_years * DAYS_PER_YEAR
        used = sum(h for t, h, js in self.capped if t > now - window and js & via)
        return used + h100_equivalents(order.kind, order.target + order.spares) <= self.export.cap_h100_eq

    def place(self, now: float, order: Order) -> None:
        """The order goes to its supplier: its market position is fixed by its generation and today's date."""
        if self.start_date is not None and order.kind in GPUS:
            order.position = market_position(order.kind, date_of(self.start_date, now), order.market_u)

    @staticmethod
    def position(order: Order) -> float:
        """The order's market position (its draw when there is no calendar to date it by)."""
        return order.market_u if order.position is None else order.position

    def route(self, now: float, order: Order) -> Route | None:
        route = self.chain.best_route(order.kind, self.regimes.embargoed(), self.position(order))
        return route if route is not None and self.fits_cap(now, route, order) else None

    def lead_days(self, route: Route, order: Order) -> float:
        licensed = any(self.regimes.regime.get(j) == "licensed" for j in route.jurisdictions)
        return route.lead_weeks(self.position(order)) * 7.0 + (self.export.licence_delay_days if licensed else 0.0)


def purchase(env: Any, proc: Procurement, order: Order) -> Any:
    """One order: prepaid, waits for its route and lead time, then is delivered or cancelled."""
    log, export = proc.log, proc.export
    proc.orders.append(order)
    what = f"order #{order.number}: {order.target:,} {order.kind.upper()} (+{order.spares} spares)"
    tender = tender_days(proc.compute)
    if tender > 0:
        log.log(env.now, "procurement", "tender", f"public tender for {what} ({tender / 30.44:.0f} months)")
        yield env.timeout(tender)
    proc.place(env.now, order)
    deposit = order.price_usd * deposit_fraction(proc.compute)
    proc.account.pay(env.now, "capex", deposit)
    log.log(env.now, "procurement", "order", f"{what}, ${order.price_usd / 1e6:,.1f}M (networking, storage and "
                                             f"facility included; ${deposit / 1e6:,.1f}M deposit)", key=True)
    wait = proc.available_in_days(order.kind, env.now)
    if wait > 0:  # a pre-order: nothing ships before the generation's availability date
        log.log(env.now, "procurement", "pre-order", f"{what} waits {wait:.0f} days for the first shipments")
        yield env.timeout(wait)
    route = proc.route(env.now, order)
    blocked_since: float | None = None
    while True:
        if route is None:
            if blocked_since is None:
                blocked_since = env.now
                order.blocked = True
                why, root = _why_blocked(proc, order)
                event = log.log(env.now, "procurement", "blocked", f"{what} blocked: {why}", key=True)
                cause = log.events[root if root is not None else event]
                proc.fleet.loss_cause = proc.fleet.loss_cause or (cause.details, cause.time_days)
            patience = export.order_patience_days - (env.now - blocked_since)
            if patience <= 1e-6:  # (a timeout shorter than float resolution would never advance the clock)
                order.status = "cancelled"
                proc.on_blocked(env.now)
                refund = deposit * export.refund_fraction
                if refund > 0:
                    proc.account.receive(env.now, refund)
                event = log.log(env.now, "procurement", "cancel",
                                f"{what} cancelled after {export.order_patience_days:g} days blocked; "
                                f"refund ${refund / 1e6:,.1f}M", key=True)
                proc.fleet.loss_cause = (log.events[event].details, env.now)
                return
            yield proc.changed | env.timeout(patience)
            route = proc.route(env.now, order)
            continue
        yield env.timeout(proc.lead_days(route, order))
        now_route = proc.route(env.now, order)
        if now_route is None:
            route = None
            proc.on_blocked(env.now)
            continue
        if now_route.nodes != route.nodes:
            log.log(env.now, "procurement", "reroute", f"{what} re-routed via {' → '.join(now_route.nodes)}")
            route = now_route
            continue
        break
    order.status = "delivered"
    if order.price_usd > deposit:
        proc.account.pay(env.now, "capex", order.price_usd - deposit)
    if any(proc.regimes.regime.get(j) == "capped" for j in route.jurisdictions):
        proc.capped.append((env.now, h100_equivalents(order.kind, order.target + order.spares),
                            frozenset(j for j in route.jurisdictions if proc.regimes.regime.get(j) == "capped")))
    event = log.log(env.now, "procurement", "delivery",
                    f"{what} delivered via {' → '.join(route.nodes)} after "
                    f"{(env.now - order.placed_days) / 7:.0f} weeks", key=True)
    batch = proc.fleet.deliver(env.now, order.kind, order.target, order.spares, event)
    env.process(retire(env, proc.fleet, batch, proc.compute.lifetime_years * DAYS_PER_YEAR, log))
    proc.on_delivered(env.now, batch)


def _why_blocked(proc: Procurement, order: Order) -> tuple[str, int | None]:
    """Why an order has no route, and the regime change behind it (the earliest in force on its routes)."""
    regimes = proc.regimes
    embargoed = regimes.embargoed()
    on_routes = set().union(*(r.jurisdictions for r in proc.chain.routes(order.kind)))
    if proc.chain.best_route(order.kind, embargoed, proc.position(order)) is None:
        if not embargoed:
            return "no route", None
        events = [regimes.last_change[j] for j in embargoed & on_routes if j in regimes.last_change]
        return "no route avoids the embargo of " + ", ".join(sorted(embargoed)), min(events, default=None)
    capped = [regimes.last_change[j] for j in on_routes if regimes.regime.get(j) == "capped"
              and j in regimes.last_change]
    return f"over the cap of {proc.export.cap_h100_eq:,.0f} H100-equivalents", min(capped, default=None)


def order_size(kind: str, target: int, spare_fraction: float, price_usd: float | None = None,
               capex_factor: float = 1.0) -> tuple[int, float]:
    """Spares to add to ``target`` GPUs and the price of the whole order.

    GPUs are priced at ``price_usd`` each if given (else the kind's list price), times the facility's capex factor
    (networking, storage and facility on top of the GPUs).
    """
    spares = math.ceil(target * spare_fraction)
    return spares, (target + spares) * (GPUS[kind].price_usd if price_usd is None else price_usd) * capex_factor


def place_order(env: Any, proc: Procurement, kind: str, target: int, price_usd: float | None = None) -> Order:
    """Draw the order's market state and start its purchase process."""
    spares, price = order_size(kind, target, proc.compute.spare_fraction, price_usd,
                               facility_capex_factor(proc.compute))
    order = Order(len(proc.orders) + 1, kind, target, spares, env.now, float(proc.rng.random()), price)
    env.process(purchase(env, proc, order))
    return order


def refresh(env: Any, proc: Procurement, batch: Batch) -> Any:
    """A year before a batch retires, order its replacement, as many GPUs as the treasury can afford.

    The replacement is the generation of the batch's maker with the most FLOP/s per dollar on the order
    date, at its price then (the batch's own kind without a calendar), in the number that replaces the
    retiring FLOP/s.
    """
    lifetime = proc.compute.lifetime_years * DAYS_PER_YEAR
    yield env.timeout(max(0.0, batch.delivered_days + lifetime - DAYS_PER_YEAR - env.now))
    kind, unit_usd = batch.kind, None
    if proc.start_date is not None:
        today = date_of(proc.start_date, env.now)
        kind = best_generation(proc.lineup.get(batch.kind, (batch.kind,)), today) or batch.kind
        unit_usd = price_at(kind, today)
    wanted = max(1, math.ceil(batch.target * GPUS[batch.kind].peak_flops / GPUS[kind].peak_flops - 1e-9))
    spares, price = order_size(kind, wanted, proc.compute.spare_fraction, unit_usd,
                               facility_capex_factor(proc.compute))
    per_gpu = price / wanted
    target = min(wanted, int(max(0.0, proc.affordable_usd()) // per_gpu))
    if target <= 0:
        proc.log.log(env.now, "procurement", "no-refresh",
                     f"no cash to refresh the {batch.target:,} {batch.kind.upper()} retiring next year", key=True)
        return
    place_order(env, proc, kind, target, unit_usd)
