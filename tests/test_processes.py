"""Each process on its own, in tiny scenarios made deterministic by their parameters.

The expected event logs and numbers are derived by hand from the parameters (the derivation is in the
comments), never copied from a run. Where a process is random by nature, its statistics are checked against
theory with a tolerance of about four standard errors.
"""

from __future__ import annotations

import copy
import math

import numpy as np
import pytest

from sovsim.model.capability import continued_log10, effective_log10
from sovsim.model.frontier import Curve
from sovsim.model.gpus import GPUS
from sovsim.model.records import DAYS_PER_MONTH, DAYS_PER_YEAR
from sovsim.model.world import World
from sovsim.scenario import scenario_from_dict
from sovsim.scenario.schema import GPU_KINDS

YEAR = DAYS_PER_YEAR  # 365.25 days
MONTH = DAYS_PER_MONTH  # 30.4375 days

#: Everything switched off or made certain: no elections within 20 years, no quits, no poaching, no pay
#: drift, no consultants, no frontier jumps, no GPUs (and, when a test orders some, no spares, failures,
#: refresh or retirement, delivered on the day they are ordered), no export-rule changes, no price swings or
#: shocks, no serving, and deaths out of reach (no minimum crew, a first-release deadline of 20 years, a
#: local edge of ten decades, 10^6 days before a programme without compute starves, 50 years of pilot).
#: Each test turns on the process it checks.
QUIET = {
    "calendar.start_date": "2027-07-01",
    "treasury.initial_cash_usd": 1e9,
    "treasury.appropriation_usd_per_year": 1e8,
    "treasury.first_election_years": 20.0,
    "treasury.election_cut_probability": 0.0,
    "treasury.election_cancel_probability": 0.0,
    "staff.roles": {"core": {"target_fte": 2, "initial_fte": 2, "public_salary_usd_per_year": 100_000.0,
                             "market_salary_usd_per_year": 100_000.0}},
    "staff.minimum_crew_fte": 0.0,
    "staff.attrition_per_year": 0.0,
    "staff.local_market_pay_factor": 1.0,  # the roles' market salaries are the local market
    "staff.poaching_waves_per_year": 0.0,
    "staff.public_pay_growth_per_year": 0.0,
    "staff.market_pay_growth_per_year": 0.0,
    "staff.time_to_hire_cv": 0.0,
    "staff.hire_success_at_parity": 1.0,
    "staff.ramp_up_months": 0.0,
    "staff.consultant_max_fte": 0.0,
    "frontier.jumps_per_year": 0.0,
    "model.first_release_deadline_months": 240.0,
    "data.open_local_deficit_log10": 10.0, "data.open_deficit_halving_years": 100.0,
    # the frontier on its closed-form trend (no ceiling within reach, no algorithmic draw), runs never capped,
    # and one open family of 1B models every three months, six months behind the frontier, that never stops
    "frontier.algorithmic_uncertainty": 1.0,
    "frontier.compute_ceiling_log10_2030_min": 40.0,
    "frontier.compute_ceiling_log10_2030_max": 40.0,
    "model.max_run_days": 1e6,
    "open_weights.families": {"only": {"jurisdiction": "US", "cadence_months": 3.0, "small_parameters": 1e9,
                                       "mid_parameters": 1e9, "large_parameters": 1e9, "stop_per_year": 0.0}},
    "open_weights.lag_months_min": 6.0,
    "open_weights.lag_months_max": 6.0,
    "open_weights.weights_control_per_year": 0.0,
    "compute.gpu_count": 0,
    "compute.spare_fraction": 0.0,
    "compute.failures_per_gpu_year": 0.0,
    "compute.refresh": False,
    "compute.lifetime_years": 30.0,
    "compute.starved_grace_days": 1e6,
    # one mechanism at a time: no tender, the whole order paid at once, GPUs only (no networking, storage or
    # colocation), by-the-hour rent at the list price, pay without on-costs, fixed checkpoints (tests/test_serving.py
    # covers those)
    "compute.tender_months": 0.0,
    "compute.deposit_fraction": 1.0,
    "compute.networking_capex_share": 0.0,
    "compute.storage_capex_share": 0.0,
    "compute.colocation_usd_per_kw_month": 0.0,
    "compute.contract": "on_demand",
    "compute.on_demand_price_factor": 1.0,
    "compute.checkpoint_hours": 1.0,
    "compute.checkpoint_write_minutes": 1.0,
    "compute.restart_minutes": 15.0,
    "staff.on_cost_fraction": 0.0,
    # one domestic maker of every GPU kind, delivering at once; no export-rule changes
    "supply.nodes": {
        "maker": {"kind": "chip_designer", "jurisdiction": "HOME", "lead_time_weeks_min": 0.0,
                  "lead_time_weeks_max": 0.0, "supplies": ["country"], "products": list(GPU_KINDS)},
        "hyperscaler_us": {"kind": "cloud_provider", "jurisdiction": "abroad", "lead_time_weeks_min": 0.0,
                           "lead_time_weeks_max": 0.0, "supplies": ["country"]},
        "domestic_cloud": {"kind": "cloud_provider", "jurisdiction": "HOME", "lead_time_weeks_min": 0.0,
                           "lead_time_weeks_max": 0.0, "supplies": ["country"]},
        "country": {"kind": "country", "jurisdiction": "HOME", "lead_time_weeks_min": 0.0,
                    "lead_time_weeks_max": 0.0},
    },
    "export.changes_per_year": 0.0,
    "export.jurisdictions": {"abroad": {"change_weight": 1.0, "initial_regime": "open"}},
    "energy.price_daily_amplitude": 0.0,
    "energy.price_seasonal_amplitude": 0.0,
    "energy.carbon_daily_amplitude": 0.0,
    "energy.price_shocks_per_year": 0.0,
    # no serving, no demand noise, and 50 years before a pilot that never goes live is a vanity pilot
    "deployment.serving_share": 0.0,
    "deployment.demand_volatility": 0.0,
    "deployment.max_pilot_years": 50.0,
}


def quiet(**changes):
    """The QUIET scenario with ``changes`` (dotted paths written with ``__`` for ``.``)."""
    # a copy, so that no test can change QUIET
    overrides = copy.deepcopy({**QUIET, **{k.replace("__", "."): v for k, v in changes.items()}})
    return scenario_from_dict({}, overrides)


def run(scenario, seed=0, future=0) -> World:
    return World(scenario, seed, future).run()


def trace(world: World, *processes: str, details: bool = False) -> list[tuple]:
    """(time rounded to a microday, process, kind[, details]) of the logged events of ``processes``."""
    return [(round(e.time_days, 6), e.process, e.kind, *((e.details,) if details else ()))
            for e in world.log.events if not processes or e.process in processes]


