"""Residency-bound demand: the share of the service's demand whose data may not leave the country.

It may be served only on domestic soil — from the owned fleet at home, or under a contract or allocation
whose provider answers to the country itself (jurisdiction HOME). A tenant of a foreign cloud serves none of
it: only the rest of the demand reaches its replicas. What is served is split between the two kinds of
demand in proportion to what was asked of the replicas.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

from sovsim.scenario.schema import HOME

if TYPE_CHECKING:
    from sovsim.model.compute import Fleet

__all__ = ["Split", "split", "serves_on_home_soil"]


class Split(NamedTuple):
    """Requests a day: served in all, residency-bound offered, residency-bound served."""

    served: float
    residency_offered: float
    residency_served: float


def serves_on_home_soil(fleet: Fleet, now: float) -> bool:
    """The service runs on the owned fleet (at home) or under a domestic contract or allocation."""
    if fleet.owned_up(now):
        return True
    c = fleet.contract
    return c is not None and c.active and c.jurisdiction == HOME


def split(requests_per_day: float, capacity_per_day: float, share: float, domestic: bool) -> Split:
    """What the replicas serve of ``requests_per_day``, of which ``share`` is residency-bound."""
    offered = requests_per_day * share
    admissible = requests_per_day if domestic else requests_per_day - offered
    served = min(admissible, max(0.0, capacity_per_day))
    residency_served = served * offered / admissible if domestic and admissible > 0 else 0.0
    return Split(served, offered, residency_served)
