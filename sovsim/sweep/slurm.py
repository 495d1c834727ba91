"""Slurm job arrays: every array task runs a range of a sweep's shards; no scheduler process stays up.

::

    sovsim slurm SPEC --out DIR --array 100 [--throttle 20] [--partition P] [--time 02:00:00] [--submit]

writes the results directory's manifest (as a sweep would), ``DIR/slurm/plan-001.json`` (the shards to run,
cut into as many contiguous ranges as array tasks) and ``DIR/slurm/array-001.sbatch``, whose task ``i`` runs
``python -m sovsim sweep-shards DIR --plan DIR/slurm/plan-001.json --task i``. The task skips the shards that
are already written, so a requeued task only finishes its range. ``sovsim sweep --verify DIR`` lists the
missing shards; ``sovsim slurm --resume DIR --submit`` writes and submits a new array (``array-002``) over only
those. Seeding and storage are the same as on every engine, so the results are too.
"""

from __future__ import annotations

import json
import re
import shlex
import shutil
import subprocess
import sys
import time as clock
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pyarrow.parquet as pq

import sovsim
from sovsim.sweep.design import make_design
from sovsim.sweep.runner import LocalEngine, ShardSummary
from sovsim.sweep.spec import SpecError, SweepSpec, check_size, load_spec
from sovsim.sweep.store import Store, write_atomic

__all__ = ["ArrayJob", "SlurmEngine", "SlurmError", "check_walltime", "max_array_size", "split", "prepare",
           "prepare_resume", "submit", "queued", "run_task", "DEFAULT_MAX_ARRAY_SIZE"]

#: Slurm's own default for ``MaxArraySize`` (array indices 0 to 1000), assumed when ``scontrol`` cannot tell.
DEFAULT_MAX_ARRAY_SIZE = 1001
_TIME = re.compile(r"^(?:(\d+)-)?(\d+):([0-5]\d):([0-5]\d)$")
_NAME = re.compile(r"[^A-Za-z0-9_.-]+")


class SlurmError(RuntimeError):
    """A Slurm command (sbatch, squeue, scontrol) that is missing or failed."""


def check_walltime(value: str, option: str = "--time") -> str:
    """``value`` if it is a Slurm wall time ``HH:MM:SS`` or ``D-HH:MM:SS``, else a :class:`SpecError`."""
    match = _TIME.match(value) if isinstance(value, str) else None
    if match is None or all(int(g or 0) == 0 for g in match.groups()):
        raise SpecError(option, value, "a wall time HH:MM:SS or D-HH:MM:SS above zero, e.g. 02:00:00 or 1-12:00:00",
                        "invalid wall time")
    return value


