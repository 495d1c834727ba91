"""Trust: cultural alignment raises use a little; steering outputs toward a preferred narrative erodes trust.

The functional form is an assumption (``calibration.md`` §14), its parameters sampled in the sweep specs:

- the adoption ceiling of the service is ``(1 + alignment_adoption_gain × min(1, s / alignment_steering)) × trust``:
  light steering aligns answers with local culture and law and raises use a little;
- trust starts at its ceiling ``1 − steering_ceiling_loss × s`` (``s = deployment.output_steering``);
- while the service is in production (the public uses it; a pilot's few users rarely expose anything),
  incidents exposing steered answers arrive as a Poisson stream of rate ``incidents_per_year × s``; each
  multiplies trust by ``1 − trust_loss_per_incident``;
- between incidents trust returns toward its ceiling exponentially at ``trust_recovery_per_year``.

With ``s = 0`` there is neither gain nor loss: the service's demand is as without this module.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from sovsim.model.records import DAYS_PER_YEAR, EventLog
from sovsim.scenario.sovereignty import Trust

__all__ = ["PublicTrust", "trust_incidents"]

LOW_TRUST = 0.5  #: the narrative marks when trust falls below this


class PublicTrust:
    """The public's trust in the national model's outputs, in (0, 1]."""

    def __init__(self, params: Trust, steering: float) -> None:
        self.params = params
        self.steering = steering
        self.ceiling = 1.0 - params.steering_ceiling_loss * steering
        self.alignment = 1.0 + params.alignment_adoption_gain * min(1.0, steering / params.alignment_steering)
        self._level = self.ceiling
        self._at = 0.0
        self.incidents = 0
        self.low = False

    def level(self, now: float) -> float:
        """Trust at ``now``: the last level recovering toward the ceiling."""
        if self._level == self.ceiling:  # at the ceiling, as without steering: nothing to recover
            return self.ceiling
        rate = self.params.trust_recovery_per_year / DAYS_PER_YEAR
        return self.ceiling - (self.ceiling - self._level) * math.exp(-rate * max(0.0, now - self._at))

    def adoption_factor(self, now: float) -> float:
        """Multiplier of the service's demand: alignment gain times trust (exactly 1 without steering)."""
        return self.alignment * self.level(now)

    def incident(self, now: float) -> tuple[float, float]:
        """An exposed steered answer: trust before and after."""
        before = self.level(now)
        self._level = before * (1.0 - self.params.trust_loss_per_incident)
        self._at = now
        self.incidents += 1
        return before, self._level


def trust_incidents(env: Any, trust: PublicTrust, serving: Callable[[], bool], rng: np.random.Generator,
                    log: EventLog) -> Any:
    """Incidents exposing steered answers, while the service is in production; the narrative says when trust falls."""
    rate_per_year = trust.params.incidents_per_year * trust.steering
    if rate_per_year <= 0:
        return
    while True:
        yield env.timeout(rng.exponential(DAYS_PER_YEAR / rate_per_year))
        if not serving():
            continue
        before, after = trust.incident(env.now)
        falls_low = after < LOW_TRUST <= before
        log.log(env.now, "deployment", "trust",
                f"steered answers exposed (output steering {trust.steering:g}): trust {before:.2f} → {after:.2f}"
                + ("; below half, users turn to other tools" if falls_low else ""),
                key=falls_low or trust.incidents == 1)
