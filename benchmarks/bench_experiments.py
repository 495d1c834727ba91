"""Benchmark: wall time of the ten experiment scripts at their ``--quick`` size, each and in total.

    python benchmarks/bench_experiments.py [--smoke] [--workers 2]

Each script runs as a user runs it (a fresh process: imports, the sweep on the local engine with
``--workers`` processes, the analysis and the figures) into a temporary directory. Targets on 2 cores:
each script under 3 minutes, the ten under 10 minutes. ``--smoke`` runs the hidden ``--tiny`` size
instead (checks that the benchmark works, not a timing to report).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

EXPERIMENTS = Path(__file__).resolve().parent.parent / "experiments"
SCRIPTS = ("q0_where_they_die", "q1_snapshot", "q2_tenant_or_owner", "q3_iterate_fast", "q4_gpus_current",
           "q5_cultural_alignment", "q6_vanity_pilots", "q7_black_hole", "q8_museums", "q9_compute_rich")


def run(smoke: bool = False, workers: int = 2) -> list[dict[str, Any]]:
    """One row per script and one for the total: wall seconds, target, note."""
    size = "--tiny" if smoke else "--quick"
    rows, total = [], 0.0
    with tempfile.TemporaryDirectory() as tmp:
        for name in SCRIPTS:
            began = time.perf_counter()
            subprocess.run([sys.executable, str(EXPERIMENTS / f"{name}.py"), size, "--out", str(Path(tmp) / name),
                            "--workers", str(workers), "--quiet"], check=True)
            seconds = time.perf_counter() - began
            total += seconds
            rows.append({"benchmark": f"experiment {name} {size} ({workers} workers)", "value": seconds,
                         "unit": "s", "target": 180.0, "direction": "max"})
    rows.append({"benchmark": f"experiments: all ten {size} ({workers} workers)", "value": total, "unit": "s",
                 "target": 600.0, "direction": "max"})
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="the tiny size (a smoke run, not a timing)")
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    for r in run(args.smoke, args.workers):
        verdict = "ok" if r["value"] <= r["target"] else "MISSED"
        print(f"{r['benchmark']:<62} {r['value']:8.1f} {r['unit']}  (target ≤ {r['target']:g}: {verdict})")


if __name__ == "__main__":
    main()
