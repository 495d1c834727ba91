"""Slurm: job array scripts and plans, verify and resume; then a real Slurm — a submitted job array with one
task cancelled, verified, resumed — and a real dask-jobqueue SLURMCluster on the loopback interface.

The tests that need Slurm skip where it is not running (``bash .ci/slurm-up.sh`` starts a single-node one as
root); with SOVSIM_REQUIRE_SLURM=1 (as CI sets) they fail instead.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner
from test_sweep import table, write_spec

from sovsim.cli import main
from sovsim.sweep import SpecError, sweep
from sovsim.sweep import slurm as arrays
from sovsim.sweep.runner import ShardSummary, SweepReport
from sovsim.sweep.verify import shard_ranges, verify


def _slurm_problem() -> str | None:
    """Why Slurm cannot run jobs here, or None."""
    for command in ("sbatch", "squeue", "scancel", "sinfo", "scontrol"):
        if shutil.which(command) is None:
            return f"{command} is not installed"
    done = subprocess.run(["sinfo", "-h", "-N", "-o", "%T"], capture_output=True, text=True, timeout=30, check=False)
    states = done.stdout.split()
    if done.returncode != 0 or not {"idle", "mixed", "allocated"} & set(states):
        return f"no Slurm node is up (sinfo: {(done.stderr or done.stdout).strip() or 'no nodes'})"
    return None


@pytest.fixture(scope="module")
def slurm() -> None:
    problem = _slurm_problem()
    if problem is None:
        return
    if os.environ.get("SOVSIM_REQUIRE_SLURM") == "1":
        pytest.fail(f"SOVSIM_REQUIRE_SLURM=1 but Slurm cannot run jobs: {problem}")
    pytest.skip(f"Slurm cannot run jobs here: {problem} (as root, bash .ci/slurm-up.sh starts a single-node Slurm)")


def wait_for(job_id: str, timeout_s: float = 240) -> None:
    """Until job ``job_id`` (all its array tasks) has left the queue."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        listed = subprocess.run(["squeue", "-h", "-o", "%F"], capture_output=True, text=True, check=True).stdout
        if job_id not in listed.split():
            return
        time.sleep(0.5)
    subprocess.run(["scancel", job_id], check=False)
    raise AssertionError(f"job {job_id} still queued after {timeout_s} s")


def submitted_job(out: Path) -> str:
    return (out / "slurm" / "jobs.txt").read_text().splitlines()[-1].split()[0]


# -- scripts, plans and verify (no Slurm needed) ---------------------------------------------------------------
def test_split_covers_every_shard_once_in_order() -> None:
    for n, tasks in ((12, 5), (7, 7), (1000, 3), (5, 1)):
        parts = arrays.split(list(range(n)), tasks)
        assert len(parts) == tasks
        assert [s for part in parts for s in part] == list(range(n))
        assert max(map(len, parts)) - min(map(len, parts)) <= 1


def test_array_script_and_plan(tmp_path: Path) -> None:
    spec = write_spec(tmp_path, scenarios=12, shard_size=2)  # 24 futures, 12 shards
    job = arrays.prepare(spec, tmp_path / "out", 5, throttle=2, partition="debug", time="01:30:00", max_size=1001)
    script = job.script.read_text()
    assert "#SBATCH --array=0-4%2\n" in script
    assert "#SBATCH --partition=debug\n" in script
    assert "#SBATCH --time=01:30:00\n" in script
    assert "sweep-shards" in script and '--task "$SLURM_ARRAY_TASK_ID"' in script
    assert job.tasks == 5 and job.shards == tuple(range(12))
    assert (tmp_path / "out" / "manifest.json").is_file()
    more = arrays.prepare(spec, tmp_path / "more", 50, max_size=1001)  # never more tasks than shards
    assert more.tasks == 12
    assert "#SBATCH --array=0-11\n" in more.script.read_text()


@pytest.mark.parametrize(
    ("options", "path", "fragment"),
    [
        ({"array": 1002}, "--array", "at most 1001"),
        ({"array": 0}, "--array", "≥ 1"),
        ({"array": 2, "time": "2h"}, "--time", "HH:MM:SS"),
        ({"array": 2, "time": "00:61:00"}, "--time", "HH:MM:SS"),
        ({"array": 2, "time": "00:00:00"}, "--time", "above zero"),
        ({"array": 2, "throttle": 0}, "--throttle", "≥ 1"),
        ({"array": 2, "partition": "a b"}, "--partition", "partition name"),
    ],
)
def test_bad_array_options_name_the_option(tmp_path: Path, options: dict, path: str, fragment: str) -> None:
    spec = write_spec(tmp_path, scenarios=4)
    array = options.pop("array")
    with pytest.raises(SpecError) as info:
        arrays.prepare(spec, tmp_path / "out", array, max_size=1001, **options)
    assert info.value.path == path
    assert fragment in str(info.value)
    assert not (tmp_path / "out" / "slurm").exists()