def check(x: float, expected: float, rel: float = 1e-12) -> None:
    assert x == pytest.approx(expected, rel=rel, abs=1e-9)


# -- treasury ------------------------------------------------------------------------------------------------

def test_elections_cut_the_appropriation_by_the_drawn_fraction():
    # Cuts are certain and always halve; elections yearly from year 1. The appropriation of a year is paid
    # at its first instant, before an election held at that same instant, so the cut shows from the next
    # year: 8 (yr 1), 8 (yr 2, then cut to 4), 4 (yr 3, cut to 2), 2 (yr 4, cut to 1). 3.5 years: 4 years paid.
    world = run(quiet(calendar__horizon_years=3.5, treasury__initial_cash_usd=1e6,
                      treasury__appropriation_usd_per_year=8e6, treasury__election_cut_probability=1.0,
                      treasury__election_cut_fraction_min=0.5, treasury__election_cut_fraction_max=0.5,
                      treasury__first_election_years=1.0, treasury__election_interval_years=1.0))
    assert trace(world, "treasury", details=True) == [
        (0.0, "treasury", "appropriation", "appropriation $8.0M for year 1"),
        (365.25, "treasury", "appropriation", "appropriation $8.0M for year 2"),
        (365.25, "treasury", "cut", "election 2028 cut the budget 50% ($8.0M → $4.0M a year)"),
        (730.5, "treasury", "appropriation", "appropriation $4.0M for year 3"),
        (730.5, "treasury", "cut", "election 2029 cut the budget 50% ($4.0M → $2.0M a year)"),
        (1095.75, "treasury", "appropriation", "appropriation $2.0M for year 4"),
        (1095.75, "treasury", "cut", "election 2030 cut the budget 50% ($2.0M → $1.0M a year)"),
    ]
    assert world.account.received_cents == (8 + 8 + 4 + 2) * 10**8
    assert world.account.appropriation_usd_per_year == 1e6
    assert [(t, f) for t, _, f in world.account.cuts] == [(365.25, 0.5), (730.5, 0.5), (1095.75, 0.5)]
    row = world.row()
    assert row["budget_cuts"] == 3
    assert row["appropriations_usd"] == 22e6
    assert row["verdict"] == "alive"


def test_an_election_that_keeps_the_budget():
    world = run(quiet(calendar__horizon_years=1.5, treasury__first_election_years=1.0))
    assert trace(world, "treasury") == [(0.0, "treasury", "appropriation"), (365.25, "treasury", "appropriation"),
                                        (365.25, "treasury", "election")]
    assert world.account.cuts == []
    assert world.account.appropriation_usd_per_year == 1e8


def test_hiring_freezes_when_the_reserve_runs_low_and_reopens_after_the_appropriation():
    # Two staff at $120k: $20,000 a month. Appropriation $270k a year, no launch capital; the freeze
    # starts when cash < 3 months of spending ($60k) and lifts when the reserve is back and at least a
    # tenth of the appropriation is free ($270k − $240k = $30k ≥ $27k).
    # Year 1: cash after payday k is 270k − 20k·k: 50k < 60k first at k = 11 (day 334.8125) → freeze.
    # Day 365.25: +270k, then payday 12 → 300k → unfreeze. Year 2 never drops below 80k before the next
    # appropriation.
    world = run(quiet(calendar__horizon_years=1.5, treasury__initial_cash_usd=0.0,
                      treasury__appropriation_usd_per_year=270_000.0,
                      staff__roles={"core": {"target_fte": 2, "initial_fte": 2, "public_salary_usd_per_year": 120e3,
                                             "market_salary_usd_per_year": 120e3}}))
    assert trace(world, "treasury") == [
        (0.0, "treasury", "appropriation"),
        (11 * MONTH, "treasury", "freeze"),
        (365.25, "treasury", "appropriation"),
        (365.25, "treasury", "unfreeze"),
    ]
    frozen = [r.hiring_frozen for r in world.timeline]
    assert frozen[11] is True
    assert frozen[12] is False
    assert world.account.paid_cents["staff"] == 18 * 2_000_000


# -- workforce -------------------------------------------------------------------------------------------------

def test_searches_hire_at_exactly_the_time_to_hire_and_consultants_cover_the_gap():
    # One role, target 3 with 1 in post: two searches open on day 0 and, with a certain hire at pay parity
    # and no spread, both hire on day 50. Consultant contracts are reviewed at payday: 2 come in at the
    # first payday (30.4375) and leave at the payday after the hires (60.875).
    world = run(quiet(calendar__horizon_years=0.5, staff__time_to_hire_days=50.0, staff__consultant_max_fte=4.0,
                      staff__consultant_premium=2.0,
                      staff__roles={"core": {"target_fte": 3, "initial_fte": 1, "public_salary_usd_per_year": 1e5,
                                             "market_salary_usd_per_year": 1e5}}))
    assert trace(world, "workforce") == [
        (MONTH, "workforce", "consultants"),
        (50.0, "workforce", "hire"),
        (50.0, "workforce", "hire"),
        (2 * MONTH, "workforce", "consultants"),
    ]
    hires = [e.details for e in world.log.events if e.kind == "hire"]
    assert hires[0].endswith("2 of 3 in post")
    assert hires[1].endswith("3 of 3 in post")
    end = 0.5 * YEAR
    # staff: 1 person for 50 days, then 3 until the horizon, at $100k a year
    assert world.account.paid_cents["staff"] == pytest.approx(100e3 / YEAR * (50 + 3 * (end - 50)) * 100, abs=6)
    # consultants: 2 at twice the market pay for one month
    assert world.account.paid_cents["consultants"] == pytest.approx(2 * 2 * 100e3 * MONTH / YEAR * 100, abs=1)
    row = world.row()
    assert (row["hires"], row["quits"]) == (2, 0)
    assert [r.headcount for r in world.timeline[:3]] == [1, 1, 3]
    assert [r.consultants_fte for r in world.timeline[:3]] == [0.0, 2.0, 0.0]


def test_new_hires_ramp_up_linearly():
    # Two hires on day 50 with a 3-month ramp (91.3125 days): effective staff = 2 + 2·(t − 50)/91.3125 until
    # day 141.3125, then 4.
    ramp = 3 * MONTH
    world = run(quiet(calendar__horizon_years=0.5, staff__time_to_hire_days=50.0, staff__ramp_up_months=3.0,
                      staff__roles={"core": {"target_fte": 4, "initial_fte": 2, "public_salary_usd_per_year": 1e5,
                                             "market_salary_usd_per_year": 1e5}}))
    for row in world.timeline:
        t = row.time_days
        expected = 2.0 if t < 50 else 2.0 + 2.0 * min(1.0, (t - 50.0) / ramp)
        check(row.effective_fte, expected, rel=1e-12)
        assert row.headcount == (2 if t < 50 else 4)