def max_array_size() -> int | None:
    """``MaxArraySize`` from ``scontrol show config``, or None where Slurm cannot be asked."""
    if shutil.which("scontrol") is None:
        return None
    try:
        done = subprocess.run(["scontrol", "show", "config"], capture_output=True, text=True, timeout=30, check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    match = re.search(r"^MaxArraySize\s*=\s*(\d+)", done.stdout, re.MULTILINE)
    return int(match.group(1)) if done.returncode == 0 and match else None


def split(shards: list[int], tasks: int) -> list[list[int]]:
    """``shards`` cut into ``tasks`` contiguous runs whose lengths differ by at most one."""
    n = len(shards)
    return [shards[i * n // tasks:(i + 1) * n // tasks] for i in range(tasks)]


@dataclass(frozen=True)
class ArrayJob:
    """A written (and perhaps submitted) job array over some shards of a results directory."""

    root: Path
    number: int  #: 1 for the first array of this directory, 2 for the first resubmission, …
    script: Path
    plan: Path
    tasks: int
    shards: tuple[int, ...]
    max_array_size: int
    job_id: str | None = None


def _slurm_dir(root: Path) -> Path:
    return root / "slurm"


def _check_folder(root: Path) -> None:
    """Refuse a results folder whose path an ``#SBATCH --output`` line cannot hold."""
    if '"' in str(root) or "\n" in str(root):
        raise SpecError("--out", str(root), "a folder whose path has no double quote or line break (an #SBATCH "
                                            "line cannot hold one)", "unusable path")


def _next_number(root: Path) -> int:
    taken = [int(m.group(1)) for p in _slurm_dir(root).glob("plan-*.json") if (m := re.match(r"plan-(\d+)", p.name))]
    return max(taken, default=0) + 1


def _write(root: Path, spec: SweepSpec, shards: list[int], array: int, *, throttle: int | None,
           partition: str | None, time: str | None, cpus_per_task: int, python: str | None,
           max_size: int | None) -> ArrayJob:
    if isinstance(array, bool) or not isinstance(array, int) or array < 1:
        raise SpecError("--array", array, "an integer ≥ 1 (the number of array tasks)", "invalid array size")
    limit = max_size if max_size is not None else max_array_size() or DEFAULT_MAX_ARRAY_SIZE
    if array > limit:
        raise SpecError("--array", array, f"at most {limit} tasks (MaxArraySize of this Slurm; give each task more "
                        "shards)", "array too large:")
    if throttle is not None and (isinstance(throttle, bool) or not isinstance(throttle, int) or throttle < 1):
        raise SpecError("--throttle", throttle, "an integer ≥ 1 (array tasks running at once)", "invalid value")
    if cpus_per_task < 1:
        raise SpecError("--cpus-per-task", cpus_per_task, "an integer ≥ 1", "invalid value")
    if time is not None:
        check_walltime(time)
    if partition is not None and not re.fullmatch(r"[A-Za-z0-9_.,-]+", partition):
        raise SpecError("--partition", partition, "a Slurm partition name (letters, digits, _ . - ,)",
                        "invalid partition")
    tasks = min(array, len(shards))
    number = _next_number(root)
    folder = _slurm_dir(root)
    logs = folder / "logs"
    _check_folder(root)
    logs.mkdir(parents=True, exist_ok=True)
    plan_path = folder / f"plan-{number:03d}.json"
    plan = {"sovsim_version": sovsim.__version__, "spec_hash": spec.hash, "tasks": split(shards, tasks)}
    write_atomic(plan_path, lambda tmp: tmp.write_text(json.dumps(plan), encoding="utf-8"))
    name = _NAME.sub("-", spec.name).strip("-") or "sweep"
    command = [python or sys.executable, "-m", "sovsim", "sweep-shards", str(root), "--plan", str(plan_path),
               "--task"]
    lines = [
        "#!/bin/bash",
        f"#SBATCH --job-name=sovsim-{name}",
        f"#SBATCH --array=0-{tasks - 1}" + (f"%{throttle}" if throttle else ""),
        f"#SBATCH --cpus-per-task={cpus_per_task}",
        # quoted for spaces; a literal % is %% in Slurm's file name patterns
        f'#SBATCH --output="{str(logs).replace("%", "%%")}/array-{number:03d}_%A_%a.out"',
        *([f"#SBATCH --partition={partition}"] if partition else []),
        *([f"#SBATCH --time={time}"] if time else []),
        f"# sovsim {sovsim.__version__}: {len(shards):,} shards of sweep {spec.name!r} in {tasks:,} array tasks",
        f"# check: sovsim sweep --verify {shlex.quote(str(root))}",
        f"# resubmit what is missing: sovsim slurm --resume {shlex.quote(str(root))} --submit",
        "set -euo pipefail",
        "exec " + " ".join(shlex.quote(c) for c in command) + ' "$SLURM_ARRAY_TASK_ID" --workers '
        '"${SLURM_CPUS_PER_TASK:-1}"',
        "",
    ]
    script = folder / f"array-{number:03d}.sbatch"
    write_atomic(script, lambda tmp: tmp.write_text("\n".join(lines), encoding="utf-8"))
    script.chmod(0o755)
    return ArrayJob(root, number, script, plan_path, tasks, tuple(shards), limit)


def prepare(spec: SweepSpec | str | Path, out: str | Path, array: int, *, throttle: int | None = None,
            partition: str | None = None, time: str | None = None, cpus_per_task: int = 1,
            python: str | None = None, max_size: int | None = None) -> ArrayJob:
    """Open the results directory ``out`` for ``spec`` and write an array script over its missing shards.

    ``array`` tasks (fewer if there are fewer shards) each run a contiguous range of shards with
    ``cpus_per_task`` worker processes. ``max_size`` defaults to Slurm's ``MaxArraySize``.
    """
    if not isinstance(spec, SweepSpec):
        spec = load_spec(spec)
    _check_folder(Path(out).resolve())
    check_size(spec, allow_large=True)  # the array's tasks each hold the design: refuse what no machine holds
    design = make_design(spec)
    store = Store(out)
    store.open(spec, design.futures, design.scenarios)
    shards = -(-design.futures // spec.shard_size)
    missing = [s for s in range(shards) if s not in store.finished()]
    if not missing:
        raise SpecError("--out", str(out), "a directory with shards left to run (this sweep is complete)",
                        "nothing to do in")
    return _write(store.root.resolve(), spec, missing, array, throttle=throttle, partition=partition, time=time,
                  cpus_per_task=cpus_per_task, python=python, max_size=max_size)


def prepare_resume(out: str | Path, array: int | None = None, *, throttle: int | None = None,
                   partition: str | None = None, time: str | None = None, cpus_per_task: int = 1,
                   python: str | None = None, max_size: int | None = None) -> ArrayJob | None:
    """A new array over only the missing shards of ``out`` (None when none is missing).

    ``array`` defaults to the task count of the previous array of this directory.
    """
    store = Store(out)
    store.manifest()
    spec = store.spec()
    design = make_design(spec)
    store.open(spec, design.futures, design.scenarios)  # refuses a manifest that does not match
    store.clean_debris()
    from sovsim.sweep.verify import discard_rejected, verify

    discard_rejected(verify(store.root, check_spec=False))  # what the check rejects runs again
    shards = -(-design.futures // spec.shard_size)
    done = store.finished()
    missing = [s for s in range(shards) if s not in done]
    if not missing:
        return None
    if array is None:
        previous = sorted(_slurm_dir(store.root).glob("plan-*.json"))
        array = len(json.loads(previous[-1].read_text(encoding="utf-8"))["tasks"]) if previous else 1
    return _write(store.root.resolve(), spec, missing, array, throttle=throttle, partition=partition, time=time,
                  cpus_per_task=cpus_per_task, python=python, max_size=max_size)


def _slurm_command(args: list[str]) -> str:
    if shutil.which(args[0]) is None:
        raise SlurmError(f"{args[0]}: not found; allowed: run on a machine with the Slurm commands (a login node), "
                         "or leave out --submit and submit the script there")
    done = subprocess.run(args, capture_output=True, text=True, timeout=120, check=False)
    if done.returncode != 0:
        raise SlurmError(f"{' '.join(args)} failed (exit {done.returncode}): {done.stderr.strip() or done.stdout}")
    return done.stdout


def queued(root: str | Path) -> list[str]:
    """Job ids submitted for ``root`` that are still pending or running."""
    jobs_file = _slurm_dir(Path(root)) / "jobs.txt"
    if not jobs_file.is_file():
        return []
    ours = {line.split()[0] for line in jobs_file.read_text(encoding="utf-8").splitlines() if line.strip()}
    listed = set(_slurm_command(["squeue", "-h", "-o", "%F"]).split())
    return sorted(ours & listed)


def submit(job: ArrayJob) -> ArrayJob:
    """``sbatch`` the array script; the job id is recorded in ``DIR/slurm/jobs.txt``."""
    out = _slurm_command(["sbatch", "--parsable", str(job.script)])
    job_id = out.strip().split(";")[0]
    with open(_slurm_dir(job.root) / "jobs.txt", "a", encoding="utf-8") as handle:
        handle.write(f"{job_id} {job.script.name}\n")
    return ArrayJob(job.root, job.number, job.script, job.plan, job.tasks, job.shards, job.max_array_size, job_id)


def run_task(out: str | Path, plan: str | Path, task: int, workers: int = 1) -> tuple[list[ShardSummary], int]:
    """Run the shards of array task ``task`` of ``plan`` that are not written yet; (summaries, shards skipped)."""
    store = Store(out)
    spec = store.spec()
    data = json.loads(Path(plan).read_text(encoding="utf-8"))
    if data.get("spec_hash") != spec.hash:
        raise SpecError("--plan", str(plan), f"a plan written for the sweep in {out}", "plan of another sweep:")
    tasks = data["tasks"]
    if not 0 <= task < len(tasks):
        raise SpecError("--task", task, f"0 to {len(tasks) - 1}", "no such array task:")
    done = store.finished()
    todo = [s for s in tasks[task] if s not in done]
    summaries = list(LocalEngine(workers).run(spec, store.root, todo))
    return summaries, len(tasks[task]) - len(todo)


class SlurmEngine:
    """Shards as a Slurm job array, submitted and waited for: ``sovsim.sweep(spec, out, engine="slurm")``.

    The array is the one ``sovsim slurm --submit`` writes (``array`` tasks, at most ``MaxArraySize``; by
    default one task per shard up to that limit), so scripts and notebooks can run a sweep on the cluster
    they are logged in to and get the same results as on any other engine. Finished shards are reported as
    their parts appear. If the array ends with shards missing (a cancelled task, a wall-time limit) the
    engine stops with an error that names them; ``sovsim slurm --resume DIR --submit`` or running the same
    sweep again runs only those.
    """

    def __init__(self, array: int | None = None, *, throttle: int | None = None, partition: str | None = None,
                 time: str | None = None, cpus_per_task: int = 1, poll_s: float = 2.0) -> None:
        self.array, self.throttle, self.partition, self.time = array, throttle, partition, time
        self.cpus_per_task, self.poll_s = cpus_per_task, poll_s

    def run(self, spec: SweepSpec, root: Path, shards: list[int]) -> Iterator[ShardSummary]:
        if not shards:
            return
        root = Path(root).resolve()
        array = self.array or min(len(shards), max_array_size() or DEFAULT_MAX_ARRAY_SIZE)
        job = submit(_write(root, spec, shards, array, throttle=self.throttle, partition=self.partition,
                            time=self.time, cpus_per_task=self.cpus_per_task, python=None, max_size=None))
        store, pending = Store(root), set(shards)
        while pending:
            finished = pending & store.finished()
            for shard in sorted(finished):
                yield _summary(store, shard)
            pending -= finished
            if not pending:
                break
            if job.job_id not in queued(root):
                left = pending - store.finished()  # the last parts may have landed as the job ended
                if left:
                    from sovsim.sweep.verify import shard_ranges

                    raise SlurmError(f"job array {job.job_id} ended without shards {shard_ranges(sorted(left))} "
                                     f"(logs in {root / 'slurm' / 'logs'}); run only those with: sovsim slurm "
                                     f"--resume {shlex.quote(str(root))} --submit")
                continue
            clock.sleep(self.poll_s)


def _summary(store: Store, shard: int) -> ShardSummary:
    """What a finished shard's part holds, for the progress bar and the report."""
    return ShardSummary.of_rows(shard, pq.read_table(store.part_path(shard), columns=["status", "verdict"]).to_pylist())
