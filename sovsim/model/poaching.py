"""What a poaching wave does to quits: frontier-lab offers set against each role's own pay.

Outside a wave a person's quit hazard is ``attrition_per_year × (1 + slope × gap)`` with the gap to the local
market, ``gap = 1 − pay / local market pay`` (:class:`sovsim.model.workforce.Team`). During a wave frontier labs
offer ``frontier_lab_pay_usd_per_year`` (grown with market pay), and the gap is taken against that offer when it
is the larger, in the same form::

    hazard in a wave = attrition_per_year × (1 + slope × max(gap, 1 − pay / offer))

so the hazard rises with the ratio of the offer to the person's pay (offer / pay = 1 / (1 − gap)) and is capped
at ``attrition_per_year × (1 + slope)`` however large the offer: a programme that pays more loses fewer people.
:func:`wave_multipliers` gives the factor a wave puts on each role's usual hazard.
"""

from __future__ import annotations

from collections.abc import Sequence

__all__ = ["offer_gap", "wave_multipliers"]


def offer_gap(pay_usd: float, offer_usd: float) -> float:
    """1 − pay / offer, at least 0 (an offer below one's pay tempts nobody)."""
    return max(0.0, 1.0 - pay_usd / offer_usd) if offer_usd > 0 else 0.0


def wave_multipliers(pay_usd: Sequence[float], gaps: Sequence[float], offer_usd: float,
                     gap_slope: float) -> list[float]:
    """Per role, the wave's hazard over the usual hazard: ``(1 + slope × max(gap, offer gap)) / (1 + slope × gap)``.

    ``gaps`` are the roles' usual gaps to the local market (:meth:`sovsim.model.workforce.Team.salary_gap`).
    Always ≥ 1 and ≤ 1 + ``gap_slope``.
    """
    return [(1.0 + gap_slope * max(gap, offer_gap(pay, offer_usd))) / (1.0 + gap_slope * gap)
            for pay, gap in zip(pay_usd, gaps)]
