"""Shared Hypothesis strategies: random *valid* scenarios, seeds and futures.

Every field is drawn inside its declared bounds (``sovsim/scenario/schema.py``) and the cross-field checks
are respected (cut fraction min ≤ max, cut + cancel ≤ 1, minimum crew ≤ the sum of role targets), so
``scenario_from_dict`` must accept every draw. Ranges are narrowed only where a value inside the bounds
would make a future slow to simulate (hundreds of elections or quits a month); horizons are short
(0.5–3 years) to keep the suite fast.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from hypothesis import strategies as st

from sovsim.scenario import Scenario, load_scenario
from sovsim.scenario.schema import COMPUTE_STRATEGIES, GPU_KINDS, STRATEGIES

__all__ = ["overrides", "scenarios", "seeds", "futures", "ROLE_NAMES", "roles"]

ROLE_NAMES = ("research", "engineering", "data", "operations", "ml_ops", "Legal-2")

seeds = st.integers(min_value=0, max_value=2**32 - 1)
futures = st.integers(min_value=0, max_value=10_000)


def _f(lo: float, hi: float, **kw: Any) -> st.SearchStrategy[float]:
    return st.floats(min_value=lo, max_value=hi, allow_nan=False, allow_infinity=False, allow_subnormal=False, **kw)


def _zero_or(lo: float, hi: float) -> st.SearchStrategy[float]:
    """0 exactly (a boundary the model treats specially) or a value in [lo, hi]."""
    return st.one_of(st.just(0.0), _f(lo, hi))


@st.composite
def roles(draw: st.DrawFn) -> dict[str, dict[str, Any]]:
    """One to four roles; initial staff may exceed the target (the model caps it at the target)."""
    names = draw(st.lists(st.sampled_from(ROLE_NAMES), min_size=1, max_size=4, unique=True))
    out = {}
    for name in names:
        target = draw(st.integers(0, 30))
        out[name] = {
            "target_fte": target,
            "initial_fte": draw(st.integers(0, target + 3)),
            "public_salary_usd_per_year": draw(_f(20e3, 400e3)),
            "market_salary_usd_per_year": draw(_f(20e3, 600e3)),
        }
    return out


@st.composite
def _treasury(draw: st.DrawFn) -> dict[str, Any]:
    cut = draw(_f(0.0, 1.0))
    cancel = draw(_f(0.0, 1.0).map(lambda u: u * (1.0 - cut)))
    if cut + cancel > 1.0:  # rounding at the edge: keep the sum valid
        cancel = max(0.0, 1.0 - cut - 1e-12)
    lo, hi = sorted(draw(st.lists(_f(0.0, 1.0), min_size=2, max_size=2)))
    return {
        "treasury.initial_cash_usd": draw(_zero_or(1.0, 1e8)),
        "treasury.appropriation_usd_per_year": draw(_zero_or(1.0, 3e7)),
        "treasury.election_interval_years": draw(_f(0.25, 20.0)),
        "treasury.first_election_years": draw(_f(0.0, 20.0)),
        "treasury.election_cut_probability": cut,
        "treasury.election_cancel_probability": cancel,
        "treasury.election_cut_fraction_min": lo,
        "treasury.election_cut_fraction_max": hi,
        "treasury.insolvency_grace_days": draw(_zero_or(1.0, 365.0)),
        "treasury.hiring_freeze_reserve_months": draw(_zero_or(0.5, 12.0)),
    }


@st.composite
def _staff(draw: st.DrawFn) -> dict[str, Any]:
    team = draw(roles())
    targets = sum(r["target_fte"] for r in team.values())
    return {
        "staff.roles": team,
        "staff.salary_premium": draw(_f(0.1, 20.0)),
        "staff.public_pay_growth_per_year": draw(_f(-0.5, 1.0)),
        "staff.market_pay_growth_per_year": draw(_f(-0.5, 1.0)),
        # the hazard may reach 5/yr × (1 + 50 × gap) × 100 within the bounds; keep the quit stream to a
        # few hundred events a future
        "staff.attrition_per_year": draw(_zero_or(0.01, 1.0)),
        "staff.attrition_gap_slope": draw(_f(0.0, 3.0)),
        "staff.time_to_hire_days": draw(_f(5.0, 3650.0)),
        "staff.time_to_hire_cv": draw(_zero_or(0.01, 5.0)),
        "staff.hire_success_at_parity": draw(_f(0.01, 1.0)),
        "staff.hire_gap_slope": draw(_f(0.0, 50.0)),
        "staff.ramp_up_months": draw(_zero_or(0.1, 60.0)),
        "staff.minimum_crew_fte": draw(_f(0.0, 1.0)) * targets,
        "staff.hollowed_grace_days": draw(_zero_or(1.0, 720.0)),
        "staff.poaching_waves_per_year": draw(_zero_or(0.1, 4.0)),
        "staff.frontier_lab_pay_usd_per_year": draw(_f(50e3, 5e6)),
        "staff.local_market_pay_factor": draw(_f(0.3, 1.5)),
        "staff.poaching_duration_months": draw(_f(0.1, 120.0)),
        "staff.consultant_max_fte": draw(_zero_or(0.5, 20.0)),
        "staff.consultant_premium": draw(st.one_of(_f(0.0, 20.0), st.just(1e-310))),  # tiny: no overflow
        "staff.consultant_productivity": draw(_f(0.0, 1.0)),
    }


@st.composite
def _frontier(draw: st.DrawFn) -> dict[str, Any]:
    return {
        "frontier.frontier_log10_flop_at_start": draw(_f(20.0, 35.0)),
        "frontier.compute_growth_per_year": draw(_f(1.0, 100.0)),  # both 1: a flat frontier
        "frontier.algorithmic_efficiency_per_year": draw(_f(1.0, 100.0)),
        "frontier.open_lag_months": draw(_f(0.0, 120.0)),
        "frontier.jumps_per_year": draw(_zero_or(0.1, 12.0)),
        "frontier.jump_mean_log10": draw(_f(0.0, 5.0)),
    }


@st.composite
def _model(draw: st.DrawFn) -> dict[str, Any]:
    return {
        "model.strategy": draw(st.sampled_from(STRATEGIES)),
        "model.parameter_count": draw(_f(1e6, 1e14)),
        "model.scratch_tokens": draw(_f(1e8, 1e15)),
        "model.continue_tokens": draw(_f(1e7, 1e13)),
        "model.finetune_tokens": draw(_f(1e6, 1e11)),
        "model.mfu": draw(_f(0.01, 1.0)),
        "model.training_share": draw(_f(0.01, 1.0)),
        "model.release_interval_months": draw(_f(0.5, 120.0)),
        "model.data_prep_days": draw(_zero_or(1.0, 365.0)),
        "model.eval_days": draw(_zero_or(1.0, 120.0)),
        "data.open_local_deficit_log10": draw(_f(0.0, 10.0)),
        "model.stale_grace_months": draw(_zero_or(0.5, 24.0)),
        "model.accepted_lag_months": draw(_zero_or(0.5, 36.0)),
        "model.first_release_deadline_months": draw(_f(0.5, 240.0)),
    }


@st.composite
def _compute(draw: st.DrawFn) -> dict[str, Any]:
    busy = draw(_f(0.01, 1.0))
    return {
        "compute.strategy": draw(st.sampled_from(COMPUTE_STRATEGIES)),
        "compute.gpu": draw(st.sampled_from(GPU_KINDS)),
        "compute.gpu_count": draw(st.one_of(st.just(0), st.integers(1, 16), st.integers(17, 20_000))),
        "compute.rented_gpus": draw(st.one_of(st.just(0), st.integers(1, 4096))),
        "compute.spare_fraction": draw(_f(0.0, 1.0)),
        "compute.lifetime_years": draw(_f(0.1, 30.0)),
        "compute.refresh": draw(st.booleans()),
        "compute.failures_per_gpu_year": draw(_zero_or(0.01, 10.0)),
        "compute.repair_days": draw(_f(1.0, 365.0)),
        "compute.checkpoint_hours": draw(_f(0.1, 100.0)),
        "compute.restart_minutes": draw(_f(0.0, 600.0)),
        "compute.rent_usd_per_gpu_hour": draw(_f(0.0, 20.0)),
        "compute.sovereign_rent_usd_per_gpu_hour": draw(_f(0.0, 20.0)),
        "compute.rent_decline_per_year": draw(_zero_or(0.01, 0.6)),
        "compute.recontract_days": draw(_f(0.0, 365.0)),
        "compute.starved_grace_days": draw(_f(0.0, 1000.0)),
        "export.tier": draw(st.integers(1, 3)),
        "export.changes_per_year": draw(_zero_or(0.1, 12.0)),
        "export.cap_h100_eq": draw(_f(0.0, 1e5)),
        "export.cap_window_years": draw(_f(0.1, 10.0)),
        "export.licence_delay_days": draw(_f(0.0, 365.0)),
        "export.order_patience_days": draw(_f(0.0, 730.0)),
        "export.refund_fraction": draw(_f(0.0, 1.0)),
        "supply.nodes.dell.lead_time_weeks_max": draw(_f(8.0, 104.0)),
        "supply.nodes.domestic_chip.capacity_share": draw(_f(0.01, 1.0)),
        "compute.server_power_factor": draw(_f(1.0, 5.0)),
        "compute.mean_power_fraction": busy,
        "compute.idle_power_fraction": draw(_f(0.0, 1.0)) * busy,
        "energy.price_usd_per_kwh": draw(_f(0.0, 10.0)),
        "energy.pue": draw(_f(1.0, 5.0)),
        "energy.grid_carbon_g_per_kwh": draw(_f(0.0, 2000.0)),
        "energy.price_daily_amplitude": draw(_f(0.0, 0.99)),
        "energy.price_seasonal_amplitude": draw(_f(0.0, 0.99)),
        "energy.carbon_daily_amplitude": draw(_f(0.0, 0.99)),
        "energy.price_shocks_per_year": draw(_zero_or(0.1, 12.0)),
        "energy.price_shock_multiplier": draw(_f(1.0, 20.0)),
        "energy.price_shock_duration_months": draw(_f(0.1, 120.0)),
    }


@st.composite
def _deployment(draw: st.DrawFn) -> dict[str, Any]:
    return {
        "deployment.pilot_requests_per_day": draw(_f(0.0, 1e5)),
        "deployment.production_max_requests_per_day": draw(_f(1.0, 1e8)),
        "deployment.adoption_growth_per_year": draw(_f(0.01, 50.0)),
        "deployment.adoption_midpoint_years": draw(_f(0.0, 50.0)),
        "deployment.stale_adoption_loss": draw(_f(0.0, 50.0)),
        "deployment.demand_volatility": draw(_zero_or(0.01, 3.0)),
        "deployment.tokens_per_request": draw(_f(1.0, 1e7)),
        "deployment.serving_share": draw(_f(0.0, 1.0)),
        "deployment.gpus_per_replica": draw(st.integers(0, 1024)),
        "deployment.tpot_target_s": draw(_f(0.001, 1.0)),
        "deployment.busy_hour_factor": draw(_f(1.0, 24.0)),
        "deployment.p95_latency_target_s": draw(_f(0.01, 60.0)),
        "deployment.serving_gpus_per_fte": draw(_f(1.0, 1e4)),
        "deployment.alternative_usd_per_mtok": draw(_f(1e-3, 100.0)),
        "deployment.alternative_decline_per_year": draw(_f(1.0, 1000.0)),
        "deployment.sovereignty_premium": draw(_f(0.0, 100.0)),
        "deployment.rollback_grace_months": draw(_f(0.0, 120.0)),
        "deployment.max_pilot_years": draw(_f(0.1, 50.0)),
    }


@st.composite
def _sovereignty(draw: st.DrawFn) -> dict[str, Any]:
    return {
        "deployment.residency_share": draw(_f(0.0, 1.0)),
        "deployment.output_steering": draw(_zero_or(0.01, 1.0)),
        "trust.alignment_adoption_gain": draw(_f(0.0, 2.0)),
        "trust.alignment_steering": draw(_f(0.01, 1.0)),
        "trust.steering_ceiling_loss": draw(_f(0.0, 1.0)),
        "trust.incidents_per_year": draw(_zero_or(0.1, 50.0)),
        "trust.trust_loss_per_incident": draw(_f(0.0, 1.0)),
        "trust.trust_recovery_per_year": draw(_f(0.0, 50.0)),
        "staff.knowhow_transfer_per_year": draw(_f(0.0, 50.0)),
        "staff.consultant_lockin_slope": draw(_f(0.0, 20.0)),
        "staff.museum_knowhow_share": draw(_f(0.01, 1.0)),
        "staff.museum_months": draw(_f(0.5, 240.0)),
        "governance.regime": draw(st.sampled_from(("eu_ai_act", "national", "none"))),
        "governance.release_review_months": draw(_f(0.0, 60.0)),
        "governance.systemic_review_months": draw(_f(0.0, 60.0)),
        "governance.systemic_risk_flop": draw(_f(1e18, 1e27)),
        "governance.launch_review_months": draw(_f(0.0, 120.0)),
        "governance.review_cv": draw(_f(0.0, 5.0)),
        "allocation.calls_per_year": draw(_f(0.1, 52.0)),
        "allocation.acceptance_probability": draw(_f(0.0, 1.0)),
        "allocation.renewal_probability": draw(_f(0.0, 1.0)),
        "allocation.award_gpu_hours": draw(_f(1.0, 1e8)),
        "allocation.partition_gpus": draw(st.integers(1, 20_000)),
        "allocation.period_months": draw(_f(0.1, 120.0)),
        "allocation.decision_days": draw(_f(0.0, 3650.0)),
        "allocation.queue_wait_days": draw(_f(0.0, 365.0)),
        "allocation.initial_award": draw(st.booleans()),
        "allocation.usd_per_gpu_hour": draw(_f(0.0, 20.0)),
        "allocation.consortium_countries": draw(st.integers(1, 100)),
        "allocation.consortium_gpu_hours_per_year": draw(_zero_or(1.0, 1e8)),
    }


@st.composite
def overrides(draw: st.DrawFn, min_horizon_years: float = 0.5, max_horizon_years: float = 3.0) -> dict[str, Any]:
    """A mapping of dotted field paths to valid values, for ``load_scenario(..., overrides=...)``."""
    out: dict[str, Any] = {
        "calendar.horizon_years": draw(_f(min_horizon_years, max_horizon_years)),
        "calendar.start_date": draw(st.dates(dt.date(2000, 1, 1), dt.date(2100, 12, 31))),
    }
    for part in (_treasury(), _staff(), _frontier(), _model(), _compute(), _deployment(), _sovereignty()):
        out.update(draw(part))
    if draw(st.booleans()):
        # Sheltered: most random programmes die within months (a cluster bigger than the launch capital,
        # a crew above the staff in post); half the draws remove the quick deaths so that the later
        # processes (hiring, pay reviews, release cycles, elections) run for the whole horizon.
        out.update({
            "treasury.initial_cash_usd": 1e12,
            "treasury.election_cancel_probability": 0.0,
            "staff.minimum_crew_fte": 0.0,
            "staff.museum_months": 240.0,
            "data.open_local_deficit_log10": 10.0, "data.open_deficit_halving_years": 100.0,
            "model.first_release_deadline_months": 240.0,
            "compute.starved_grace_days": 1e5,
            "deployment.max_pilot_years": 50.0,
        })
    return out


@st.composite
def scenarios(draw: st.DrawFn, min_horizon_years: float = 0.5, max_horizon_years: float = 3.0) -> Scenario:
    """A random valid scenario: the midsize-nation preset with many fields overridden."""
    return load_scenario("midsize-nation", overrides=draw(overrides(min_horizon_years, max_horizon_years)))
