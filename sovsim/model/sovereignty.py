"""The sovereignty mechanisms of one world, wired in one place: know-how, trust, governance, residency, allocation.

:class:`Mechanisms` builds the actors of :mod:`knowhow`, :mod:`trust` and :mod:`governance`, sets the hooks
they need in the lifecycle (a release waits for its review), the service (the launch waits for its
approval; demand follows alignment and trust) and the team (consultant rates and release work follow the
know-how), adds the coroner's ``museum`` condition, and writes its timeline columns and result-row fields.
Residency is computed by the service itself (:mod:`residency`); allocations live with the hardware.
"""

from __future__ import annotations

from typing import Any

from sovsim.model.coroner import Condition, Diagnosis
from sovsim.model.governance import Reviews
from sovsim.model.knowhow import KnowHow
from sovsim.model.records import DAYS_PER_MONTH
from sovsim.model.trust import PublicTrust, trust_incidents

__all__ = ["Mechanisms"]


class Mechanisms:
    """Know-how, trust and governance of one world, and their hooks into the other processes."""

    def __init__(self, world: Any) -> None:
        """``world``: the :class:`sovsim.model.world.World` being built (not imported: it imports this module)."""
        s = world.scenario
        self.world = world
        self.knowhow = KnowHow(s.staff, world.team, world.log)
        self.trust = PublicTrust(s.trust, s.deployment.output_steering)
        self.reviews = Reviews(s.governance, world._rngs["governance"], world.log)
        world.programme.release_gate = self.reviews.before_release
        world.service.launch_gate = self.reviews.launch_approved
        world.service.adoption_factor = self.trust.adoption_factor

    def add_conditions(self) -> None:
        """The coroner's ``museum``: serving, paid, and no release for months while consultants hold the know-how."""
        self.world.coroner.add(Condition("museum", "museum", 0.0, self._museum, self._why_museum))

    def start(self) -> None:
        w = self.world
        in_production = lambda: w.service.stage == "production"  # noqa: E731 - the public sees a production service
        w.env.process(trust_incidents(w.env, self.trust, in_production, w._rngs["trust"], w.log))
        # the launch approval runs alongside the pilot, from the first release
        w._first_release.callbacks.append(lambda _event: self._start_launch_review())

    def _start_launch_review(self) -> None:
        self.reviews.launch_approved(self.world.env.now)

    def month(self, now: float) -> None:
        self.knowhow.update(now)

    def _last_release_days(self) -> float:
        releases = self.world.programme.releases
        return releases[-1][0] if releases else 0.0

    def _museum(self, now: float) -> bool:
        w = self.world
        if w.service.stage == "none" or w.account.cash_cents < 0:
            return False
        return self.knowhow.museum(now, self._last_release_days())

    def _why_museum(self, since: float) -> Diagnosis:
        releases = self.world.programme.releases
        last = self.world.log.date(releases[-1][0]) if releases else "the start"
        return self.knowhow.why_museum(since, last)

    def timeline(self, now: float) -> tuple[float, float, float, float]:
        service = self.world.service
        return (service.residency_offered_tokens, service.residency_served_tokens, self.trust.level(now),
                self.knowhow.share)

    def row(self, end: float) -> dict[str, Any]:
        w = self.world
        alloc = w.hardware.allocation
        return {
            "residency_demand_offered_tokens": w.service.residency_offered_tokens,
            "residency_demand_served_tokens": w.service.residency_served_tokens,
            "allocation_lost": int(alloc is not None and alloc.lost),
            "allocation_awards": 0 if alloc is None else alloc.awards,
            "trust_incidents": self.trust.incidents,
            "final_trust": self.trust.level(end),
            "max_consultant_knowhow_share": self.knowhow.max_share,
            "governance_months": self.reviews.release_days_total / DAYS_PER_MONTH,
        }
