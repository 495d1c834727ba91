"""Poaching waves: frontier-lab offers against each role's own pay, through the attrition gap-slope form."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import sovsim
from sovsim.model.poaching import offer_gap, wave_multipliers
from sovsim.model.records import DAYS_PER_YEAR
from sovsim.model.workforce import Team
from sovsim.model.world import World
from sovsim.scenario.schema import Role, Staff

pays = st.floats(min_value=1e3, max_value=5e6, allow_nan=False)
slopes = st.floats(min_value=0.0, max_value=50.0, allow_nan=False)


@given(pays, pays, pays, slopes)
def test_a_wave_never_lowers_the_hazard_and_is_capped(pay: float, market: float, offer: float, slope: float) -> None:
    gap = max(0.0, 1.0 - pay / market)
    [m] = wave_multipliers([pay], [gap], offer, slope)
    assert 1.0 - 1e-12 <= m <= 1.0 + slope + 1e-9
    assert (1.0 + slope * gap) * m <= 1.0 + slope + 1e-9  # the hazard in a wave is at most attrition × (1 + slope)


@given(pays, pays, pays, slopes, st.floats(min_value=1.0, max_value=20.0))
def test_paying_more_never_raises_the_wave_hazard(pay: float, market: float, offer: float, slope: float,
                                                  raise_by: float) -> None:
    """The hazard in a wave, attrition × (1 + slope × gap) × multiplier, falls as pay rises."""
    def hazard(w: float) -> float:
        gap = max(0.0, 1.0 - w / market)
        return (1.0 + slope * gap) * wave_multipliers([w], [gap], offer, slope)[0]

    assert hazard(pay * raise_by) <= hazard(pay) + 1e-9


@given(pays, pays)
def test_the_offer_gap_grows_with_the_ratio_of_offer_to_pay(pay: float, offer: float) -> None:
    assert offer_gap(pay, offer) == pytest.approx(max(0.0, 1.0 - 1.0 / (offer / pay)))


def _team(**staff: float) -> Team:
    params = Staff(roles={"core": Role(40, 40, 100e3, 100e3)}, **staff)  # type: ignore[arg-type]
    return Team(params)


def test_in_a_wave_the_hazard_takes_its_gap_against_the_offer() -> None:
    """Exact: pay at the local market (gap 0), offer 4× pay: hazard × (1 + 2 × 0.75) = × 2.5 during the wave."""
    team = _team(attrition_per_year=0.1, attrition_gap_slope=2.0, local_market_pay_factor=1.0,
                 frontier_lab_pay_usd_per_year=400e3)
    calm = team.quit_rates_per_day()
    assert calm == [pytest.approx(40 * 0.1 / DAYS_PER_YEAR)]
    team.set_poaching(True)
    assert team.quit_rates_per_day() == [pytest.approx(40 * 0.1 * (1 + 2 * 0.75) / DAYS_PER_YEAR)]
    team.raise_pay(0.0)  # the offer grows with market pay, as the local market does
    grown = team.params.frontier_lab_pay_usd_per_year * team.market_index
    pay = 100e3 * team.public_index
    gap = 1 - pay / (100e3 * team.market_index)
    expected = 40 * 0.1 * (1 + 2 * (1 - pay / grown)) / DAYS_PER_YEAR
    assert team.quit_rates_per_day() == [pytest.approx(expected)]
    assert team.hazard_per_day == [pytest.approx(0.1 * (1 + 2 * gap) / DAYS_PER_YEAR)]
    team.set_poaching(False)
    assert team.quit_rates_per_day() == [pytest.approx(40 * team.hazard_per_day[0])]


def test_a_programme_that_pays_more_loses_fewer_people_in_a_wave() -> None:
    low, high = _team(salary_premium=1.0), _team(salary_premium=2.0)
    for team in (low, high):
        team.set_poaching(True)
    assert high.quit_rates_per_day()[0] < low.quit_rates_per_day()[0]


def test_simulated_quits_in_waves_match_the_wave_hazard() -> None:
    """Quits during waves over staff-years in waves ≈ attrition × (1 + slope × (1 − pay/offer)), within 4 s.e."""
    overrides = {"staff.roles": {"core": {"target_fte": 50, "initial_fte": 50, "public_salary_usd_per_year": 1e5,
                                          "market_salary_usd_per_year": 1e5}},
                 "staff.local_market_pay_factor": 1.0, "staff.attrition_per_year": 0.1,
                 "staff.attrition_gap_slope": 2.0, "staff.frontier_lab_pay_usd_per_year": 4e5,
                 "staff.poaching_waves_per_year": 1.0, "staff.poaching_duration_months": 6.0,
                 "staff.public_pay_growth_per_year": 0.0, "staff.market_pay_growth_per_year": 0.0,
                 "staff.minimum_crew_fte": 0.0, "calendar.horizon_years": 4.0,
                 "treasury.election_cut_probability": 0.0, "treasury.election_cancel_probability": 0.0,
                 "treasury.initial_cash_usd": 1e9, "export.changes_per_year": 0.0}
    scenario = sovsim.load_scenario(overrides=overrides)
    quits = 0
    staff_days = 0.0
    for future in range(12):
        world = World(scenario, 3, future).run()
        events = world.log.events
        waves = [(e.time_days, e.time_days + 6.0 * 365.25 / 12) for e in events if e.kind == "poaching"]
        end = world.env.now
        for start, stop in waves:
            stop = min(stop, end)
            inside = [e for e in events if e.process == "workforce" and start <= e.time_days < stop]
            quits += sum(e.kind == "quit" for e in inside)
            # headcount: 50 less the open vacancies; close enough to integrate from the events in post
            n, t = _headcount_at(events, start), start
            for e in inside:
                if e.kind in ("quit", "hire"):
                    staff_days += n * (e.time_days - t)
                    n, t = n + (1 if e.kind == "hire" else -1), e.time_days
            staff_days += n * (stop - t)
    rate = quits / (staff_days / DAYS_PER_YEAR)
    expected = 0.1 * (1 + 2 * 0.75)
    se = expected / math.sqrt(max(quits, 1))
    assert quits > 30
    assert abs(rate - expected) < 4 * se, (rate, expected, quits)


def _headcount_at(events: list, time: float) -> int:
    n = 50
    for e in events:
        if e.time_days >= time:
            break
        if e.kind == "quit":
            n -= 1
        elif e.kind == "hire":
            n += 1
    return int(np.clip(n, 0, 50))