def test_a_team_without_targets_opens_no_searches():
    world = run(quiet(calendar__horizon_years=1.0,
                      staff__roles={"core": {"target_fte": 0, "initial_fte": 0, "public_salary_usd_per_year": 1e5,
                                             "market_salary_usd_per_year": 1e5}}))
    assert trace(world, "workforce") == []
    assert world.account.paid_cents["staff"] == 0


# -- frontier -----------------------------------------------------------------------------------------------------

def test_frontier_without_jumps_is_the_closed_form_trend():
    scenario = quiet(frontier__frontier_log10_flop_at_start=26.0, frontier__compute_growth_per_year=4.0,
                     frontier__algorithmic_efficiency_per_year=2.5, frontier__open_lag_months=9.0)
    curve = Curve(scenario.frontier)
    slope = math.log10(4.0 * 2.5) / 365.25  # exactly one decade a year
    lag = 9 * MONTH
    for t in (0.0, 1.0, 100.0, 365.25, 1000.0, 3652.5):
        check(curve.frontier_log10(t), 26.0 + slope * t)
        check(curve.open_log10(t), 26.0 + slope * (t - lag))
        check(curve.algo_log10(t), math.log10(2.5) * t / 365.25)
    check(curve.trend_log10_per_month, 1.0 / 12)
    # the timeline carries the same curve (no open family: the alternative is the API tier)
    world = run(quiet(calendar__horizon_years=1.0, frontier__frontier_log10_flop_at_start=26.0,
                      frontier__compute_growth_per_year=4.0, frontier__algorithmic_efficiency_per_year=2.5,
                      frontier__open_lag_months=9.0, open_weights__families={}))
    for row in world.timeline:
        check(row.frontier_log10, 26.0 + slope * row.time_days)
        # the alternative: the open tier less the Chinchilla gap of an 8B model to the 405B flagship class
        tokens = 3.6e13 * 1.5 ** ((row.time_days - lag) / YEAR)
        gap = effective_log10(405e9, tokens) - effective_log10(8e9, tokens)
        check(row.open_log10, 26.0 + slope * (row.time_days - lag) - gap)
    assert trace(world, "frontier") == []


def test_frontier_jumps_are_steps_that_open_weights_follow_after_the_lag():
    curve = Curve(quiet(frontier__open_lag_months=6.0).frontier)
    base = curve.frontier_log10
    trend = curve.trend_log10_per_day
    f0 = base(0.0)
    curve.add_jump(100.0, 0.5, 0)
    curve.add_jump(200.0, 0.25, 1)
    lag = 6 * MONTH
    check(curve.frontier_log10(99.999), f0 + trend * 99.999)
    check(curve.frontier_log10(100.0), f0 + trend * 100.0 + 0.5)   # a jump counts from its instant
    check(curve.frontier_log10(250.0), f0 + trend * 250.0 + 0.75)
    # open weights are the frontier one lag earlier: the jump reaches them exactly one lag later
    check(curve.open_log10(100.0 + lag - 1e-6), f0 + trend * (100.0 - 1e-6))
    check(curve.open_log10(100.0 + lag), f0 + trend * 100.0 + 0.5)
    check(curve.open_log10(200.0 + lag), f0 + trend * 200.0 + 0.75)


# -- lifecycle ---------------------------------------------------------------------------------------------------

H100 = GPUS["h100"]
ALGO = 3.0
LAG = 6 * MONTH
TREND = math.log10(4.6 * ALGO) / YEAR


def lifecycle_scenario(strategy: str, **more):
    """100 H100, a full team, three-month cycles; ``more`` overrides any of it."""
    return quiet(**{**dict(
        calendar__horizon_years=0.5, compute__gpu="h100", compute__gpu_count=100,
        model__training_share=0.5, model__mfu=0.5, model__strategy=strategy, model__parameter_count=1e9,
        model__scratch_tokens=1e12, model__continue_tokens=1e13, model__finetune_tokens=1e11,
        model__data_prep_days=20.0, model__eval_days=10.0, model__release_interval_months=3.0,
        frontier__frontier_log10_flop_at_start=27.0, frontier__compute_growth_per_year=4.6,
        frontier__algorithmic_efficiency_per_year=ALGO, frontier__open_lag_months=6.0), **more})


def open_at(t: float) -> float:
    """The open tier (the frontier six months earlier): also a release's flagship, born at ``t - LAG``."""
    return 27.0 + TREND * (t - LAG)


@pytest.mark.parametrize("strategy", ["scratch", "continue", "finetune"])
def test_release_cycles_follow_the_closed_form(strategy):
    # Full team (capacity 1): data preparation takes data_prep_days. 100 GPUs × training_share 0.5 = 50
    # GPUs. A run takes 6·N·D / (50 · peak · mfu) seconds; then eval_days; cycles start every 3 months.
    tokens = {"scratch": 1e12, "continue": 1e13, "finetune": 1e11}[strategy]
    flops = 6 * 1e9 * tokens
    run_days = flops / (50 * H100.peak_flops * 0.5) / 86400
    interval = 3 * MONTH
    world = run(lifecycle_scenario(strategy))
    phases = sorted(r.time_days for r in world.supply.releases)  # the family's releases (1B, cadence 3 months)
    expected, releases = [], []
    for cycle in range(2):
        start = cycle * interval
        run_start = start + 20.0
        release = run_start + run_days + 10.0
        assert release < (cycle + 1) * interval  # each cycle fits its interval
        if strategy == "scratch":
            capability = effective_log10(1e9, tokens) + math.log10(ALGO) * run_start / YEAR
        else:  # the latest release of the family on the run's start day, six months behind the frontier
            born = max(t for t in phases if t <= run_start)
            base_tokens = 3.6e13 * 1.5 ** (born / YEAR)
            capability = continued_log10(open_at(born), 1e9, base_tokens, tokens)
        expected += [(round(run_start, 6), "lifecycle", "run-start"), (round(release, 6), "lifecycle", "release")]
        releases.append((release, capability))
    assert trace(world, "lifecycle") == expected
    assert len(world.programme.releases) == 2
    for (t, cap), (t_expected, cap_expected) in zip(world.programme.releases, releases, strict=True):
        check(t, t_expected)
        check(cap, cap_expected)
    run_start_details = [e.details for e in world.log.events if e.kind == "run-start"]
    assert all(f"on 50 GPUs ({run_days:.0f} days, 0 interruptions)" in d for d in run_start_details)
    check(world.programme.training_gpu_hours, 2 * 50 * run_days * 24)
    row = world.row()
    assert row["releases"] == 2
    check(row["first_release_years"], releases[0][0] / YEAR)
    check(row["training_gpu_hours"], 2 * 50 * run_days * 24)
    # the timeline shows the latest release's capability from the month after it
    for r in world.timeline:
        done = [cap for t, cap in releases if t <= r.time_days]
        if done:
            check(r.national_log10, done[-1])
            assert r.releases == len(done)
        else:
            assert math.isnan(r.national_log10)


