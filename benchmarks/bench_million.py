"""Benchmark: many futures on one node — the sweep, its store, compaction, and query/analysis at a million rows.

    python benchmarks/bench_million.py [--n N] [--workers W] [--analysis-rows M] [--out DIR] [--json]

1. **Sweep**: N futures (default 100,000) of the default programme over the fourteen uncertainties of
   experiment Q7 (Latin hypercube, two policies), on W workers (default: every core this process may use),
   shards of 25. Reported: wall time, futures per second per core, peak memory (RSS) of the driver and of
   the largest worker, and the parallel efficiency E(W) = N·t₁ / (W·T(W)), with t₁ the time per future of
   the same spec on a one-worker sweep: the difference in wall time between sweeps of 1,000 and 200 futures,
   over the 800 futures between them, so that a sweep's start-up is not counted as the futures'. The machine's own
   ceiling C(W) is measured as in ``bench_scaling.py`` (W forked copies of the same inline work);
   E(W) / C(W) is the share of the ceiling the engine reaches. A worker's memory growth per future is
   measured on its own: the first 600 futures of the spec run shard by shard in one process, RSS read
   after 200 and after 600 (bounded caches emptied first); a worker that keeps nothing per future shows
   about 0 kB.
2. **Store**: the shard parts as written (size, files), a GROUP BY query over them, then compaction (time),
   the compacted store (size, files) and the same query over it.
3. **Analysis at M rows** (default 1,000,000): when N < M, a store of M rows is built by **replicating the
   rows of the real sweep** with new future indices (copy c of future f is future f + c·N), written as
   compacted parts; the analysis timings then measure reading and analysing M rows, not M distinct
   futures (PRIM, trees and survival see each point M/N times). ``sovsim query`` (a GROUP BY) and
   ``sovsim analyze`` run as separate processes, each started by a small launcher process so that its peak RSS
   (``wait4``) is its own; wall time, CPU time and peak RSS are reported.

The estimate for a million futures on 16 cores is t₁ · 10⁶ / (16 · E(W)) with the efficiency measured here.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import launch  # beside this script
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

GROUP_BY = ("SELECT policy, verdict, count(*) AS futures, avg(death_time_years) AS mean_death_years "
            "FROM futures GROUP BY ALL ORDER BY ALL")


def spec_text(futures: int) -> str:
    """Experiment Q0's uncertainties, sampled by Latin hypercube, with two policies (futures = 2 · scenarios)."""
    text = (HERE.parent / "experiments" / "q0_where_they_die.toml").read_text(encoding="utf-8")
    lines = []
    for line in text.splitlines():
        key = line.split("=")[0].strip()
        if key == "scenarios":
            line = f"scenarios = {max(1, math.ceil(futures / 2))}"
        elif key == "sampler":
            line = 'sampler = "lhs"'
        elif key == "shard_size":
            line = "shard_size = 25"
        elif key == "ranges":  # the calibrated ranges beside the experiment, wherever the spec is written
            line = f"ranges = {str(HERE.parent / 'experiments' / 'calibrated_ranges.toml')!r}"
        lines.append(line)
    return "\n".join(lines) + '\n\n[policies.status-quo]\n\n[policies.pay-premium]\n"staff.salary_premium" = 1.8\n'


def _rss_mb(kilobytes: int) -> float:
    return kilobytes / 1024.0


def _rss_now_mb() -> float:
    """This process's resident set now (Linux ``/proc``), else its peak so far."""
    try:
        with open("/proc/self/statm", encoding="ascii") as statm:
            return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20
    except OSError:
        return _rss_mb(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)


