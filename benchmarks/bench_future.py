"""Benchmark: milliseconds per future of a preset on one core, and SimPy events per future.

Run on demand (not part of the test suite):

    python benchmarks/bench_future.py [--preset midsize-nation] [--futures 400] [--repeats 3]
    python benchmarks/bench_future.py --where [--futures 300]     # where a future's time goes, by mechanism

Prints the median and quartiles of CPU time per future (each future timed on its own, result row
included, no monthly timeline kept, with the import-time heap frozen out of the garbage collector: as in a
sweep's shard that stores no timelines, the default), the median
number of SimPy events processed per future, and the verdict mix. Target:
a median of at most 5 ms per future for the default preset.

It also prints the engine floor: what a future's machinery alone costs on this machine, with no model
around it: creating its random streams, as many bare SimPy timeouts (each with a callback) as the median
future processes, and as many scalar draws as it makes (the median over floor futures timed one by one, as
the model's futures are). The model's own work is the rest.
"""

from __future__ import annotations

import argparse
import collections
import inspect
import os
import statistics
import subprocess
import sys
import time

import numpy as np
import simpy

import sovsim
from sovsim import compiled
from sovsim.model import world as world_module
from sovsim.model.rng import STREAMS, stream
from sovsim.model.world import World
from sovsim.sweep.runner import settled_heap

#: The clock of both the futures and the floor: the CPU time of this process, so that other processes on a
#: shared machine (which delay a long future more than a short floor future) count in neither.
CLOCK = time.process_time


def one_future(scenario: sovsim.Scenario, seed: int, future: int) -> tuple[float, int, str]:
    """CPU seconds, SimPy events and verdict of one future, timed end to end (setup, run, result row)."""
    start = CLOCK()
    world = World(scenario, seed, future, timeline=False)  # as a sweep that stores no timelines runs it
    steps = 0
    step = world.env.step

    def counting_step() -> None:
        nonlocal steps
        steps += 1
        step()

    world.env.step = counting_step  # type: ignore[method-assign]
    world.run()
    row = world.row()
    return CLOCK() - start, steps, row["verdict"]


class _Counting:
    """A generator that counts the draws made through it (one per call, whatever its size)."""

    def __init__(self, generator: np.random.Generator, counter: list[int]) -> None:
        self._generator, self._counter = generator, counter

    def __getattr__(self, name: str) -> object:
        method = getattr(self._generator, name)

        def counted(*args: object, **kwargs: object) -> object:
            self._counter[0] += 1
            return method(*args, **kwargs)

        return counted


def draws_per_future(scenario: sovsim.Scenario, seed: int, future: int) -> int:
    """Calls made to the future's random generators."""
    counter = [0]
    world_module.stream = lambda *a: _Counting(stream(*a), counter)  # type: ignore[assignment]
    try:
        World(scenario, seed, future, timeline=False).run().row()
    finally:
        world_module.stream = stream
    return counter[0]


def median_draws(preset: str, futures: int) -> int:
    """The median number of draws of futures 0 … ``futures`` − 1 of ``preset`` (seed 0).

    Counted on the pure-Python modules, whose stream factory can be wrapped: in a process that runs a compiled
    build (the same draws, bit for bit) a pure-Python subprocess counts them.
    """
    if compiled.status() != "pure Python":
        done = subprocess.run([sys.executable, __file__, "--preset", preset, "--draws", str(futures)], check=True,
                              capture_output=True, text=True, env={**os.environ, "SOVSIM_COMPILED": "0"})
        return int(done.stdout.split()[-1])
    scenario = sovsim.load_scenario(preset)
    return int(statistics.median(draws_per_future(scenario, 0, i) for i in range(futures)))


def engine_floor_ms(events: int, draws: int, futures: int = 200) -> float:
    """Milliseconds per future of the machinery alone: streams, ``events`` bare SimPy timeouts, ``draws`` draws.

    The median over ``futures`` floor futures, each timed on its own with the heap settled, as the model's
    futures are: the same statistic under the same conditions, so a burst of load on a shared machine moves
    neither.
    """
    def noop(_event: object) -> None:
        return None

    times = []
    with settled_heap():
        for future in range(futures):
            start = CLOCK()
            generators = [stream(0, future, name) for name in STREAMS if name != "billing"]
            env = simpy.Environment()
            for k in range(events):
                env.timeout(k * 0.25).callbacks.append(noop)
            env.run()
            rng = generators[0]
            for _ in range(draws):
                rng.exponential(1.0)
            times.append(CLOCK() - start)
    return statistics.median(times) * 1e3


def measure(scenario: sovsim.Scenario, futures: int, repeats: int, medians: list[float], steps_all: list[int],
            verdicts: collections.Counter[str]) -> None:
    """Time ``futures`` futures ``repeats`` times; the first repeat also counts events and verdicts."""
    for repeat in range(repeats):
        times = []
        for i in range(futures):
            seconds, steps, verdict = one_future(scenario, seed=0, future=i)
            times.append(seconds * 1e3)
            if repeat == 0:
                steps_all.append(steps)
                verdicts[verdict] += 1
        medians.append(statistics.median(times))
        q1, _, q3 = statistics.quantiles(times, n=4)
        print(f"repeat {repeat + 1}: median {medians[-1]:.2f} ms/future (IQR {q1:.2f}–{q3:.2f} ms)")