def test_a_half_team_doubles_the_data_preparation():
    # 2 of a target of 4 in post and no hiring within the horizon: capacity 0.5, so 20 days of data work
    # take 40 days; the run then starts on day 40.
    scenario = lifecycle_scenario("continue", staff__time_to_hire_days=3650.0,
                                  staff__roles={"core": {"target_fte": 4, "initial_fte": 2,
                                                         "public_salary_usd_per_year": 1e5,
                                                         "market_salary_usd_per_year": 1e5}})
    world = run(scenario)
    starts = [t for t, _, kind in trace(world, "lifecycle") if kind == "run-start"]
    assert starts[0] == pytest.approx(40.0, abs=1e-9)
    check(world.programme.prep_capacity, 0.5)


def test_training_share_rounds_down_to_whole_gpus_but_keeps_one():
    for count, share, used in ((10, 0.25, 2), (1, 0.1, 1), (7, 1.0, 7)):
        world = run(lifecycle_scenario("finetune", compute__gpu_count=count, model__training_share=share,
                                       calendar__horizon_years=0.2))
        details = [e.details for e in world.log.events if e.kind == "run-start"]
        assert details, (count, share)
        assert f"on {used:,} GPUs" in details[0]


def test_without_gpus_training_waits_forever():
    world = run(quiet(calendar__horizon_years=2.0))
    assert trace(world, "lifecycle") == []
    assert world.programme.stage == "training"
    assert world.row()["releases"] == 0


# -- compute and energy -----------------------------------------------------------------------------------------

def test_capex_is_prepaid_on_day_zero_for_the_whole_order():
    # 64 A100 at $18,500 and 10% spares (ceil(6.4) = 7): 71 GPUs paid when ordered; with a lead time of 0
    # they are delivered the same day and 64 are in service from then on
    world = run(quiet(calendar__horizon_years=0.25, compute__gpu="a100", compute__gpu_count=64,
                      compute__spare_fraction=0.1))
    assert trace(world, "procurement") == [(0.0, "procurement", "order"), (0.0, "procurement", "delivery")]
    assert world.account.paid_cents["capex"] == 71 * 18_500 * 100
    row = world.row()
    assert row["capex_usd"] == 71 * 18_500.0
    assert (row["orders"], row["orders_blocked"], row["gpu_failures"]) == (1, 0, 0)
    assert all(r.gpus == 64 for r in world.timeline[1:])
    assert [b.spares for b in world.fleet.batches] == [7]


def test_the_day_zero_row_shows_the_day_zero_payments_and_contracts():
    # regression: the day-0 row was written before the day-0 processes ran (no capex, no appropriation)
    world = run(quiet(calendar__horizon_years=0.25, compute__gpu="a100", compute__gpu_count=64,
                      treasury__initial_cash_usd=2e6, treasury__appropriation_usd_per_year=1e6))
    first = world.timeline[0]
    assert first.time_days == 0
    assert first.cash_usd == 2e6 + 1e6 - 64 * 18_500
    cloud = run(quiet(calendar__horizon_years=0.25, compute__strategy="sovereign_cloud", compute__rented_gpus=16))
    assert (cloud.timeline[0].rented_gpus, cloud.timeline[0].sovereign) == (16, True)


def test_the_day_zero_row_shows_gpus_delivered_on_day_zero():
    # regression: the day-0 row was written before a delivery with lead time 0
    world = run(quiet(calendar__horizon_years=1.0, compute__gpu_count=8, staff__minimum_crew_fte=2.0))
    assert world.timeline[0].gpus == 8
    assert world.row()["update_capable_months"] == 12


def abroad(regime: str, weeks: float = 10.0, share: float = 1.0) -> dict:
    """Overrides: the one GPU maker sits in the foreign jurisdiction 'abroad' under ``regime``."""
    return {"supply__nodes__maker__jurisdiction": "abroad", "supply__nodes__maker__lead_time_weeks_min": weeks,
            "supply__nodes__maker__lead_time_weeks_max": weeks, "supply__nodes__maker__capacity_share": share,
            "export__jurisdictions__abroad__initial_regime": regime}


def deliveries(world: World) -> list[float]:
    return [round(e.time_days, 6) for e in world.log.events if e.kind == "delivery"]


@pytest.mark.parametrize(("weeks", "share", "days"), [(10.0, 1.0, 70.0), (10.0, 0.5, 78.75), (0.0, 0.2, 0.0)])
def test_lead_time_is_the_route_time_longer_through_small_suppliers(weeks, share, days):
    # lead = weeks × 7 × (1 + 0.25 × (1 − smallest capacity share on the route))
    world = run(quiet(calendar__horizon_years=0.5, compute__gpu_count=8, **abroad("open", weeks, share)))
    assert deliveries(world) == [days]
    assert [r.gpus for r in world.timeline if 0 < r.time_days < days] == [0] * len(
        [r for r in world.timeline if 0 < r.time_days < days])
    assert all(r.gpus == 8 for r in world.timeline if r.time_days > days)


def test_a_licensed_route_adds_the_licence_delay():
    world = run(quiet(calendar__horizon_years=0.5, compute__gpu_count=8, export__licence_delay_days=30.0,
                      **abroad("licensed")))
    assert deliveries(world) == [100.0]


def test_an_order_over_the_cap_is_blocked_then_cancelled_with_a_partial_refund():
    # 64 H100 are 64 H100-equivalents, over a cap of 10: blocked on day 0, cancelled after 100 days of
    # patience with half the price back
    world = run(quiet(calendar__horizon_years=0.5, compute__gpu_count=64, export__cap_h100_eq=10.0,
                      export__order_patience_days=100.0, export__refund_fraction=0.5, **abroad("capped")))
    assert trace(world, "procurement") == [(0.0, "procurement", "order"), (0.0, "procurement", "blocked"),
                                           (100.0, "procurement", "cancel")]
    row = world.row()
    price = 64 * H100.price_usd
    assert row["capex_usd"] == price
    assert row["appropriations_usd"] == 1e8 + price * 0.5
    assert (row["orders"], row["orders_blocked"]) == (1, 1)
    assert all(r.gpus == 0 for r in world.timeline)


