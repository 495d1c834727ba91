"""Accounting kernels against their twins and closed forms; billing; estimate and validate."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import sovsim
from sovsim.accounting import estimate, validation_report
from sovsim.cli import main
from sovsim.kernels.accounting import (
    integrate,
    integrate_batch,
    integrate_batch_numpy,
    integrate_numpy,
    integrate_python,
    prefix_sum,
)
from sovsim.kernels.reliability import interrupted_run, interrupted_run_python, interrupted_runs
from sovsim.model.billing import Meter
from sovsim.model.energy import profiles_for
from sovsim.model.ledger import Ledger
from sovsim.model.world import World

HOURS = 48
finite = {"allow_nan": False, "allow_infinity": False}


@st.composite
def ledgers(draw: st.DrawFn, generations: int = 2) -> dict:
    """A random ledger of 1–12 segments inside a 48-hour profile, with random hourly profiles."""
    n = draw(st.integers(1, 12))
    times = sorted(draw(st.lists(st.floats(0, HOURS - 1, **finite), min_size=n, max_size=n, unique=True)))
    end = draw(st.floats(times[-1], HOURS + 5, **finite))
    price = draw(hnp.arrays(float, HOURS, elements=st.floats(0.01, 1.0, **finite)))
    carbon = draw(hnp.arrays(float, HOURS, elements=st.floats(10.0, 900.0, **finite)))
    return {
        "time_h": np.array(times),
        "end_h": end,
        "gpus": draw(hnp.arrays(float, (n, generations), elements=st.integers(0, 5000).map(float))),
        "power_w": draw(hnp.arrays(float, generations, elements=st.floats(100, 1200, **finite))),
        "train": draw(hnp.arrays(float, n, elements=st.floats(0, 1, **finite))),
        "serve": draw(hnp.arrays(float, n, elements=st.floats(0, 1, **finite))),
        "multiplier": draw(hnp.arrays(float, n, elements=st.floats(1, 4, **finite))),
        "rented": draw(hnp.arrays(float, n, elements=st.integers(0, 1000).map(float))),
        "server_factor": draw(st.floats(1, 2.5, **finite)),
        "pue": draw(st.floats(1, 2, **finite)),
        "idle": draw(st.floats(0, 0.4, **finite)),
        "active": draw(st.floats(0.4, 1, **finite)),
        "price_shape": price,
        "price_cum": prefix_sum(price),
        "carbon_shape": carbon,
        "carbon_cum": prefix_sum(carbon),
        "price_scale": draw(st.floats(0.01, 0.5, **finite)),
        "carbon_scale": draw(st.floats(0.0, 2.0, **finite)),
    }


ORDER = ("time_h", "end_h", "gpus", "power_w", "train", "serve", "multiplier", "rented", "server_factor", "pue",
         "idle", "active", "price_shape", "price_cum", "carbon_shape", "carbon_cum", "price_scale", "carbon_scale")


def call(fn, led: dict) -> np.ndarray:
    return np.asarray(fn(*(led[k] for k in ORDER)))


def call_python(led: dict) -> np.ndarray:
    args = {k: (v.tolist() if k in ("time_h", "gpus", "power_w", "train", "serve", "multiplier", "rented") else v)
            for k, v in led.items()}
    return np.asarray(integrate_python(*(args[k] for k in ORDER)))


def close(a: np.ndarray, b: np.ndarray, rel: float = 1e-9) -> bool:
    return bool(np.all(np.abs(a - b) <= rel * np.maximum(np.abs(a), np.abs(b)) + 1e-12))


@settings(max_examples=80)
@given(ledgers())
def test_kernel_agrees_with_numpy_and_python_twins(led: dict) -> None:
    kernel = call(integrate, led)
    assert close(kernel, call(integrate_numpy, led))
    assert close(kernel, call_python(led))


@settings(max_examples=40)
@given(st.lists(ledgers(), min_size=1, max_size=6))
def test_batch_kernel_agrees_with_single_and_numpy_batch(batch: list[dict]) -> None:
    shared = batch[0]
    for led in batch:  # a batch shares its profiles
        for key in ("price_shape", "price_cum", "carbon_shape", "carbon_cum"):
            led[key] = shared[key]
    offsets = np.cumsum([0] + [len(b["time_h"]) for b in batch])
    stacked = {
        "offsets": offsets,
        "time_h": np.concatenate([b["time_h"] for b in batch]),
        "end_h": np.array([b["end_h"] for b in batch]),
        "gpus": np.concatenate([b["gpus"] for b in batch]),
        "power_w": np.stack([b["power_w"] for b in batch]),
        **{k: np.concatenate([b[k] for b in batch]) for k in ("train", "serve", "multiplier", "rented")},
        **{k: np.array([b[k] for b in batch]) for k in ("server_factor", "pue", "idle", "active", "price_scale",
                                                        "carbon_scale")},
        **{k: shared[k] for k in ("price_shape", "price_cum", "carbon_shape", "carbon_cum")},
    }
    order = ("offsets",) + ORDER
    kernel = integrate_batch(*(stacked[k] for k in order))
    twin = integrate_batch_numpy(*(stacked[k] for k in order))
    singles = np.array([call(integrate, b) for b in batch])
    assert close(kernel, twin)
    assert close(kernel, singles)


@settings(max_examples=60)
@given(ledgers(), st.floats(0.05, 0.95))
def test_additive_over_any_split_of_the_interval(led: dict, fraction: float) -> None:
    start, end = led["time_h"][0], led["end_h"]
    split = start + fraction * (end - start)
    whole = call(integrate, led)
    first = call(integrate, {**led, "end_h": split})
    keep = led["time_h"] < split
    i = max(0, int(keep.sum()) - 1)  # the row in force at the split, then the later rows
    later = {k: (v[i:] if k in ("time_h", "gpus", "train", "serve", "multiplier", "rented") else v)
             for k, v in led.items()}
    later["time_h"] = later["time_h"].copy()
    later["time_h"][0] = split
    second = call(integrate, later)
    assert close(whole, first + second, rel=1e-9)


@given(ledgers())
def test_zero_gpus_draw_zero_energy(led: dict) -> None:
    out = call(integrate, {**led, "gpus": np.zeros_like(led["gpus"])})
    assert out[0] == 0.0
    assert out[2] == 0.0
    assert out[3] == 0.0
    assert out[4] == 0.0


@given(ledgers(generations=1), st.floats(0.01, 0.5), st.floats(10, 900))
def test_constant_profiles_give_the_closed_form(led: dict, price: float, carbon: float) -> None:
    flat = np.ones(HOURS)
    led = {**led, "price_shape": flat, "price_cum": prefix_sum(flat), "carbon_shape": flat,
           "carbon_cum": prefix_sum(flat), "price_scale": price, "carbon_scale": carbon,
           "multiplier": np.ones_like(led["multiplier"]), "end_h": min(led["end_h"], HOURS)}
    t = np.append(led["time_h"], led["end_h"])
    hours = np.clip(np.minimum(t[1:], led["end_h"]) - t[:-1], 0, None)
    draw = led["idle"] + (led["active"] - led["idle"]) * np.minimum(1, led["train"] + led["serve"])
    kw = led["gpus"][:, 0] * led["power_w"][0] * led["server_factor"] * led["pue"] * draw / 1000
    kwh = float((kw * hours).sum())
    out = call(integrate, led)
    assert out[0] == pytest.approx(float((led["gpus"][:, 0] * hours).sum()), rel=1e-12, abs=1e-9)
    assert out[2] == pytest.approx(kwh, rel=1e-12, abs=1e-9)
    assert out[3] == pytest.approx(kwh * price, rel=1e-9, abs=1e-9)
    assert out[4] == pytest.approx(kwh * carbon / 1000, rel=1e-9, abs=1e-9)


# -- billing in the world -------------------------------------------------------------------------------------
@pytest.mark.parametrize("future", range(6))
def test_monthly_bills_add_up_to_the_kernel_total(future: int) -> None:
    world = World(sovsim.load_scenario(overrides={"energy.price_shocks_per_year": 2.0}), 4, future).run()
    totals = world.meter.totals(world.env.now)
    bills = world.account.paid_cents["energy"] / 100
    months = world.env.now / (365.25 / 12) + 2
    assert abs(bills - totals[3]) <= 0.005 * months  # each monthly bill is rounded to the cent
    row = world.row()
    assert row["energy_cost_usd"] == bills
    assert row["energy_mwh"] == pytest.approx(totals[2] / 1e3, rel=1e-12)


def test_price_shock_multiplies_the_bill() -> None:
    scenario = sovsim.load_scenario()
    ledger = Ledger()
    ledger.set(0.0, gpus=(0, 512))
    profiles = profiles_for(scenario.energy, scenario.calendar.start_date, 1.0)
    meter = Meter(ledger, [700.0], scenario.compute, scenario.energy, profiles)
    base = meter.window_usd(0.0, 30.0)[0]
    assert base > 0
    assert base == pytest.approx(meter.totals(30.0)[3], rel=1e-12)
    ledger.set(0.0, multiplier=2.5)
    assert meter.window_usd(0.0, 30.0)[0] == pytest.approx(2.5 * base, rel=1e-12)


def test_an_energy_price_shock_can_defund_a_programme() -> None:
    overrides = {"energy.price_shocks_per_year": 3.0, "energy.price_shock_multiplier": 20.0,
                 "energy.price_shock_duration_months": 24.0, "energy.price_usd_per_kwh": 0.5,
                 "compute.gpu_count": 4096, "treasury.initial_cash_usd": 150e6,
                 "treasury.election_cut_probability": 0.0, "treasury.election_cancel_probability": 0.0}
    rows = [sovsim.run(sovsim.load_scenario(overrides=overrides), seed=2, future=i).row for i in range(6)]
    assert any(r["verdict"] == "defunded" for r in rows)


# -- reliability kernel --------------------------------------------------------------------------------------
@settings(max_examples=60)
@given(st.floats(1, 500), hnp.arrays(float, st.integers(1, 40), elements=st.floats(0.01, 100, **finite)),
       st.floats(0.1, 10), st.floats(0, 2), st.floats(0, 0.5))
def test_interrupted_run_agrees_with_python_twin(work: float, gaps: np.ndarray, ckpt: float, restart: float,
                                                 write: float) -> None:
    a = interrupted_run(work, gaps, ckpt, restart, write)
    b = interrupted_run_python(work, gaps.tolist(), ckpt, restart, write)
    assert a[1:] == b[1:]
    assert a[0] == pytest.approx(b[0], rel=1e-12)
    if a[2] <= len(gaps):
        assert a[0] >= work - 1e-9


def test_interruptions_match_poisson_theory() -> None:
    """With checkpoints after every instant lost work is 0: wall = work + restarts, failures ~ Poisson(λ·work)."""
    rng = np.random.default_rng(5)
    rate, work, restart = 0.3, 400.0, 0.25
    gaps = rng.exponential(1 / rate, size=(4000, 400))
    wall, interruptions, used = interrupted_runs(work, gaps, 1e-9, restart)
    assert (used <= 400).all()
    mean, sd = interruptions.mean(), math.sqrt(rate * work / 4000)
    assert abs(mean - rate * work) < 4 * sd  # 99.99% interval of the mean
    assert np.allclose(wall, work + interruptions * restart, rtol=1e-6)


# -- estimate and validate -----------------------------------------------------------------------------------
def test_estimate_reproduces_llama2_70b() -> None:
    out = estimate(gpu_hours=1_720_320, power_w=400, carbon_g_per_kwh=423.5, pue=1.0, server_overhead=1.0)
    assert out["co2_t"] == pytest.approx(291.42, rel=0.005)
    assert out["energy_kwh"] == pytest.approx(1_720_320 * 0.4, rel=1e-12)


def test_estimate_from_a_model_and_a_cluster() -> None:
    out = estimate(params=70e9, tokens=15e12, gpu="h100", gpus=4096, mfu=0.35)
    flops = 6 * 70e9 * 15e12
    assert out["flops"] == flops
    assert out["days"] == pytest.approx(flops / (4096 * 989e12 * 0.35) / 86400, rel=1e-12)
    assert out["gpu_hours"] == pytest.approx(out["days"] * 24 * 4096, rel=1e-12)


def test_estimate_with_failures_loses_goodput() -> None:
    out = estimate(params=8e9, tokens=2e12, gpu="h100", gpus=4096, mfu=0.35, failures=True, runs=50)
    assert 0 < out["goodput"] < 1
    assert out["interruptions"] > 0


def test_estimate_command_json_and_errors() -> None:
    runner = CliRunner()
    result = runner.invoke(main, ["estimate", "--gpu-hours", "1720320", "--power-w", "400",
                                  "--carbon-g-per-kwh", "423.5", "--pue", "1", "--server-overhead", "1", "--json"])
    assert result.exit_code == 0
    data = json.loads(result.output)
    assert set(data) >= {"gpu_hours", "energy_kwh", "energy_mwh", "co2_t", "energy_cost_usd", "compute_cost_usd"}
    assert data["co2_t"] == pytest.approx(291.42, rel=0.005)
    model = runner.invoke(main, ["estimate", "--params", "70e9", "--tokens", "15e12", "--gpu", "h100", "--gpus",
                                 "4096", "--mfu", "0.35", "--failures", "--runs", "20", "--json"])
    assert model.exit_code == 0
    assert {"flops", "days", "interruptions", "goodput"} <= set(json.loads(model.output))
    missing = runner.invoke(main, ["estimate", "--gpu-hours", "10"])
    assert missing.exit_code == 2
    assert "power_w" in missing.output
    bad = runner.invoke(main, ["estimate", "--gpu-hours", "10", "--power-w", "-5"])
    assert bad.exit_code == 2
    assert "power_w" in bad.output
    serve = runner.invoke(main, ["estimate", "--serve", "--params", "8e9", "--gpu", "a100-40gb", "--concurrency", "8",
                                 "--json"])
    assert serve.exit_code == 0
    assert {"tokens_per_s_per_stream", "throughput_tokens_per_s", "ttft_s", "tpot_s", "gpus_per_replica"} <= set(
        json.loads(serve.output))
    for args, field in ((["--params", "8e9"], "gpu"), (["--params", "8e9", "--gpu", "h100", "--concurrency", "0"],
                                                        "concurrency"),
                        (["--params", "8e9", "--gpu", "h100", "--tokens", "1e12"], "tokens")):
        refused = runner.invoke(main, ["estimate", "--serve", *args])
        assert refused.exit_code == 2 and field in refused.output


def test_validate_passes_and_prints_the_table() -> None:
    assert all(r.ok for r in validation_report())
    result = CliRunner().invoke(main, ["validate"])
    assert result.exit_code == 0
    assert "70B" in result.output
    assert "291.42" in result.output
