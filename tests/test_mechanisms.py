"""Mechanism tests: each cause moves the outcomes the way it implies, on paired futures.

Two kinds of check:

* **exact**, where a mechanism must hold in every future or every state (Hypothesis over random scenarios or
  inputs): a higher salary premium never raises a quit hazard; with no export-rule change a tenant is never cut
  off; without failures no run is interrupted; …
* **aggregate**, where a lever changes a future's path so much that only the share of an outcome over many
  futures can be compared. Both policies run the same futures (same seed and index: common random numbers), so
  the per-future differences ``d_i = outcome_B(i) − outcome_A(i)`` are paired. A mechanism "does not make X
  more likely" when the mean difference is at most ``Z`` standard errors above zero, ``mean(d) ≤ Z · sd(d)/√n``;
  with ``Z = 3`` a lever with no effect fails that check with probability ≈ 0.13% (one-sided normal tail; the
  mean of 150–200 bounded differences is close to normal), while a wrong-way shift of a few points of share
  (the size of the effects below) fails it. Where the cause should clearly act, the check is the stronger
  ``mean(d) + Z · se < 0`` (or ``> 0``): the effect is there and in the right direction. When no future
  changes at all (``sd = 0``) the mean must be ≤ 0 exactly.

The seeds are fixed, so every check is reproducible bit for bit.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from strategies import overrides, seeds

import sovsim
from sovsim import checkpointing
from sovsim.model import lifecycle
from sovsim.model.frontier import Curve
from sovsim.model.workforce import Team
from sovsim.model.world import World
from sovsim.scenario.schema import Frontier, Role, Staff

Z = 3.0  #: one-sided tolerance, in standard errors of the paired mean difference
SEED = 2027


def paired(preset: str, lever: dict, base: dict | None = None, futures: int = 200,
           horizon_years: float = 10.0) -> sovsim.comparison.Comparison:
    """``preset`` (with ``base``) against the same with ``lever`` on top, on the same futures.

    The horizon is cut where the mechanism acts early, to keep the suite fast; the intervals of ``compare``
    are not used here, so it bootstraps little.
    """
    base = {"calendar.horizon_years": horizon_years, **(base or {})}
    return sovsim.compare(preset, preset, futures=futures, seed=SEED, set_a=base, set_b={**base, **lever},
                          workers=2, resamples=10)


def differences(result, outcome) -> np.ndarray:
    """Per-future ``outcome(B) − outcome(A)``, where ``outcome`` maps a rows frame to numbers (NaN dropped)."""
    d = np.asarray(outcome(result.rows_b), dtype=float) - np.asarray(outcome(result.rows_a), dtype=float)
    return d[~np.isnan(d)]


def verdict_is(*verdicts: str):
    return lambda rows: rows["verdict"].isin(verdicts).to_numpy(dtype=float)


def standard_error(d: np.ndarray) -> float:
    return float(d.std(ddof=1) / math.sqrt(d.size)) if d.size > 1 else 0.0


def not_more(d: np.ndarray) -> bool:
    """The mean difference is not significantly above zero."""
    return float(d.mean()) <= Z * standard_error(d)


def clearly_less(d: np.ndarray) -> bool:
    """The mean difference is significantly below zero."""
    return float(d.mean()) + Z * standard_error(d) < 0


def test_the_tolerance_tells_a_real_shift_from_noise():
    # the checks themselves: no change passes both ways, a 10-point shift in 200 futures is caught
    rng = np.random.default_rng(0)
    same = np.zeros(200)
    assert not_more(same) and not_more(-same) and not clearly_less(same)
    shift = (rng.random(200) < 0.10).astype(float)  # B dies in 10% more futures than A
    assert not not_more(shift)
    assert clearly_less(-shift)


# -- money ----------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("preset", "lever"), [
    ("midsize-nation", {"treasury.appropriation_usd_per_year": 9e6}),
    ("midsize-nation", {"treasury.initial_cash_usd": 40e6}),
    ("finetune-lean", {"treasury.appropriation_usd_per_year": 3e6}),
])
def test_a_larger_budget_does_not_make_defunded_more_likely(preset, lever):
    # seven years: the elections of years 2 and 6 and the refresh of the first fleet (year 4)
    d = differences(paired(preset, lever, futures=120, horizon_years=7.0), verdict_is("defunded"))
    assert not_more(d), (d.mean(), standard_error(d))


@given(overrides(), seeds)
def test_with_ample_cash_and_no_cuts_a_programme_is_never_defunded(values, seed):
    values.update({"treasury.initial_cash_usd": 1e12, "treasury.election_cut_probability": 0.0,
                   "treasury.election_cancel_probability": 0.0})
    world = World(sovsim.load_scenario(overrides=values), seed, 0).run()
    assert world.coroner.verdict != "defunded"


# -- staff ----------------------------------------------------------------------------------------------------

pay = st.floats(20e3, 600e3)


@given(st.lists(st.tuples(pay, pay), min_size=1, max_size=4), st.floats(0.1, 10.0), st.floats(1.0, 2.0),
       st.floats(0.0, 1.0), st.floats(0.0, 5.0), st.floats(0.0, 5.0))
def test_a_larger_salary_premium_never_raises_a_quit_hazard_nor_lowers_a_hire_chance(
        roles, premium, factor, attrition, attrition_slope, hire_slope):
    def team(p: float) -> Team:
        staff = Staff(roles={f"r{i}": Role(1, 1, public, market) for i, (public, market) in enumerate(roles)},
                      salary_premium=min(20.0, p), attrition_per_year=attrition, attrition_gap_slope=attrition_slope,
                      hire_gap_slope=hire_slope, minimum_crew_fte=0.0)
        return Team(staff)

    low, high = team(premium), team(premium * factor)
    for r in range(len(roles)):
        assert high.gaps[r] <= low.gaps[r]
        assert high.hazard_per_day[r] <= low.hazard_per_day[r]
        assert high.hire_chance[r] >= low.hire_chance[r]


#: Open models kept far behind in the country's languages, so that staleness does not end futures before the team does
CURRENT = {"data.open_local_deficit_log10": 5.0, "data.open_deficit_halving_years": 100.0}


@pytest.mark.parametrize(("preset", "base", "lever"), [
    # pay is what the market outbids: attrition above the tech-sector level, a budget that pays the premium
    ("midsize-nation", {"staff.attrition_per_year": 0.2, "treasury.appropriation_usd_per_year": 16e6,
                        "staff.local_market_pay_factor": 1.0, **CURRENT},
     {"staff.salary_premium": 1.5}),
    ("compute-rich", {"staff.attrition_per_year": 0.2, "staff.salary_premium": 1.5, **CURRENT},
     {"staff.salary_premium": 2.5}),
])
def test_a_funded_salary_premium_makes_lost_know_how_less_likely(preset, base, lever):
    # know-how is lost two ways: the crew falls below the minimum (hollowed), or consultants end up holding it
    # while nobody releases (museum)
    d = differences(paired(preset, lever, base, futures=120, horizon_years=6.0), verdict_is("hollowed", "museum"))
    assert clearly_less(d), (d.mean(), standard_error(d))


# -- compute --------------------------------------------------------------------------------------------------

def test_a_higher_export_shock_hazard_does_not_lower_starvation_of_a_tenant():
    d = differences(paired("rented-cloud", {"export.changes_per_year": 8.0}, horizon_years=5.0),
                    verdict_is("starved"))
    assert not_more(-d), (d.mean(), standard_error(d))
    assert clearly_less(-d)  # and it clearly raises it: more rule changes, more embargoes


@given(overrides(), seeds, st.sampled_from(["rent", "sovereign_cloud", "hybrid"]))
def test_without_rule_changes_a_tenant_is_never_starved(values, seed, strategy):
    values.update({"export.changes_per_year": 0.0, "compute.strategy": strategy})
    assume(values["compute.rented_gpus"] > 0)
    world = World(sovsim.load_scenario(overrides=values), seed, 0).run()
    assert world.coroner.verdict != "starved"
    assert not any(e.kind == "revoked" for e in world.log.events)


def test_a_lower_failure_rate_does_not_lower_goodput():
    goodput = lambda rows: rows["goodput"].astype(float).to_numpy()  # noqa: E731
    d = differences(paired("midsize-nation", {"compute.failures_per_gpu_year": 0.05}, futures=60,
                           horizon_years=3.0), goodput)
    assert d.size >= 55
    assert clearly_less(-d), (d.mean(), standard_error(d))


@given(overrides(), seeds)
def test_without_failures_no_run_is_interrupted(values, seed):
    # nor is any time lost, unless checkpoints stall the run or the run loses its GPUs (revoked, retired)
    values.update({"compute.failures_per_gpu_year": 0.0, "compute.checkpoint_write_minutes": 0.0})
    world = World(sovsim.load_scenario(overrides=values), seed, 0).run()
    row = world.row()
    assert row["interruptions"] == 0
    if not any(e.kind == "run-lost" for e in world.log.events):
        assert row["goodput"] in (None, 1.0)


def test_more_gpus_finish_the_same_work_sooner():
    # 4,096 GPU-days of work (a small continued pre-training) on ever larger fleets: more failures an hour,
    # but far less work each; the mean wall-clock time over 300 runs must fall with every doubling
    compute = sovsim.load_scenario().compute
    rng = np.random.default_rng(SEED)
    means = []
    for gpus in (256, 512, 1024, 2048, 4096):
        plan = checkpointing.plan(8e9, gpus, compute.failures_per_gpu_year, compute.storage_bytes_per_s_per_gpu,
                                  compute.restart_minutes, compute.checkpoint_hours, compute.checkpoint_write_minutes)
        walls = [lifecycle._interrupted(4096 * 24.0 / gpus, gpus, compute, plan, rng)[0] for _ in range(300)]
        means.append(float(np.mean(walls)))
    assert means == sorted(means, reverse=True)
    assert all(later < 0.6 * earlier for earlier, later in zip(means, means[1:]))


# -- the frontier ---------------------------------------------------------------------------------------------

@given(st.floats(1.0, 20.0), st.floats(1.0, 3.0), st.floats(1.0, 20.0), st.floats(1.0, 3.0), st.floats(0.0, 24.0),
       st.floats(0.0, 3650.0))
def test_faster_frontier_growth_never_lowers_the_frontier_ahead(compute, compute_factor, algorithms,
                                                                   algorithm_factor, lag_months, t):
    slow = Curve(Frontier(compute_growth_per_year=compute, algorithmic_efficiency_per_year=algorithms,
                          open_lag_months=lag_months))
    fast = Curve(Frontier(compute_growth_per_year=min(100.0, compute * compute_factor),
                          algorithmic_efficiency_per_year=min(100.0, algorithms * algorithm_factor),
                          open_lag_months=lag_months))
    assert fast.frontier_log10(t) >= slow.frontier_log10(t)
    if t >= slow.lag_days:  # open weights before the start are the frontier extrapolated backwards
        assert fast.open_log10(t) >= slow.open_log10(t)


def test_faster_frontier_growth_does_not_make_stale_less_likely():
    d = differences(paired("midsize-nation", {"frontier.compute_growth_per_year": 6.0}, horizon_years=6.0),
                    verdict_is("stale"))
    assert not_more(-d), (d.mean(), standard_error(d))


def test_a_shorter_cadence_keeps_the_model_nearer_the_alternative():
    # Each cycle rebases on the newest open release: a six-month cadence keeps the local edge ahead of the
    # alternative more of the time than a nine-month one. (Staleness now also needs the users to have left, so
    # the stale verdict itself is too rare at 200 futures to carry the test; the months behind are not.)
    result = paired("midsize-nation", {"model.release_interval_months": 6.0}, horizon_years=6.0)
    d = differences(result, lambda rows: rows["mean_open_gap_months"].to_numpy(dtype=float))
    assert clearly_less(d), (d.mean(), standard_error(d))
    assert not_more(differences(result, verdict_is("stale"))), "a faster cadence made stale deaths more likely"


def test_a_slower_erosion_of_the_local_edge_does_not_make_stale_more_likely():
    d = differences(paired("midsize-nation", {"data.open_deficit_halving_years": 30.0}, horizon_years=6.0),
                    verdict_is("stale"))
    assert not_more(d), (d.mean(), standard_error(d))


def test_an_open_weights_cutoff_makes_the_base_supply_stop():
    d = differences(paired("midsize-nation", {"open_weights.cutoff.date": "2028-01-01"}, horizon_years=4.0,
                           futures=100),
                    lambda rows: (rows["base_supply_stopped"] + rows["pivots"].clip(upper=1)).to_numpy(dtype=float))
    assert clearly_less(-d), (d.mean(), standard_error(d))


# -- deployment -----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("target_s", [1.0, 0.02])
def test_a_stricter_latency_target_does_not_lower_vanity_pilots(target_s):
    # the pilot has three years to reach production (deployment.max_pilot_years)
    d = differences(paired("midsize-nation", {"deployment.p95_latency_target_s": target_s}, futures=120,
                           horizon_years=5.0), verdict_is("vanity_pilot"))
    assert not_more(-d), (d.mean(), standard_error(d))
    if target_s == 0.02:  # below the time to first token of one request (prefill of ≈1,500 tokens: ≈0.05 s)
        assert clearly_less(-d)


# -- the budget of a renter -----------------------------------------------------------------------------------

@pytest.mark.parametrize("preset", ["rented-cloud", "apertus-like"])
def test_the_rent_of_a_training_run_does_not_freeze_hiring(preset):
    # Staff and electricity fit the appropriation with room to spare and cash never runs short; the rent of a
    # training run is paid by the GPU-hour while the run lasts, not a yearly running cost, so no freeze.
    scenario = sovsim.load_scenario(preset, {"treasury.initial_cash_usd": 1e9,
                                             "treasury.election_cut_probability": 0.0,
                                             "treasury.election_cancel_probability": 0.0,
                                             "calendar.horizon_years": 4.0})
    for future in range(6):
        world = World(scenario, SEED, future).run()
        runs = [e for e in world.log.events if e.kind == "run-start"]
        assert runs, "a training run on rented GPUs"
        assert [e.details for e in world.log.events if e.kind == "freeze"] == []
