"""Governance lag: months of approval and conformity work before a release and before the production launch.

Under ``eu_ai_act`` every release waits for its general-purpose-AI documentation and review, and a release
whose training run exceeded the systemic-risk threshold (10^25 FLOP) waits longer for evaluations and
notification; the first production launch waits for public approval (procurement, data protection,
security accreditation), which begins when the pilot opens. ``national`` keeps the launch approval and the
release review but has no systemic-risk tier; ``none`` has no lag. Each review's length is gamma-distributed
around its mean.
"""

from __future__ import annotations

import numpy as np

from sovsim.model.records import DAYS_PER_MONTH, EventLog
from sovsim.scenario.sovereignty import Governance

__all__ = ["Reviews", "review_days"]


def review_days(mean_months: float, cv: float, rng: np.random.Generator) -> float:
    """Length of one review: gamma with mean ``mean_months`` and coefficient of variation ``cv``, in days."""
    if mean_months <= 0:
        return 0.0
    if cv * cv < 1e-12:  # no spread (a cv so small its square underflows is none either)
        return mean_months * DAYS_PER_MONTH
    shape = 1.0 / cv**2
    return float(rng.gamma(shape, mean_months * DAYS_PER_MONTH / shape))


class Reviews:
    """The approvals of one programme: a gate before each release and one before the first launch."""

    def __init__(self, params: Governance, rng: np.random.Generator, log: EventLog) -> None:
        self.params, self.rng, self.log = params, rng, log
        self.release_days_total = 0.0
        self.launch_approved_at: float | None = None
        self._launch_until: float | None = None

    def before_release(self, now: float, training_flop: float) -> float:
        """Days of review a release waits for (logged)."""
        p = self.params
        if p.regime == "none":
            return 0.0
        days = review_days(p.release_review_months, p.review_cv, self.rng)
        systemic = p.regime == "eu_ai_act" and training_flop > p.systemic_risk_flop
        if systemic:
            days += review_days(p.systemic_review_months, p.review_cv, self.rng)
        if days > 0:
            what = ("GPAI documentation and systemic-risk review (training run above "
                    f"{p.systemic_risk_flop:.0e} FLOP)" if systemic else
                    "GPAI documentation review" if p.regime == "eu_ai_act" else "release approval")
            self.log.log(now, "governance", "release-review",
                         f"release waits {days / DAYS_PER_MONTH:.1f} months for {what}", key=True)
        self.release_days_total += days
        return days

    def launch_approved(self, now: float) -> bool:
        """Whether the production launch is approved; the first call (when the pilot opens) starts the approval."""
        p = self.params
        if self.launch_approved_at is not None or p.regime == "none":
            return True
        if self._launch_until is None:
            days = review_days(p.launch_review_months, p.review_cv, self.rng)
            self._launch_until = now + days
            if days > 0:
                self.log.log(now, "governance", "launch-review",
                             f"launch approval (procurement, data protection, security) begins with the pilot and "
                             f"takes {days / DAYS_PER_MONTH:.1f} months", key=True)
        if now >= self._launch_until - 1e-9:
            self.launch_approved_at = now
            return True
        return False

