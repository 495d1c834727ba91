"""Capability, open-weights supply, bounded frontier and GPU generations: closed forms and invariants.

Closed-form checks compare the capability function with the published fit it is built on (Hoffmann et al.
2022, Approach 3: E = 1.69, A = 406.4, B = 410.7, α = 0.34, β = 0.28, and the compute-optimal exponents it
reports, a ≈ 0.46 for parameters and b ≈ 0.54 for tokens). Invariants hold in every future (Hypothesis).
"""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import sovsim
from sovsim.model.capability import (
    CHINCHILLA,
    continued_log10,
    data_excess,
    effective_log10,
    effective_log10_of_excess,
    local_deficit,
    loss,
    optimal_parameters,
    parameter_excess,
)
from sovsim.model.frontier import Curve
from sovsim.model.gpus import GPUS, available, best_generation, price_at
from sovsim.model.world import World
from sovsim.scenario.schema import Frontier

params = st.floats(1e8, 1e13)
tokens = st.floats(1e9, 1e15)


# -- the capability function against its published form ------------------------------------------------------

def test_the_compute_optimal_exponents_are_the_published_ones():
    # Hoffmann et al. report N_opt ∝ C^0.46 and D_opt ∝ C^0.54 for the parametric fit (Approach 3): the
    # closed form β/(α+β) = 0.452 and α/(α+β) = 0.548 agree to the two digits published.
    slope = math.log10(optimal_parameters(1e25) / optimal_parameters(1e21)) / 4
    assert slope == pytest.approx(0.46, abs=0.01)
    d_slope = math.log10((1e25 / 6 / optimal_parameters(1e25)) / (1e21 / 6 / optimal_parameters(1e21))) / 4
    assert d_slope == pytest.approx(0.54, abs=0.01)


def test_the_loss_of_chinchilla_and_gopher_follows_the_fit():
    # The fit's published parameters: Chinchilla (70B, 1.4T) reaches a lower loss than Gopher (280B, 300B
    # tokens) on about the same compute — the paper's headline — and both lie above the irreducible loss E.
    chinchilla, gopher = loss(70e9, 1.4e12), loss(280e9, 300e9)
    assert CHINCHILLA["E"] < chinchilla < gopher
    assert chinchilla == pytest.approx(1.69 + 406.4 / 70e9**0.34 + 410.7 / 1.4e12**0.28, rel=1e-12)
    # ... so Chinchilla is worth more effective compute than Gopher, though Gopher used about as much
    assert effective_log10(70e9, 1.4e12) > effective_log10(280e9, 300e9)
    assert math.log10(6 * 280e9 * 300e9) == pytest.approx(math.log10(6 * 70e9 * 1.4e12), abs=0.1)


@given(st.floats(1e18, 1e30))
def test_on_the_compute_optimal_frontier_effective_compute_is_6nd(flop):
    n = optimal_parameters(flop)
    assert effective_log10(n, flop / (6 * n)) == pytest.approx(math.log10(flop), abs=1e-9)


@given(params, tokens)
def test_off_the_frontier_effective_compute_never_exceeds_6nd(n, d):
    assert effective_log10(n, d) <= math.log10(6 * n * d) + 1e-9


@given(params, tokens)
def test_effective_compute_from_its_loss_terms_is_the_same_float(n, d):
    """The open-weights supply reuses the terms across a generation's sizes: it must change no result."""
    assert effective_log10_of_excess(parameter_excess(n) + data_excess(d)) == effective_log10(n, d)
    assert loss(n, d) == pytest.approx(CHINCHILLA["E"] + parameter_excess(n) + data_excess(d), rel=1e-15)


@given(params, tokens, st.floats(1.0, 100.0), st.floats(1.0, 100.0))
def test_more_parameters_or_tokens_never_lower_capability(n, d, n_factor, d_factor):
    assert effective_log10(n * n_factor, d) >= effective_log10(n, d) - 1e-12
    assert effective_log10(n, d * d_factor) >= effective_log10(n, d) - 1e-12


@given(st.floats(20.0, 30.0), params, tokens, st.floats(0.0, 1e14), st.floats(0.0, 1e14))
def test_more_own_tokens_never_lower_a_continued_model_and_the_gain_saturates(base, n, d, own, more):
    first = continued_log10(base, n, d, own)
    assert first >= base - 1e-12
    assert continued_log10(base, n, d, own + more) >= first - 1e-12
    # the gain of the data term is bounded: infinite tokens leave only the parameter term
    excess = CHINCHILLA["A"] / n ** CHINCHILLA["alpha"]
    ceiling = base - effective_log10(n, d) + math.log10(6) + (math.log10(_k()) - math.log10(excess)) / _gamma()
    assert continued_log10(base, n, d, own) <= ceiling + 1e-9


