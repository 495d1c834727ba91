"""The Dask engine on a real LocalCluster (2 worker processes × 1 thread on 127.0.0.1): the same table as the
local engine, a SIGKILLed worker mid-sweep, a shard that kills its workers, error rows, and bad options."""

from __future__ import annotations

import os
import signal
import sys
from pathlib import Path

import cloudpickle
import dask
import pandas as pd
import pytest
from click.testing import CliRunner
from distributed import Client, LocalCluster
from test_sweep import ERRORS, table, write_spec

from sovsim.cli import main
from sovsim.sweep import SpecError, sweep
from sovsim.sweep.dask_engine import DaskEngine, load_cluster_config, run_shard_task
from sovsim.sweep.runner import ShardSummary, SweepReport, make_engine

SCENARIOS, SHARD_SIZE = 24, 2  # 48 futures in 24 shards
SHARDS = SCENARIOS * 2 // SHARD_SIZE


@pytest.fixture(scope="module")
def spec(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_spec(tmp_path_factory.mktemp("dask-spec"), scenarios=SCENARIOS, shard_size=SHARD_SIZE,
                      extra=ERRORS)


@pytest.fixture(scope="module")
def local_table(spec: Path, tmp_path_factory: pytest.TempPathFactory) -> pd.DataFrame:
    out = tmp_path_factory.mktemp("dask-local") / "out"
    sweep(spec, out, workers=1)
    return table(out)


@pytest.fixture(scope="module")
def cluster() -> LocalCluster:
    # one worker death is tolerated, a second of the same task makes it a KilledWorker (the scheduler runs in
    # this process, so the setting reaches it)
    with dask.config.set({"distributed.scheduler.allowed-failures": 1}):
        with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                          dashboard_address=":0") as local:
            yield local


@pytest.fixture
def client(cluster: LocalCluster) -> Client:
    with Client(cluster) as c:
        c.wait_for_workers(2, timeout=60)
        yield c


def test_dask_table_is_the_local_table_with_its_error_rows(spec: Path, local_table: pd.DataFrame,
                                                           cluster: LocalCluster, client: Client,
                                                           tmp_path: Path) -> None:
    in_flight: list[int] = []

    def count_tasks(summary: ShardSummary, report: SweepReport) -> None:
        in_flight.append(client.run_on_scheduler(lambda dask_scheduler: len(dask_scheduler.tasks)))

    report = sweep(spec, tmp_path / "out", engine="dask", scheduler=cluster.scheduler_address, progress=count_tasks)
    frame = table(tmp_path / "out")
    assert report.shards_run == SHARDS
    assert 0 < max(in_flight) <= 4  # the window: twice the 2 worker threads, never all 24 shards at once
    pd.testing.assert_frame_equal(frame, local_table)
    errors = frame[frame["status"] == "error"]
    assert report.errors == len(errors) > 0
    assert errors["error"].str.contains("election_cut_fraction_min").all()
    assert frame.loc[frame["status"] == "ok", "verdict"].notna().all()


def test_sigkill_a_worker_mid_sweep_every_shard_finishes(spec: Path, local_table: pd.DataFrame,
                                                         cluster: LocalCluster, client: Client,
                                                         tmp_path: Path) -> None:
    pids = client.run(os.getpid)
    killed: dict[str, object] = {}

    def kill_once(summary: ShardSummary, report: SweepReport) -> None:
        if killed or report.shards_run < 4:
            return
        busy = {w: keys for w, keys in client.processing().items() if keys}
        if not busy:  # between two shards: try again after the next one
            return
        victim = next(iter(busy))  # a worker with a shard in hand
        killed.update(worker=victim, pid=pids[victim], shards=list(busy[victim]))
        os.kill(pids[victim], signal.SIGKILL)

    report = sweep(spec, tmp_path / "out", engine="dask", scheduler=cluster.scheduler_address, progress=kill_once)
    assert killed, "a worker was killed mid-sweep"
    assert report.shards_run == SHARDS
    pd.testing.assert_frame_equal(table(tmp_path / "out"), local_table)
    client.wait_for_workers(2, timeout=60)
    assert killed["pid"] not in client.run(os.getpid).values()  # the nanny started a new worker process


def crashing_task(spec_raw: dict, spec_hash: str, root: str, shard: int):  # noqa: ANN201
    """Shard 3 kills the worker process running it, every time; the others run as usual."""
    if shard == 3:
        os._exit(17)
    return run_shard_task(spec_raw, spec_hash, root, shard)


def test_a_shard_that_kills_its_workers_becomes_error_rows(spec: Path, local_table: pd.DataFrame,
                                                           cluster: LocalCluster, client: Client,
                                                           tmp_path: Path) -> None:
    cloudpickle.register_pickle_by_value(sys.modules[__name__])
    try:
        # the default window: other shards share the workers that shard 3 kills, and Dask blames them too; the
        # engine runs the blamed shards again alone, so only shard 3 ends as error rows
        engine = DaskEngine(scheduler=cluster.scheduler_address, task=crashing_task)
        report = sweep(spec, tmp_path / "out", engine=engine)
    finally:
        cloudpickle.unregister_pickle_by_value(sys.modules[__name__])
    frame = table(tmp_path / "out")
    assert report.shards_run == SHARDS
    crashed = frame["future"].isin(range(3 * SHARD_SIZE, 4 * SHARD_SIZE))
    assert crashed.sum() == SHARD_SIZE
    assert (frame.loc[crashed, "status"] == "error").all()
    assert frame.loc[crashed, "error"].str.contains("also when it ran alone").all()
    assert frame.loc[crashed, "verdict"].isna().all()
    pd.testing.assert_frame_equal(frame[~crashed], local_table[~crashed])
    assert report.errors == int((local_table.loc[~crashed, "status"] == "error").sum()) + SHARD_SIZE
    client.wait_for_workers(2, timeout=60)


