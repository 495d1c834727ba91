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

from sovsim.facility import facility_capex_factor, tender_days
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


def months_begun(end_days: float) -> int:
    """Months whose first day (k · 30.4375, k ≥ 0) comes strictly before ``end_days``."""
    n = int(end_days // DAYS_PER_MONTH)
    return n + 1 if n * DAYS_PER_MONTH < end_days else n


# -- money ----------------------------------------------------------------------------------------------

COSTS = ("capex_usd", "staff_usd", "consultants_usd", "energy_cost_usd", "cloud_usd", "facility_usd")


def check_money_is_conserved_to_the_cent(scenario, world, row):
    acc = world.account
    assert acc.cash_cents - acc.initial_cents == acc.received_cents - sum(acc.paid_cents.values())
    # the same identity on the published row, in whole cents
    assert (cents(row["final_cash_usd"]) - cents(row["initial_cash_usd"])
            == cents(row["appropriations_usd"]) - cents(row["total_cost_usd"]))
    assert cents(row["total_cost_usd"]) == sum(cents(row[k]) for k in COSTS)
    assert cents(row["initial_cash_usd"]) == cents(scenario.treasury.initial_cash_usd)


def check_costs_are_non_negative_and_capex_is_the_orders(scenario, world, row):
    for key in (*COSTS, "appropriations_usd", "total_cost_usd", "gpu_hours", "training_gpu_hours", "energy_mwh",
                "co2_t", "interruptions", "gpu_failures", "orders", "orders_blocked"):
        assert row[key] >= 0, key
    c = scenario.compute
    orders = world.hardware.proc.orders
    assert row["orders"] == len(orders)
    assert row["orders_blocked"] <= row["orders"]
    # a deposit when an order is placed (after its tender), the rest on delivery: capex is what those milestones
    # reached by the end (an order whose tender ends exactly then may or may not have paid its deposit)
    tender = tender_days(c)
    now = world.env.now
    due = [o.price_usd if o.status == "delivered" else
           o.price_usd * c.deposit_fraction if now > o.placed_days + tender + 1e-9 else 0.0 for o in orders]
    edge = [o.price_usd * c.deposit_fraction for o in orders if abs(now - o.placed_days - tender) <= 1e-9]
    paid = row["capex_usd"]
    assert abs(paid - sum(due)) <= 0.01 * len(orders) + 1e-9 or any(
        abs(paid - sum(due) - e) <= 0.01 * len(orders) for e in edge)
    if c.strategy in ("own", "hybrid") and c.gpu_count > 0:
        first = orders[0]
        assert (first.kind, first.target, first.placed_days) == (c.gpu, c.gpu_count, 0.0)
        assert first.spares == math.ceil(c.gpu_count * c.spare_fraction)
        assert first.price_usd == pytest.approx((first.target + first.spares) * GPUS[c.gpu].price_usd
                                                * facility_capex_factor(c))
    else:
        assert orders == []
    if c.strategy == "own" or (c.rented_gpus == 0 and c.strategy != "allocation"):
        assert row["cloud_usd"] == 0
    # GPU-hours: never more than every GPU ever ordered, rented or allocated, working all the time
    allocated = scenario.allocation.partition_gpus if c.strategy == "allocation" else 0
    most = sum(o.target for o in orders) + (allocated if c.strategy == "allocation" else c.rented_gpus)
    assert row["gpu_hours"] <= most * world.env.now * 24 * (1 + 1e-9) + 1e-6
    if row["goodput"] is not None:
        assert 0 <= row["goodput"] <= 1 + 1e-12  # 0: every run lost before its first checkpoint
    # the monthly bills (each rounded to the cent once) add up to the whole-future total of the kernel
    bills = math.ceil(world.env.now / DAYS_PER_MONTH) + 1
    kernel_usd = float(world.meter.totals(world.env.now)[3])
    assert abs(row["energy_cost_usd"] - kernel_usd) <= 0.005 * bills + 1e-9 * kernel_usd
    # carbon is energy times the mean intensity, within the daily swing
    e = scenario.energy
    mean_co2_t = row["energy_mwh"] * e.grid_carbon_g_per_kwh / 1e3
    assert mean_co2_t * (1 - e.carbon_daily_amplitude) - 1e-9 <= row["co2_t"]
    assert row["co2_t"] <= mean_co2_t * (1 + e.carbon_daily_amplitude) + 1e-9


def check_appropriations_are_yearly_amounts_never_above_the_first(scenario, world, row):
    paid = [e for e in world.log.events if e.process == "treasury" and e.kind == "appropriation"]
    years = [e.time_days / DAYS_PER_YEAR for e in paid]
    assert all(y == pytest.approx(round(y), abs=1e-9) for y in years)
    assert len(paid) <= math.floor(world.env.now / DAYS_PER_YEAR + 1e-9) + 1
    # receipts are the appropriations and the refunds of cancelled orders
    export = scenario.export
    refunds = [o.price_usd * export.refund_fraction for o in world.hardware.proc.orders if o.status == "cancelled"]
    appropriations = row["appropriations_usd"] - sum(refunds)
    rounding = 0.01 * (len(paid) + len(refunds))
    assert appropriations <= len(paid) * scenario.treasury.appropriation_usd_per_year + rounding


# -- counts -----------------------------------------------------------------------------------------------

def check_counts_never_negative_in_any_timeline_row(scenario, world, row):
    targets = [r.target_fte for r in scenario.staff.roles.values()]
    assert world.timeline
    for row, by_role in zip(world.timeline, world.staff_by_role, strict=True):
        assert row.headcount >= 0
        assert row.effective_fte >= 0
        assert row.effective_fte <= row.headcount + 1e-9
        assert 0 <= row.consultants_fte <= scenario.staff.consultant_max_fte
        assert row.gpus >= 0
        assert row.rented_gpus >= 0
        assert row.requests_per_day >= 0
        assert row.releases >= 0
        assert row.appropriation_usd_per_year >= 0
        assert row.stage in ("data", "training", "evaluation", "approval", "waiting")
        assert all(0 <= n <= t for n, t in zip(by_role, targets, strict=True))
        assert sum(by_role) == row.headcount


def check_row_counts_match_the_event_log(scenario, world, row):
    kinds = [(e.process, e.kind) for e in world.log.events]
    assert row["hires"] == kinds.count(("workforce", "hire"))
    assert row["quits"] == kinds.count(("workforce", "quit"))
    assert row["budget_cuts"] == kinds.count(("treasury", "cut"))
    assert row["releases"] == kinds.count(("lifecycle", "release"))
    assert row["frontier_jumps"] == kinds.count(("frontier", "jump"))
    assert row["poaching_waves"] == kinds.count(("workforce", "poaching"))
    initial = sum(min(r.initial_fte, r.target_fte) for r in scenario.staff.roles.values())
    assert world.timeline[-1].headcount == initial + row["hires"] - row["quits"]
    # an order counts from its tender (it is on its way); with no tender, from its placing
    assert row["orders"] == kinds.count(("procurement", "tender" if scenario.compute.tender_months > 0 else "order"))
    assert 0 <= row["years_in_production"] <= world.env.now / DAYS_PER_YEAR + 1e-9
    assert row["tokens_served"] >= 0
    assert row["gpu_failures"] >= 0
    c = scenario.compute
    owns = c.strategy in ("own", "hybrid") and c.gpu_count > 0
    rents = c.strategy != "own" and (c.rented_gpus > 0 or c.strategy == "allocation")
    if not owns:
        assert row["energy_mwh"] == 0
        assert row["capex_usd"] == 0
    if not owns and not rents:
        assert row["releases"] == 0
        assert row["training_gpu_hours"] == 0
        assert row["gpu_hours"] == 0


def check_update_capable_months_never_exceed_months_lived(scenario, world, row):
    months = months_begun(world.env.now)
    assert 0 <= row["update_capable_months"] <= months
    assert 0 <= row["sovereign_months"] <= months
    assert row["update_capable_months"] <= row["sovereign_months"]


# -- verdict and death ---------------------------------------------------------------------------------------

def check_exactly_one_verdict_and_a_consistent_death(scenario, world, row):
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
        # the calendar date of the death instant (to the day; either rounding convention)
        offset_days = (dt.date.fromisoformat(row["death_date"]) - start).days
        assert abs(offset_days - deaths[0].time_days) < 1
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

def check_timeline_is_monthly_and_ends_at_death_or_horizon(scenario, world, row):
    times = [r.time_days for r in world.timeline]
    end = world.env.now
    assert times[0] == 0
    assert times[-1] == end
    # one row at the start of every month begun before the end, then one final row at death or horizon
    started = months_begun(end)
    assert len(times) == started + 1
    for k, t in enumerate(times[:-1]):
        assert t == pytest.approx(k * DAYS_PER_MONTH, abs=1e-9)
    assert all(a < b for a, b in zip(times, times[1:]))


def check_events_are_sorted_by_time_and_within_the_future(scenario, world, row):
    times = [e.time_days for e in world.log.events]
    assert times == sorted(times)
    assert all(0 <= t <= world.env.now for t in times)


def check_row_keys_are_the_documented_fields(scenario, world, row):
    assert list(row) == list(ROW_FIELDS)


# -- the properties, each future simulated once -------------------------------------------------------

MONEY = (check_money_is_conserved_to_the_cent, check_costs_are_non_negative_and_capex_is_the_orders,
         check_appropriations_are_yearly_amounts_never_above_the_first)
COUNTS = (check_counts_never_negative_in_any_timeline_row, check_row_counts_match_the_event_log,
          check_update_capable_months_never_exceed_months_lived)
RECORDS = (check_exactly_one_verdict_and_a_consistent_death, check_timeline_is_monthly_and_ends_at_death_or_horizon,
           check_events_are_sorted_by_time_and_within_the_future, check_row_keys_are_the_documented_fields)


@pytest.mark.parametrize("checks", [MONEY, COUNTS, RECORDS], ids=["money", "counts", "records"])
@given(scenario=scenarios(), seed=seeds, future=futures)
def test_every_future_keeps_its_invariants(checks, scenario, seed, future):
    world, row = simulate(scenario, seed, future)
    for check in checks:
        check(scenario, world, row)


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