def test_slurm_command_errors(tmp_path: Path) -> None:
    spec = str(write_spec(tmp_path, scenarios=4))
    runner = CliRunner()
    for args, fragment in ((["--out", str(tmp_path / "o")], "--array"), (["--array", "2"], "--out"),
                           (["--out", str(tmp_path / "o"), "--array", "2", "--time", "90min"], "HH:MM:SS")):
        done = runner.invoke(main, ["slurm", spec, *args])
        assert done.exit_code == 2, done.output
        assert fragment in done.output


def test_submit_without_slurm_commands_says_so(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "empty-bin"))
    done = CliRunner().invoke(main, ["slurm", str(write_spec(tmp_path, scenarios=4)), "--out", str(tmp_path / "o"),
                                     "--array", "2", "--submit"])
    assert done.exit_code == 2
    assert "sbatch: not found" in done.output
    assert (tmp_path / "o" / "slurm" / "array-001.sbatch").is_file()  # written, to submit elsewhere


def test_one_array_task_by_hand_then_verify(tmp_path: Path) -> None:
    spec = write_spec(tmp_path, scenarios=5, shard_size=3)  # 10 futures: shards of 3, 3, 3, 1
    out = tmp_path / "out"
    job = arrays.prepare(spec, out, 2, max_size=1001)
    runner = CliRunner()
    task = runner.invoke(main, ["sweep-shards", str(out), "--plan", str(job.plan), "--task", "1"])
    assert task.exit_code == 0, task.output
    assert "ran 2 shards" in task.output
    found = verify(out)
    assert (found.finished, found.missing, found.missing_futures) == (2, (0, 1), 6)
    report = runner.invoke(main, ["sweep", "--verify", str(out)])
    assert report.exit_code == 1
    assert "missing 2 shards: 0-1" in report.output
    again = runner.invoke(main, ["sweep-shards", str(out), "--plan", str(job.plan), "--task", "1"])
    assert "ran 0 shards" in again.output and "2 already written" in again.output
    bad = runner.invoke(main, ["sweep-shards", str(out), "--plan", str(job.plan), "--task", "2"])
    assert bad.exit_code == 2 and "0 to 1" in bad.output
    sweep(spec, out, workers=1)  # the rest, here
    assert runner.invoke(main, ["sweep", "--verify", str(out)]).exit_code == 0
    pd.testing.assert_frame_equal(table(out), table(_local(spec, tmp_path / "local")))
    shutil.copy(out / "futures" / "part-00000000.parquet", out / "futures" / "part-00000003.parquet")
    damaged = runner.invoke(main, ["sweep", "--verify", str(out)])
    assert damaged.exit_code == 1
    assert "damaged 1 shards" in damaged.output


def test_shard_ranges() -> None:
    assert shard_ranges([9, 0, 1, 2, 3, 7, 10, 11, 12]) == "0-3, 7, 9-12"
    assert shard_ranges([]) == ""


def _local(spec: Path, out: Path) -> Path:
    sweep(spec, out, workers=1)
    return out


# -- a real Slurm ------------------------------------------------------------------------------------------------
def test_max_array_size_is_read_from_slurm(slurm: None) -> None:
    size = arrays.max_array_size()
    assert size is not None and size >= 1
    conf = subprocess.run(["scontrol", "show", "config"], capture_output=True, text=True, check=True).stdout
    assert f"MaxArraySize            = {size}" in conf