def _gamma() -> float:
    a, b = CHINCHILLA["alpha"], CHINCHILLA["beta"]
    return a * b / (a + b)


def _k() -> float:
    a, b, big_a, big_b = CHINCHILLA["alpha"], CHINCHILLA["beta"], CHINCHILLA["A"], CHINCHILLA["B"]
    g = (a * big_a / (b * big_b)) ** (1 / (a + b))
    return big_a * g ** (-a) + big_b * g**b


@given(st.floats(0.0, 5.0), st.floats(0.0, 1e13), st.floats(0.0, 1e13), st.floats(1e8, 1e12))
def test_local_tokens_halve_the_deficit_and_never_raise_it(start, seen, more, half):
    left = local_deficit(start, seen, half)
    assert 0.0 <= left <= start
    assert local_deficit(start, seen + more, half) <= left + 1e-15
    assert local_deficit(start, half, half) == pytest.approx(start / 2, rel=1e-12)


@given(st.sampled_from(["scratch", "continue", "finetune"]), st.floats(1e18, 1e24), st.floats(1.0, 1e4),
       st.floats(1e9, 1e13), st.floats(1.0, 100.0), st.floats(0.0, 3000.0))
def test_more_own_compute_or_tokens_never_lower_a_release(strategy, flops_per_hour, more_compute, plan_tokens,
                                                          more_tokens, day):
    def plan(fph: float, tokens_: float):
        scenario = sovsim.load_scenario("midsize-nation", overrides={
            "model.strategy": strategy, "model.scratch_tokens": tokens_, "model.continue_tokens": tokens_,
            "model.finetune_tokens": tokens_})
        world = World(scenario, 0, 0)
        return world.builder.plan(day, fph)

    base = plan(flops_per_hour, plan_tokens)
    if base is None:  # no open release fits yet
        return
    for other in (plan(flops_per_hour * more_compute, plan_tokens), plan(flops_per_hour, plan_tokens * more_tokens)):
        assert other is not None
        assert other.general_log10 >= base.general_log10 - 1e-12
        assert other.local_log10 >= base.local_log10 - 1e-12
        assert other.local_log10 <= other.general_log10 + 1e-12


# -- the frontier's bound ----------------------------------------------------------------------------------------

@given(st.floats(1.0, 20.0), st.floats(26.0, 28.0), st.floats(27.0, 31.0), st.floats(0.0, 2.0),
       st.floats(1.0, 4.0), st.floats(-400.0, 7300.0), st.floats(0.0, 400.0))
def test_frontier_compute_never_exceeds_the_feasible_ceiling_nor_its_growth_rate(
        growth, start, ceiling, width, ceiling_growth, t, dt_days):
    p = Frontier(compute_growth_per_year=growth, frontier_log10_flop_at_start=start,
                 compute_ceiling_log10_2030_min=ceiling, compute_ceiling_log10_2030_max=ceiling + width,
                 ceiling_growth_per_year=ceiling_growth)
    curve = Curve(p, dt.date(2027, 1, 1), np.random.default_rng(0))
    assert curve.compute_log10(t) <= min(curve.ceiling_log10(t), start + curve.compute_log10_per_day * t) + 1e-9
    fastest = max(curve.compute_log10_per_day, curve.ceiling_log10_per_day)
    assert curve.compute_log10(t + dt_days) - curve.compute_log10(t) <= fastest * dt_days + 1e-9


def test_the_default_frontier_in_2030_lies_in_the_published_feasibility_range():
    # Epoch AI: one campus of 1–5 GW supports 1e28–3e29 FLOP by 2030; 2e29 is "likely feasible".
    scenario = sovsim.load_scenario("midsize-nation")
    day = (dt.date(2030, 1, 1) - scenario.calendar.start_date).days
    values = [World(scenario, 0, f).curve.compute_log10(day) for f in range(200)]
    assert 28.0 <= min(values) and max(values) <= math.log10(3e29)


# -- the open-weights supply -------------------------------------------------------------------------------------

