"""The ``[budget]`` section: what the programme asks for each budget year besides its running costs."""

from __future__ import annotations

from dataclasses import dataclass

from sovsim.scenario.fields import Section, param

__all__ = ["Budget"]


@dataclass(frozen=True)
class Budget(Section):
    """The yearly budget request: compute for the next releases at a frontier-relative scale, data, safety."""

    frontier_relative: bool = param(
        True, "Request the compute of next year's releases scaled with the frontier (to keep the same distance "
              "behind it), not the compute of the first release", source="assumption: the plan keeps pace")
    price_performance_per_year: float = param(
        1.25, "Yearly fall of the price of a training FLOP (newer GPUs, cheaper rent)", ge=1, le=10,
        source="calibration.md §1 GPU specs and prices: H100 → B200 2.3× the FLOP/s for ≈1.5× the price in about "
               "two years (≈1.25×/yr)")
    data_usd_per_release: float = param(
        500_000.0, "Post-training and evaluation data bought or annotated for each release", ge=0,
        source="assumption: tens of thousands of annotated examples at $5–50 each")
    safety_usd_per_year: float = param(
        300_000.0, "Safety evaluation, red-teaming and conformity work (AI Act documentation) a year", ge=0,
        source="assumption: two to three FTE of external evaluation and legal work")
