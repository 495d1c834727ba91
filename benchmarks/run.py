"""Run the benchmarks and print one table of all of them; also write it as JSON.

    python benchmarks/run.py [--quick] [--only NAME ...] [--json benchmarks/results/benchmarks.json]

Each benchmark prints its rows as soon as it finishes; the whole table follows at the end. A comparison
that needs a test extra (EMA Workbench) is skipped with a one-line note after the plain install.
Each benchmark reports its figure, the target and the ratio figure/target measured in this run (≤ 1 meets a
"at most" target, ≥ 1 an "at least" one). ``--quick`` shrinks the sizes for a smoke run; the targets are
for the full sizes. Not part of the test suite.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import platform
import resource
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

import sovsim
from sovsim.sweep import sweep
from sovsim.sweep.runner import default_workers, settled_heap

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
SPEC = """
[sweep]
base = "midsize-nation"
scenarios = {scenarios}
sampler = "mc"
seed = 1
shard_size = {shard_size}
"""


def row(name: str, value: float, unit: str, target: float | None, direction: str, note: str = "") -> dict[str, Any]:
    """One line of the table: ``direction`` is 'max' (value ≤ target) or 'min' (value ≥ target)."""
    ratio = value / target if target else None
    ok = None if target is None else (value <= target if direction == "max" else value >= target)
    return {"benchmark": name, "value": value, "unit": unit, "target": target, "direction": direction,
            "ratio": ratio, "ok": ok, "note": note}


def bench_future(quick: bool) -> list[dict[str, Any]]:
    """Median CPU time of one future of the default preset on one core, and SimPy events per future."""
    sys.path.insert(0, str(HERE))
    from bench_future import engine_floor_ms, median_draws, one_future

    from sovsim import compiled

    n = 100 if quick else 500
    # first: with a compiled build it starts a subprocess, after which the pages this process writes are copied
    # on first write for a while (fork), which would slow what is timed next
    draws = median_draws("midsize-nation", min(n, 100))
    scenario = sovsim.load_scenario("midsize-nation")
    one_future(scenario, 0, 0)
    times, steps = [], []
    with settled_heap():  # as a sweep's shard runs its futures
        for i in range(n):
            seconds, count, _ = one_future(scenario, 0, i)
            times.append(seconds * 1e3)
            steps.append(count)
    events = int(statistics.median(steps))
    core = compiled.status().split(" (")[0]  # "compiled" (sovsim compile) or "pure Python"
    median_ms = statistics.median(times)
    floor_ms = engine_floor_ms(events, draws, 50 if quick else 200)
    return [row("future: median ms (midsize-nation, 1 core)", median_ms, "ms", 5.0, "max", f"{n} futures, {core}"),
            row("future: SimPy events (median)", events, "events", None, "max"),
            row("future: engine floor ms (no model)", floor_ms, "ms", None, "max",
                f"random streams, {events} bare SimPy events and {draws} scalar draws"),
            row("future: per-future time / engine floor", median_ms / floor_ms, "×", 2.0, "max",
                "both measured in this run")]


def _single_core_ms(n: int) -> float:
    """Mean wall ms per future through the sweep path (scenario build + run + row), in this process."""
    from sovsim.sweep.runner import ShardRunner
    from sovsim.sweep.spec import spec_from_dict

    with tempfile.TemporaryDirectory() as tmp:
        runner = ShardRunner(spec_from_dict({"sweep": {"scenarios": n, "sampler": "mc", "seed": 1}}), tmp)
        runner.run_one(0)
        start = time.perf_counter()
        for f in range(1, n):
            runner.run_one(f)
        return (time.perf_counter() - start) / (n - 1) * 1e3


def bench_sweep(quick: bool) -> list[dict[str, Any]]:
    """A sweep of 10,000 futures of the default preset on all cores: wall time and parallel efficiency."""
    n = 1000 if quick else 10_000
    workers = default_workers()
    per_future_ms = _single_core_ms(200 if quick else 500)
    with tempfile.TemporaryDirectory() as tmp:
        spec = Path(tmp) / "spec.toml"
        spec.write_text(SPEC.format(scenarios=n, shard_size=50))
        report = sweep(spec, Path(tmp) / "out", workers=workers)
    ideal_s = per_future_ms * n / 1e3 / workers
    efficiency = ideal_s / report.wall_s
    return [row(f"sweep: {n:,} futures wall time ({workers} workers)", report.wall_s, "s",
                60.0 if n == 10_000 else None, "max", f"single core {per_future_ms:.2f} ms/future"),
            row(f"sweep: parallel efficiency ({workers} workers)", efficiency * 100, "%", 95.0, "min",
                f"ideal {ideal_s:.1f} s")]


def _driver_peak_mb(n: int) -> float:
    """Peak RSS of the sweep driver process alone (workers excluded), in a fresh interpreter of its own."""
    sys.path.insert(0, str(HERE))
    import launch  # a process started straight from this one would report at least this one's size

    code = (
        "import sys, tempfile, pathlib\n"
        "from sovsim.sweep import sweep\n"
        "tmp = pathlib.Path(tempfile.mkdtemp())\n"
        f"(tmp / 's.toml').write_text({SPEC.format(scenarios=n, shard_size=50)!r})\n"
        "sweep(tmp / 's.toml', tmp / 'out', workers=2)\n"
    )
    return launch.run([sys.executable, "-c", code], check=True).peak_mib


def bench_driver_memory(quick: bool) -> list[dict[str, Any]]:
    """The driver streams: its peak memory at 10× the futures, relative to 1×."""
    small, large = (200, 2_000) if quick else (1_000, 10_000)
    a, b = _driver_peak_mb(small), _driver_peak_mb(large)
    return [row(f"sweep driver peak RSS, {small:,} futures", a, "MiB", None, "max"),
            row(f"sweep driver peak RSS, {large:,} futures", b, "MiB", None, "max"),
            row("sweep driver memory growth (10× futures)", b / a, "×", 1.1, "max")]


def _module_rows(module: str, **options: Any) -> list[dict[str, Any]]:
    """The rows of ``run(**options)`` of the benchmark script ``module`` (beside this file), as table rows."""
    sys.path.insert(0, str(HERE))
    run = importlib.import_module(module).run
    return [r if "skipped" in r else
            row(r["benchmark"], r["value"], r["unit"], r.get("target"), r.get("direction", "max"), r.get("note", ""))
            for r in run(**options)]


def bench_accounting(quick: bool) -> list[dict[str, Any]]:
    """The accounting kernel vs its NumPy twin vs plain Python, and its share of a future's wall time."""
    return _module_rows("bench_accounting", quick=quick)


