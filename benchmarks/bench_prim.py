"""Benchmark: sovsim's PRIM against EMA Workbench's PRIM on the same data, 100,000 rows × 20 uncertainties.

    python benchmarks/bench_prim.py [--quick] [--rows 1000000]

The data are uniform uncertainties with a box planted on three of them (the outcome is likely inside it,
rare outside). Both implementations find the first box with the same settings (peel and paste alpha 0.05,
mass_min 0.05), quasi-p-values of every step of the trajectory included; the numba kernels are compiled
before the clock starts. The run checks that the boxes agree (coverage and density to 1e-6, every limit
within one peel step) and reports the time ratio. Each implementation runs in its own process, so its peak
memory (RSS) is its own; the RSS of a process that only builds the data is given beside it. Targets: sovsim
≥ 10× faster with the same box at 100,000 rows, ≥ 20× at 1,000,000 rows within 2 GiB.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import sys
import time
import warnings
from typing import Any

import launch  # beside this script
import numpy as np
import pandas as pd

from sovsim.analysis.prim import Prim


def planted(rows: int, columns: int, seed: int = 1) -> tuple[pd.DataFrame, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = pd.DataFrame(rng.random((rows, columns)), columns=[f"x{i}" for i in range(columns)])
    inside = (x["x0"] > 0.6) & (x["x1"] < 0.4) & (x["x2"] > 0.3)
    y = np.where(inside, rng.random(rows) < 0.85, rng.random(rows) < 0.1).astype(int)
    return x, y


def same_box(mine: dict[str, Any], theirs: dict[str, Any], x: pd.DataFrame | None = None, alpha: float = 0.05,
             ranges: dict[str, float] | None = None) -> bool:
    """Coverage and density to 1e-6 and every limit within one peel step (``alpha`` × the column's range)."""
    if abs(mine["coverage"] - theirs["coverage"]) > 1e-6 or abs(mine["density"] - theirs["density"]) > 1e-6:
        return False
    spans = ranges if ranges is not None else {c: float(x[c].max() - x[c].min()) for c in x.columns} if x is not None \
        else {}
    for name, span in spans.items():
        step = alpha * span
        (lo_a, hi_a), (lo_b, hi_b) = mine["limits"][name], theirs["limits"][name]
        if abs(lo_a - lo_b) > step or abs(hi_a - hi_b) > step:
            return False
    return True


def side(name: str, rows: int, repeats: int) -> dict[str, Any]:
    """Build the data and find the first box with one implementation (``sovsim``, ``ema`` or ``none``)."""
    x, y = planted(rows, 20)
    answer: dict[str, Any] = {"ranges": {c: float(x[c].max() - x[c].min()) for c in x.columns}}
    if name == "none":
        return answer
    if name == "sovsim":
        Prim(x.iloc[:2000], y[:2000]).find_box()  # compile (or load) the kernels
        times, cpu = [], []
        for _ in range(repeats):
            start, clock = time.perf_counter(), time.process_time()
            box = Prim(x, y).find_box()
            times.append(time.perf_counter() - start)
            cpu.append(time.process_time() - clock)
        limits = box.box_limits(restricted_only=False)
        answer.update(seconds=min(times), cpu_seconds=min(cpu), steps=len(box), coverage=box.coverage,
                      density=box.density, limits={c: [float(v) for v in limits[c]] for c in x.columns})
        return answer
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the workbench announces optional extras it cannot find
        from ema_workbench.analysis import prim as ema_prim

        start, clock = time.perf_counter(), time.process_time()
        theirs = ema_prim.Prim(x, y, threshold=0.5).find_box()
        seconds, cpu_seconds = time.perf_counter() - start, time.process_time() - clock
    answer.update(seconds=seconds, cpu_seconds=cpu_seconds, steps=len(theirs.peeling_trajectory),
                  coverage=float(theirs.coverage), density=float(theirs.density),
                  limits={c: [float(v) for v in theirs.box_lim[c]] for c in x.columns})
    return answer


def _child(name: str, rows: int, repeats: int) -> tuple[dict[str, Any], float]:
    """Run :func:`side` in a fresh process; its answer and the process's own peak RSS in MiB (:mod:`launch`)."""
    usage = launch.run([sys.executable, __file__, "--side", name, "--rows", str(rows), "--repeats", str(repeats)],
                       check=True)
    return json.loads(usage.stdout.strip().splitlines()[-1]), usage.peak_mib


SKIPPED = "skipped: ema_workbench is a test extra (pip install -e '.[test]')"


def run(quick: bool = False, rows: int | None = None) -> list[dict[str, Any]]:
    """sovsim's PRIM timed; against EMA Workbench when it is installed (else a row with ``skipped``)."""
    rows = rows or (20_000 if quick else 100_000)
    repeats = 3 if rows <= 200_000 else 1
    base, base_mb = _child("none", rows, 1)
    ours, ours_mb = _child("sovsim", rows, repeats)
    if importlib.util.find_spec("ema_workbench") is None:
        return [{"benchmark": f"prim: sovsim first box, {rows:,} × 20 (s)", "value": ours["seconds"], "unit": "s",
                 "note": f"best of {repeats}; CPU {ours['cpu_seconds']:.2f} s; {ours['steps']} steps"},
                {"benchmark": "prim: the comparison with EMA Workbench", "skipped": SKIPPED}]
    theirs, theirs_mb = _child("ema", rows, 1)
    agree = same_box(ours, theirs, ranges=base["ranges"])
    size = f"{rows:,} × 20"
    return [
        {"benchmark": f"prim: sovsim first box, {size} (s)", "value": ours["seconds"], "unit": "s",
         "note": f"best of {repeats}; CPU {ours['cpu_seconds']:.2f} s; {ours['steps']} steps, quasi-p-values "
                 "included"},
        {"benchmark": f"prim: EMA Workbench first box, {size} (s)", "value": theirs["seconds"], "unit": "s",
         "note": f"CPU {theirs['cpu_seconds']:.2f} s; {theirs['steps']} steps"},
        {"benchmark": "prim: speed-up over EMA Workbench", "value": theirs["seconds"] / ours["seconds"], "unit": "×",
         "target": 20.0 if rows >= 1_000_000 else 10.0, "direction": "min",
         "note": f"same data and settings; CPU-time ratio {theirs['cpu_seconds'] / ours['cpu_seconds']:.1f}×"},
        {"benchmark": "prim: same box as EMA Workbench", "value": float(agree), "unit": "", "target": 1.0,
         "direction": "min", "note": f"coverage {ours['coverage']:.4f} vs {theirs['coverage']:.4f}, "
                                     f"density {ours['density']:.4f} vs {theirs['density']:.4f}"},
        {"benchmark": f"prim: sovsim peak RSS, {size}", "value": ours_mb, "unit": "MiB", "target": 2048.0,
         "note": f"whole process; {base_mb:.0f} MiB with the data alone"},
        {"benchmark": f"prim: EMA Workbench peak RSS, {size}", "value": theirs_mb, "unit": "MiB",
         "note": f"whole process; {base_mb:.0f} MiB with the data alone"},
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="20,000 rows instead of 100,000")
    parser.add_argument("--rows", type=int, default=None, help="rows (e.g. 1000000) [default: 100,000]")
    parser.add_argument("--side", choices=("sovsim", "ema", "none"), help=argparse.SUPPRESS)
    parser.add_argument("--repeats", type=int, default=1, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.side:
        print(json.dumps(side(args.side, args.rows, args.repeats)))
        return
    for r in run(args.quick, args.rows):
        if "skipped" in r:
            print(f"{r['benchmark']}: {r['skipped']}")
            continue
        target = f"  (target {'≥' if r.get('direction') == 'min' else '≤'} {r['target']:g})" if r.get("target") else ""
        print(f"{r['benchmark']:<52} {r['value']:10.3f} {r['unit']:<3}{target}  {r.get('note', '')}")


if __name__ == "__main__":
    main()
