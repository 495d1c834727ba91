"""Sovereignty figures of a preset: residency-bound demand served, allocations lost, trust and consultant know-how.

    python experiments/sovereignty_figures.py [PRESET] [--futures 200] [--seed 0] [--set PATH=VALUE ...]

Runs futures 0..N-1 with the public Python API and prints, with 95% intervals over futures (normal
approximation for means of ratios, Wilson for shares): the share of residency-bound tokens served on domestic
soil over the whole future and over the months in production only (from the monthly timeline); the share of
futures that lost an allocation on a shared supercomputer; the museum share; mean final trust and trust
incidents; the mean largest share of know-how held by consultants.
"""

from __future__ import annotations

import argparse
import math

import numpy as np

import sovsim
from sovsim.scenario import load_scenario


def wilson(k: int, n: int, z: float = 1.959964) -> tuple[float, float]:
    """Wilson score interval for a proportion k/n."""
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return centre - half, centre + half


def ratio(served: np.ndarray, offered: np.ndarray) -> tuple[float, float, float]:
    """Σ served / Σ offered with a 95% interval (ratio estimator, linearised over futures)."""
    keep = offered > 0
    s, o = served[keep], offered[keep]
    if not o.size:
        return math.nan, math.nan, math.nan
    r = s.sum() / o.sum()
    resid = s - r * o
    se = math.sqrt(resid.var(ddof=1) / o.size) / o.mean() if o.size > 1 else 0.0
    return r, r - 1.959964 * se, r + 1.959964 * se


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("preset", nargs="?", default="midsize-nation")
    parser.add_argument("--futures", type=int, default=200)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--set", dest="sets", action="append", default=[], metavar="PATH=VALUE")
    args = parser.parse_args()
    scenario = load_scenario(args.preset, args.sets)
    rows, offered_prod, served_prod = [], [], []
    for future in range(args.futures):
        result = sovsim.run(scenario, seed=args.seed, future=future)
        rows.append(result.row)
        t = result.timeline
        d_off = t["residency_offered_tokens"].diff().shift(-1).fillna(0.0).to_numpy()
        d_srv = t["residency_served_tokens"].diff().shift(-1).fillna(0.0).to_numpy()
        production = (t["deployment"] == "production").to_numpy()
        offered_prod.append(d_off[production].sum())
        served_prod.append(d_srv[production].sum())
    n = len(rows)
    offered = np.array([r["residency_demand_offered_tokens"] for r in rows])
    served = np.array([r["residency_demand_served_tokens"] for r in rows])
    print(f"{args.preset} {' '.join(args.sets)}: {n} futures, seed {args.seed}")
    for label, (v, lo, hi) in (("residency-bound demand served, whole future", ratio(served, offered)),
                               ("residency-bound demand served, months in production",
                                ratio(np.array(served_prod), np.array(offered_prod)))):
        print(f"  {label}: {v:.1%} [{lo:.1%}, {hi:.1%}]")
    for label, k in (("futures that lost an allocation", sum(r["allocation_lost"] for r in rows)),
                     ("museum verdicts", sum(r["verdict"] == "museum" for r in rows))):
        lo, hi = wilson(k, n)
        print(f"  {label}: {k}/{n} = {k / n:.1%} [{lo:.1%}, {hi:.1%}]")
    trust = np.array([r["final_trust"] for r in rows])
    incidents = np.array([r["trust_incidents"] for r in rows], dtype=float)
    share = np.array([r["max_consultant_knowhow_share"] for r in rows])
    for label, x in (("final trust", trust), ("trust incidents", incidents),
                     ("largest consultant share of know-how", share)):
        half = 1.959964 * x.std(ddof=1) / math.sqrt(n) if n > 1 else 0.0
        print(f"  mean {label}: {x.mean():.3f} [{x.mean() - half:.3f}, {x.mean() + half:.3f}]")


if __name__ == "__main__":
    main()
