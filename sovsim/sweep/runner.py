"""Running a sweep: shards of futures on an engine, each shard written as one Parquet part.

The engine only decides where shards run; seeding, storage and resume are the same everywhere. A future
that raises becomes an ``error`` row with its traceback and the sweep goes on.
"""

from __future__ import annotations

import collections
import contextlib
import functools
import gc
import multiprocessing
import os
import time
import traceback
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import pandas as pd
import pyarrow as pa

from sovsim.kernels import warm as warm_kernels
from sovsim.result import run as run_future
from sovsim.scenario.loader import read_scenario_source, scenario_from_dict
from sovsim.scenario.schema import Scenario
from sovsim.sweep import engines
from sovsim.sweep.compact import compact, should_compact
from sovsim.sweep.design import make_design
from sovsim.sweep.engines import ENGINES
from sovsim.sweep.hygiene import die_with_parent, stop_workers
from sovsim.sweep.spec import SpecError, SweepSpec, check_size, load_spec, spec_from_dict
from sovsim.sweep.store import Store, row_schema

__all__ = ["ShardRunner", "ShardSummary", "Engine", "LocalEngine", "SweepReport", "sweep", "resume", "default_workers",
           "make_engine", "ENGINES"]

#: Engine names accepted by :func:`sweep` and ``sovsim sweep --engine``.


@dataclass(frozen=True)
class ShardSummary:
    """What one shard produced, for the progress bar and the report."""

    shard: int
    futures: int
    verdicts: dict[str, int]
    errors: int

    @classmethod
    def of_rows(cls, shard: int, rows: list[dict[str, Any]]) -> ShardSummary:
        """The summary of a shard's result rows (a row that raised counts as verdict ``error``)."""
        verdicts = collections.Counter(r.get("verdict") or "error" for r in rows)
        return cls(shard, len(rows), dict(verdicts), sum(r["status"] == "error" for r in rows))


@dataclass
class SweepReport:
    """The outcome of one call of :func:`sweep`: what ran now, what was already there, and the verdicts."""

    root: Path
    futures: int
    shards: int
    shards_run: int = 0
    shards_skipped: int = 0
    futures_run: int = 0
    errors: int = 0
    verdicts: collections.Counter[str] = field(default_factory=collections.Counter)
    debris_removed: int = 0
    rejected_removed: int = 0  #: files deleted because the store check rejected them (run again)
    wall_s: float = 0.0
    compacted_parts: int = 0  #: compacted parts the store holds after the sweep (0: not compacted)