def bench_prim(quick: bool) -> list[dict[str, Any]]:
    """sovsim's PRIM against EMA Workbench's on 100,000 rows × 20 uncertainties: time ratio and the same box."""
    return _module_rows("bench_prim", quick=quick)


def bench_scaling(quick: bool) -> list[dict[str, Any]]:
    """Parallel efficiency vs workers (1, 2, 4, 8, 16 up to the cores here) on the local engine and on Dask."""
    return _module_rows("bench_scaling", quick=quick)


def bench_experiments(quick: bool) -> list[dict[str, Any]]:
    """The ten experiment scripts at --quick size on 2 workers, each and in total (--quick: the tiny size)."""
    return _module_rows("bench_experiments", smoke=quick, workers=2)


BENCHMARKS: dict[str, Callable[[bool], list[dict[str, Any]]]] = {
    "future": bench_future,
    "accounting": bench_accounting,
    "sweep": bench_sweep,
    "memory": bench_driver_memory,
    "prim": bench_prim,
    "scaling": bench_scaling,
    "experiments": bench_experiments,
}


def _target(r: dict[str, Any]) -> str:
    return "" if r["target"] is None else ("≤ " if r["direction"] == "max" else "≥ ") + f"{r['target']:g}"


def _line(r: dict[str, Any]) -> str:
    """One finished row as a line of text (printed at once, before the table)."""
    ok = {True: "ok", False: "MISSED", None: ""}[r["ok"]]
    target = f"  target {_target(r)} {ok}" if r["target"] is not None else ""
    return f"  {r['benchmark']}: {r['value']:.3g} {r['unit']}{target}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller sizes (a smoke run)")
    parser.add_argument("--only", nargs="*", choices=list(BENCHMARKS), help="run only these")
    parser.add_argument("--json", type=Path, default=HERE / "results" / "benchmarks.json")
    args = parser.parse_args()
    rows: list[dict[str, Any]] = []
    skipped: list[dict[str, Any]] = []
    for name, bench in BENCHMARKS.items():
        if args.only and name not in args.only:
            continue
        print(f"{name} …", flush=True)
        start = time.perf_counter()
        try:
            found = bench(args.quick)
        except ModuleNotFoundError as exc:  # an optional package this benchmark needs
            found = [{"benchmark": name, "skipped": f"skipped: needs {exc.name}, which is not installed"}]
        for r in found:
            if "skipped" in r:
                skipped.append(r)
                print(f"  {r['benchmark']}: {r['skipped']}", flush=True)
            else:
                rows.append(r)
                print(_line(r), flush=True)
        print(f"  ({time.perf_counter() - start:.0f} s)", flush=True)
    table = Table(title=f"sovsim {sovsim.__version__} benchmarks" + (" (quick)" if args.quick else ""))
    for column in ("benchmark", "value", "target", "ratio", "ok", "note"):
        table.add_column(column)
    for r in rows:
        table.add_row(r["benchmark"], f"{r['value']:.3g} {r['unit']}", _target(r),
                      "" if r["ratio"] is None else f"{r['ratio']:.2f}",
                      {True: "[green]yes[/]", False: "[red]no[/]", None: ""}[r["ok"]], r["note"])
    console = Console()
    console.print(table)
    for r in skipped:
        console.print(f"{r['benchmark']}: {r['skipped']}", highlight=False, markup=False)
    args.json.parent.mkdir(parents=True, exist_ok=True)
    meta = {"sovsim_version": sovsim.__version__, "python": platform.python_version(), "machine": platform.machine(),
            "cores": os.cpu_count(), "quick": args.quick, "when": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            "max_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}
    args.json.write_text(json.dumps({"meta": meta, "rows": rows, "skipped": skipped}, indent=2))
    print(f"wrote {args.json}")


if __name__ == "__main__":
    main()
