"""Benchmark: milliseconds per future of a preset on one core, and SimPy events per future.

Run on demand (not part of the test suite):

    python benchmarks/bench_future.py [--preset midsize-nation] [--futures 400] [--repeats 3]

Prints the median and quartiles of wall time per future (each future timed on its own, result row
included), the median number of SimPy events processed per future, and the verdict mix. Target:
a median of at most 5 ms per future for the default preset.
"""

from __future__ import annotations

import argparse
import collections
import statistics
import time

import sovsim
from sovsim.model.world import World


def one_future(scenario: sovsim.Scenario, seed: int, future: int) -> tuple[float, int, str]:
    """Wall seconds, SimPy events and verdict of one future, timed end to end (setup, run, result row)."""
    start = time.perf_counter()
    world = World(scenario, seed, future)
    steps = 0
    step = world.env.step

    def counting_step() -> None:
        nonlocal steps
        steps += 1
        step()

    world.env.step = counting_step  # type: ignore[method-assign]
    world.run()
    row = world.row()
    return time.perf_counter() - start, steps, row["verdict"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--preset", default="midsize-nation")
    parser.add_argument("--futures", type=int, default=400)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    scenario = sovsim.load_scenario(args.preset)
    sovsim.run(scenario, seed=0, future=0)  # warm up imports and caches
    medians, steps_all, verdicts = [], [], collections.Counter()
    for repeat in range(args.repeats):
        times = []
        for i in range(args.futures):
            seconds, steps, verdict = one_future(scenario, seed=0, future=i)
            times.append(seconds * 1e3)
            if repeat == 0:
                steps_all.append(steps)
                verdicts[verdict] += 1
        medians.append(statistics.median(times))
        q1, _, q3 = statistics.quantiles(times, n=4)
        print(f"repeat {repeat + 1}: median {medians[-1]:.2f} ms/future (IQR {q1:.2f}–{q3:.2f} ms)")
    best = min(medians)
    print(f"preset {args.preset}: median {best:.2f} ms per future (best of {args.repeats} repeats, "
          f"{args.futures} futures each); target ≤ 5 ms → {best / 5.0:.2f}× the target")
    print(f"SimPy events per future: median {statistics.median(steps_all):.0f}, "
          f"mean {statistics.fmean(steps_all):.0f}")
    print("verdicts:", dict(verdicts))


if __name__ == "__main__":
    main()