def growth_per_future(spec_path: Path, root: Path, first: int = 200, then: int = 600) -> tuple[float, float, float]:
    """A worker's memory over its futures: RSS (MB) after ``first`` and ``then`` futures, and kB per future between.

    The futures of the spec run here, shard by shard as a worker runs them, into a store of their own; the
    bounded caches (built scenarios, shared supply chains) are emptied and garbage collected before each
    reading, so what is left is what the futures kept.
    """
    import gc

    from sovsim.model.supply import SupplyChain
    from sovsim.sweep import load_spec
    from sovsim.sweep.design import make_design
    from sovsim.sweep.runner import ShardRunner
    from sovsim.sweep.store import Store

    spec = load_spec(spec_path)
    design = make_design(spec)
    Store(root).open(spec, design.futures, design.scenarios)
    runner = ShardRunner(spec, root)

    def reading() -> float:
        runner._scenarios.clear()
        SupplyChain._shared.clear()
        gc.collect()
        return _rss_now_mb()

    shard, done, readings = 0, 0, []
    for mark in (first, then):
        while done < mark and done < design.futures:
            runner.run_shard(shard)
            done += len(runner.shard_futures(shard))
            shard += 1
        readings.append((done, reading()))
    (n1, rss1), (n2, rss2) = readings
    return rss1, rss2, (rss2 - rss1) * 1024 / max(1, n2 - n1)


def measured(command: list[str]) -> tuple[float, float, float, str]:
    """Run ``command``: (wall s, CPU s (user + system), peak RSS in MB, stdout), all of its own process.

    It is started by a small launcher (:mod:`launch`), so that its peak RSS is its own. On a shared machine the
    CPU time is the steadier figure: it leaves out the time spent waiting for a core.
    """
    usage = launch.run(command, check=True)
    return usage.wall_s, usage.cpu_s, usage.peak_mib, usage.stdout


def store_size(root: Path) -> tuple[int, int]:
    """(bytes, files) of the futures parts."""
    files = [p for p in (root / "futures").iterdir() if p.suffix == ".parquet"]
    return sum(p.stat().st_size for p in files), len(files)


