"""The hindcast: how well the model, on its calibrated ranges, reproduces fifteen real national programmes.

    python experiments/hindcast.py [--quick] [--out DIR] [--workers N]

Runs ``sovsim hindcast --json --ranges experiments/calibrated_ranges.toml`` (each case of docs/cases.md from
its start date to its last known fact, the case's unknowns and the calibrated ranges sampled in every future)
and writes DIR/hindcast.json and DIR/summary.md (default DIR: experiments/results/hindcast/): the Brier scores
against the base rate, the coverage of the first-release intervals, and where it fails.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
FUTURES = {"quick": 8, "full": 40}
OUTCOMES = {"second_release_within_24m": "a second release within 24 months", "pivoted": "a pivot to open weights",
            "production_service": "a production service", "ended": "ended or stalled"}


def sovsim_command() -> list[str]:
    """The ``sovsim`` command of this interpreter's environment."""
    return [sys.executable, "-m", "sovsim"]


def summary(data: dict[str, Any], size: str) -> str:
    skill = data["skill"]
    lines = ["# The hindcast", "",
             f"Fifteen real programmes (`docs/cases.md`) run from their start date to their "
             f"last known fact, {data['futures_per_case']} futures each (seed {data['seed']}) on the calibrated "
             f"ranges of `experiments/calibrated_ranges.toml` ({data['cost']['futures']:,} futures). A Brier score "
             "is the mean squared error of the predicted probability; skill is 1 − model ÷ base rate (a forecast "
             "of the observed share for every case): above 0 the model beats it, below 0 it does worse.", "",
             "| outcome | cases observed | Brier (model) | Brier (base rate) | skill |", "|---|---|---|---|---|"]
    for key, name in OUTCOMES.items():
        b = skill["brier"].get(key)
        if not b:
            continue
        s = "n/a" if b["skill"] is None else f"{b['skill']:+.2f}"
        lines.append(f"| {name} | {b['n']} | {b['model']:.3f} | {b['base_rate']:.3f} | {s} |")
    cov = skill["coverage"]
    med = skill["first_release_months_median"]
    lines += ["", f"Months to the first release: the median case took {med['observed']:.1f} months, the simulated "
              f"median is {med['simulated']:.1f}; the observed month falls inside the simulated 50% interval in "
              f"{100 * cov['interval_50']:.0f}% of the {cov['n']} cases (50% expected) and inside the 80% interval in "
              f"{100 * cov['interval_80']:.0f}% (80% expected).", ""]
    misses = skill.get("misses", [])
    if misses:
        lines += ["Where it fails (the misses `sovsim hindcast` reports: an outcome the futures got confidently "
                  "wrong, or a first release outside the simulated 10–90% range):", ""]
        for m in misses:
            if m["outcome"] == "first_release_months":
                lo, hi = m["predicted"]
                rng = f"{lo if lo is not None else '—'}–{hi if hi is not None else 'none by the cutoff'}"
                lines.append(f"- `{m['case']}`: first release after {m['observed']} months, simulated 10–90% {rng}.")
            else:
                lines.append(f"- `{m['case']}`: {OUTCOMES.get(m['outcome'], m['outcome'])} was "
                             f"{'observed' if m['observed'] else 'not observed'}; the futures gave it "
                             f"{100 * m['predicted']:.0f}%.")
        lines.append("")
    lines += [f"*Size:* {size}. *Regenerate:* `python experiments/hindcast.py{' --quick' if size == 'quick' else ''}`.",
              ""]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.strip().splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--out", type=Path, default=HERE / "results" / "hindcast")
    parser.add_argument("--workers", type=int, default=None)
    parser.add_argument("--futures", type=int, default=None, help=argparse.SUPPRESS)
    args, _ = parser.parse_known_args(argv)
    size = "quick" if args.quick else "full"
    futures = args.futures or FUTURES[size]
    command = [*sovsim_command(), "hindcast", "--json", "--futures", str(futures), "--ranges",
               str(HERE / "calibrated_ranges.toml")] + (["--workers", str(args.workers)] if args.workers else [])
    done = subprocess.run(command, check=True, capture_output=True, text=True)
    data = json.loads(done.stdout)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "hindcast.json").write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")
    (args.out / "summary.md").write_text(summary(data, size), encoding="utf-8")
    print(f"wrote {args.out / 'summary.md'}")


if __name__ == "__main__":
    main()
