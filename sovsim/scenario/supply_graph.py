"""The supplier dependency graph as the scenario layer checks it (networkx).

An edge ``u → v`` says u supplies v. A scenario's graph must be acyclic, name only known nodes and
jurisdictions, and let every designer reach the node ``country``. The simulation's routes and availability
(:mod:`sovsim.model.supply`) build on the same graph; this module imports nothing of the model or of the
schema (it reads the sections through the small protocols below), so the schema can check its graph here.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

import networkx as nx

from sovsim.scenario.fields import ScenarioError

__all__ = ["HOME", "COUNTRY", "build_graph", "check_supply"]

HOME = "HOME"  #: the jurisdiction of the country itself
COUNTRY = "country"  #: the node every GPU route ends at


class SupplyNodeLike(Protocol):
    """What the graph reads of a :class:`sovsim.scenario.schema.SupplyNode`."""

    @property
    def kind(self) -> str: ...
    @property
    def jurisdiction(self) -> str: ...
    @property
    def capacity_share(self) -> float: ...
    @property
    def lead_time_weeks_min(self) -> float: ...
    @property
    def lead_time_weeks_max(self) -> float: ...
    @property
    def supplies(self) -> tuple[str, ...]: ...
    @property
    def products(self) -> tuple[str, ...]: ...


class SupplyLike(Protocol):
    """What the graph reads of a :class:`sovsim.scenario.schema.Supply`."""

    @property
    def nodes(self) -> Mapping[str, SupplyNodeLike]: ...


def build_graph(supply: SupplyLike) -> nx.DiGraph:
    """The supplier graph with node attributes (kind, jurisdiction, capacity share, lead times, products)."""
    graph = nx.DiGraph()
    for name, node in supply.nodes.items():
        graph.add_node(name, kind=node.kind, jurisdiction=node.jurisdiction, share=node.capacity_share,
                       lead_min=node.lead_time_weeks_min, lead_max=node.lead_time_weeks_max, products=node.products)
    for name, node in supply.nodes.items():
        for target in node.supplies:
            graph.add_edge(name, target)
    return graph


def check_supply(scenario: Any) -> None:
    """Refuse a graph that is cyclic, names unknown nodes or jurisdictions, or cannot reach the country.

    ``scenario`` is a :class:`sovsim.scenario.schema.Scenario` (its ``supply``, ``export`` and ``compute``).
    """
    nodes: Mapping[str, SupplyNodeLike] = scenario.supply.nodes
    known = set(scenario.export.jurisdictions) | {HOME}
    where = "supply.nodes"
    if COUNTRY not in nodes or nodes[COUNTRY].kind != "country":
        raise ScenarioError(f"{where}.{COUNTRY}", None, "a node named 'country' of kind 'country'", "missing:")
    for name, node in nodes.items():
        if node.jurisdiction not in known:
            raise ScenarioError(f"{where}.{name}.jurisdiction", node.jurisdiction,
                                "one of " + ", ".join(sorted(known)) + " (export.jurisdictions or HOME)",
                                "unknown jurisdiction")
        for target in node.supplies:
            if target not in nodes:
                raise ScenarioError(f"{where}.{name}.supplies", target, "names of nodes in supply.nodes",
                                    "unknown node")
    graph = build_graph(scenario.supply)
    if not nx.is_directed_acyclic_graph(graph):
        cycle = " → ".join(u for u, _ in nx.find_cycle(graph))
        raise ScenarioError(f"{where}", cycle, "an acyclic graph", "the supply graph has a cycle:")
    for name, node in nodes.items():
        if node.products and not nx.has_path(graph, name, COUNTRY):
            raise ScenarioError(f"{where}.{name}.supplies", list(node.supplies),
                                "a chain of suppliers that reaches 'country'", f"{name} has no path to the country:")
    for name, change in scenario.export.schedule.items():
        if change.jurisdiction not in scenario.export.jurisdictions:
            raise ScenarioError(f"export.schedule.{name}.jurisdiction", change.jurisdiction,
                                "one of " + ", ".join(scenario.export.jurisdictions), "unknown jurisdiction")
    c = scenario.compute
    designers = {p for node in nodes.values() for p in node.products}
    if c.gpu not in designers:
        raise ScenarioError("compute.gpu", c.gpu, "a GPU kind that a node of supply.nodes lists in its products",
                            "no supplier makes it:")
    for field, provider in (("cloud_provider", c.cloud_provider), ("sovereign_cloud_provider",
                                                                   c.sovereign_cloud_provider)):
        if provider not in nodes or nodes[provider].kind != "cloud_provider":
            raise ScenarioError(f"compute.{field}", provider, "a node of supply.nodes of kind 'cloud_provider'",
                                "not a cloud provider:")
    if nodes[c.sovereign_cloud_provider].jurisdiction != HOME:
        raise ScenarioError("compute.sovereign_cloud_provider", c.sovereign_cloud_provider,
                            "a cloud provider of jurisdiction HOME", "not on the country's soil:")