def test_job_array_scancel_one_task_verify_resume(slurm: None, tmp_path: Path) -> None:
    spec = write_spec(tmp_path, scenarios=12, shard_size=2)  # 24 futures in 12 shards; tasks 0-3, 4-7, 8-11
    out = tmp_path / "out"
    runner = CliRunner()
    first = runner.invoke(main, ["slurm", str(spec), "--out", str(out), "--array", "3", "--throttle", "1",
                                 "--time", "00:10:00", "--submit"])
    assert first.exit_code == 0, first.output
    job = submitted_job(out)
    subprocess.run(["scancel", f"{job}_2"], check=True)  # task 2 is still waiting behind the throttle
    early = runner.invoke(main, ["slurm", "--resume", str(out), "--submit"])
    assert early.exit_code == 2 and "still queued or running" in early.output
    wait_for(job)
    logs = sorted((out / "slurm" / "logs").glob("*.out"))
    assert len(logs) == 2, [p.name for p in logs]
    report = runner.invoke(main, ["sweep", "--verify", str(out)])
    assert report.exit_code == 1, report.output
    missing = verify(out).missing
    assert missing and set(missing) <= set(range(8, 12))  # only the cancelled task's shards
    resumed = runner.invoke(main, ["slurm", "--resume", str(out), "--submit"])
    assert resumed.exit_code == 0, resumed.output
    assert f"{len(missing)} shards in" in resumed.output
    assert (out / "slurm" / "array-002.sbatch").is_file()
    wait_for(submitted_job(out))
    done = runner.invoke(main, ["sweep", "--verify", str(out)])
    assert done.exit_code == 0, done.output
    pd.testing.assert_frame_equal(table(out), table(_local(spec, tmp_path / "local")))
    nothing = runner.invoke(main, ["slurm", "--resume", str(out), "--submit"])
    assert nothing.exit_code == 0 and "nothing to submit" in nothing.output


def test_dask_jobqueue_slurm_cluster_runs_a_sweep(slurm: None, tmp_path: Path) -> None:
    spec = write_spec(tmp_path, scenarios=8, shard_size=2)
    seen: list[str] = []

    def jobs_in_queue(summary: ShardSummary, report: SweepReport) -> None:
        if not seen:
            listed = subprocess.run(["squeue", "-h", "-o", "%j %T"], capture_output=True, text=True, check=True)
            seen.extend(listed.stdout.splitlines())

    config = {"kind": "slurm", "cores": 1, "memory": "1GB", "walltime": "00:10:00", "jobs": 2, "interface": "lo",
              "log_directory": str(tmp_path / "worker-logs")}
    report = sweep(spec, tmp_path / "out", engine="dask", cluster=config, progress=jobs_in_queue)
    assert report.shards_run == 8
    assert any(line.startswith("dask-worker RUNNING") for line in seen), seen
    pd.testing.assert_frame_equal(table(tmp_path / "out"), table(_local(spec, tmp_path / "local")))


def test_sweep_engine_slurm_submits_an_array_and_waits(slurm: None, tmp_path: Path) -> None:
    spec = write_spec(tmp_path, scenarios=6, shard_size=3)  # 12 futures in 4 shards, one array task each
    seen: list[int] = []
    report = sweep(spec, tmp_path / "out", engine="slurm", workers=2,
                   progress=lambda summary, _report: seen.append(summary.shard))
    assert sorted(seen) == [0, 1, 2, 3] and report.futures_run == 12
    assert sum(report.verdicts.values()) == 12
    assert (tmp_path / "out" / "slurm" / "array-001.sbatch").is_file()
    assert "#SBATCH --array=0-3%2" in (tmp_path / "out" / "slurm" / "array-001.sbatch").read_text()
    pd.testing.assert_frame_equal(table(tmp_path / "out"), table(_local(spec, tmp_path / "local")))
    again = sweep(spec, tmp_path / "out", engine="slurm")  # complete: nothing is submitted
    assert again.shards_run == 0 and not (tmp_path / "out" / "slurm" / "array-002.sbatch").exists()


def test_a_sweep_folder_with_spaces_and_percent_signs_runs_on_slurm(slurm: None, tmp_path: Path) -> None:
    spec = write_spec(tmp_path, scenarios=3, shard_size=3)  # 6 futures in 2 shards
    out = tmp_path / "runs at 50% budget" / "out"
    sweep(spec, out, engine="slurm", workers=2)
    script = (out / "slurm" / "array-001.sbatch").read_text()
    assert f'#SBATCH --output="{out / "slurm" / "logs"}'.replace("50%", "50%%") in script
    logs = list((out / "slurm" / "logs").glob("array-001_*_*.out"))
    assert len(logs) == 2  # each array task's log, in the folder named with a space and a percent sign
    pd.testing.assert_frame_equal(table(out), table(_local(spec, tmp_path / "local")))


def test_a_folder_that_an_sbatch_line_cannot_hold_is_refused(tmp_path: Path) -> None:
    spec = write_spec(tmp_path, scenarios=2, shard_size=2)
    with pytest.raises(SpecError, match="double quote"):
        arrays.prepare(spec, tmp_path / 'say "out"', 1, max_size=1001)
    assert not (tmp_path / 'say "out"').exists()  # refused before anything is written
