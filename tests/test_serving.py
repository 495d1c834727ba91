"""Serving, checkpointing at scale and contracts against published measurements and their own theory."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

import sovsim
from sovsim.accounting import estimate
from sovsim.model.people import hiring_plan_days
from sovsim.serving import ACCELERATORS, DEFAULTS, api_price_usd_per_mtok, gpus_for, performance

LLAMA_8B = 8.03e9


def test_single_stream_decode_is_the_memory_roofline() -> None:
    # one stream, short context: each token reads the weights once at hbm_efficiency of the bandwidth
    for gpu, acc in ACCELERATORS.items():
        p = performance(LLAMA_8B, gpu, 1, 16, 16)
        roofline = acc.bandwidth_bytes_per_s * DEFAULTS["hbm_efficiency"][0] / (2 * LLAMA_8B)
        assert p.tokens_per_s_per_stream == pytest.approx(roofline, rel=0.01)


def test_8b_matches_published_vllm_measurements() -> None:
    # calibration.md §10: vLLM, Llama-3.1-8B BF16, 1,024 in / 128 out. A100 40 GB: ≈75 tok/s at C=1 and a 6.6×
    # throughput gain at C=8. H100: TPOT 6.48 ms at C=1. Tolerance ±15% (engines and versions differ).
    a1 = performance(LLAMA_8B, "a100-40gb", 1, 1024, 128)
    a8 = performance(LLAMA_8B, "a100-40gb", 8, 1024, 128)
    h1 = performance(LLAMA_8B, "h100", 1, 1024, 128)
    assert a1.tokens_per_s_per_stream == pytest.approx(75, rel=0.15)
    assert a8.throughput_tokens_per_s / a1.throughput_tokens_per_s == pytest.approx(6.6, rel=0.15)
    assert h1.tpot_s == pytest.approx(6.48e-3, rel=0.15)


def test_tensor_parallelism_when_weights_do_not_fit() -> None:
    assert gpus_for(LLAMA_8B, "h100") == 1
    assert gpus_for(70.6e9, "h100") >= 2  # 141 GB of BF16 weights on 80 GB GPUs
    assert gpus_for(405.9e9, "h100") >= 8


@given(st.sampled_from(sorted(ACCELERATORS)), st.integers(1, 64), st.floats(64, 8192), st.floats(16, 2048))
def test_batching_raises_throughput_and_slows_each_stream(gpu: str, c: int, prompt: float, answer: float) -> None:
    gpus = gpus_for(LLAMA_8B, gpu, context_tokens=prompt + answer)
    one = performance(LLAMA_8B, gpu, 1, prompt, answer, gpus)
    if c > one.max_concurrency:
        return
    many = performance(LLAMA_8B, gpu, c, prompt, answer, gpus)
    assert many.tpot_s >= one.tpot_s * (1 - 1e-12)
    assert many.throughput_tokens_per_s >= one.throughput_tokens_per_s * (1 - 1e-9)
    assert many.throughput_tokens_per_s <= c * one.throughput_tokens_per_s * (1 + 1e-9)


def test_api_price_grows_with_size_and_falls_with_time() -> None:
    assert api_price_usd_per_mtok(8e9, 2025) < api_price_usd_per_mtok(70e9, 2025) < api_price_usd_per_mtok(405e9, 2025)
    assert api_price_usd_per_mtok(70e9, 2027, 1.25) == pytest.approx(api_price_usd_per_mtok(70e9, 2025) / 1.25**2)


def test_llama3_405b_goodput_matches_the_published_effective_training_time() -> None:
    # calibration.md §4/§11: Llama 3 405B on 16,384 H100 kept "more than 90%" effective training time
    e = estimate(params=405e9, tokens=15.6e12, gpu="h100", gpus=16384, mfu=0.38, failures=True, runs=50)
    assert 0.90 < e["goodput"] < 0.97
    # Young/Daly: the interval is √(2·write·MTBF)
    mtbf_h = 365.25 * 24 / (16384 * e["failures_per_gpu_year"])
    assert e["checkpoint_hours"] == pytest.approx(math.sqrt(2 * e["checkpoint_write_minutes"] / 60 * mtbf_h), rel=1e-9)


def test_estimate_defaults_are_the_scenarios() -> None:
    s = sovsim.load_scenario("midsize-nation")
    e = estimate(gpu_hours=1000.0, power_w=700.0)
    assert (e["pue"], e["server_overhead"], e["price_usd_per_kwh"], e["carbon_g_per_kwh"]) == (
        s.energy.pue, s.compute.server_power_factor, s.energy.price_usd_per_kwh, s.energy.grid_carbon_g_per_kwh)
    assert e["compute_cost_usd"] == pytest.approx(1000.0 * s.compute.rent_usd_per_gpu_hour)
    assert e["energy_cost_usd"] == pytest.approx(1000 * 0.7 * 1.82 * 1.25 * 0.20, rel=1e-9)


def test_a_reserved_contract_is_billed_for_every_contracted_hour() -> None:
    # no embargo in one year: the reserved rent is GPUs × hours × price, whatever the runs use (±1%: the
    # inference contract on top is a small share)
    s = sovsim.load_scenario("rented-cloud", {"calendar.horizon_years": 1.0, "export.changes_per_year": 0.0})
    row = sovsim.run(s, seed=0, future=0).row
    contracted = s.compute.rented_gpus * 8766.0 * s.compute.rent_usd_per_gpu_hour
    assert contracted <= row["cloud_usd"] <= contracted * 1.25


def test_a_new_team_is_not_hollowed_before_its_hiring_plan_could_fill_it() -> None:
    s = sovsim.load_scenario("compute-rich", {"calendar.horizon_years": 1.0})
    assert hiring_plan_days(s.staff) > 365.25
    rows = [sovsim.run(s, seed=0, future=f).row for f in range(20)]
    assert all(r["verdict"] != "hollowed" for r in rows)
