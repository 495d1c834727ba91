"""Properties that hold in every future of every valid scenario (Hypothesis over scenarios and seeds)."""

from __future__ import annotations

import datetime as dt
import math
import tomllib

import pytest
import tomli_w
from hypothesis import given
from hypothesis import strategies as st
from strategies import futures, overrides, scenarios, seeds

from sovsim.model.gpus import GPUS
from sovsim.model.records import DAYS_PER_MONTH, DAYS_PER_YEAR, ROW_FIELDS, VERDICTS
from sovsim.model.world import World
from sovsim.scenario import load_scenario, scenario_from_dict, to_dict


def simulate(scenario, seed, future=0):
    world = World(scenario, seed, future).run()
    return world, world.row()


def same_row(a: dict, b: dict) -> bool:
    """Rows equal key by key, NaN equal to NaN."""
    if list(a) != list(b):
        return False
    for k in a:
        x, y = a[k], b[k]
        if isinstance(x, float) and isinstance(y, float) and math.isnan(x) and math.isnan(y):
            continue
        if x != y or type(x) is not type(y):
            return False
    return True


def cents(usd: float) -> int:
    return round(usd * 100)


# -- money ----------------------------------------------------------------------------------------------

@given(scenarios(), seeds, futures)
def test_money_is_conserved_to_the_cent(scenario, seed, future):
    world, row = simulate(scenario, seed, future)
    acc = world.account
    assert acc.cash_cents - acc.initial_cents == acc.received_cents - sum(acc.paid_cents.values())
    # the same identity on the published row, in whole cents
    assert (cents(row["final_cash_usd"]) - cents(row["initial_cash_usd"])
            == cents(row["appropriations_usd"]) - cents(row["total_cost_usd"]))
    assert cents(row["total_cost_usd"]) == sum(cents(row[k]) for k in
                                               ("capex_usd", "staff_usd", "consultants_usd", "energy_usd"))
    assert cents(row["initial_cash_usd"]) == cents(scenario.treasury.initial_cash_usd)


@given(scenarios(), seeds)
def test_costs_are_non_negative_and_capex_is_the_fleet(scenario, seed):
    world, row = simulate(scenario, seed)
    for key in ("capex_usd", "staff_usd", "consultants_usd", "energy_usd", "appropriations_usd",
                "total_cost_usd", "training_gpu_hours", "energy_mwh", "co2_t"):
        assert row[key] >= 0, key
    price = GPUS[scenario.compute.gpu].price_usd
    assert cents(row["capex_usd"]) == cents(scenario.compute.gpu_count * price)
    assert row["co2_t"] == pytest.approx(row["energy_mwh"] * scenario.energy.grid_carbon_g_per_kwh / 1e3,
                                         rel=1e-9, abs=1e-9)
    # every monthly bill is rounded to the cent once: at most half a cent of drift per bill
    bills = math.ceil(world.env.now / DAYS_PER_MONTH) + 1
    energy_usd = row["energy_mwh"] * 1e3 * scenario.energy.price_usd_per_kwh
    assert abs(row["energy_usd"] - energy_usd) <= 0.005 * bills + 1e-6 * energy_usd


@given(scenarios(), seeds)
def test_appropriations_are_yearly_amounts_never_above_the_first(scenario, seed):
    world, row = simulate(scenario, seed)
    paid = [e for e in world.log.events if e.process == "treasury" and e.kind == "appropriation"]
    years = [e.time_days / DAYS_PER_YEAR for e in paid]
    assert all(y == pytest.approx(round(y), abs=1e-9) for y in years)
    assert len(paid) <= math.floor(world.env.now / DAYS_PER_YEAR + 1e-9) + 1
    assert row["appropriations_usd"] <= len(paid) * scenario.treasury.appropriation_usd_per_year + 0.01 * len(paid)


# -- counts -----------------------------------------------------------------------------------------------

@given(scenarios(), seeds)
def test_counts_never_negative_in_any_timeline_row(scenario, seed):
    world, _ = simulate(scenario, seed)
    targets = [r.target_fte for r in scenario.staff.roles.values()]
    assert world.timeline
    for row, by_role in zip(world.timeline, world.staff_by_role, strict=True):
        assert row.headcount >= 0
        assert row.effective_fte >= 0
        assert row.effective_fte <= row.headcount + 1e-9
        assert 0 <= row.consultants_fte <= scenario.staff.consultant_max_fte
        assert row.gpus >= 0
        assert row.releases >= 0
        assert row.appropriation_usd_per_year >= 0
        assert row.stage in ("data", "training", "evaluation", "waiting")
        assert all(0 <= n <= t for n, t in zip(by_role, targets, strict=True))
        assert sum(by_role) == row.headcount


@given(scenarios(), seeds)
def test_row_counts_match_the_event_log(scenario, seed):
    world, row = simulate(scenario, seed)
    kinds = [(e.process, e.kind) for e in world.log.events]
    assert row["hires"] == kinds.count(("workforce", "hire"))
    assert row["quits"] == kinds.count(("workforce", "quit"))
    assert row["budget_cuts"] == kinds.count(("treasury", "cut"))
    assert row["releases"] == kinds.count(("lifecycle", "release"))
    assert row["frontier_jumps"] == kinds.count(("frontier", "jump"))
    assert row["poaching_waves"] == kinds.count(("workforce", "poaching"))
    initial = sum(min(r.initial_fte, r.target_fte) for r in scenario.staff.roles.values())
    assert world.timeline[-1].headcount == initial + row["hires"] - row["quits"]
    if scenario.compute.gpu_count == 0:
        assert row["releases"] == 0
        assert row["training_gpu_hours"] == 0
        assert row["energy_mwh"] == 0


