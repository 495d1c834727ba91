"""Lead times by GPU generation and order date, against the figures of calibration.md §1."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

import sovsim
from sovsim.model.gpus import GPUS
from sovsim.model.leadtimes import LEAD_CURVES, REFERENCE_WEEKS, lead_time_weeks, market_position, mean_lead_time_weeks
from sovsim.model.supply import SMALL_SUPPLIER_PENALTY, SupplyChain
from sovsim.model.world import World
from sovsim.scenario.schema import GPU_KINDS

QUIET = {"export.changes_per_year": 0.0, "treasury.election_cut_probability": 0.0,
         "treasury.election_cancel_probability": 0.0, "energy.price_shocks_per_year": 0.0}
WEEK = 7.0
#: Open models kept far behind in the country's languages, so that staleness does not end futures early
CURRENT = {"data.open_local_deficit_log10": 5.0, "data.open_deficit_halving_years": 100.0}

kinds = st.sampled_from(sorted(LEAD_CURVES))
dates = st.dates(min_value=dt.date(2015, 1, 1), max_value=dt.date(2045, 12, 31))
draws = st.floats(min_value=0.0, max_value=1.0, exclude_max=True, allow_nan=False)


def test_every_gpu_kind_has_a_curve() -> None:
    assert set(LEAD_CURVES) == set(GPUS) == set(GPU_KINDS)


@given(kinds, dates, draws)
def test_lead_time_is_never_negative_and_lies_between_mature_and_peak(kind: str, date: dt.date, u: float) -> None:
    curve = LEAD_CURVES[kind]
    weeks = lead_time_weeks(kind, date, u)
    assert weeks >= 0
    assert curve.mature_weeks[0] - 1e-9 <= weeks <= curve.peak_weeks[1] + 1e-9
    assert market_position(kind, date, u) >= 0


@given(kinds, dates, dates, draws)
def test_a_later_order_never_waits_longer(kind: str, a: dt.date, b: dt.date, u: float) -> None:
    """Past the peak the lead time only falls: for the same draw, and so in expectation too."""
    early, late = min(a, b), max(a, b)
    assert lead_time_weeks(kind, late, u) <= lead_time_weeks(kind, early, u) + 1e-9
    assert mean_lead_time_weeks(kind, late) <= mean_lead_time_weeks(kind, early) + 1e-9


@given(kinds, dates)
def test_the_mean_is_the_average_over_draws(kind: str, date: dt.date) -> None:
    grid = [lead_time_weeks(kind, date, (i + 0.5) / 200) for i in range(200)]
    assert sum(grid) / len(grid) == pytest.approx(mean_lead_time_weeks(kind, date), rel=1e-9)


@given(st.sampled_from(sorted(GPU_KINDS)), st.floats(min_value=0.0, max_value=1.5, allow_nan=False),
       st.sets(st.sampled_from(["US", "TW", "KR"])))
def test_a_route_lead_time_is_never_negative(kind: str, position: float, embargoed: set[str]) -> None:
    chain = SupplyChain.of(sovsim.load_scenario().supply)
    route = chain.best_route(kind, frozenset(embargoed), position)
    if route is not None:
        assert route.lead_weeks(position) >= 0


def test_h100_peak_matches_omdia_2023() -> None:
    """calibration.md §1 lead time 2023: H100 servers 36–52 weeks (Omdia, Nov 2023)."""
    date = dt.date(2023, 11, 15)
    assert lead_time_weeks("h100", date, 0.0) == pytest.approx(36.0)
    assert lead_time_weeks("h100", date, 1.0 - 1e-12) == pytest.approx(52.0)


def test_h100_orders_in_2024_match_the_cited_ranges() -> None:
    """calibration.md §1: 3–4 months early in 2024 (Feb), 8–12 weeks from OEMs by Apr 2024 and after.

    Tolerance: a tenth of a range's ends (the reports give rounded ranges, not exact dates).
    """
    feb = mean_lead_time_weeks("h100", dt.date(2024, 2, 15))
    assert 3 * 30.44 / WEEK * 0.9 <= feb <= 4 * 30.44 / WEEK * 1.1
    day = dt.date(2024, 4, 12)
    while day <= dt.date(2024, 12, 31):
        for u in (0.0, 0.25, 0.5, 0.75, 1.0 - 1e-12):
            assert 8.0 * 0.9 <= lead_time_weeks("h100", day, u) <= 12.0 * 1.15
        day += dt.timedelta(days=7)
    assert 8.0 <= mean_lead_time_weeks("h100", dt.date(2024, 6, 1)) <= 12.0


def test_blackwell_peak_matches_a_year_booked_out() -> None:
    """calibration.md §1 lead time, Blackwell: booked out 12 months in Nov 2024 (±1 month)."""
    assert 48.0 <= mean_lead_time_weeks("b200", dt.date(2024, 11, 15)) <= 56.0
    # lead time decay: 4–10 months (17–43 weeks) in 2026
    assert 17.0 <= mean_lead_time_weeks("b200", dt.date(2026, 3, 1)) <= 43.0


def test_default_nodes_pass_the_generation_lead_time_through() -> None:
    """A route of default-range nodes waits the generation's lead time, times the small-buyer penalty."""
    chain = SupplyChain.of(sovsim.load_scenario().supply)
    date = dt.date(2027, 5, 1)
    for u in (0.0, 0.5, 0.99):
        position = market_position("h100", date, u)
        route = chain.best_route("h100", frozenset(), position)
        assert route is not None
        penalty = 1.0 + SMALL_SUPPLIER_PENALTY * (1.0 - route.bottleneck_share)
        assert route.lead_weeks(position) == pytest.approx(lead_time_weeks("h100", date, u) * penalty)
    assert REFERENCE_WEEKS == (8.0, 52.0)