class ShardRunner:
    """Runs the futures of a shard in this process and writes its parts. Built once per worker."""

    def __init__(self, spec: SweepSpec, root: str | Path) -> None:
        self.spec = spec
        self.design = make_design(spec)
        self.store = Store(root)
        self.schema = row_schema(spec)
        base, stem = read_scenario_source(spec.base)
        base.setdefault("name", stem)
        self.base = base
        self._scenarios: dict[Any, Scenario] = {}  #: the latest scenarios built, by their overrides
        self.on_future: Callable[[], None] | None = None  #: called after each future (a progress bar's tick)

    def scenario(self, overrides: dict[str, Any]) -> Scenario:
        """The base scenario with ``overrides``; a scenario is immutable, so futures with the same ones share it.

        (A sweep with no uncertainties, or one whose levels repeat, builds each distinct scenario once.)
        """
        try:
            key = tuple(overrides.items())
            hit = self._scenarios.get(key)
        except TypeError:  # an unhashable override (a table or a list): built every time
            return scenario_from_dict(self.base, overrides)
        if hit is None:
            if len(self._scenarios) >= 64:
                self._scenarios.clear()
            hit = self._scenarios[key] = scenario_from_dict(self.base, overrides)
        return hit

    @property
    def futures(self) -> int:
        return self.design.futures

    def shard_futures(self, shard: int) -> range:
        size = self.spec.shard_size
        return range(shard * size, min((shard + 1) * size, self.futures))

    def _id_row(self, future: int) -> dict[str, Any]:
        """The identifying columns and sampled inputs of a future, status ``ok``."""
        k, p = self.design.locate(future)
        return {"future": future, "scenario_index": k, "policy": self.spec.policies[p].name, "seed": self.spec.seed,
                "status": "ok", "error": None, **self.design.inputs(k)}

    def run_one(self, future: int) -> tuple[dict[str, Any], pd.DataFrame | None]:
        """One future's row (an error row if it raised) and, if asked, its timeline."""
        spec = self.spec
        k, p = self.design.locate(future)
        policy = spec.policies[p]
        inputs = self.design.inputs(k)
        row = self._id_row(future)
        try:
            scenario = self.scenario({**spec.base_set, **inputs, **policy.overrides})
            result = run_future(scenario, seed=spec.seed, future=k, timeline=spec.timelines)
        except Exception:  # noqa: BLE001 - any failure of one future becomes its error row
            row["status"] = "error"
            row["error"] = traceback.format_exc()
            return row, None
        for key, value in result.row.items():
            if key not in ("future", "seed") and key not in row:
                row[key] = value
        timeline = None
        if spec.timelines:
            timeline = result.timeline
            timeline.insert(0, "future", future)
        return row, timeline

    def run_shard(self, shard: int) -> ShardSummary:
        rows, timelines = [], []
        with settled_heap():
            for future in self.shard_futures(shard):
                row, timeline = self.run_one(future)
                if self.on_future is not None:
                    self.on_future()
                rows.append(row)
                if timeline is not None:
                    timelines.append(timeline)
        timelines_sha256 = None
        if self.spec.timelines:
            frame = pd.concat(timelines, ignore_index=True) if timelines else pd.DataFrame({"future": []})
            timelines_sha256 = self.store.write_timelines(shard, pa.Table.from_pandas(frame, preserve_index=False))
        self.store.write_part(shard, rows, self.schema, timelines_sha256)
        return ShardSummary.of_rows(shard, rows)

    def error_shard(self, shard: int, message: str) -> ShardSummary:
        """Write the shard with every future as an ``error`` row carrying ``message`` (none of them is run).

        For a shard that kept killing the processes running it: the sweep goes on, and deleting the part
        and resuming tries the shard again.
        """
        rows = [{**self._id_row(future), "status": "error", "error": message} for future in self.shard_futures(shard)]
        timelines_sha256 = None
        if self.spec.timelines:
            timelines_sha256 = self.store.write_timelines(
                shard, pa.Table.from_pandas(pd.DataFrame({"future": []}), preserve_index=False))
        self.store.write_part(shard, rows, self.schema, timelines_sha256)
        return ShardSummary(shard, len(rows), {"error": len(rows)}, len(rows))


@contextlib.contextmanager
def settled_heap() -> Iterator[None]:
    """Keep the cyclic garbage collector off the objects that existed before the block, while it runs.

    A future allocates many short-lived objects, and every full collection would also walk each object the
    imports left behind (numba, pandas, pyarrow: hundreds of thousands of them), about once every few dozen
    futures. Frozen (``gc.freeze``), they are left out of collections; they are unfrozen afterwards, unless
    something else had frozen objects first.
    """
    frozen_before = gc.get_freeze_count()
    gc.freeze()
    try:
        yield
    finally:
        # The block's own cyclic garbage is collected while the old objects are still frozen (a cheap pass):
        # left for later, it would be frozen by the next block and kept for good (the driver grew by tens
        # of kB a future with one worker).
        gc.collect()
        if not frozen_before:
            gc.unfreeze()


_WORKER: ShardRunner | None = None


def _init_worker(spec_raw: dict[str, Any], root: str, ticks: Any = None) -> None:
    global _WORKER
    die_with_parent()  # a killed driver's workers exit within seconds, writing nothing more
    _WORKER = ShardRunner(spec_from_dict(spec_raw), root)
    if ticks is not None:  # one message per finished future, for the progress bar of the parent
        _WORKER.on_future = functools.partial(ticks.put, 1)


def _run_shard_in_worker(shard: int) -> ShardSummary:
    assert _WORKER is not None
    return _WORKER.run_shard(shard)