@given(scenarios(), seeds)
def test_update_capable_months_never_exceed_months_lived(scenario, seed):
    world, row = simulate(scenario, seed)
    months_lived = math.ceil(world.env.now / DAYS_PER_MONTH - 1e-9)
    assert 0 <= row["update_capable_months"] <= months_lived
    if scenario.compute.gpu_count == 0:
        assert row["update_capable_months"] == 0


# -- verdict and death ---------------------------------------------------------------------------------------

@given(scenarios(), seeds, futures)
def test_exactly_one_verdict_and_a_consistent_death(scenario, seed, future):
    world, row = simulate(scenario, seed, future)
    horizon_years = scenario.calendar.horizon_years
    assert row["verdict"] in VERDICTS
    deaths = [e for e in world.log.events if e.process == "coroner" and e.kind == "death"]
    start = scenario.calendar.start_date
    if row["verdict"] == "alive":
        assert deaths == []
        assert row["death_time_years"] is None
        assert row["death_date"] is None
        assert row["root_cause"] == ""
        assert world.env.now == pytest.approx(horizon_years * DAYS_PER_YEAR)
    else:
        assert len(deaths) == 1
        assert deaths[0].details.startswith(row["verdict"] + ": ")
        t = row["death_time_years"]
        # a death can come on day 0 (an election or an insolvency with no grace on the first day)
        assert 0 <= t <= horizon_years
        assert deaths[0].time_days == pytest.approx(t * DAYS_PER_YEAR)
        assert world.env.now == deaths[0].time_days
        assert row["death_date"] == (start + dt.timedelta(days=int(t * DAYS_PER_YEAR + 1e-9))).isoformat()
        assert start.isoformat() <= row["death_date"]
        assert row["root_cause"] != ""
        if row["root_event_date"] is not None:
            assert start.isoformat() <= row["root_event_date"] <= row["death_date"]
    assert row["horizon_years"] == horizon_years
    if row["first_release_years"] is not None:
        assert 0 < row["first_release_years"] <= world.env.now / DAYS_PER_YEAR + 1e-12


# -- reproducibility ------------------------------------------------------------------------------------------

@given(scenarios(), seeds, futures)
def test_same_scenario_seed_future_gives_the_same_row_and_log(scenario, seed, future):
    a, row_a = simulate(scenario, seed, future)
    b, row_b = simulate(scenario, seed, future)
    assert same_row(row_a, row_b)
    assert a.log.events == b.log.events
    assert len(a.timeline) == len(b.timeline)


# -- records ----------------------------------------------------------------------------------------------

@given(scenarios(), seeds)
def test_timeline_is_monthly_and_ends_at_death_or_horizon(scenario, seed):
    world, _ = simulate(scenario, seed)
    times = [r.time_days for r in world.timeline]
    assert times[0] == 0
    # one row at the start of every month lived, then the final row at death or at the horizon
    monthly = times[:-1]
    for k, t in enumerate(monthly):
        assert t == pytest.approx(k * DAYS_PER_MONTH, abs=1e-9)
    assert times[-1] == world.env.now
    assert all(a <= b for a, b in zip(times, times[1:]))
    assert len(monthly) == math.floor(world.env.now / DAYS_PER_MONTH + 1e-9) + 1


@given(scenarios(), seeds)
def test_events_are_sorted_by_time_and_within_the_future(scenario, seed):
    world, _ = simulate(scenario, seed)
    times = [e.time_days for e in world.log.events]
    assert times == sorted(times)
    assert all(0 <= t <= world.env.now for t in times)


@given(scenarios(), seeds)
def test_row_keys_are_the_documented_fields(scenario, seed):
    _, row = simulate(scenario, seed)
    assert list(row) == list(ROW_FIELDS)


# -- scenarios --------------------------------------------------------------------------------------------

@given(scenarios())
def test_scenario_round_trips_through_dict_and_toml(scenario):
    assert scenario_from_dict(to_dict(scenario)) == scenario
    text = tomli_w.dumps(to_dict(scenario))
    assert scenario_from_dict(tomllib.loads(text)) == scenario


@given(overrides())
def test_overrides_are_applied_verbatim(values):
    scenario = load_scenario("midsize-nation", overrides=values)
    plain = to_dict(scenario)
    for path, value in values.items():
        node = plain
        for part in path.split("."):
            node = node[part]
        assert node == value, path


@given(st.sampled_from(["calendar.horizon_years", "staff.salary_premium", "treasury.initial_cash_usd",
                        "compute.gpu_count", "model.strategy"]), st.data())
def test_override_as_text_equals_override_as_value(path, data):
    value = {"calendar.horizon_years": st.floats(0.5, 50), "staff.salary_premium": st.floats(0.01, 20),
             "treasury.initial_cash_usd": st.floats(0, 1e12), "compute.gpu_count": st.integers(0, 10_000_000),
             "model.strategy": st.sampled_from(["scratch", "continue", "finetune"])}[path]
    v = data.draw(value)
    text = f'{path}="{v}"' if isinstance(v, str) else f"{path}={v!r}"
    assert load_scenario(overrides=[text]) == load_scenario(overrides={path: v})