def test_an_order_under_the_cap_goes_through():
    world = run(quiet(calendar__horizon_years=0.5, compute__gpu_count=8, export__cap_h100_eq=10.0,
                      **abroad("capped")))
    assert deliveries(world) == [70.0]
    assert world.row()["orders_blocked"] == 0


def test_starved_without_any_compute_after_the_grace():
    world = run(quiet(calendar__horizon_years=1.0, compute__starved_grace_days=100.0))
    assert death(world) == ("starved", 100.0)
    assert world.row()["root_cause"] == "no compute ordered or rented"


def test_starved_when_an_embargo_blocks_the_only_order():
    world = run(quiet(calendar__horizon_years=1.0, compute__gpu_count=8, compute__starved_grace_days=200.0,
                      export__order_patience_days=365.0, **abroad("embargoed")))
    assert death(world) == ("starved", 200.0)
    blocked = [e for e in world.log.events if e.kind == "blocked"]
    assert [e.time_days for e in blocked] == [0.0]
    assert world.row()["root_cause"] == blocked[0].details


def test_an_embargo_revokes_a_foreign_cloud_contract_at_once():
    world = run(quiet(calendar__horizon_years=1.0, compute__strategy="rent", compute__rented_gpus=16,
                      compute__starved_grace_days=60.0, export__jurisdictions__abroad__initial_regime="embargoed"))
    assert trace(world, "compute") == [(0.0, "compute", "contract"), (0.0, "compute", "revoked")]
    assert death(world) == ("starved", 60.0)
    assert world.row()["cloud_usd"] == 0


def test_the_fleet_retires_at_the_end_of_its_life_and_the_programme_starves():
    world = run(quiet(calendar__horizon_years=2.0, compute__gpu_count=8, compute__lifetime_years=0.5,
                      compute__starved_grace_days=30.0))
    assert trace(world, "compute") == [(round(0.5 * YEAR, 6), "compute", "retire")]
    assert death(world) == ("starved", pytest.approx(0.5 * YEAR + 30.0))
    assert world.row()["root_cause"].endswith("retired at end of life")


def test_cloud_rent_is_the_gpu_hours_run_times_the_price():
    # A tenant pays for the GPU-hours it runs: one run of 6·1e9·2e11 FLOP (continued pre-training of the
    # family's 1B base) on the 16 rented H100 at MFU 0.35, at $2 a GPU-hour. Data work 20 days; one cycle a year.
    world = run(quiet(calendar__horizon_years=0.25, compute__strategy="rent", compute__rented_gpus=16,
                      compute__rent_usd_per_gpu_hour=2.0, model__data_prep_days=20.0,
                      model__release_interval_months=12.0))
    run_h = 6 * 1e9 * 2e11 / (16 * H100.peak_flops * 0.35 * 3600)
    assert trace(world, "lifecycle") == [(20.0, "lifecycle", "run-start"),
                                         (round(20.0 + run_h / 24 + 30.0, 6), "lifecycle", "release")]
    assert world.account.paid_cents["cloud"] == pytest.approx(16 * run_h * 2.0 * 100, abs=2)
    row = world.row()
    check(row["training_gpu_hours"], 16 * run_h, rel=1e-9)
    assert row["energy_mwh"] == 0  # the energy of rented GPUs is in the rent
    assert row["capex_usd"] == 0
    assert all(r.rented_gpus == 16 for r in world.timeline)


def test_energy_bill_is_kilowatts_times_hours_times_price():
    # 64 A100 × 400 W × server factor 1.5 × PUE 1.2 × draw 0.5 (idle = busy, so training does not matter)
    # = 23.04 kW; a month is 30.4375 days: 16,830.72 kWh, at $0.25 → $4,207.68 a month. Three months.
    world = run(quiet(calendar__horizon_years=0.25, compute__gpu="a100", compute__gpu_count=64,
                      compute__server_power_factor=1.5, compute__mean_power_fraction=0.5,
                      compute__idle_power_fraction=0.5, energy__pue=1.2, energy__price_usd_per_kwh=0.25,
                      energy__grid_carbon_g_per_kwh=400.0))
    kw = 64 * 400 * 1.5 * 1.2 * 0.5 / 1000
    assert kw == pytest.approx(23.04)
    kwh = kw * 24 * 3 * MONTH
    assert world.account.paid_cents["energy"] == pytest.approx(3 * 420_768, abs=2)
    row = world.row()
    check(row["energy_mwh"], kwh / 1e3, rel=1e-9)
    check(row["co2_t"], kwh * 400 / 1e6, rel=1e-9)
    check(row["gpu_hours"], 64 * 24 * 3 * MONTH, rel=1e-9)


def test_training_draws_the_busy_power_only_while_it_runs():
    # Draw = idle + (busy − idle) × share training. 50 of 100 H100 train for run_days, the rest of the time
    # the fleet idles: kWh = 100 × 700 W × 1.82 × 1.25 / 1000 × 24 × (0.25·T + (0.75 − 0.25)·0.5·run_days·n).
    scenario = lifecycle_scenario("continue", compute__server_power_factor=1.82, compute__mean_power_fraction=0.75,
                                  compute__idle_power_fraction=0.25, energy__pue=1.25, energy__price_usd_per_kwh=0.2)
    world = run(scenario)
    run_days = 6e22 / (50 * H100.peak_flops * 0.5) / 86400
    full_kw = 100 * 700 * 1.82 * 1.25 / 1000
    horizon = 0.5 * YEAR
    kwh = full_kw * 24 * (0.25 * horizon + 0.5 * 0.5 * 2 * run_days)
    check(world.row()["energy_mwh"], kwh / 1e3, rel=1e-9)
    assert world.account.paid_cents["energy"] / 100 == pytest.approx(kwh * 0.2, abs=0.05)


def test_daily_price_swings_average_out_over_whole_days():
    # A constant draw over 1461 days (4 years, whole days) against a price with a ±30% daily cycle costs
    # exactly the flat price: the cycle integrates to zero over every whole day.
    common = dict(calendar__horizon_years=4.0, compute__gpu_count=8, compute__idle_power_fraction=0.75,
                  compute__mean_power_fraction=0.75)
    flat = run(quiet(**common)).row()
    swinging = run(quiet(energy__price_daily_amplitude=0.3, energy__carbon_daily_amplitude=0.3, **common)).row()
    assert swinging["energy_mwh"] == pytest.approx(flat["energy_mwh"], rel=1e-12)
    assert swinging["energy_cost_usd"] == pytest.approx(flat["energy_cost_usd"], abs=0.01 * 49)
    assert swinging["co2_t"] == pytest.approx(flat["co2_t"], rel=1e-9)


