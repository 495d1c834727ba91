"""Benchmark: parallel efficiency of a sweep vs workers, on the local engine and on Dask.

    python benchmarks/bench_scaling.py [--quick] [--workers 1 2 4 8 16] [--futures N]

The default preset (midsize-nation, full horizon) in a Monte Carlo sweep of N futures (2,000; 400 with
--quick) in shards of 25. The baseline T(1) is the local engine with one worker (the futures run in this
process, no pool). For n workers, efficiency E(n) = T(1) / (n · T(n)):

- local: a fresh process pool of n workers per sweep (its start is part of T(n));
- dask: a LocalCluster of n processes × 1 thread on 127.0.0.1, started and warmed (one small sweep) before
  the clock starts, so T(n) is the steady state; the cluster's start is reported beside it.

Worker counts above the cores this process may use are left out (they would measure time-sharing). Every
sweep's table is checked to be identical to the baseline's. Target: E(16) ≥ 90 % on both engines.

The machine's own ceiling is measured beside them: n forked processes each run the same futures inline, with
no sweep machinery, so C(n) = C(1) / C_wall(n) is what the cores give to n copies of this work (shared caches,
memory bandwidth, clock boost and hyper-threads all show up in it). E(n) / C(n) is then the share of the
ceiling the engine reaches.
"""

from __future__ import annotations

import argparse
import multiprocessing
import tempfile
import time
from pathlib import Path
from typing import Any

import pandas as pd

import sovsim
from sovsim.sweep import load_results, sweep
from sovsim.sweep.runner import default_workers

SPEC = """
[sweep]
base = "midsize-nation"
scenarios = {scenarios}
sampler = "mc"
seed = 7
shard_size = 25

[[uncertainties]]
path = "staff.attrition_per_year"
low = 0.06
high = 0.2
"""
WORKERS = (1, 2, 4, 8, 16)


def _spec(folder: Path, futures: int) -> Path:
    path = folder / f"scaling-{futures}.toml"
    path.write_text(SPEC.format(scenarios=futures), encoding="utf-8")
    return path


def _timed(spec: Path, out: Path, **options: Any) -> float:
    start = time.perf_counter()
    sweep(spec, out, **options)
    return time.perf_counter() - start


def _inline(futures: int) -> None:
    scenario = sovsim.load_scenario("midsize-nation")
    for future in range(futures):
        sovsim.run(scenario, seed=7, future=future)


def ceiling(n: int, futures_each: int) -> float:
    """Wall seconds for ``n`` forked processes that each run the same ``futures_each`` futures inline."""
    context = multiprocessing.get_context("fork")
    processes = [context.Process(target=_inline, args=(futures_each,)) for _ in range(n)]
    start = time.perf_counter()
    for p in processes:
        p.start()
    for p in processes:
        p.join()
    return time.perf_counter() - start


def run(quick: bool = False, workers: tuple[int, ...] = WORKERS, futures: int | None = None) -> list[dict[str, Any]]:
    from distributed import LocalCluster

    n_futures = futures or (400 if quick else 2_000)
    cores = default_workers()
    counts = [n for n in workers if n <= cores]
    skipped = [n for n in workers if n > cores]
    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        spec = _spec(root, n_futures)
        sweep(_spec(root, 20), root / "warm", workers=1)  # compile or load the kernels before any clock
        each = 40 if quick else 200
        c1 = ceiling(1, each)
        for n in counts:
            cn = c1 if n == 1 else ceiling(n, each)
            rows.append({"benchmark": f"scaling: machine ceiling, {n} process{'es' if n > 1 else ''}",
                         "value": c1 / cn * 100, "unit": "%", "target": None, "direction": "min",
                         "note": f"{n} × {each} futures inline in {cn:.2f} s (1 × in {c1:.2f} s)"})
        t1 = _timed(spec, root / "serial", workers=1)
        baseline = load_results(root / "serial")
        rows.append({"benchmark": f"scaling: serial baseline T(1), {n_futures:,} futures", "value": t1, "unit": "s",
                     "note": f"{t1 / n_futures * 1e3:.2f} ms/future, local engine inline"})

        def check(out: Path) -> None:
            pd.testing.assert_frame_equal(load_results(out), baseline)

        for n in counts:
            tn = _timed(spec, root / f"local-{n}", workers=n)
            check(root / f"local-{n}")
            rows.append(_efficiency_row("local", n, t1, tn))
        for n in counts:
            started = time.perf_counter()
            with LocalCluster(n_workers=n, threads_per_worker=1, processes=True, host="127.0.0.1",
                              dashboard_address=":0") as cluster:
                start_s = time.perf_counter() - started
                address = cluster.scheduler_address
                sweep(_spec(root, 4 * n), root / f"dask-warm-{n}", engine="dask", scheduler=address)
                tn = _timed(spec, root / f"dask-{n}", engine="dask", scheduler=address)
            check(root / f"dask-{n}")
            rows.append(_efficiency_row("dask", n, t1, tn, f"cluster start {start_s:.1f} s, not timed"))
    if skipped:
        rows.append({"benchmark": "scaling: worker counts left out", "value": float(len(skipped)), "unit": "",
                     "note": f"{', '.join(map(str, skipped))} workers > {cores} cores here"})
    return rows


def _efficiency_row(engine: str, n: int, t1: float, tn: float, note: str = "") -> dict[str, Any]:
    efficiency = t1 / (n * tn) * 100
    return {"benchmark": f"scaling: {engine} efficiency, {n} worker{'s' if n > 1 else ''}", "value": efficiency,
            "unit": "%", "target": 90.0 if n == 16 else None, "direction": "min",
            "note": f"T({n}) {tn:.2f} s, speed-up {t1 / tn:.2f}×" + (f"; {note}" if note else "")}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--workers", type=int, nargs="*", default=list(WORKERS))
    parser.add_argument("--futures", type=int, default=None)
    args = parser.parse_args()
    for r in run(args.quick, tuple(args.workers), args.futures):
        target = "" if r.get("target") is None else f"  (target ≥ {r['target']:g})"
        print(f"{r['benchmark']:<45} {r['value']:8.2f} {r['unit']:<2} {r.get('note', '')}{target}")


if __name__ == "__main__":
    main()
