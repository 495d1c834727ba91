"""Benchmark: the accounting kernel vs its NumPy twin vs plain Python, for one future and a 1,000-future batch.

    python benchmarks/bench_accounting.py

Ledgers come from real futures of the default preset. Also measured in the same run: the machine's memory
bandwidth (a large array copy) against the bytes the batched kernel touches per second, and the share of a
future's wall time spent on accounting (the monthly bills and the end-of-future kernel totals).
Targets: batched kernel ≥ 5× its NumPy twin; accounting ≤ 2% of a future's wall time.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import numpy as np

import sovsim
from sovsim.kernels.accounting import (
    integrate,
    integrate_batch,
    integrate_batch_numpy,
    integrate_numpy,
    integrate_python,
)
from sovsim.model import billing
from sovsim.model.world import World


def best_of(fn: Callable[[], Any], repeats: int = 7, number: int = 1) -> float:
    """Best wall seconds of one call over ``repeats`` rounds of ``number`` calls."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        for _ in range(number):
            fn()
        times.append((time.perf_counter() - start) / number)
    return min(times)


def single_args(world: World) -> tuple[Any, ...]:
    v = world.ledger.view()
    m = world.meter
    return (v["time_days"] * 24.0, world.env.now * 24.0, v["gpus"], np.asarray(m.power_w), v["train"], v["serve"],
            v["multiplier"], v["rented"], *m._args())


def batch_args(worlds: list[World]) -> tuple[Any, ...]:
    views = [w.ledger.view() for w in worlds]
    offsets = np.cumsum([0] + [len(v["time_days"]) for v in views])
    m = worlds[0].meter
    c, e, p = m.compute, m.energy, m.profiles
    n = len(worlds)
    return (offsets, np.concatenate([v["time_days"] * 24.0 for v in views]),
            np.array([w.env.now * 24.0 for w in worlds]), np.concatenate([v["gpus"] for v in views]),
            np.tile(np.asarray(m.power_w), (n, 1)),
            *(np.concatenate([v[k] for v in views]) for k in ("train", "serve", "multiplier", "rented")),
            np.full(n, c.server_power_factor), np.full(n, e.pue), np.full(n, c.idle_power_fraction),
            np.full(n, c.mean_power_fraction), p.price_shape, p.price_cum, p.carbon_shape, p.carbon_cum,
            np.full(n, p.price_usd_per_kwh), np.full(n, p.carbon_g_per_kwh))


def memory_bandwidth_bytes_per_s() -> float:
    """Bytes read plus written per second by a large array copy (best of several)."""
    src = np.ones(2**25)  # 256 MiB
    dst = np.empty_like(src)
    seconds = best_of(lambda: np.copyto(dst, src), repeats=5)
    return 2 * src.nbytes / seconds


def accounting_share(scenario: sovsim.Scenario, futures: int = 100) -> tuple[float, float]:
    """(share of wall time in monthly bills, share in the end-of-future kernel totals), over many futures."""
    spent_bills = spent_totals = spent_all = 0.0
    original_bill = billing.Meter.bill
    clock = {"t": 0.0}

    def timed_bill(self: billing.Meter, account: Any, now: float) -> float:
        start = time.perf_counter()
        try:
            return original_bill(self, account, now)
        finally:
            clock["t"] += time.perf_counter() - start

    billing.Meter.bill = timed_bill  # type: ignore[method-assign]
    try:
        for i in range(futures):
            clock["t"] = 0.0
            start = time.perf_counter()
            world = World(scenario, 0, i).run()
            world.row()
            t1 = time.perf_counter()
            world.meter.totals(world.env.now)
            spent_totals += time.perf_counter() - t1
            spent_all += t1 - start
            spent_bills += clock["t"]
    finally:
        billing.Meter.bill = original_bill  # type: ignore[method-assign]
    return spent_bills / spent_all, spent_totals / spent_all