def test_staff_bill_is_the_yearly_pay_spread_over_the_months():
    # 2 staff at $100k a year: $16,666.67 each month (rounded to the cent once a month), 6 months.
    world = run(quiet(calendar__horizon_years=0.5))
    assert world.account.paid_cents["staff"] == pytest.approx(200e3 / 2 * 100, abs=6 * 0.5)
    assert world.account.paid_cents["consultants"] == 0


# -- coroner -------------------------------------------------------------------------------------------------------

def death(world: World) -> tuple[str, float]:
    return world.coroner.verdict, world.coroner.death_days


def test_defunded_at_once_by_a_cancelling_election():
    # Cancellation is certain at the first election, 1.5 years in; it has no grace period.
    world = run(quiet(calendar__horizon_years=3.0, treasury__election_cancel_probability=1.0,
                      treasury__first_election_years=1.5))
    assert death(world) == ("defunded", 1.5 * YEAR)
    cancel = [e for e in world.log.events if e.kind == "cancel"]
    assert [(e.time_days, e.process) for e in cancel] == [(1.5 * YEAR, "treasury")]
    row = world.row()
    assert row["death_time_years"] == 1.5
    assert row["root_cause"] == cancel[0].details
    assert row["root_event_date"] == row["death_date"]
    assert row["appropriations_usd"] == 2e8  # years 1 and 2 paid before the cancellation


def test_defunded_by_insolvency_after_the_grace_period():
    # No money at all; the first payday (day 30.4375) pays $16,666.67 of salaries and cash goes negative;
    # 90 days of grace later the programme is defunded.
    world = run(quiet(calendar__horizon_years=3.0, treasury__initial_cash_usd=0.0,
                      treasury__appropriation_usd_per_year=0.0, treasury__insolvency_grace_days=90.0))
    assert death(world) == ("defunded", pytest.approx(MONTH + 90.0))
    assert world.row()["root_cause"] == "spending above the appropriation (structural deficit)"
    assert world.row()["root_event_date"] is None


def test_capex_above_the_launch_capital_defunds_after_the_grace():
    # 100 H100 cost $3.375M against $1M of capital and no appropriation: cash is negative from day 0.
    world = run(quiet(calendar__horizon_years=1.0, treasury__initial_cash_usd=1e6,
                      treasury__appropriation_usd_per_year=0.0, treasury__insolvency_grace_days=30.0,
                      compute__gpu_count=100))
    assert death(world) == ("defunded", pytest.approx(30.0))


@pytest.mark.parametrize("seed", range(4))
def test_hollowed_exactly_grace_days_after_the_quit_that_broke_the_crew(seed):
    # 10 staff, a crew of 8, quits at 4 a year and no hiring within the horizon (ramp 0: effective = head-
    # count). The third quit leaves 7 < 8; the programme is hollowed 60 days after it.
    world = run(quiet(calendar__horizon_years=3.0, staff__minimum_crew_fte=8.0, staff__attrition_per_year=4.0,
                      staff__time_to_hire_days=3650.0, staff__hollowed_grace_days=60.0,
                      staff__roles={"core": {"target_fte": 10, "initial_fte": 10, "public_salary_usd_per_year": 1e5,
                                             "market_salary_usd_per_year": 1e5}}), seed=seed)
    quits = [e.time_days for e in world.log.events if e.kind == "quit"]
    assert len(quits) >= 3
    assert death(world) == ("hollowed", pytest.approx(quits[2] + 60.0, abs=1e-9))


def test_stale_when_open_weights_overtake_a_release():
    # A scratch 1B model of 6e21 FLOP (effective log10 ≈21.6) trails the 1B-class alternative (log10 ≈22.8,
    # less a local deficit of 1 decade) from its release on: stale after 6 months of grace, from the release.
    world = run(lifecycle_scenario("scratch", calendar__horizon_years=3.0, model__scratch_tokens=1e12,
                                   data__open_local_deficit_log10=1.0, model__release_interval_months=12.0))
    release = world.programme.releases[0][0]
    assert world.programme.national_local_log10 < world.builder.alternative_local(release)
    assert death(world) == ("stale", pytest.approx(release + 6 * MONTH, abs=1e-9))
    assert world.row()["root_cause"].startswith("the alternative overtook release 1")


def _no_release_scenario(deadline_months: float, grace_months: float):
    # no data work, so the cycle waits for compute from day 0
    return quiet(calendar__horizon_years=5.0, model__first_release_deadline_months=deadline_months,
                 model__stale_grace_months=grace_months, model__data_prep_days=0.0)


@pytest.mark.parametrize(("deadline", "grace"), [(24.0, 6.0), (24.5, 6.0), (12.0, 0.0), (0.7, 1.3)])
def test_stale_without_gpus_exactly_at_deadline_plus_grace(deadline, grace):
    # No GPUs: training never starts and no release comes; stale from the deadline on, dead after the grace.
    # (regression: the deadline was noticed only at the next monthly round strictly after it)
    world = run(_no_release_scenario(deadline, grace))
    assert death(world) == ("stale", pytest.approx((deadline + grace) * MONTH, abs=1e-9))
    assert "no compute" in world.row()["root_cause"]  # the missing compute is to blame


def test_hollowed_from_day_zero_after_exactly_the_grace():
    # regression: a crew short from day 0 was first noticed at the first monthly round, a month late
    world = run(quiet(calendar__horizon_years=1.0, staff__minimum_crew_fte=5.0, staff__time_to_hire_days=3650.0,
                      staff__hollowed_grace_days=100.0, staff__hiring_plan_grace=False,
                      staff__roles={"core": {"target_fte": 10, "initial_fte": 2, "public_salary_usd_per_year": 1e5,
                                             "market_salary_usd_per_year": 1e5}}))
    assert death(world) == ("hollowed", pytest.approx(100.0))


def test_a_deadline_shorter_than_the_data_work_is_not_blamed_on_quits():
    # 90 days of data work with a full team cannot meet a 0.7-month deadline (21.3 days)
    world = run(quiet(calendar__horizon_years=1.0, compute__gpu_count=8, model__first_release_deadline_months=0.7,
                      model__stale_grace_months=1.0, model__data_prep_days=90.0))
    assert death(world)[0] == "stale"
    assert (world.row()["hires"], world.row()["quits"]) == (0, 0)
    cause = world.row()["root_cause"]
    assert "quits outpaced hiring" not in cause
    assert "team short" not in cause