#: The mechanisms whose time ``--where`` measures: (label, module where it is looked up, owner, attribute). Times
#: are inclusive (a service review includes its serving estimate, and the GPU failures it brings up to date).
MECHANISMS = (
    ("monthly service review", "sovsim.model.deployment", "Service", "review"),
    ("  serving estimate (replicas, cost)", "sovsim.model.deployment", "Service", "_serving"),
    ("  judgement against the bar", "sovsim.model.deployment", "Service", "judge"),
    ("  operation of the month", "sovsim.model.deployment", "Service", "_operate"),
    ("  staleness test (also the coroner's)", "sovsim.model.world", "World", "_model_is_behind"),
    ("electricity and rent bill", "sovsim.model.billing", "Meter", "bill"),
    ("hiring freeze and consultants", "sovsim.model.treasury", None, "review_freeze"),
    ("payroll", "sovsim.model.treasury", None, "settle"),
    ("coroner's monthly round", "sovsim.model.coroner", None, "monthly_round"),
    ("  timeline record", "sovsim.model.world", "World", "_record"),
    ("know-how, trust, governance", "sovsim.model.sovereignty", "Mechanisms", "month"),
    ("GPU failures and repairs", "sovsim.model.compute", "Fleet", "advance"),
    ("export-control regimes", "sovsim.model.export", "_RuleChanges", "__call__"),  # each change after its process
    ("quits", "sovsim.model.workforce", "Attrition", "_quit"),
    ("searches", "sovsim.model.workforce", "Search", "end"),
    ("release cycle (lifecycle process)", "sovsim.model.lifecycle", None, "lifecycle"),
    ("world set-up", "sovsim.model.world", "World", "__init__"),
    ("result row", "sovsim.model.world", "World", "row"),
)


def where(scenario: sovsim.Scenario, futures: int) -> None:
    """Print the CPU time per future of each mechanism in :data:`MECHANISMS` (timers add a little to each)."""
    import importlib

    if compiled.status() != "pure Python":  # a compiled class's methods cannot be wrapped
        raise SystemExit("--where times the pure-Python modules: run it with SOVSIM_COMPILED=0")
    spent: collections.Counter[str] = collections.Counter()
    calls: collections.Counter[str] = collections.Counter()
    restore = []
    for label, module_name, owner_name, attribute in MECHANISMS:
        module = importlib.import_module(module_name)
        owner = module if owner_name is None else getattr(module, owner_name)
        original = getattr(owner, attribute)
        restore.append((owner, attribute, original))
        if inspect.isgeneratorfunction(original):  # a process: time each of its steps
            def timed(*args: object, _f: object = original, _label: str = label, **kwargs: object) -> object:
                generator = _f(*args, **kwargs)  # type: ignore[operator]
                value = None
                while True:
                    start = CLOCK()
                    try:
                        event = generator.send(value)
                    except StopIteration as stop:
                        spent[_label] += CLOCK() - start
                        return stop.value
                    spent[_label] += CLOCK() - start
                    calls[_label] += 1
                    value = yield event
        else:
            def timed(*args: object, _f: object = original, _label: str = label, **kwargs: object) -> object:
                start = CLOCK()
                try:
                    return _f(*args, **kwargs)  # type: ignore[operator]
                finally:
                    spent[_label] += CLOCK() - start
                    calls[_label] += 1
        setattr(owner, attribute, timed)
    try:
        start = CLOCK()
        with settled_heap():
            for i in range(futures):
                World(scenario, 0, i, timeline=False).run().row()
        total = CLOCK() - start
    finally:
        for owner, attribute, original in restore:
            setattr(owner, attribute, original)
    print(f"where a future's CPU time goes ({futures} futures, {total / futures * 1e3:.2f} ms each with the timers; "
          "inclusive: an indented row is part of the row above it):")
    for label, *_ in MECHANISMS:
        per_call = spent[label] / calls[label] * 1e6 if calls[label] else 0.0
        print(f"  {label:38s} {spent[label] / futures * 1e3:6.2f} ms  {calls[label] / futures:6.1f} calls  "
              f"{per_call:6.1f} µs each")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--preset", default="midsize-nation")
    parser.add_argument("--futures", type=int, default=400)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--where", action="store_true", help="print where a future's time goes, by mechanism")
    parser.add_argument("--draws", type=int, default=0, metavar="N",
                        help="only print the median draws of the first N futures")
    args = parser.parse_args()
    if args.draws:
        print(median_draws(args.preset, args.draws))
        return
    scenario = sovsim.load_scenario(args.preset)
    print(f"simulation core: {compiled.status()}")
    if args.where:
        sovsim.run(scenario, seed=0, future=0)
        where(scenario, args.futures)
        return
    # Counted first: with a compiled build it starts a subprocess, and the parent's pages written after a fork are
    # copied on first write, which would slow whatever is timed next.
    draws = median_draws(args.preset, min(args.futures, 100))
    sovsim.run(scenario, seed=0, future=0)  # warm up imports and caches
    medians, steps_all, verdicts = [], [], collections.Counter()
    with settled_heap():  # as a sweep's shard runs its futures
        measure(scenario, args.futures, args.repeats, medians, steps_all, verdicts)
    best = min(medians)
    print(f"preset {args.preset}: median {best:.2f} ms per future (best of {args.repeats} repeats, "
          f"{args.futures} futures each); target ≤ 5 ms → {best / 5.0:.2f}× the target")
    print(f"SimPy events per future: median {statistics.median(steps_all):.0f}, "
          f"mean {statistics.fmean(steps_all):.0f}")
    print("verdicts:", dict(verdicts))
    events = int(statistics.median(steps_all))
    floor = engine_floor_ms(events, draws)
    print(f"engine floor: {floor:.2f} ms per future for {events} bare SimPy events and {draws} scalar draws "
          f"({floor / best:.0%} of a future; the model's own work is the other {best - floor:.2f} ms)")


if __name__ == "__main__":
    main()