def default_workers() -> int:
    """The cores this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


class LocalEngine:
    """A pool of worker processes on this machine (forked where the platform allows); 1 worker runs inline.

    ``on_future(n)``, when set, is called in this process as futures finish (``n`` of them since the last
    call), so a progress bar moves per future rather than per shard.
    """

    def __init__(self, workers: int | None = None, on_future: Callable[[int], None] | None = None) -> None:
        self.workers = workers or default_workers()
        self.on_future = on_future

    def run(self, spec: SweepSpec, root: Path, shards: list[int]) -> Iterator[ShardSummary]:
        if self.workers == 1 or len(shards) <= 1:
            runner = ShardRunner(spec, root)
            if self.on_future is not None:
                runner.on_future = functools.partial(self.on_future, 1)
            for shard in shards:
                yield runner.run_shard(shard)
            return
        warm_kernels()  # compile once here, so forked workers inherit the machine code
        methods = multiprocessing.get_all_start_methods()
        context = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
        pending = iter(shards)
        ticks = context.SimpleQueue() if self.on_future is not None else None
        with ProcessPoolExecutor(self.workers, mp_context=context, initializer=_init_worker,
                                 initargs=(dict(spec.raw), str(root), ticks)) as pool:
            running = set()
            try:
                for shard in pending:  # a bounded window: never more than 2 shards per worker in flight
                    running.add(pool.submit(_run_shard_in_worker, shard))
                    if len(running) >= 2 * self.workers:
                        break
                while running:
                    done, running = wait(running, timeout=None if ticks is None else 0.2,
                                         return_when=FIRST_COMPLETED)
                    self._drain(ticks)
                    for future in done:
                        yield future.result()
                        nxt = next(pending, None)
                        if nxt is not None:
                            running.add(pool.submit(_run_shard_in_worker, nxt))
            except BaseException:  # a signal, an error, or the consumer gone: stop the workers now
                stop_workers(pool)
                raise


    def _drain(self, ticks: Any) -> None:
        """Pass on the futures the workers finished since the last look."""
        if ticks is None or self.on_future is None:
            return
        n = 0
        while not ticks.empty():
            ticks.get()
            n += 1
        if n:
            self.on_future(n)


class Engine(Protocol):
    """Where shards run: ``run`` runs the given shards of a sweep into ``root`` and yields each summary."""

    def run(self, spec: SweepSpec, root: Path, shards: list[int]) -> Iterator[ShardSummary]: ...


def make_engine(engine: str | Engine | None = None, *, workers: int | None = None, scheduler: str | None = None,
                cluster: str | Path | Mapping[str, Any] | None = None) -> Engine:
    """The engine named ``engine`` (``local``, ``dask`` or ``slurm``; default ``local``), or ``engine`` itself.

    ``workers`` is the number of worker processes (local pool, or the Dask LocalCluster started when no
    ``scheduler`` address and no ``cluster`` configuration is given), or for ``slurm`` the array tasks
    running at once (a job array submitted and waited for). ``scheduler`` and ``cluster`` (a
    configuration file or table, see :class:`sovsim.sweep.dask_engine.ClusterConfig`) are Dask options.
    """
    if engine is not None and not isinstance(engine, str):
        if not callable(getattr(engine, "run", None)):
            raise SpecError("engine", engine, "one of " + ", ".join(ENGINES) + ", or an object with a "
                            "run(spec, root, shards) method", "not an engine:")
        if scheduler is not None or cluster is not None:
            raise SpecError("scheduler" if scheduler is not None else "cluster", scheduler or cluster,
                            "only with engine='dask' (configure an engine object yourself)", "not used by")
        return engine
    name = engine or "local"
    if name not in engines.names():
        raise SpecError("engine", name, "one of " + ", ".join(engines.names()), "unknown engine")
    if name != "dask":
        for option, value in (("scheduler", scheduler), ("cluster", cluster)):
            if value is not None:
                raise SpecError(option, value, "only with engine 'dask'", f"not used by the {name} engine:")
    found: Engine
    if name == "local":
        found = LocalEngine(workers)
    elif name == "slurm":  # workers: array tasks running at once
        found = engines.engine_class(name)(throttle=workers)
    elif name == "dask":
        found = engines.engine_class(name)(scheduler=scheduler, workers=workers, cluster=cluster)
    else:  # a registered engine of one's own: the worker count is its only option
        found = engines.engine_class(name)(workers)
    return found


Progress = Callable[[ShardSummary, "SweepReport"], None]
Start = Callable[[int, int], None]


def sweep(spec: SweepSpec | str | Path, out: str | Path, *, workers: int | None = None,
          scenarios: int | None = None, engine: str | Engine | None = None, scheduler: str | None = None,
          cluster: str | Path | Mapping[str, Any] | None = None, progress: Progress | None = None,
          start: Start | None = None, allow_large: bool = False) -> SweepReport:
    """Run every missing shard of a sweep into ``out``; an existing matching sweep there is continued.

    ``spec`` is a :class:`SweepSpec` or a spec file; ``scenarios`` overrides the spec's count (for quick
    trials). ``engine`` is ``"local"`` (a process pool, the default), ``"dask"`` (with ``scheduler`` the
    address of a running scheduler, ``cluster`` a Slurm/PBS cluster configuration, or neither for a
    LocalCluster of ``workers`` processes), ``"slurm"`` (a job array on the Slurm cluster this machine
    submits to, waited for) or an engine object; see :func:`make_engine`. The results are
    the same on every engine. ``start(total, already_done)`` is called once the work is known and
    ``progress`` after each shard. A sweep above :data:`sovsim.sweep.spec.LARGE_FUTURES` futures or
    :data:`~sovsim.sweep.spec.LARGE_BYTES` of estimated memory is refused before anything is written
    unless ``allow_large``. Returns a :class:`SweepReport`.
    """
    chosen = make_engine(engine, workers=workers, scheduler=scheduler, cluster=cluster)
    if not isinstance(spec, SweepSpec):
        spec = load_spec(spec)
    if scenarios is not None:
        spec = spec.with_scenarios(scenarios)
    check_size(spec, workers=getattr(chosen, "workers", None) or 1, allow_large=allow_large)
    design = make_design(spec)
    store = Store(out)
    store.open(spec, design.futures, design.scenarios)
    return _run(spec, store, design.futures, chosen, progress, start)


def resume(out: str | Path, *, workers: int | None = None, engine: str | Engine | None = None,
           scheduler: str | None = None, cluster: str | Path | Mapping[str, Any] | None = None,
           progress: Progress | None = None, start: Start | None = None) -> SweepReport:
    """Continue the sweep recorded in ``out``: delete debris, run only the missing shards (on any engine)."""
    chosen = make_engine(engine, workers=workers, scheduler=scheduler, cluster=cluster)
    store = Store(out)
    manifest = store.manifest()
    spec = store.spec()
    design = make_design(spec)
    store.open(spec, design.futures, design.scenarios)  # refuses a manifest that does not match
    if manifest.get("futures") != design.futures:  # pragma: no cover - open() already checks
        raise SpecError("manifest.futures", manifest.get("futures"), str(design.futures), "mismatch:")
    return _run(spec, store, design.futures, chosen, progress, start)


def _run(spec: SweepSpec, store: Store, futures: int, engine: Engine, progress: Progress | None,
         start: Start | None) -> SweepReport:
    began = time.perf_counter()
    shards = -(-futures // spec.shard_size)
    report = SweepReport(store.root, futures, shards)
    report.debris_removed = len(store.clean_debris())
    from sovsim.sweep.verify import discard_rejected, verify

    report.rejected_removed = len(discard_rejected(verify(store.root, check_spec=False)))  # run them again
    done = store.finished()
    missing = [s for s in range(shards) if s not in done]
    report.shards_skipped = shards - len(missing)
    if start is not None:
        start(futures, sum(min(spec.shard_size, futures - s * spec.shard_size) for s in done if s < shards))
    for summary in engine.run(spec, store.root, missing):
        report.shards_run += 1
        report.futures_run += summary.futures
        report.errors += summary.errors
        report.verdicts.update(summary.verdicts)
        if progress is not None:
            progress(summary, report)
    # a worker killed mid-write (a lost Dask worker) leaves a temporary file; every shard is written now
    report.debris_removed += len(store.clean_debris())
    store.gather_records()
    if not set(range(shards)) - store.finished() and should_compact(store.root):
        report.compacted_parts = compact(store.root).parts_total  # a finished sweep: few large parts
    report.wall_s = time.perf_counter() - began
    return report
