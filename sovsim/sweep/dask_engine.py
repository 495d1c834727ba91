"""The Dask engine: a sweep's shards as tasks on a Dask cluster.

The cluster is one of

- a running scheduler, by address (``scheduler="tcp://10.0.0.5:8786"``, ``--scheduler``);
- a dask-jobqueue ``SLURMCluster`` or ``PBSCluster`` whose workers are batch jobs, configured by a
  :class:`ClusterConfig` (``cluster="cluster.toml"``, ``--cluster``);
- otherwise a ``LocalCluster`` of ``workers`` processes with one thread each, on 127.0.0.1.

A task is a whole shard, never a single future: the worker runs it with :class:`ShardRunner` and writes its
part atomically, exactly as the local engine does, so the results are the same bit for bit. At most a
window of shards (twice the worker threads, at least four) is in flight. A worker that dies takes its shards
back to the scheduler, which runs them elsewhere. Dask blames every task on a dying worker, so a shard that
kills more than ``distributed.scheduler.allowed-failures`` workers is set aside and run once more at the end,
alone: if it kills its workers again it is written as ``error`` rows (none of its futures run), while a
bystander that only shared a worker with it simply finishes. The sweep goes on either way.

A cluster configuration file::

    [cluster]
    kind = "slurm"              # slurm | pbs
    queue = "compute"           # partition (Slurm) or queue (PBS); the default one when left out
    account = "proj-123"        # optional
    cores = 8                   # cores per job
    processes = 8               # worker processes per job [default: cores, one thread each]
    memory = "16GB"             # memory per job
    walltime = "02:00:00"       # HH:MM:SS or D-HH:MM:SS
    jobs = 4                    # jobs to start; with adapt = true, the most jobs to scale up to
    adapt = false               # scale between minimum_jobs and jobs with the load
    minimum_jobs = 0
    interface = "ib0"           # network interface of the workers and the scheduler (optional)
    local_directory = "/tmp"    # workers' scratch space (optional)
    log_directory = "logs"      # job output files (optional)
    job_extra_directives = ["--qos=normal"]
    job_script_prologue = ["module load python"]
"""

from __future__ import annotations

import logging
import re
import time
import uuid
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sovsim.sweep.runner import ShardRunner, ShardSummary, default_workers
from sovsim.sweep.slurm import check_walltime
from sovsim.sweep.spec import SpecError, SweepSpec, read_toml, spec_from_dict

__all__ = ["ClusterConfig", "DaskEngine", "load_cluster_config", "run_shard_task", "error_shard_task",
           "CLUSTER_KINDS"]

CLUSTER_KINDS = ("slurm", "pbs")
_MEMORY = re.compile(r"^\d+(\.\d+)?\s*([KMGTP]i?B?|B)$", re.IGNORECASE)
_SCHEDULER = re.compile(r"^(tcp|tls|inproc|ucx|ws|wss)://\S+$|^[\w.-]+:\d+$")


@dataclass(frozen=True)
class ClusterConfig:
    """Batch jobs that run Dask workers (dask-jobqueue), as read from a ``[cluster]`` table."""

    kind: str = "slurm"
    queue: str | None = None
    account: str | None = None
    cores: int = 1
    processes: int | None = None
    memory: str = "2GB"
    walltime: str = "01:00:00"
    jobs: int = 1
    adapt: bool = False
    minimum_jobs: int = 0
    interface: str | None = None
    local_directory: str | None = None
    log_directory: str | None = None
    job_extra_directives: tuple[str, ...] = field(default=())
    job_script_prologue: tuple[str, ...] = field(default=())

    @property
    def workers_per_job(self) -> int:
        return self.processes or self.cores

    def make_cluster(self) -> Any:
        """Start the dask-jobqueue cluster (no job is submitted before :meth:`scale`)."""
        import dask_jobqueue

        cluster_class = dask_jobqueue.SLURMCluster if self.kind == "slurm" else dask_jobqueue.PBSCluster
        options: dict[str, Any] = {
            "cores": self.cores, "processes": self.workers_per_job, "memory": self.memory,
            "walltime": self.walltime, "job_extra_directives": list(self.job_extra_directives),
            "job_script_prologue": list(self.job_script_prologue),
            "scheduler_options": {"dashboard_address": ":0"},
        }
        for key in ("queue", "account", "interface", "local_directory", "log_directory"):
            if getattr(self, key) is not None:
                options[key] = getattr(self, key)
        return cluster_class(**options)

    def scale(self, cluster: Any) -> None:
        if self.adapt:
            cluster.adapt(minimum_jobs=self.minimum_jobs, maximum_jobs=self.jobs)
        else:
            cluster.scale(jobs=self.jobs)