def test_the_first_death_wins():
    # Cancellation at 1 year and insolvency from day 0 with a 2-year grace: defunded at 1 year by the
    # election, the insolvency never runs out its grace.
    world = run(quiet(calendar__horizon_years=3.0, treasury__initial_cash_usd=0.0,
                      treasury__appropriation_usd_per_year=0.0, treasury__insolvency_grace_days=730.0,
                      treasury__election_cancel_probability=1.0, treasury__first_election_years=1.0))
    assert death(world) == ("defunded", YEAR)
    assert [e.kind for e in world.log.events if e.process == "coroner"] == ["death"]


# -- timeline ---------------------------------------------------------------------------------------------------

def test_timeline_has_no_duplicate_final_row():
    # regression: an end on a month boundary got the monthly row and the final row at the same time
    world = run(quiet(calendar__horizon_years=1.0))
    times = [r.time_days for r in world.timeline]
    assert times == [k * MONTH for k in range(13)]


def test_a_death_on_a_month_boundary_has_one_final_row():
    # cancellation at exactly 18 months (547.875 days)
    world = run(quiet(calendar__horizon_years=3.0, treasury__election_cancel_probability=1.0,
                      treasury__first_election_years=1.5))
    assert [r.time_days for r in world.timeline] == [k * MONTH for k in range(19)]


def test_death_on_day_zero_lived_no_month():
    # regression: a day-0 death counted its only (final) row as a month lived
    # an election on day 0 cancels the programme at once; a domestic cloud and a full crew on that day
    world = run(quiet(calendar__horizon_years=1.0, compute__strategy="sovereign_cloud", compute__rented_gpus=8,
                      staff__minimum_crew_fte=2.0, treasury__election_cancel_probability=1.0,
                      treasury__first_election_years=0.0))
    assert death(world) == ("defunded", 0.0)
    assert world.row()["update_capable_months"] == 0


def test_update_capable_months_count_the_months_of_the_horizon():
    # A domestic cloud and a full crew all year: every one of the 12 months is update-capable, and no more.
    world = run(quiet(calendar__horizon_years=1.0, compute__strategy="sovereign_cloud", compute__rented_gpus=8,
                      staff__minimum_crew_fte=2.0))
    row = world.row()
    assert row["update_capable_months"] == 12
    assert row["sovereign_months"] == 12
    # a foreign cloud is compute, but not on the country's soil
    foreign = run(quiet(calendar__horizon_years=1.0, compute__strategy="rent", compute__rented_gpus=8,
                        staff__minimum_crew_fte=2.0)).row()
    assert (foreign["update_capable_months"], foreign["sovereign_months"]) == (0, 0)


# -- theory: the random processes ------------------------------------------------------------------------------

def test_quits_follow_the_exponential_survival_of_the_attrition_hazard():
    # 100 staff, hazard 0.5 a year, no rehiring: quits in a year ~ Binomial(100, 1 − e^−0.5).
    p = 1 - math.exp(-0.5)
    futures = 40
    quits = [run(quiet(calendar__horizon_years=1.0, staff__attrition_per_year=0.5, staff__time_to_hire_days=3650.0,
                       staff__roles={"core": {"target_fte": 100, "initial_fte": 100,
                                              "public_salary_usd_per_year": 1e3,
                                              "market_salary_usd_per_year": 1e3}}), seed=7, future=f).team.quits
             for f in range(futures)]
    mean, se = 100 * p, math.sqrt(100 * p * (1 - p) / futures)
    assert abs(np.mean(quits) - mean) < 4 * se


def test_a_pay_gap_raises_the_quit_hazard_by_the_slope():
    # Pay half the market (gap 0.5) with slope 2: hazard 0.2 × (1 + 2 × 0.5) = 0.4 a year.
    p = 1 - math.exp(-0.4)
    futures = 40
    quits = [run(quiet(calendar__horizon_years=1.0, staff__attrition_per_year=0.2, staff__attrition_gap_slope=2.0,
                       staff__time_to_hire_days=3650.0,
                       staff__roles={"core": {"target_fte": 100, "initial_fte": 100,
                                              "public_salary_usd_per_year": 500.0,
                                              "market_salary_usd_per_year": 1e3}}), seed=8, future=f).team.quits
             for f in range(futures)]
    assert abs(np.mean(quits) - 100 * p) < 4 * math.sqrt(100 * p * (1 - p) / futures)


@pytest.mark.parametrize("cv", [0.0, 0.5])
def test_search_time_is_the_mean_over_the_hire_chance(cv):
    # 200 searches, each round 10 days on average, a hire with chance 0.5 a round: 20 days on average
    # (geometric rounds × mean round), sd per search √(var) with rounds var (1−p)/p² = 2 and round cv.
    p, mean_round, n = 0.5, 10.0, 200
    world = run(quiet(calendar__horizon_years=1.0, staff__time_to_hire_days=mean_round, staff__time_to_hire_cv=cv,
                      staff__hire_success_at_parity=p,
                      staff__roles={"core": {"target_fte": n, "initial_fte": 0, "public_salary_usd_per_year": 1e3,
                                             "market_salary_usd_per_year": 1e3}}), seed=3)
    times = [e.time_days for e in world.log.events if e.kind == "hire"]
    assert len(times) == n
    # Var(total) = E[rounds]·Var(round) + Var(rounds)·mean_round²
    var = (1 / p) * (cv * mean_round) ** 2 + (1 - p) / p**2 * mean_round**2
    assert abs(np.mean(times) - mean_round / p) < 4 * math.sqrt(var / n)


def test_gpu_failures_are_poisson_at_the_rate_per_gpu_year():
    # 1000 GPUs with 1000 spares (repairs go back to the spares), 0.5 failures per GPU-year, one year:
    # failures ~ Poisson(500) per future
    futures = 5
    scenario = quiet(calendar__horizon_years=1.0, compute__gpu_count=1000, compute__spare_fraction=1.0,
                     compute__failures_per_gpu_year=0.5, compute__repair_days=10.0)
    counts = []
    for f in range(futures):
        world = run(scenario, seed=2, future=f)
        counts.append(world.row()["gpu_failures"])
        assert all(r.gpus == 1000 for r in world.timeline[1:])  # spares cover every failure
    assert abs(np.mean(counts) - 500) < 4 * math.sqrt(500 / futures)