def test_a_2027_h100_order_waits_the_tender_and_a_mature_lead_time() -> None:
    """An H100 order placed in 2027 waits the tender and 8–12 weeks (× the small-buyer penalty), not a year."""
    scenario = sovsim.load_scenario(overrides={**QUIET, "calendar.horizon_years": 1.5})
    tender_weeks = scenario.compute.tender_months * 30.44 / WEEK
    waits = []
    for future in range(30):
        world = World(scenario, 1, future).run()
        order = world.hardware.proc.orders[0]
        assert order.kind == "h100" and order.status == "delivered"
        delivered = next(e.time_days for e in world.log.events if e.kind == "delivery")
        waits.append((delivered - order.placed_days) / WEEK - tender_weeks)
    assert all(8.0 * 0.99 <= w <= 12.0 * (1 + SMALL_SUPPLIER_PENALTY) + 0.1 for w in waits)
    assert 8.0 <= sum(waits) / len(waits) <= 12.0 * (1 + SMALL_SUPPLIER_PENALTY)


def test_the_same_draw_later_never_delivers_later() -> None:
    """The same future started two years later (a calmer B200 market) is delivered no later after its order."""
    base = {**QUIET, "compute.gpu": "b200", "calendar.horizon_years": 2.0}
    for future in range(10):
        early = World(sovsim.load_scenario(overrides={**base, "calendar.start_date": "2025-01-01"}), 2, future).run()
        late = World(sovsim.load_scenario(overrides={**base, "calendar.start_date": "2027-01-01"}), 2, future).run()
        e, lt = early.hardware.proc.orders[0], late.hardware.proc.orders[0]
        assert e.market_u == lt.market_u
        assert e.position is not None and lt.position is not None and lt.position <= e.position


def test_a_refresh_order_is_placed_at_the_market_of_its_own_date() -> None:
    """The refresh a year before the batch retires is dated by its own order (after its tender), as the first is."""
    from sovsim.model.records import date_of

    overrides = {**QUIET, **CURRENT, "calendar.horizon_years": 6.0, "staff.minimum_crew_fte": 0.0,
                 "treasury.initial_cash_usd": 1e9, "model.stale_grace_months": 120.0}
    scenario = sovsim.load_scenario(overrides=overrides)
    checked = refreshes = 0
    for future in range(10):
        world = World(scenario, 4, future).run()
        placed = [e.time_days for e in world.log.events if e.process == "procurement" and e.kind == "order"]
        for order, when in zip(world.hardware.proc.orders, placed):
            expected = market_position(order.kind, date_of(scenario.calendar.start_date, when), order.market_u)
            assert order.position == pytest.approx(expected)
            checked += 1
        refreshes += len(placed) - 1
    assert checked >= 10 and refreshes > 0  # refresh orders were placed and checked
