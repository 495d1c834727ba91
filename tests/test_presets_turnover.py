"""Simulated yearly staff turnover of every preset falls in its cited range (calibration.md §11 turnover ranges).

Ranges (from the rows of calibration.md §6): public sector ≈ 6%/yr (US federal quits) to tech 13.2%/yr (LinkedIn) for the programmes of a public body;
compute-rich, an expatriate workforce, 11%/yr (frontier-lab retention, lower end) to 26%/yr (startups);
apertus-like, a university team on fixed-term doctoral and postdoc contracts, 20–26%/yr (assumption from contract
lengths of 4–5 years, with startups' 26%/yr as the top). The mean over futures must lie in the range within two
standard errors.
"""

from __future__ import annotations

import math

import pytest

import sovsim
from sovsim.scenario.loader import presets

RANGES = {"midsize-nation": (0.06, 0.132), "rented-cloud": (0.06, 0.132), "finetune-lean": (0.06, 0.132),
          "vanity-pilot": (0.06, 0.132), "compute-rich": (0.11, 0.26), "apertus-like": (0.20, 0.26)}
FUTURES = 30


def test_every_preset_has_a_range() -> None:
    assert set(RANGES) == set(presets())


@pytest.mark.parametrize("preset", sorted(RANGES))
def test_simulated_turnover_falls_in_the_cited_range(preset: str) -> None:
    scenario = sovsim.load_scenario(preset)
    turnover = [sovsim.run(scenario, seed=11, future=i).row["staff_turnover"] for i in range(FUTURES)]
    mean = sum(turnover) / FUTURES
    se = math.sqrt(sum((t - mean) ** 2 for t in turnover) / (FUTURES - 1) / FUTURES)
    lo, hi = RANGES[preset]
    assert lo - 2 * se <= mean <= hi + 2 * se, (preset, mean, se)