def run(quick: bool = False) -> list[dict[str, Any]]:
    scenario = sovsim.load_scenario()
    worlds = [World(scenario, 0, i).run() for i in range(100 if quick else 200)]
    batch = (worlds * 10)[:1000]
    one = single_args(max(worlds, key=lambda w: w.ledger.n))
    integrate(*one)
    lists = [a.tolist() if isinstance(a, np.ndarray) and a.ndim <= 2 and a.size < 10_000 else a for a in one]
    t_kernel = best_of(lambda: integrate(*one), number=2000)
    t_numpy = best_of(lambda: integrate_numpy(*one), number=200)
    t_python = best_of(lambda: integrate_python(*lists), number=200)
    args = batch_args(batch)
    integrate_batch(*args)
    t_batch = best_of(lambda: integrate_batch(*args), number=20)
    t_batch_numpy = best_of(lambda: integrate_batch_numpy(*args), number=5)
    t_batch_python = best_of(lambda: [integrate_python(*[a.tolist() if isinstance(a, np.ndarray) and a.ndim <= 2
                                                         and a.size < 10_000 else a for a in single_args(w)])
                                      for w in batch[:100]], repeats=3) * 10
    segments = int(args[0][-1])
    touched = segments * (6 * 8 + 4 * 2 * 8)  # six ledger columns, four profile look-ups of two values each
    bandwidth = memory_bandwidth_bytes_per_s()
    bills, totals = accounting_share(scenario, 50 if quick else 200)
    run_us = failure_kernel_per_run_us(scenario)
    return [
        {"benchmark": "accounting: one future, kernel", "value": t_kernel * 1e6, "unit": "µs"},
        {"benchmark": "accounting: one future, NumPy twin", "value": t_numpy * 1e6, "unit": "µs"},
        {"benchmark": "accounting: one future, pure Python", "value": t_python * 1e6, "unit": "µs"},
        {"benchmark": "accounting: 1,000 futures, batched kernel", "value": t_batch * 1e3, "unit": "ms"},
        {"benchmark": "accounting: 1,000 futures, NumPy twin", "value": t_batch_numpy * 1e3, "unit": "ms"},
        {"benchmark": "accounting: 1,000 futures, pure Python", "value": t_batch_python * 1e3, "unit": "ms"},
        {"benchmark": "accounting: batched kernel speed-up over NumPy twin", "value": t_batch_numpy / t_batch,
         "unit": "×", "target": 5.0, "direction": "min"},
        {"benchmark": "accounting: batched kernel bytes touched per s / memory bandwidth",
         "value": touched / t_batch / bandwidth, "unit": "×",
         "note": f"{segments:,} segments; copy bandwidth {bandwidth / 1e9:.1f} GB/s"},
        {"benchmark": "accounting: share of a future's wall time, monthly bills", "value": bills * 100, "unit": "%"},
        {"benchmark": "accounting: share of a future's wall time, kernel totals", "value": totals * 100, "unit": "%",
         "target": 2.0, "direction": "max"},
        {"benchmark": "reliability: failure kernel per training run (draws + kernel)", "value": run_us, "unit": "µs",
         "note": "one training cycle of the default preset"},
    ]


def failure_kernel_per_run_us(scenario: sovsim.Scenario) -> float:
    """Cost of timing one training run of the preset: drawing its failure gaps and the reliability kernel."""
    from sovsim import checkpointing
    from sovsim.model.gpus import GPUS
    from sovsim.model.lifecycle import _interrupted, training_flops

    rng = np.random.default_rng(0)
    c, m = scenario.compute, scenario.model
    gpus = int(c.gpu_count * m.training_share)
    flops_per_hour = gpus * GPUS[c.gpu].peak_flops * m.mfu * 3600.0
    work_h = training_flops(m) / flops_per_hour
    ckpt = checkpointing.plan(m.parameter_count, gpus, c.failures_per_gpu_year, c.storage_bytes_per_s_per_gpu,
                              c.restart_minutes, c.checkpoint_hours, c.checkpoint_write_minutes)
    _interrupted(work_h, gpus, c, ckpt, rng)
    return best_of(lambda: _interrupted(work_h, gpus, c, ckpt, rng), number=2000) * 1e6
