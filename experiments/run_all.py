"""Run the nine questions' experiments, the overview Q0, the hindcast, the presets and the caveats; rebuild the README.

    python experiments/run_all.py [--quick] [--out DIR] [--workers N] [--engine local|dask|slurm] [--no-caveats]

Every sweep runs afresh (``--reuse`` continues the sweeps already there instead, when only the scripts
changed). Without ``--quick`` this regenerates the published results in experiments/results/ and
experiments/README.md. With ``--quick`` everything runs at the smaller sizes into experiments/results-quick/
(or DIR) and the README goes to DIR/README.md, leaving the published ones alone. Prints the wall time of
each step.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

HERE = Path(__file__).resolve().parent
SCRIPTS = ("q0_where_they_die.py", "q1_snapshot.py", "q2_tenant_or_owner.py", "q3_iterate_fast.py",
           "q4_gpus_current.py", "q5_cultural_alignment.py", "q6_vanity_pilots.py", "q7_black_hole.py",
           "q8_museums.py", "q9_compute_rich.py")


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.strip().splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="the smaller sizes, into experiments/results-quick/")
    parser.add_argument("--out", type=Path, default=None, help="results root (default: see above)")
    parser.add_argument("--workers", type=int, default=None)
    parser.add_argument("--engine", default="local")
    parser.add_argument("--no-caveats", action="store_true", help="skip the caveat runs (the README keeps the last)")
    parser.add_argument("--reuse", action="store_true",
                        help="continue the sweeps already in the results folders instead of running them afresh "
                             "(only if the model has not changed since)")
    args = parser.parse_args(argv)
    root = args.out or (HERE / ("results-quick" if args.quick else "results"))
    common = ["--engine", args.engine, "--quiet"] + (["--workers", str(args.workers)] if args.workers else [])
    common += ["--quick"] if args.quick else []
    common += [] if args.reuse else ["--fresh"]
    timings = []
    began = time.perf_counter()
    for script in SCRIPTS:
        start = time.perf_counter()
        name = script.split("_")[0]
        subprocess.run([sys.executable, str(HERE / script), "--out", str(root / name), *common], check=True)
        timings.append((script, time.perf_counter() - start))
        print(f"{script}: {timings[-1][1]:.1f} s", flush=True)
    for script, name in (("hindcast.py", "hindcast"), ("presets.py", "presets")):
        start = time.perf_counter()
        subprocess.run([sys.executable, str(HERE / script), "--out", str(root / name),
                        *(["--quick"] if args.quick else []),
                        *(["--workers", str(args.workers)] if args.workers else [])], check=True)
        timings.append((script, time.perf_counter() - start))
        print(f"{script}: {timings[-1][1]:.1f} s", flush=True)
    if not args.no_caveats:
        start = time.perf_counter()
        subprocess.run([sys.executable, str(HERE / "caveats.py"), "--out", str(root / "caveats"),
                        *[a for a in common if a not in ("--quiet", "--quick", "--fresh")],
                        *(["--quick"] if args.quick else []), *([] if args.reuse else ["--fresh"])], check=True)
        timings.append(("caveats.py", time.perf_counter() - start))
        print(f"caveats.py: {timings[-1][1]:.1f} s", flush=True)
    readme = HERE / "README.md" if root.resolve() == (HERE / "results").resolve() else root / "README.md"
    subprocess.run([sys.executable, str(HERE / "make_readme.py"), "--results", str(root), "--readme", str(readme)],
                   check=True)
    print(f"total: {time.perf_counter() - began:.1f} s")


if __name__ == "__main__":
    main()