def _str(table: Mapping[str, Any], key: str, where: str) -> str | None:
    value = table.get(key)
    if value is not None and (not isinstance(value, str) or not value.strip()):
        raise SpecError(f"{where}.{key}", value, "a non-empty string", "expected a string, got")
    return value


def _int(table: Mapping[str, Any], key: str, where: str, default: int | None, low: int) -> int | None:
    value = table.get(key, default)
    if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < low):
        raise SpecError(f"{where}.{key}", value, f"an integer ≥ {low}", "invalid value")
    return value


def _strings(table: Mapping[str, Any], key: str, where: str) -> tuple[str, ...]:
    value = table.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise SpecError(f"{where}.{key}", value, "an array of strings", "expected an array of strings, got")
    return tuple(value)


def load_cluster_config(source: str | Path | Mapping[str, Any]) -> ClusterConfig:
    """A :class:`ClusterConfig` from a TOML file with a ``[cluster]`` table, or from such a table itself."""
    where = "cluster"
    if isinstance(source, Mapping):
        table: Mapping[str, Any] = source.get("cluster", source)
    else:
        path = Path(source)
        data = read_toml(path, "--cluster", "a TOML file with a [cluster] table")
        if set(data) != {"cluster"} or not isinstance(data["cluster"], Mapping):
            raise SpecError("--cluster", sorted(data), "exactly one [cluster] table", f"{path} holds")
        table = data["cluster"]
    allowed = {f for f in ClusterConfig.__dataclass_fields__}
    for key in table:
        if key not in allowed:
            raise SpecError(f"{where}.{key}", table[key], "one of " + ", ".join(sorted(allowed)),
                            "unknown field, given")
    kind = table.get("kind", "slurm")
    if kind not in CLUSTER_KINDS:
        raise SpecError(f"{where}.kind", kind, "one of " + ", ".join(CLUSTER_KINDS), "unknown cluster kind")
    memory = table.get("memory", "2GB")
    if not isinstance(memory, str) or not _MEMORY.match(memory.strip()):
        raise SpecError(f"{where}.memory", memory, "memory per job such as 4GB, 3500MB or 16GiB", "invalid value")
    walltime = table.get("walltime", "01:00:00")
    check_walltime(walltime, f"{where}.walltime")
    adapt = table.get("adapt", False)
    if not isinstance(adapt, bool):
        raise SpecError(f"{where}.adapt", adapt, "true or false", "expected true or false, got")
    cores = _int(table, "cores", where, 1, 1)
    processes = _int(table, "processes", where, None, 1)
    if processes is not None and cores is not None and processes > cores:
        raise SpecError(f"{where}.processes", processes, f"at most cores ({cores}): one thread or more each",
                        "more worker processes than cores:")
    jobs = _int(table, "jobs", where, 1, 1)
    minimum_jobs = _int(table, "minimum_jobs", where, 0, 0)
    if minimum_jobs is not None and jobs is not None and minimum_jobs > jobs:
        raise SpecError(f"{where}.minimum_jobs", minimum_jobs, f"at most jobs ({jobs})", "larger than jobs:")
    return ClusterConfig(kind, _str(table, "queue", where), _str(table, "account", where), cores or 1, processes,
                         memory.strip(), walltime, jobs or 1, adapt, minimum_jobs or 0,
                         _str(table, "interface", where), _str(table, "local_directory", where),
                         _str(table, "log_directory", where), _strings(table, "job_extra_directives", where),
                         _strings(table, "job_script_prologue", where))


# -- what runs on a worker ------------------------------------------------------------------------------------
_RUNNER: tuple[tuple[str, str], ShardRunner] | None = None


def _runner(spec_raw: dict[str, Any], spec_hash: str, root: str) -> ShardRunner:
    """The worker process's ShardRunner for this sweep, built once (the design is sampled once per worker)."""
    global _RUNNER
    if _RUNNER is None or _RUNNER[0] != (spec_hash, root):
        _RUNNER = ((spec_hash, root), ShardRunner(spec_from_dict(spec_raw), root))
    return _RUNNER[1]


def run_shard_task(spec_raw: dict[str, Any], spec_hash: str, root: str, shard: int) -> ShardSummary:
    """Run one shard on this worker and write its part (the Dask task)."""
    return _runner(spec_raw, spec_hash, root).run_shard(shard)


def error_shard_task(spec_raw: dict[str, Any], spec_hash: str, root: str, shard: int, message: str) -> ShardSummary:
    """Write a shard as error rows without running it (after it killed its workers)."""
    return _runner(spec_raw, spec_hash, root).error_shard(shard, message)