@given(st.integers(0, 2**16), st.dates(dt.date(2026, 6, 1), dt.date(2030, 12, 31)), st.sampled_from(["", "US", "CN"]))
def test_after_a_cutoff_no_base_released_after_it_is_ever_used(future, cutoff, jurisdiction):
    scenario = sovsim.load_scenario("midsize-nation", overrides={
        "calendar.horizon_years": 5.0, "open_weights.cutoff.date": cutoff,
        "open_weights.cutoff.jurisdiction": jurisdiction, "model.pivot_on": [],
        "data.open_local_deficit_log10": 10.0, "model.first_release_deadline_months": 240.0,
        "staff.minimum_crew_fte": 0.0, "treasury.initial_cash_usd": 1e12})
    world = World(scenario, 1, future).run()
    cutoff_days = (cutoff - scenario.calendar.start_date).days
    for _, plan in world.builder.plans:
        assert plan.base is not None
        if jurisdiction in ("", plan.base.jurisdiction):
            assert plan.base.time_days < cutoff_days
    for release in world.supply.releases:
        if jurisdiction in ("", release.jurisdiction):
            assert release.time_days < cutoff_days


@given(st.integers(0, 2**16))
def test_a_base_exists_is_licensed_and_fits_on_its_run_start_day(future):
    scenario = sovsim.load_scenario("midsize-nation", overrides={
        "calendar.horizon_years": 4.0, "open_weights.excluded_jurisdictions": ["CN"]})
    world = World(scenario, 2, future).run()
    for start, plan in world.builder.plans:
        if plan.base is not None:
            assert plan.base.time_days <= start
            assert plan.base.jurisdiction != "CN" and plan.base.usable
            assert plan.base.parameters <= scenario.model.parameter_count


def test_a_cutoff_makes_stale_deaths_and_pivots_more_likely():
    result = sovsim.compare("midsize-nation", "midsize-nation", futures=60, seed=11,
                            set_a={"calendar.horizon_years": 5.0},
                            set_b={"calendar.horizon_years": 5.0, "open_weights.cutoff.date": "2028-01-01"},
                            workers=2, resamples=10)
    d = result.difference["stale_or_pivoted"]
    assert d > 0.15
    assert (result.rows_b["base_supply_stopped"] >= result.rows_a["base_supply_stopped"]).all() or d > 0


# -- compute buys capability only from scratch -------------------------------------------------------------------

def test_a_larger_cluster_trains_a_more_capable_scratch_model():
    # The run is planned to fit max_run_days: 64 GPUs process ≈3T tokens of an 8B model in 90 days, 4,096 the
    # whole 15T. The Chinchilla form puts the gap at effective_log10(8e9, 15e12) − effective_log10(8e9, ≈3e12).
    at = {}
    for gpus in (64, 4096):
        scenario = sovsim.load_scenario("midsize-nation", overrides={
            "model.strategy": "scratch", "model.pivot_on": [], "compute.gpu_count": gpus,
            "treasury.initial_cash_usd": 1e9, "calendar.horizon_years": 3.0})
        first = [plan.general_log10 - World(scenario, 0, 0).curve.algo_log10(start)
                 for start, plan in World(scenario, 0, 0).run().builder.plans[:1]]
        at[gpus] = first[0]
    flops_64 = 51 * GPUS["h100"].peak_flops * 0.35 * 86400 * 90
    expected_gap = effective_log10(8e9, 15e12) - effective_log10(8e9, flops_64 / (6 * 8e9))
    assert at[4096] - at[64] == pytest.approx(expected_gap, abs=0.02)
    assert expected_gap > 0.3


# -- GPU generations -----------------------------------------------------------------------------------------------

@given(st.dates(dt.date(2019, 1, 1), dt.date(2034, 12, 31)), st.sampled_from(sorted(GPUS)))
def test_no_gpu_is_delivered_before_its_availability_date(start, kind):
    scenario = sovsim.load_scenario("midsize-nation", overrides={
        "calendar.start_date": start, "compute.gpu": kind, "calendar.horizon_years": 3.0,
        "treasury.initial_cash_usd": 1e9, "staff.minimum_crew_fte": 0.0, "compute.lifetime_years": 1.5,
        "model.first_release_deadline_months": 240.0})
    world = World(scenario, 3, 0).run()
    for batch in world.fleet.batches:
        delivered = start + dt.timedelta(days=batch.delivered_days)
        assert delivered >= GPUS[batch.kind].available


@given(st.dates(dt.date(2020, 6, 1), dt.date(2040, 12, 31)))
def test_a_refresh_buys_an_available_generation_with_the_best_flops_per_dollar(date):
    kinds = ("a100", "h100", "h200", "b200", "gh200", "b300", "rubin")
    assert best_generation(kinds, dt.date(2020, 5, 1)) is None  # nothing before the A100's first shipments
    best = best_generation(kinds, date)
    assert best is not None and available(best, date)
    for k in kinds:
        if available(k, date):
            assert GPUS[best].peak_flops / price_at(best, date) >= GPUS[k].peak_flops / price_at(k, date)
    assert price_at(best, date + dt.timedelta(days=365)) <= price_at(best, date)