def test_cli_engine_dask_starts_a_local_cluster(spec: Path, local_table: pd.DataFrame, tmp_path: Path) -> None:
    out = tmp_path / "out"
    done = CliRunner().invoke(main, ["sweep", str(spec), "--out", str(out), "--engine", "dask", "--workers", "2",
                                     "--quiet"])
    assert done.exit_code == 0, done.output
    assert f"{SCENARIOS * 2} futures" in done.output
    pd.testing.assert_frame_equal(table(out), local_table)
    again = CliRunner().invoke(main, ["sweep", "--resume", str(out), "--engine", "dask", "--quiet"])
    assert again.exit_code == 0, again.output
    assert f"{SHARDS} already done" in again.output


# -- options and their errors ---------------------------------------------------------------------------------
def test_bad_engine_names_are_refused(spec: Path, tmp_path: Path) -> None:
    with pytest.raises(SpecError) as info:
        sweep(spec, tmp_path / "out", engine="spark")
    assert info.value.path == "engine"
    assert "local, dask" in str(info.value) and "spark" in str(info.value)
    with pytest.raises(SpecError) as info:
        make_engine("local", scheduler="tcp://127.0.0.1:8786")
    assert info.value.path == "scheduler"
    with pytest.raises(SpecError) as info:
        make_engine("dask", workers=2, scheduler="tcp://127.0.0.1:8786")
    assert info.value.path == "--workers"
    with pytest.raises(SpecError) as info:
        make_engine(42)  # type: ignore[arg-type]
    assert info.value.path == "engine"
    assert not (tmp_path / "out").exists()
    runner = CliRunner()
    bad = runner.invoke(main, ["sweep", str(spec), "--out", str(tmp_path / "o"), "--engine", "spark"])
    assert bad.exit_code == 2
    assert "spark" in bad.output and "local" in bad.output and "dask" in bad.output
    local_with_scheduler = runner.invoke(main, ["sweep", str(spec), "--out", str(tmp_path / "o"),
                                                "--scheduler", "tcp://127.0.0.1:8786"])
    assert local_with_scheduler.exit_code == 2
    assert "--scheduler" in local_with_scheduler.output and "--engine dask" in local_with_scheduler.output


def test_bad_scheduler_addresses(spec: Path, tmp_path: Path) -> None:
    with pytest.raises(SpecError) as info:
        DaskEngine(scheduler="localhost")
    assert info.value.path == "--scheduler"
    assert "tcp://" in info.value.allowed
    with pytest.raises(SpecError) as info:  # nothing listens there
        sweep(spec, tmp_path / "out", engine=DaskEngine(scheduler="tcp://127.0.0.1:9", connect_timeout_s=1))
    assert info.value.path == "--scheduler"
    assert "cannot connect" in str(info.value)


@pytest.mark.parametrize(
    ("table_", "path", "fragment"),
    [
        ({"kind": "sge"}, "cluster.kind", "slurm, pbs"),
        ({"queues": "debug"}, "cluster.queues", "queue"),
        ({"memory": "lots"}, "cluster.memory", "4GB"),
        ({"walltime": "2h"}, "cluster.walltime", "HH:MM:SS"),
        ({"cores": 0}, "cluster.cores", "≥ 1"),
        ({"cores": 2, "processes": 4}, "cluster.processes", "at most cores"),
        ({"jobs": 2, "minimum_jobs": 3}, "cluster.minimum_jobs", "at most jobs"),
        ({"adapt": "yes"}, "cluster.adapt", "true or false"),
        ({"job_extra_directives": "--qos=x"}, "cluster.job_extra_directives", "array of strings"),
    ],
)
def test_cluster_config_errors_name_the_field(table_: dict, path: str, fragment: str) -> None:
    with pytest.raises(SpecError) as info:
        load_cluster_config({"cluster": table_})
    assert info.value.path == path
    assert fragment in str(info.value)


def test_cluster_config_file(tmp_path: Path) -> None:
    path = tmp_path / "cluster.toml"
    path.write_text('[cluster]\nkind = "pbs"\nqueue = "work"\ncores = 8\nprocesses = 4\nmemory = "16GB"\n'
                    'walltime = "1-00:00:00"\njobs = 3\nadapt = true\njob_script_prologue = ["module load python"]\n')
    config = load_cluster_config(path)
    assert (config.kind, config.queue, config.cores, config.workers_per_job, config.jobs) == ("pbs", "work", 8, 4, 3)
    assert config.adapt and config.walltime == "1-00:00:00"
    assert config.job_script_prologue == ("module load python",)
    (tmp_path / "two.toml").write_text("[cluster]\n[other]\n")
    with pytest.raises(SpecError) as info:
        load_cluster_config(tmp_path / "two.toml")
    assert info.value.path == "--cluster"
    with pytest.raises(SpecError):
        load_cluster_config(tmp_path / "missing.toml")
