"""How do futures of a preset end? Verdict shares with 95% intervals and the commonest root causes.

    python experiments/verdict_mix.py [PRESET] [--futures 200] [--seed 0] [--set PATH=VALUE ...] [--out DIR]

Runs futures 0..N-1 of the preset with the public Python API, prints the verdict mix (Wilson 95%
intervals) and the commonest root causes per verdict, and writes ``futures.csv`` (one row per future)
and ``verdicts.csv`` to DIR (default ``experiments/results/verdict_mix/``).
"""

from __future__ import annotations

import argparse
import collections
import math
from pathlib import Path

import pandas as pd
from rich.console import Console
from rich.progress import track
from rich.table import Table

import sovsim


def wilson(k: int, n: int, z: float = 1.959964) -> tuple[float, float]:
    """Wilson score interval for a proportion k/n."""
    if n == 0:
        return 0.0, 1.0
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return centre - half, centre + half


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("preset", nargs="?", default="midsize-nation")
    parser.add_argument("--futures", type=int, default=200)
    parser.add_argument("--seed", type=int, default=0, help="base seed (futures 0..N-1 of it)")
    parser.add_argument("--set", dest="sets", action="append", default=[], metavar="PATH=VALUE")
    parser.add_argument("--out", type=Path, default=Path("experiments/results/verdict_mix"))
    args = parser.parse_args()

    scenario = sovsim.load_scenario(args.preset, args.sets)
    rows = [sovsim.run(scenario, seed=args.seed, future=i).row
            for i in track(range(args.futures), description=f"{args.futures} futures of {scenario.name}")]
    frame = pd.DataFrame(rows)
    counts = collections.Counter(frame["verdict"])
    n = len(frame)
    summary = []
    table = Table(title=f"{scenario.name}: how {n} futures end (seed {args.seed})")
    for column in ("verdict", "futures", "share", "95% interval", "median death (years)", "commonest root cause"):
        table.add_column(column)
    for verdict in sovsim.model.records.VERDICTS:
        k = counts.get(verdict, 0)
        lo, hi = wilson(k, n)
        subset = frame[frame["verdict"] == verdict]
        died = subset["death_time_years"].dropna()
        kinds = subset["root_cause"].str.replace(r"\d[\d.,]*", "N", regex=True).value_counts()
        cause = kinds.index[0] if len(kinds) else ""
        summary.append({"verdict": verdict, "futures": k, "share": k / n, "ci_low": lo, "ci_high": hi,
                        "median_death_years": died.median() if len(died) else None, "commonest_root": cause})
        table.add_row(verdict, str(k), f"{k / n:.1%}", f"{lo:.1%}–{hi:.1%}",
                      f"{died.median():.1f}" if len(died) else "—", cause)
    Console().print(table)
    args.out.mkdir(parents=True, exist_ok=True)
    frame.to_csv(args.out / "futures.csv", index=False)
    pd.DataFrame(summary).to_csv(args.out / "verdicts.csv", index=False)
    print(f"wrote {args.out / 'futures.csv'} and {args.out / 'verdicts.csv'}")


if __name__ == "__main__":
    main()