# -- the engine ---------------------------------------------------------------------------------------------
class DaskEngine:
    """Runs shards as tasks on a Dask cluster: an address, a dask-jobqueue configuration, or a LocalCluster."""

    def __init__(self, scheduler: str | None = None, workers: int | None = None,
                 cluster: str | Path | Mapping[str, Any] | ClusterConfig | None = None,
                 window: int | None = None, connect_timeout_s: float = 10.0,
                 task: Callable[[dict[str, Any], str, str, int], ShardSummary] | None = None) -> None:
        if scheduler is not None and cluster is not None:
            raise SpecError("--scheduler", scheduler, "either a scheduler address or a --cluster configuration",
                            "given with --cluster:")
        if scheduler is not None and (not isinstance(scheduler, str) or not _SCHEDULER.match(scheduler)):
            raise SpecError("--scheduler", scheduler, "a Dask scheduler address such as tcp://127.0.0.1:8786",
                            "invalid address")
        if workers is not None and (scheduler is not None or cluster is not None):
            raise SpecError("--workers", workers, "only for a LocalCluster (without --scheduler and --cluster); the "
                            "cluster decides its own workers", "not used with a Dask cluster:")
        if window is not None and window < 1:
            raise SpecError("window", window, "an integer ≥ 1 (shards in flight)", "invalid value")
        self.scheduler = scheduler
        self.workers = workers
        self.cluster = cluster if cluster is None or isinstance(cluster, ClusterConfig) else \
            load_cluster_config(cluster)
        self.window = window
        self.connect_timeout_s = connect_timeout_s
        #: the function a worker runs for each shard: ``run_shard_task`` or a wrapper of it (for profiling, say)
        self.task = task or run_shard_task

    def _open(self) -> tuple[Any, Any]:
        """(client, cluster started here or None)."""
        from distributed import Client, LocalCluster

        if self.scheduler is not None:
            try:
                return Client(self.scheduler, timeout=f"{self.connect_timeout_s}s"), None
            except OSError as exc:
                raise SpecError("--scheduler", self.scheduler, "the address of a running Dask scheduler",
                                f"cannot connect ({exc}) to") from None
        if self.cluster is not None:
            cluster = self.cluster.make_cluster()
            self.cluster.scale(cluster)
        else:
            cluster = LocalCluster(n_workers=self.workers or default_workers(), threads_per_worker=1,
                                   processes=True, host="127.0.0.1", dashboard_address=":0",
                                   silence_logs=logging.ERROR)
        try:
            return Client(cluster), cluster
        except BaseException:
            cluster.close()
            raise

    def _window(self, client: Any) -> int:
        if self.window is not None:
            return self.window
        threads = sum(client.nthreads().values())
        if self.cluster is not None:
            threads = max(threads, self.cluster.jobs * self.cluster.workers_per_job)
        return max(4, 2 * threads)

    def run(self, spec: SweepSpec, root: Path, shards: list[int]) -> Iterator[ShardSummary]:
        if not shards:
            return
        from distributed import KilledWorker, as_completed

        client, cluster = self._open()
        try:
            raw, where = dict(spec.raw), str(Path(root).resolve())
            token = uuid.uuid4().hex[:8]
            pending = iter(shards)
            running: as_completed = as_completed(loop=client.loop)
            shard_of: dict[str, int] = {}

            def submit() -> bool:
                shard = next(pending, None)
                if shard is None:
                    return False
                future = client.submit(self.task, raw, spec.hash, where, shard, key=f"sovsim-shard-{shard}-{token}",
                                       pure=False)
                shard_of[future.key] = shard
                running.add(future)
                return True

            window, checked = self._window(client), time.monotonic()
            in_flight = 0
            suspects: list[int] = []
            while in_flight < window and submit():
                in_flight += 1
            for future in running:
                shard = shard_of.pop(future.key)
                try:
                    summary = future.result()
                except KilledWorker:
                    # Every task on a dying worker is blamed for its death, so a shard that merely shared a
                    # worker with the real culprit can be killed too: run it again later, alone.
                    suspects.append(shard)
                    summary = None
                future.release()
                in_flight -= 1
                if summary is not None:
                    yield summary
                if time.monotonic() - checked > 2.0:  # workers come and go (adaptive clusters, lost jobs)
                    window, checked = self._window(client), time.monotonic()
                while in_flight < window and submit():
                    in_flight += 1
            for shard in suspects:  # one at a time: a death now is this shard's own doing
                future = client.submit(self.task, raw, spec.hash, where, shard,
                                       key=f"sovsim-shard-{shard}-{token}-alone", pure=False)
                try:
                    summary = future.result()
                except KilledWorker as exc:
                    message = (f"shard {shard} was not run: every worker that ran it died, also when it ran alone "
                               f"({exc}); delete futures/part-{shard:08d}.parquet and resume to try it again")
                    summary = client.submit(error_shard_task, raw, spec.hash, where, shard, message,
                                            key=f"sovsim-error-shard-{shard}-{token}", pure=False).result()
                future.release()
                yield summary
        finally:
            client.close()
            if cluster is not None:
                cluster.close()
