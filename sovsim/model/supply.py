"""Supply: the supplier dependency graph (networkx), its checks, and the routes a GPU order can take.

An edge ``u → v`` says u supplies v. A node is *available* when its jurisdiction does not embargo the
country and, for every kind of input it takes (foundry, HBM, a chip design…), at least one supplier of that
kind is available. A GPU of kind P can be delivered along a path from a node that designs P to the node
``country`` on which every node is available; among such paths the fastest is taken. A node's lead time
lies in its range at the market position of the order (:func:`sovsim.model.leadtimes.market_position`: the
generation's lead time on the date of the order, placed on the default nodes' range).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

import networkx as nx

from sovsim.scenario.supply_graph import COUNTRY, build_graph, check_supply

if TYPE_CHECKING:
    from sovsim.scenario.schema import Supply, SupplyNode

__all__ = ["build_graph", "check_supply", "Route", "SupplyChain", "COUNTRY"]

SMALL_SUPPLIER_PENALTY = 0.25  #: extra lead time of a route whose smallest supplier has no share (assumption)
#: Node kinds that are not inputs of what they supply (a cloud provider rents; the country receives).
NOT_INPUTS = ("cloud_provider", "country")


@dataclass(frozen=True)
class Route:
    """A path from a designer to the country, its nodes' jurisdictions and its lead-time rule."""

    nodes: tuple[str, ...]
    jurisdictions: frozenset[str]
    lead_min_weeks: tuple[float, ...]
    lead_max_weeks: tuple[float, ...]
    bottleneck_share: float

    def lead_weeks(self, position: float) -> float:
        """Lead time at a market position (0: calm market, 1: the tightest cited; see :mod:`sovsim.model.leadtimes`).

        The slowest node's, up to a quarter longer for a small buyer on a route through small suppliers.
        """
        slowest = max(lo + position * (hi - lo) for lo, hi in zip(self.lead_min_weeks, self.lead_max_weeks))
        return slowest * (1.0 + SMALL_SUPPLIER_PENALTY * (1.0 - self.bottleneck_share))


class SupplyChain:
    """The graph with its routes per GPU kind; availability follows the embargoed jurisdictions.

    A chain never changes once built, so the worlds of one supply graph share it (:meth:`of`), with its
    routes and the availability of each set of embargoes worked out once.
    """

    _shared: ClassVar[dict[tuple[tuple[str, SupplyNode], ...], SupplyChain]] = {}  #: the graph's nodes → chain

    def __init__(self, supply: Supply) -> None:
        self.graph = build_graph(supply)
        self.order = list(nx.topological_sort(self.graph))
        self._available: dict[frozenset[str], frozenset[str]] = {}
        self._routes: dict[str, tuple[Route, ...]] = {}
        self._usable: dict[tuple[str, frozenset[str]], tuple[Route, ...]] = {}

    @classmethod
    def of(cls, supply: Supply) -> SupplyChain:
        """The chain of ``supply``, built once per graph (and per process): the futures of a sweep share it."""
        key = tuple(supply.nodes.items())
        chain = cls._shared.get(key)
        if chain is None:
            if len(cls._shared) >= 64:
                cls._shared.clear()
            chain = cls._shared[key] = cls(supply)
        return chain

    def routes(self, product: str) -> tuple[Route, ...]:
        known = self._routes.get(product)  # per chain: a cache on the method would keep every chain alive
        if known is not None:
            return known
        g = self.graph
        out = []
        for designer in sorted(n for n in g if product in g.nodes[n]["products"]):
            for path in nx.all_simple_paths(g, designer, COUNTRY):
                nodes = tuple(path)
                out.append(Route(nodes, frozenset(g.nodes[n]["jurisdiction"] for n in nodes),
                                 tuple(g.nodes[n]["lead_min"] for n in nodes),
                                 tuple(g.nodes[n]["lead_max"] for n in nodes),
                                 min(g.nodes[n]["share"] for n in nodes)))
        self._routes[product] = tuple(out)
        return self._routes[product]

    def available(self, embargoed: frozenset[str]) -> frozenset[str]:
        """Nodes available when the jurisdictions in ``embargoed`` embargo the country."""
        known = self._available.get(embargoed)
        if known is not None:
            return known
        g = self.graph
        ok: set[str] = set()
        for n in self.order:  # inputs come before what they supply
            if g.nodes[n]["jurisdiction"] in embargoed:
                continue
            if g.nodes[n]["kind"] == "country":  # the destination takes whatever arrives by some route
                ok.add(n)
                continue
            kinds: dict[str, bool] = {}
            for p in g.predecessors(n):
                kind = g.nodes[p]["kind"]
                if kind in NOT_INPUTS:
                    continue
                kinds[kind] = kinds.get(kind, False) or p in ok
            if all(kinds.values()):
                ok.add(n)
        known = self._available[embargoed] = frozenset(ok)
        return known

    def best_route(self, product: str, embargoed: frozenset[str], position: float) -> Route | None:
        """The fastest route at a market position whose nodes are all available, or None."""
        usable = self._usable.get((product, embargoed))
        if usable is None:
            ok = self.available(embargoed)
            usable = self._usable[product, embargoed] = tuple(r for r in self.routes(product)
                                                              if all(n in ok for n in r.nodes))
        if not usable:
            return None
        return min(usable, key=lambda r: (r.lead_weeks(position), -r.bottleneck_share, r.nodes))