def replicate(source: Path, target: Path, rows: int) -> int:
    """A store of ``rows`` rows made of copies of ``source``'s futures (copy c of future f is f + c·N).

    Written as compacted parts (:mod:`sovsim.sweep.compact`), recorded in a copy of the manifest with
    ``replicated_from`` saying what the rows are. Returns the number of copies.
    """
    import copy as copying

    from sovsim.sweep.compact import ROW_GROUP_ROWS, ROWS_PER_PART, _record, _sha256, futures_files, part_name
    from sovsim.sweep.design import make_design
    from sovsim.sweep.spec import spec_from_dict
    from sovsim.sweep.store import MANIFEST, Store, row_schema

    manifest = json.loads((source / MANIFEST).read_text(encoding="utf-8"))
    base = pa.concat_tables([pq.read_table(p) for p in futures_files(source)]).sort_by("future")
    n = base.num_rows
    copies = math.ceil(rows / n)
    rows = copies * n
    shard_size = int(manifest["shard_size"])
    scenarios = int(manifest["scenarios"])
    if target.exists():
        shutil.rmtree(target)
    (target / "futures").mkdir(parents=True)
    # the manifest describes the sweep these rows would be (its spec with copies × the scenarios), so the
    # store's own checks accept it; the rows themselves are copies, as "replicated_from" says
    raw = copying.deepcopy(manifest["spec"])
    raw["sweep"]["scenarios"] = scenarios * copies
    spec = spec_from_dict(raw)
    design = make_design(spec)
    manifest.update({**Store.expected_manifest(spec, design.futures, design.scenarios), "spec": spec.raw,
                     "shards": -(-rows // shard_size), "parts": {},
                     "replicated_from": {"futures": n, "copies": copies, "note": "rows copied with new future "
                                         "indices for analysis timing; not distinct futures"}})
    assert manifest["futures"] == rows, "the replicated spec must give as many futures as rows"
    manifest.pop("compaction", None)
    (target / MANIFEST).write_text(json.dumps(manifest, indent=2), encoding="utf-8")
    store = Store(target)
    schema = row_schema(store.spec())

    def copy(c: int) -> pa.Table:
        table = base.set_column(base.schema.get_field_index("future"), "future",
                                pc.add(base.column("future"), c * n))
        index = table.schema.get_field_index("scenario_index")
        return table.set_column(index, "scenario_index", pc.add(table.column("scenario_index"), c * scenarios))

    written, c = 0, 0
    pending: list[pa.Table] = []
    while written < rows:
        held = sum(t.num_rows for t in pending)
        while held < ROWS_PER_PART and c < copies:
            pending.append(copy(c))
            held += n
            c += 1
        chunk = pa.concat_tables(pending)
        size = min(ROWS_PER_PART, rows - written, chunk.num_rows)
        if size % shard_size and written + size < rows:
            size -= size % shard_size
        part, rest = chunk.slice(0, size), chunk.slice(size)
        pending = [rest] if rest.num_rows else []
        first, last = written // shard_size, (written + size - 1) // shard_size
        path = store.futures_dir / part_name(first, last)
        with pq.ParquetWriter(path, schema, compression="zstd", write_statistics=True) as writer:
            writer.write_table(part.cast(schema), row_group_size=ROW_GROUP_ROWS)
        _record(store, {"name": path.name, "first_shard": first, "last_shard": last, "rows": size,
                        "first_future": written, "last_future": written + size - 1,
                        "bytes": path.stat().st_size, "sha256": _sha256(path)}, ROWS_PER_PART, ROW_GROUP_ROWS)
        written += size
    return copies


def run(n: int, workers: int, analysis_rows: int, out: Path, ceiling_futures: int = 100) -> list[dict[str, Any]]:
    import bench_scaling

    import sovsim.sweep.runner as runner
    from sovsim.sweep import sweep
    from sovsim.sweep.compact import compact

    out.mkdir(parents=True, exist_ok=True)
    spec = out / "million.toml"
    spec.write_text(spec_text(n), encoding="utf-8")
    real = out / "real"
    if real.exists():
        shutil.rmtree(real)
    rows: list[dict[str, Any]] = []

    def row(name: str, value: float, unit: str, note: str = "") -> None:
        rows.append({"benchmark": name, "value": value, "unit": unit, "note": note})

    # 1. the sweep, its shard parts kept as written (compaction is timed on its own below)
    automatic = runner.should_compact
    runner.should_compact = lambda root, *a, **k: False  # type: ignore[assignment]
    try:
        before = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        report = sweep(spec, real, workers=workers)
        wall = time.perf_counter() - start
        after = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    finally:
        runner.should_compact = automatic
    cpu = sum(b.ru_utime + b.ru_stime - a.ru_utime - a.ru_stime for a, b in zip(before, after))
    futures = report.futures
    driver_mb = _rss_mb(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
    worker_mb = _rss_mb(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
    row("sweep: futures", futures, "", f"{workers} workers, {report.shards} shards of 25, {report.errors} errors")
    row("sweep: wall", wall, "s")
    row("sweep: futures per second per core", futures / wall / workers, "1/s")
    row("sweep: CPU time per future (driver + workers)", cpu / futures * 1e3, "ms",
        f"{cpu:,.0f} CPU s in all; wall × cores = {wall * workers:,.0f} s")
    row("sweep: peak RSS, driver", driver_mb, "MB")
    row("sweep: peak RSS, largest worker", worker_mb, "MB")
    if futures >= 600:
        rss1, rss2, per_future = growth_per_future(spec, out / "growth")
        shutil.rmtree(out / "growth")
        row("sweep: worker memory growth per future", per_future, "kB",
            f"RSS {rss1:.0f} MB after 200 futures, {rss2:.0f} MB after 600, in one process")

    # single-core time per future of the same spec, and the machine's ceiling
    # t1 is the difference of two one-worker sweeps (of `sample` and `sample` / 5 futures), over the futures
    # between them: what a future costs on one core, without the start-up of a sweep, which the big sweep pays once
    # but a short one would spread over its few futures (1–2 s over 500 futures read as 3 ms more a future)
    sample = min(futures, 1000)
    timed = []
    for scenarios in (max(1, sample // 10), max(2, sample // 2)):  # two policies: two futures a scenario
        start = time.perf_counter()
        sweep(spec, out / "one", workers=1, scenarios=scenarios)
        timed.append((2 * scenarios, time.perf_counter() - start))
        shutil.rmtree(out / "one")
    (n_small, t_small), (n_large, t_large) = timed
    t1 = (t_large - t_small) / (n_large - n_small)
    efficiency = futures * t1 / (workers * wall)
    single = bench_scaling.ceiling(1, ceiling_futures)
    many = bench_scaling.ceiling(workers, ceiling_futures)
    ceiling = single / many
    row("sweep: single-core time per future (t1)", t1 * 1e3, "ms",
        f"same spec, 1 worker: futures {n_small + 1}–{n_large} (sweeps of {n_small} and {n_large} futures)")
    row(f"sweep: parallel efficiency E({workers})", efficiency, "")
    row(f"machine ceiling C({workers})", ceiling, "", f"{workers} forked copies of {ceiling_futures} futures")
    row("sweep: share of the ceiling E/C", efficiency / ceiling, "")
    row("estimate: 1,000,000 futures on 16 cores", t1 * 1e6 / (16 * efficiency) / 60, "min",
        f"t1 × 10⁶ / (16 × E({workers})); assumes this efficiency holds at 16 cores")

    # 2. the store before and after compaction
    size, files = store_size(real)
    row("store as written: size", size / 1e6, "MB", f"{files} parts")
    wall_q, cpu_q, rss_q, _ = measured([sys.executable, "-m", "sovsim", "query", str(real), GROUP_BY, "--csv"])
    row("store as written: GROUP BY query", wall_q, "s", f"CPU {cpu_q:.1f} s, peak RSS {rss_q:.0f} MB")
    start = time.perf_counter()
    compacted = compact(real)
    row("compaction", time.perf_counter() - start, "s", f"{compacted.shard_parts_removed} parts → "
        f"{compacted.parts_total}")
    size, files = store_size(real)
    row("compacted store: size", size / 1e6, "MB", f"{files} parts")
    wall_q, cpu_q, rss_q, _ = measured([sys.executable, "-m", "sovsim", "query", str(real), GROUP_BY, "--csv"])
    row("compacted store: GROUP BY query", wall_q, "s", f"CPU {cpu_q:.1f} s, peak RSS {rss_q:.0f} MB")

    # 3. analysis at analysis_rows rows
    target = real
    note = f"{futures:,} real futures"
    if analysis_rows > futures:
        target = out / "replicated"
        copies = replicate(real, target, analysis_rows)
        note = f"REPLICATED: {futures:,} real futures × {copies} copies with new indices"
        size, files = store_size(target)
        row(f"store of {analysis_rows:,} rows: size", size / 1e6, "MB", f"{files} parts; {note}")
    rows_analysed = analysis_rows if target != real else futures
    wall_q, cpu_q, rss_q, _ = measured([sys.executable, "-m", "sovsim", "query", str(target), GROUP_BY, "--csv"])
    row(f"query GROUP BY, {rows_analysed:,} rows", wall_q, "s", f"CPU {cpu_q:.1f} s, peak RSS {rss_q:.0f} MB; {note}")
    wall_a, cpu_a, rss_a, _ = measured([sys.executable, "-m", "sovsim", "analyze", str(target), "--out",
                                        str(out / "report")])
    row(f"analyze, {rows_analysed:,} rows", wall_a, "s", f"CPU {cpu_a:.1f} s, peak RSS {rss_a:.0f} MB; {note}")
    row(f"analyze, {rows_analysed:,} rows: CPU time", cpu_a, "s", "user + system; target ≤ 30 s")
    row("analyze: peak RSS", rss_a, "MB", "target ≤ 2048")
    return rows


def main() -> None:
    from sovsim.sweep.runner import default_workers

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000, help="futures to simulate [default: 100,000]")
    parser.add_argument("--workers", type=int, default=None, help="worker processes [default: every core]")
    parser.add_argument("--analysis-rows", type=int, default=1_000_000,
                        help="rows of the store analysed (replicated from the sweep when larger) [default: 10⁶]")
    parser.add_argument("--out", type=Path, default=None, help="folder for the stores [default: a temporary one]")
    parser.add_argument("--json", action="store_true", help="print the rows as JSON")
    args = parser.parse_args()
    workers = args.workers or default_workers()
    out = args.out or Path(tempfile.mkdtemp(prefix="bench-million-"))
    try:
        rows = run(args.n, workers, args.analysis_rows, out)
    finally:
        if args.out is None:
            shutil.rmtree(out, ignore_errors=True)
    if args.json:
        print(json.dumps(rows, indent=2))
        return
    from sovsim import compiled

    print(f"cores: {workers} of {os.cpu_count()} on this machine; simulation core: {compiled.status()} "
          "(the workers load the same)")
    for r in rows:
        print(f"{r['benchmark']:<48} {r['value']:12,.3f} {r['unit']:<4} {r['note']}")


if __name__ == "__main__":
    main()
