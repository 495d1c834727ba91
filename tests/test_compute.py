"""Compute: the supplier graph, export regimes, orders, cloud contracts, failures, goodput and starvation."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from click.testing import CliRunner

import sovsim
from sovsim.cli import main
from sovsim.kernels.reliability import interrupted_runs, young_daly_interval_h
from sovsim.model.compute import Fleet
from sovsim.model.ledger import Ledger
from sovsim.model.records import EventLog
from sovsim.model.supply import SupplyChain
from sovsim.model.world import World
from sovsim.scenario.schema import GPU_KINDS

QUIET = {"export.changes_per_year": 0.0, "treasury.election_cut_probability": 0.0,
         "treasury.election_cancel_probability": 0.0, "energy.price_shocks_per_year": 0.0}


def trace(world: World, processes: tuple[str, ...]) -> list[tuple[float, str, str]]:
    return [(round(e.time_days, 6), e.process, e.kind) for e in world.log.events if e.process in processes]


# -- the supplier graph ----------------------------------------------------------------------------------------
def test_default_graph_routes_and_availability() -> None:
    chain = SupplyChain(sovsim.load_scenario().supply)
    routes = chain.routes("h100")
    assert {r.nodes for r in routes} == {("nvidia", "cowos", i, "country") for i in ("dell", "hpe", "supermicro")}
    assert chain.best_route("h100", frozenset(), 0.5) is not None
    assert chain.best_route("domestic", frozenset({"US", "TW", "KR"}), 0.5) is not None


@pytest.mark.parametrize("embargoed", [frozenset({"US"}), frozenset({"TW"}), frozenset({"US", "TW", "KR"})])
def test_embargo_on_every_path_blocks_delivery(embargoed: frozenset[str]) -> None:
    chain = SupplyChain(sovsim.load_scenario().supply)
    assert chain.best_route("h100", embargoed, 0.3) is None


def test_an_hbm_embargo_is_survived_through_another_hbm_maker() -> None:
    chain = SupplyChain(sovsim.load_scenario().supply)
    assert chain.best_route("h100", frozenset({"KR"}), 0.3) is not None  # Micron (US) still supplies HBM


def test_embargoed_order_is_never_delivered_and_the_programme_starves() -> None:
    overrides = {**QUIET, "export.jurisdictions.US.initial_regime": "embargoed", "calendar.horizon_years": 3.0}
    world = World(sovsim.load_scenario(overrides=overrides), 0, 0).run()
    kinds = [k for _, p, k in trace(world, ("procurement",))]
    assert "delivery" not in kinds
    assert kinds[:3] == ["tender", "order", "blocked"]
    assert world.row()["orders_blocked"] == 1
    assert world.coroner.verdict == "starved"


def _delivered_by(world: World) -> list[tuple[float, int]]:
    out = []
    for e in world.log.events:
        if e.kind == "delivery":
            out.append((e.time_days, int(e.details.split(": ")[1].split()[0].replace(",", ""))))
    return out


def test_an_alternative_supplier_never_lowers_deliveries() -> None:
    """Same shocks (common random numbers), a second foundry and packaging house outside Taiwan: never fewer GPUs,
    never later."""
    base = {**QUIET, "export.changes_per_year": 4.0, "export.tier": 3, "compute.refresh": False,
            "compute.tender_months": 0.0, "calendar.start_date": "2023-11-15",  # the H100 peak: orders wait long
            "calendar.horizon_years": 4.0, "staff.minimum_crew_fte": 0.0, "model.stale_grace_months": 120.0,
            "treasury.insolvency_grace_days": 3650.0}
    alternative = {**base, "supply.nodes.samsung_foundry.kind": "foundry",
                   "supply.nodes.samsung_foundry.jurisdiction": "KR",
                   "supply.nodes.samsung_foundry.capacity_share": 0.1,
                   "supply.nodes.samsung_foundry.supplies": ["nvidia"],
                   "supply.nodes.amkor.kind": "packaging", "supply.nodes.amkor.jurisdiction": "KR",
                   "supply.nodes.amkor.capacity_share": 0.1, "supply.nodes.amkor.supplies": ["dell", "hpe"],
                   "supply.nodes.nvidia.supplies": ["cowos", "amkor"],
                   "supply.nodes.sk_hynix.supplies": ["cowos", "amkor"]}
    lower = higher = 0
    for future in range(40):
        without = _delivered_by(World(sovsim.load_scenario(overrides=base), 5, future).run())
        with_alt = _delivered_by(World(sovsim.load_scenario(overrides=alternative), 5, future).run())
        assert sum(n for _, n in with_alt) >= sum(n for _, n in without)
        if without:
            assert with_alt and with_alt[0][0] <= without[0][0]
        lower += sum(n for _, n in with_alt) < sum(n for _, n in without)
        earlier = bool(with_alt and without and with_alt[0][0] < without[0][0])
        higher += sum(n for _, n in with_alt) > sum(n for _, n in without) or earlier
    assert lower == 0
    assert higher > 0  # the test does exercise the alternative


def test_rented_capacity_disappears_the_day_of_the_embargo() -> None:
    overrides = {**QUIET, "export.schedule.cutoff.date": "2028-01-01", "export.schedule.cutoff.jurisdiction": "US",
                 "calendar.horizon_years": 2.0}
    world = World(sovsim.load_scenario("rented-cloud", overrides), 0, 0).run()
    assert trace(world, ("export", "compute", "coroner")) == [
        (0.0, "compute", "contract"),
        (365.0, "export", "regime"),
        (365.0, "compute", "revoked"),
        (545.0, "coroner", "death"),  # starved: 180 days without compute, none on its way
    ]
    assert world.coroner.verdict == "starved"
    assert world.coroner.root_cause.startswith("scheduled rule change cutoff: US open → embargoed")
    rented = world.scenario.compute.rented_gpus
    assert rented > 0 and all(r.rented_gpus == rented for r in world.timeline if r.time_days < 365.0)
    assert all(r.rented_gpus == 0 for r in world.timeline if r.time_days >= 365.0)


def test_a_lifted_embargo_brings_a_new_contract() -> None:
    overrides = {**QUIET, "export.schedule.a.date": "2028-01-01", "export.schedule.a.jurisdiction": "US",
                 "export.schedule.b.date": "2028-03-01", "export.schedule.b.jurisdiction": "US",
                 "export.schedule.b.regime": "open", "calendar.horizon_years": 2.0}
    world = World(sovsim.load_scenario("rented-cloud", overrides), 0, 0).run()
    kinds = [(t, k) for t, p, k in trace(world, ("compute",))]
    assert kinds == [(0.0, "contract"), (365.0, "revoked"), (425.0 + 90.0, "recontract")]


# -- failures and goodput ------------------------------------------------------------------------------------
def test_fleet_failures_match_the_poisson_expectation() -> None:
    """With spares enough to keep every GPU working, failures in a year are Poisson(rate × GPUs × days)."""
    params = sovsim.load_scenario(overrides={"compute.failures_per_gpu_year": 0.5}).compute
    counts = []
    for seed in range(300):
        fleet = Fleet(params, Ledger(len(GPU_KINDS)), np.random.default_rng(seed), EventLog(None))  # type: ignore
        fleet.deliver(0.0, "h100", 1000, 10_000, 0)
        for month in range(1, 13):
            fleet.advance(month * 365.25 / 12)
        counts.append(fleet.failures)
    expected = 0.5 * 1000
    mean, half = float(np.mean(counts)), 2.576 * math.sqrt(expected / len(counts))  # 99% interval of the mean
    assert abs(mean - expected) < half
    assert np.var(counts, ddof=1) == pytest.approx(expected, rel=0.25)  # Poisson: variance = mean


def test_goodput_agrees_with_young_daly() -> None:
    """At the Young/Daly interval √(2δM), waste ≈ √(2δ/M) + R/M to first order (δ, R ≪ τ ≪ M)."""
    mtbf_h, write_h, restart_h, work_h = 50.0, 0.05, 0.1, 2000.0
    tau = young_daly_interval_h(write_h, mtbf_h)
    gaps = np.random.default_rng(1).exponential(mtbf_h, size=(400, 200))
    wall, _, used = interrupted_runs(work_h, gaps, tau, restart_h, write_h)
    assert (used <= 200).all()
    goodput = float(np.mean(work_h / wall))
    first_order = 1.0 / (1.0 + math.sqrt(2 * write_h / mtbf_h) + restart_h / mtbf_h)
    assert goodput == pytest.approx(first_order, abs=0.01)  # first-order theory: within a point
    worse = [float(np.mean(work_h / interrupted_runs(work_h, gaps, t, restart_h, write_h)[0]))
             for t in (tau / 4, tau * 4)]
    assert max(worse) < goodput  # the Young/Daly interval beats a quarter or four times it


def test_llama3_like_run() -> None:
    """16,384 H100 for 54 days at the per-GPU rate of calibration.md §4 (0.17 unexpected per GPU-year).

    Expected interruptions: 16,384 × 0.17 / 8,766 h × 1,296 h ≈ 412, against 419 published; we accept the
    published count inside the 99.9% Poisson interval of the simulated mean (±3.3σ ≈ ±67). With Llama-3-like
    practice — checkpoints at the Young/Daly interval for a 30 s stall, 5-minute automated restarts — the
    effective training time must exceed 88%: the published ">90%" counts all downtime, so we allow two
    points for the restarts that needed manual intervention and our first-order restart model.
    """
    gpus, rate = 16_384, 0.17
    per_hour = gpus * rate / (365.25 * 24)
    wall_h = 54 * 24.0
    gaps = np.random.default_rng(3).exponential(1 / per_hour, size=(200, 1200))
    tau = young_daly_interval_h(0.5 / 60, 1 / per_hour)
    work_h = wall_h * 0.9
    wall, interruptions, used = interrupted_runs(work_h, gaps, tau, 5 / 60, 0.5 / 60)
    assert (used <= 1200).all()
    running_h = wall - interruptions * 5 / 60  # failures strike while running, not while restarting
    rate = float(interruptions.sum() / running_h.sum())
    assert abs(rate - per_hour) < 2.576 * math.sqrt(per_hour / running_h.sum())  # 99% Poisson interval
    per_54_days = float(np.mean(interruptions * wall_h / wall))
    assert abs(419 - per_54_days) < 3.3 * math.sqrt(per_hour * wall_h)
    assert float(np.mean(work_h / wall)) > 0.88


# -- the programme ----------------------------------------------------------------------------------------------
def test_run_json_has_the_compute_metrics() -> None:
    result = CliRunner().invoke(main, ["run", "--seed", "1", "--json"])
    assert result.exit_code == 0
    row = json.loads(result.output)
    for key in ("sovereign_months", "gpu_hours", "interruptions", "goodput", "orders_blocked"):
        assert key in row


def test_rented_cloud_starves_by_embargo_more_often_than_midsize_nation() -> None:
    # (an owned fleet also starves when it retires unrefreshed; that is the maintenance tax, not an embargo)
    starved = {}
    for preset in ("midsize-nation", "rented-cloud"):
        scenario = sovsim.load_scenario(preset)
        rows = [sovsim.run(scenario, seed=i, future=i).row for i in range(200)]
        starved[preset] = sum(1 for r in rows if r["verdict"] == "starved" and "export rule change" in r["root_cause"])
    assert starved["rented-cloud"] > starved["midsize-nation"]
    assert starved["rented-cloud"] > 0


def test_sovereign_cloud_is_never_cut_off() -> None:
    overrides = {"compute.strategy": "sovereign_cloud", "export.jurisdictions.US.initial_regime": "embargoed"}
    world = World(sovsim.load_scenario("rented-cloud", overrides), 0, 0).run()
    assert "revoked" not in [e.kind for e in world.log.events]
    row = world.row()
    assert row["sovereign_months"] > 0
    assert row["cloud_usd"] > 0


def test_owned_fleet_retires_and_is_refreshed() -> None:
    overrides = {**QUIET, "compute.lifetime_years": 2.0, "treasury.appropriation_usd_per_year": 40e6,
                 "calendar.horizon_years": 6.0}
    world = World(sovsim.load_scenario(overrides=overrides), 0, 0).run()
    kinds = [k for _, p, k in trace(world, ("procurement", "compute"))]
    assert kinds.count("order") >= 2
    assert "retire" in kinds
    assert world.row()["orders"] == kinds.count("order")


def test_supply_graph_errors_name_the_field() -> None:
    cases = {
        "supply.nodes.dell.jurisdiction": ("FR", "supply.nodes.dell.jurisdiction"),
        "supply.nodes.dell.supplies": (["nowhere"], "supply.nodes.dell.supplies"),
        "supply.nodes.country.supplies": (["nvidia"], "supply.nodes"),
        "supply.nodes.nvidia.supplies": ([], "supply.nodes.nvidia.supplies"),
        "compute.cloud_provider": ("dell", "compute.cloud_provider"),
        "compute.sovereign_cloud_provider": ("hyperscaler_us", "compute.sovereign_cloud_provider"),
        "export.schedule.x.jurisdiction": ("FR", "export.schedule.x.jurisdiction"),
    }
    for path, (value, named) in cases.items():
        with pytest.raises(sovsim.ScenarioError) as info:
            sovsim.load_scenario(overrides={path: value})
        assert info.value.path == named, path
