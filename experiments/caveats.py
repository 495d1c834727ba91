"""Caveats: how much each question's key number moves when its weakest assumption moves.

    python experiments/caveats.py [--quick] [--out DIR] [--workers N] [--engine local|dask|slurm] [--only q1 q5 ...]

For each question, the calibrated value with the weakest support (an assumption in docs/calibration.md, or a
range derived from other figures) is fixed at its low end, at the value the experiment uses by default,
and at its high end, and the experiment's key number is computed three times on the same sampled scenarios
and seed (common random numbers; each run drops that field's uncertainty, if the experiment samples it, and
fixes it everywhere). The scripts are run as a user would, with ``--set PATH=VALUE`` and a smaller
``--scenarios``; each writes its own summary under DIR/qN-low/ etc. The table goes to DIR/caveats.csv and
DIR/caveats.md (default DIR: experiments/results/caveats/). The runs go side by side, ``--workers`` at a time
(default: the cores), each on one core.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import sys
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

HERE = Path(__file__).resolve().parent


@dataclass(frozen=True)
class Caveat:
    question: int
    script: str
    path: str
    why: str
    low: float
    default: float
    high: float
    scenarios: int  #: per spec, at the published size of the caveat runs
    quick_scenarios: int


CAVEATS = (
    Caveat(0, "q0_where_they_die.py", "model.stale_grace_months",
           "assumption: months a model may trail the free alternative before the programme counts as dead; the "
           "hindcast's calibrated range is 4.3–35 months",
           6.0, 12.0, 24.0, 4, 2),
    Caveat(1, "q1_snapshot.py", "data.open_local_deficit_log10",
           "assumption: no measured conversion of a language gap into effective compute (calibration.md §12 local "
           "deficit); calibrated 0.37–1.94",
           0.5, 1.1, 2.0, 8, 4),
    Caveat(2, "q2_tenant_or_owner.py", "export.embargo_persistence",
           "derived: controls on China tightened in every revision 2022–25 (calibration.md §2); sampled 0.5–0.95",
           0.5, 0.8, 0.95, 4, 2),
    Caveat(3, "q3_iterate_fast.py", "governance.release_review_months",
           "assumption: months of EU AI Act documentation before a release (calibration.md §14); sampled 0.5–3",
           0.5, 1.5, 3.0, 8, 3),
    Caveat(4, "q4_gpus_current.py", "data.open_deficit_halving_years",
           "assumption: how fast open models close their gap in the country's languages; calibrated 2.7–19 years",
           3.0, 8.0, 18.0, 6, 3),
    Caveat(5, "q5_cultural_alignment.py", "trust.steering_ceiling_loss",
           "assumption: trust lost for good at full steering (calibration.md §14 trust surveys); sampled 0.1–0.5",
           0.1, 0.3, 0.5, 6, 3),
    Caveat(6, "q6_vanity_pilots.py", "deployment.alternative_decline_per_year",
           "calibration.md §7 gives 9–900× a year for the price at fixed capability; sampled 3–30",
           3.0, 10.0, 30.0, 4, 2),
    Caveat(7, "q7_black_hole.py", "budget.price_performance_per_year",
           "calibration.md §1 ≈1.25×/yr (H100 → B200), §7 1.3–1.4×/yr; how fast the FLOP the request asks for "
           "gets cheaper",
           1.15, 1.25, 1.4, 30, 10),
    Caveat(8, "q8_museums.py", "staff.knowhow_transfer_per_year",
           "assumption: skills transfer from consultants is rarely planned (calibration.md §14); sampled 0.2–1",
           0.2, 0.5, 1.0, 8, 3),
    Caveat(9, "q9_compute_rich.py", "treasury.election_cut_probability",
           "assumption: no published rate of cuts to national AI budgets; calibrated 0.04–0.57",
           0.1, 0.35, 0.6, 3, 2),
)


def run_one(caveat: Caveat, label: str, value: float, args: argparse.Namespace, scenarios: int) -> dict:
    out = args.out / f"q{caveat.question}-{label}"
    command = [sys.executable, str(HERE / caveat.script), "--out", str(out), "--scenarios", str(scenarios),
               "--set", f"{caveat.path}={value!r}", "--engine", args.engine, "--quiet"]
    command += ["--fresh"] if args.fresh else []
    command += ["--workers", "1"]  # the runs themselves go side by side (see main), each on one core
    began = time.perf_counter()
    subprocess.run(command, check=True)
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    return {**summary["key"], "futures": summary["futures"], "wall_s": time.perf_counter() - began}


def fmt(value: float, low: float, high: float, unit: str) -> str:
    def one(x: float) -> str:
        if x is None or (isinstance(x, float) and math.isnan(x)):
            return "n/a"
        if math.isinf(x):
            return "never"
        if unit == "share":
            return f"{100 * x:.0f}%"
        if unit == "per year":
            return f"{100 * x:+.1f}%"
        if unit == "USD":
            return f"${x / 1e6:,.0f}M" if x < 1e9 else f"${x / 1e9:,.1f}B"
        return f"{x:.1f}"
    return f"{one(value)} [{one(low)}, {one(high)}]"


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.strip().splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller runs (a smoke test)")
    parser.add_argument("--out", type=Path, default=HERE / "results" / "caveats")
    parser.add_argument("--workers", type=int, default=None)
    parser.add_argument("--engine", default="local")
    parser.add_argument("--only", nargs="*", default=None, help="questions to run, e.g. q1 q5 (q0: where they die)")
    parser.add_argument("--fresh", action="store_true", help="run the sweeps afresh (after a change to the model)")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    rows = []
    chosen = [c for c in CAVEATS if not args.only or f"q{c.question}" in args.only]
    settings = (("low", "low"), ("default", "default"), ("high", "high"))
    with ThreadPoolExecutor(max_workers=args.workers or os.cpu_count() or 1) as pool:  # one core per run
        pending = {(c.question, label): pool.submit(run_one, c, label, getattr(c, attr), args,
                                                     c.quick_scenarios if args.quick else c.scenarios)
                   for c in chosen for label, attr in settings}
    for caveat in chosen:
        results = {label: pending[(caveat.question, label)].result() for label, _ in settings}
        unit = results["default"].get("unit", "")
        row = {"question": caveat.question, "key": results["default"].get("name", ""), "unit": unit,
               "assumption": caveat.path, "why_weak": caveat.why,
               "scenarios_per_spec": caveat.quick_scenarios if args.quick else caveat.scenarios,
               "futures_per_run": results["default"]["futures"]}
        for label, value in (("low", caveat.low), ("default", caveat.default), ("high", caveat.high)):
            r = results[label]
            row.update({f"{label}_setting": value, f"{label}_value": r.get("value"),
                        f"{label}_ci_low": r.get("low"), f"{label}_ci_high": r.get("high")})
        rows.append(row)
        print(f"q{caveat.question}: {caveat.path} {caveat.low:g} / {caveat.default:g} / {caveat.high:g} → "
              + " / ".join(fmt(results[k]["value"], results[k]["low"], results[k]["high"], unit)
                           for k in ("low", "default", "high")), flush=True)
    table = pd.DataFrame(rows)
    previous = args.out / "caveats.csv"
    if args.only and previous.is_file():  # keep the rows of the questions not run now
        kept = pd.read_csv(previous)
        kept = kept[~kept["question"].isin(table["question"])]
        table = pd.concat([kept, table], ignore_index=True).sort_values("question").reset_index(drop=True)
    table.to_csv(args.out / "caveats.csv", index=False)
    lines = ["| question | key number | weakest assumption | at its low end | as used | at its high end | "
             "futures per run |", "|---|---|---|---|---|---|---|"]
    for _, r in table.iterrows():
        cells = [fmt(r[f"{k}_value"], r[f"{k}_ci_low"], r[f"{k}_ci_high"], r["unit"])
                 for k in ("low", "default", "high")]
        lines.append(f"| Q{r['question']} | {r['key']} | `{r['assumption']}` ({r['why_weak']}) | "
                     f"{r['low_setting']:g}: {cells[0]} | {r['default_setting']:g}: {cells[1]} | "
                     f"{r['high_setting']:g}: {cells[2]} | {r['futures_per_run']:,} |")
    note = ("Each cell is the key number with its 95% interval, computed on the same sampled scenarios and seed at "
            "the three settings (so the differences are not sampling noise between runs); the runs are smaller "
            "than the published ones, so the middle column can differ from the headline by sampling error. "
            f"Size: {'quick' if args.quick else 'published'}. Regenerate: `python experiments/caveats.py"
            f"{' --quick' if args.quick else ''}`.")
    (args.out / "caveats.md").write_text("\n".join(lines) + "\n\n" + note + "\n", encoding="utf-8")
    print(f"wrote {args.out / 'caveats.md'}")


if __name__ == "__main__":
    main()