def test_export_rule_changes_are_poisson():
    futures, rate = 100, 3.0
    scenario = quiet(calendar__horizon_years=1.0, export__changes_per_year=rate)
    counts = [len([e for e in run(scenario, seed=4, future=f).log.events if e.kind == "regime"])
              for f in range(futures)]
    assert abs(np.mean(counts) - rate) < 4 * math.sqrt(rate / futures)


def test_elections_cut_and_cancel_at_their_probabilities():
    futures = 400
    kinds, fractions = [], []
    scenario = quiet(calendar__horizon_years=0.75, treasury__first_election_years=0.5,
                     treasury__election_cut_probability=0.3, treasury__election_cancel_probability=0.1,
                     treasury__election_cut_fraction_min=0.2, treasury__election_cut_fraction_max=0.6)
    for f in range(futures):
        world = run(scenario, seed=11, future=f)
        kinds += [e.kind for e in world.log.events if e.process == "treasury" and e.kind in ("cut", "cancel",
                                                                                              "election")]
        fractions += [c[2] for c in world.account.cuts]
    assert len(kinds) == futures
    for kind, prob in (("cut", 0.3), ("cancel", 0.1), ("election", 0.6)):
        share = kinds.count(kind) / futures
        assert abs(share - prob) < 4 * math.sqrt(prob * (1 - prob) / futures), kind
    assert all(0.2 <= x <= 0.6 for x in fractions)
    assert abs(np.mean(fractions) - 0.4) < 4 * (0.4 / math.sqrt(12)) / math.sqrt(len(fractions))


def test_frontier_jumps_are_poisson_with_exponential_sizes():
    futures, rate, years, mean_size = 100, 2.0, 3.0, 0.25
    counts, sizes = [], []
    scenario = quiet(calendar__horizon_years=years, frontier__jumps_per_year=rate,
                     frontier__jump_mean_log10=mean_size)
    for f in range(futures):
        world = run(scenario, seed=5, future=f)
        counts.append(len(world.curve.jump_days))
        cum = [0.0, *world.curve.jump_cumsum]
        sizes += [b - a for a, b in zip(cum, cum[1:])]
    lam = rate * years
    assert abs(np.mean(counts) - lam) < 4 * math.sqrt(lam / futures)
    assert abs(np.var(counts) / lam - 1) < 0.5
    assert abs(np.mean(sizes) - mean_size) < 4 * mean_size / math.sqrt(len(sizes))


# -- runs that cannot finish within the future ---------------------------------------------------------------------

class Guarded:
    """A generator that refuses to draw more than ``limit`` numbers at once (a stand-in for running out of
    memory, which the bugs below did: they asked for gigabytes)."""

    def __init__(self, rng: np.random.Generator, limit: int = 10**7) -> None:
        self._rng, self._limit = rng, limit

    def __getattr__(self, name):
        method = getattr(self._rng, name)

        def guarded(*args, size=None, **kwargs):
            assert size is None or np.prod(size) <= self._limit, f"{name}: {size} draws at once"
            return method(*args, size=size, **kwargs) if size is not None else method(*args, **kwargs)
        return guarded


def run_guarded(scenario) -> World:
    world = World(scenario, 0, 0)
    world._rngs = {name: Guarded(rng) for name, rng in world._rngs.items()}
    return world.run()


def test_a_run_far_beyond_the_horizon_stays_small():
    # regression: the failure gaps of the whole run were drawn at once (1.2e9 here, 9 GiB)
    world = run_guarded(quiet(calendar__horizon_years=1.0, compute__gpu="a100", compute__gpu_count=1,
                              compute__failures_per_gpu_year=1.0, model__strategy="scratch",
                              model__parameter_count=1e14, model__scratch_tokens=1e15, model__mfu=0.1))
    assert world.row()["verdict"] == "alive"
    assert world.programme.releases == []


def test_a_run_that_cannot_finish_does_not_eat_the_machine():
    # regression: a run that never progresses quadrupled its array of failure gaps without end
    # spares and one-day repairs keep the fleet up, so the run gets 800 GPUs and 0.9 failures an hour
    world = run_guarded(quiet(calendar__horizon_years=1.0, compute__gpu_count=1000, compute__failures_per_gpu_year=10.0,
                              compute__spare_fraction=1.0, compute__repair_days=1.0, compute__checkpoint_hours=24.0,
                              model__strategy="scratch"))
    assert world.row()["verdict"] == "alive"


def test_a_run_cut_off_at_the_horizon_and_then_lost_keeps_at_most_the_work_it_ran():
    # one A100 for 1.4e5 hours of work, 10 failures a GPU-year, a 2-year future; the GPU retires after a year
    world = run(quiet(calendar__horizon_years=2.0, compute__gpu="a100", compute__gpu_count=1,
                      compute__failures_per_gpu_year=10.0, compute__spare_fraction=1.0, compute__lifetime_years=1.0,
                      model__strategy="scratch", model__parameter_count=1e10, model__scratch_tokens=2.6e12,
                      model__data_prep_days=0.0))
    assert [e.kind for e in world.log.events if e.process == "lifecycle"] == ["run-start", "run-lost"]
    assert world.programme.work_hours <= world.programme.wall_hours
    assert world.row()["goodput"] <= 1


def test_the_guard_lets_ordinary_runs_through():
    world = run_guarded(quiet(calendar__horizon_years=1.0, compute__gpu_count=100, compute__failures_per_gpu_year=1.0,
                              compute__spare_fraction=0.2, model__data_prep_days=20.0))
    assert world.programme.releases
    assert world.row()["interruptions"] >= 0


# -- regressions --------------------------------------------------------------------------------------------------

def test_flat_frontier_row():
    # regression: a flat frontier (growth 1 and efficiency 1, both allowed) has a trend of 0 and the row
    # divided the gap in months by it (ZeroDivisionError)
    world = run(lifecycle_scenario("continue", frontier__compute_growth_per_year=1.0,
                                   frontier__algorithmic_efficiency_per_year=1.0))
    assert world.programme.releases
    row = world.row()
    assert row["releases"] == 2
    assert row["mean_gap_months"] is None or math.isfinite(row["mean_gap_months"])


def test_tiny_consultant_premium_does_not_crash():
    # regression: int(headroom / cost) overflowed for a tiny (valid, ≥ 0) consultant premium
    world = run(quiet(calendar__horizon_years=0.25, staff__consultant_max_fte=1.0, staff__consultant_premium=1e-310,
                      staff__time_to_hire_days=100.0,
                      staff__roles={"core": {"target_fte": 3, "initial_fte": 1, "public_salary_usd_per_year": 1e5,
                                             "market_salary_usd_per_year": 1e5}}))
    assert world.timeline[-1].consultants_fte == 1.0
