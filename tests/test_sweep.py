"""Sweeps: spec validation, designs, determinism across engines/shards/kills, error rows, store and queries."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from sovsim.cli import main
from sovsim.scenario import ScenarioError
from sovsim.sweep import SpecError, load_results, load_spec, query, resume, spec_from_dict, sweep
from sovsim.sweep.design import make_design, unit_sample
from sovsim.sweep.runner import ShardRunner
from sovsim.sweep.store import Store

SPEC = """
[sweep]
base = "midsize-nation"
scenarios = {scenarios}
sampler = "{sampler}"
seed = 11
shard_size = {shard_size}
timelines = {timelines}

[sweep.set]
"calendar.horizon_years" = 3.0

[[uncertainties]]
path = "staff.attrition_per_year"
low = 0.05
high = 0.4

[[uncertainties]]
path = "model.strategy"
kind = "categorical"
values = ["continue", "finetune", "scratch"]

[[uncertainties]]
path = "staff.roles.research.target_fte"
kind = "integer"
low = 5
high = 15

[policies.status-quo]

[policies.pay-premium]
"staff.salary_premium" = 1.8
"""


def write_spec(folder: Path, scenarios: int = 12, shard_size: int = 5, sampler: str = "lhs",
               timelines: bool = False, extra: str = "") -> Path:
    path = folder / f"spec-{sampler}-{scenarios}-{shard_size}.toml"
    text = SPEC.format(scenarios=scenarios, shard_size=shard_size, sampler=sampler,
                       timelines=str(timelines).lower())
    path.write_text(text + extra, encoding="utf-8")
    return path


def table(root: Path) -> pd.DataFrame:
    return load_results(root).sort_values("future").reset_index(drop=True)


# -- spec validation ------------------------------------------------------------------------------------
def spec_error(data: dict) -> SpecError:
    with pytest.raises(SpecError) as info:
        spec_from_dict(data)
    return info.value


def test_misspelt_uncertainty_path_is_named(tmp_path: Path) -> None:
    err = spec_error({"uncertainties": [{"path": "staff.atrition_per_year", "low": 0.1, "high": 0.2}]})
    assert err.path == "uncertainties[0].path"
    assert "staff.atrition_per_year" in str(err)
    assert "attrition_per_year" in err.allowed


def test_misspelt_path_fails_before_any_future_runs(tmp_path: Path) -> None:
    spec = write_spec(tmp_path).read_text().replace("model.strategy", "model.stratgy")
    (tmp_path / "bad.toml").write_text(spec)
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["sweep", str(tmp_path / "bad.toml"), "--out", str(out)])
    assert result.exit_code == 2
    assert "uncertainties[1].path" in result.output
    assert "model.stratgy" in result.output
    assert not out.exists()


@pytest.mark.parametrize(
    ("data", "path", "fragment"),
    [
        ({"sweep": {"smaple": "lhs"}}, "sweep.smaple", "sampler"),
        ({"sweep": {"sampler": "grid"}}, "sweep.sampler", "lhs"),
        ({"sweep": {"scenarios": 0}}, "sweep.scenarios", "from 1 to"),
        ({"sweep": {"seed": -1}}, "sweep.seed", "from 0 to"),
        ({"sweep": {"shard_size": 2.5}}, "sweep.shard_size", "integer"),
        ({"sweep": {"timelines": "yes"}}, "sweep.timelines", "true or false"),
        ({"sweep": {"base": "atlantis"}}, "sweep.base", "midsize-nation"),
        ({"sweep": {"set": {"staff.salary_premium": -1}}}, "sweep.set.staff.salary_premium", "> 0"),
        ({"uncertainties": [{"path": "staff.attrition_per_year", "low": 0.3, "high": 0.1}]},
         "uncertainties[0].low", "≤ high"),
        ({"uncertainties": [{"path": "staff.attrition_per_year", "low": 0.1, "high": 9.0}]},
         "uncertainties[0].high", "≤ 5"),
        ({"uncertainties": [{"path": "staff.attrition_per_year", "kind": "fuzzy", "low": 0, "high": 1}]},
         "uncertainties[0].kind", "categorical"),
        ({"uncertainties": [{"path": "model.strategy", "kind": "categorical", "values": ["bogus"]}]},
         "uncertainties[0].values[0]", "scratch"),
        ({"uncertainties": [{"path": "staff.attrition_per_year", "low": 0.1}]}, "uncertainties[0].high", "number"),
        ({"uncertainties": [{"path": "staff.attrition_per_year", "low": 0.1, "high": 0.2, "lo": 1}]},
         "uncertainties[0].lo", "high"),
        ({"uncertainties": [{"path": "staff.attrition_per_year", "distribution": "triangular", "low": 0.1,
                             "high": 0.2, "mode": 0.5}]}, "uncertainties[0].mode", "between"),
        ({"uncertainties": [{"path": "staff.attrition_per_year", "low": 0.1, "high": 0.2},
                            {"path": "staff.attrition_per_year", "low": 0.1, "high": 0.2}]},
         "uncertainties[1].path", "at most once"),
        ({"policies": {"rich": {"staff.salary_premum": 2.0}}}, "policies.rich.staff.salary_premum",
         "salary_premium"),
        ({"levers": [{"path": "model.release_interval_mnths", "values": [6.0]}]}, "levers[0].path",
         "release_interval_months"),
        ({"levers": [{"path": "model.release_interval_months", "values": [0.0]}]}, "levers[0].values[0]", "> 0"),
        ({"tuning": {}}, "tuning", "uncertainties"),
    ],
)
def test_spec_errors_name_the_field(data: dict, path: str, fragment: str) -> None:
    err = spec_error(data)
    assert err.path == path
    assert fragment in str(err)


def test_levers_make_a_full_factorial_with_policies() -> None:
    spec = spec_from_dict({"policies": {"a": {}, "b": {"staff.salary_premium": 1.5}},
                           "levers": [{"path": "model.release_interval_months", "values": [6.0, 12.0]},
                                      {"path": "compute.gpu_count", "values": [256, 1024]}]})
    assert len(spec.policies) == 8
    assert spec.policies[0].name == "a|model.release_interval_months=6.0|compute.gpu_count=256"
    assert dict(spec.policies[-1].overrides) == {"staff.salary_premium": 1.5,
                                                 "model.release_interval_months": 12.0, "compute.gpu_count": 1024}


# -- designs --------------------------------------------------------------------------------------------
def test_latin_hypercube_fills_every_stratum_once() -> None:
    n, d = 50, 4
    points = unit_sample("lhs", n, d, seed=3)
    for j in range(d):
        assert sorted((points[:, j] * n).astype(int).tolist()) == list(range(n))


@pytest.mark.parametrize("sampler", ["lhs", "sobol", "mc"])
def test_unit_samples_are_in_the_cube_and_seeded(sampler: str) -> None:
    a = unit_sample(sampler, 37, 3, seed=5)
    b = unit_sample(sampler, 37, 3, seed=5)
    c = unit_sample(sampler, 37, 3, seed=6)
    assert a.shape == (37, 3)
    assert ((a >= 0) & (a < 1)).all()
    assert np.array_equal(a, b)
    assert not np.array_equal(a, c)


def test_saltelli_design_size() -> None:
    spec = spec_from_dict({"sweep": {"sampler": "saltelli", "scenarios": 8},
                           "uncertainties": [{"path": "staff.attrition_per_year", "low": 0.05, "high": 0.3},
                                             {"path": "frontier.open_lag_months", "low": 2.0, "high": 12.0},
                                             {"path": "model.local_edge_log10", "low": 0.5, "high": 1.5}]})
    assert make_design(spec).scenarios == 8 * (3 + 2)
    second = spec_from_dict({**spec.raw, "sweep": {**spec.raw["sweep"], "second_order": True}})
    assert make_design(second).scenarios == 8 * (2 * 3 + 2)


def test_mapped_values_respect_kinds_and_bounds(tmp_path: Path) -> None:
    spec = load_spec(write_spec(tmp_path, scenarios=300))
    design = make_design(spec)
    attrition = [v[0] for v in design.values]
    strategies = {v[1] for v in design.values}
    targets = [v[2] for v in design.values]
    assert 0.05 <= min(attrition) and max(attrition) <= 0.4
    assert abs(np.mean(attrition) - 0.225) < 0.01  # LHS mean of U(0.05, 0.4) is tight
    assert strategies == {"continue", "finetune", "scratch"}
    assert set(targets) == set(range(5, 16))
    assert all(isinstance(t, int) for t in targets)


# -- determinism, common random numbers, error rows ---------------------------------------------------------
def test_same_table_for_one_or_two_workers_and_any_shard_size(tmp_path: Path) -> None:
    a = sweep(write_spec(tmp_path, shard_size=5), tmp_path / "a", workers=1)
    b = sweep(write_spec(tmp_path, shard_size=5), tmp_path / "b", workers=2)
    c = sweep(write_spec(tmp_path, shard_size=7), tmp_path / "c", workers=2)
    assert a.futures == b.futures == c.futures == 24
    assert c.shards == 4
    pd.testing.assert_frame_equal(table(tmp_path / "a"), table(tmp_path / "b"))
    pd.testing.assert_frame_equal(table(tmp_path / "a"), table(tmp_path / "c"))


def test_policies_share_random_streams(tmp_path: Path) -> None:
    sweep(write_spec(tmp_path, scenarios=10, timelines=True), tmp_path / "out", workers=1)
    frame = table(tmp_path / "out")
    inputs = frame.pivot(index="scenario_index", columns="policy", values="staff.attrition_per_year")
    assert (inputs["status-quo"] == inputs["pay-premium"]).all()
    timelines = load_results(tmp_path / "out", "timelines")
    policy_of = dict(zip(frame["future"], frame["policy"]))
    scenario_of = dict(zip(frame["future"], frame["scenario_index"]))
    timelines["policy"] = timelines["future"].map(policy_of)
    timelines["scenario_index"] = timelines["future"].map(scenario_of)
    wide = timelines.pivot_table(index=["scenario_index", "time_days"], columns="policy", values="frontier_log10")
    wide = wide.dropna()  # the months both futures lived
    assert len(wide) > 100
    # the frontier's jumps come from its own stream, the same under both policies
    assert (wide["status-quo"] == wide["pay-premium"]).all()


def test_futures_with_the_same_overrides_share_their_scenario(tmp_path: Path) -> None:
    runner = ShardRunner(spec_from_dict({"sweep": {"scenarios": 4, "sampler": "mc", "seed": 1}}), tmp_path / "out")
    same = runner.scenario({"staff.attrition_per_year": 0.1})
    assert runner.scenario({"staff.attrition_per_year": 0.1}) is same
    other = runner.scenario({"staff.attrition_per_year": 0.2})
    assert other is not same
    assert (same.staff.attrition_per_year, other.staff.attrition_per_year) == (0.1, 0.2)
    # an unhashable override is built every time, and still applied
    scheduled = runner.scenario({"export.schedule": {}})
    assert scheduled is not runner.scenario({"export.schedule": {}})
    with pytest.raises(ScenarioError, match="attrition_per_year"):  # a bad one is never kept
        runner.scenario({"staff.attrition_per_year": -1.0})
    with pytest.raises(ScenarioError, match="attrition_per_year"):
        runner.scenario({"staff.attrition_per_year": -1.0})


# Two uncertainties whose draws sometimes contradict each other (cut min > cut max): those futures' scenarios
# fail validation, so they raise and must become error rows on every engine.
ERRORS = """
[[uncertainties]]
path = "treasury.election_cut_fraction_min"
low = 0.1
high = 0.5

[[uncertainties]]
path = "treasury.election_cut_fraction_max"
low = 0.2
high = 0.6
"""


def test_a_future_that_raises_becomes_an_error_row(tmp_path: Path) -> None:
    report = sweep(write_spec(tmp_path, scenarios=30, extra=ERRORS), tmp_path / "out", workers=2)
    frame = table(tmp_path / "out")
    errors = frame[frame["status"] == "error"]
    bad = frame["treasury.election_cut_fraction_min"] > frame["treasury.election_cut_fraction_max"]
    assert len(frame) == 60
    assert report.errors == len(errors) > 0
    assert (errors.index == frame.index[bad]).all()
    assert errors["error"].str.contains("election_cut_fraction_min").all()
    assert errors["verdict"].isna().all()
    assert frame.loc[~bad, "status"].eq("ok").all()


def test_timelines_are_stored_per_future(tmp_path: Path) -> None:
    sweep(write_spec(tmp_path, scenarios=4, timelines=True), tmp_path / "out", workers=1)
    timelines = load_results(tmp_path / "out", "timelines")
    assert sorted(timelines["future"].unique().tolist()) == list(range(8))
    per_future = timelines.groupby("future")["time_days"].apply(lambda s: s.is_monotonic_increasing)
    assert per_future.all()
    counts = query(tmp_path / "out", "SELECT count(*) AS n FROM timelines")
    assert int(counts["n"].iloc[0]) == len(timelines)


# -- store: resume, debris, mismatches, kills ---------------------------------------------------------------
def test_resume_runs_only_missing_shards_and_removes_debris(tmp_path: Path) -> None:
    spec = write_spec(tmp_path)
    sweep(spec, tmp_path / "out", workers=1)
    whole = table(tmp_path / "out")
    (tmp_path / "out" / "futures" / "part-00000002.parquet").unlink()
    debris = tmp_path / "out" / "futures" / ".part-00000003.parquet.tmp-999"
    debris.write_bytes(b"half a file")
    report = resume(tmp_path / "out", workers=1)
    assert report.shards_run == 1
    assert report.shards_skipped == report.shards - 1
    assert report.debris_removed == 1
    assert not debris.exists()
    pd.testing.assert_frame_equal(table(tmp_path / "out"), whole)
    again = resume(tmp_path / "out", workers=2)
    assert again.shards_run == 0


def test_a_different_spec_is_refused_in_the_same_directory(tmp_path: Path) -> None:
    sweep(write_spec(tmp_path, scenarios=4), tmp_path / "out", workers=1)
    with pytest.raises(SpecError) as info:
        sweep(write_spec(tmp_path, scenarios=6), tmp_path / "out", workers=1)
    assert info.value.path.startswith("manifest.")
    with pytest.raises(SpecError):
        resume(tmp_path / "missing")


def test_manifest_records_the_sweep(tmp_path: Path) -> None:
    sweep(write_spec(tmp_path, scenarios=4), tmp_path / "out", workers=1)
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text())
    for key in ("sovsim_version", "spec", "spec_hash", "seed", "shard_size", "futures", "created"):
        assert key in manifest
    assert manifest["futures"] == 8
    assert manifest["shard_size"] == 5


def _sweep_command(spec: Path, out: Path, workers: int) -> list[str]:
    return [sys.executable, "-c", "from sovsim.cli import main; main()", "sweep", str(spec), "--out", str(out),
            "--workers", str(workers), "--quiet"]


@pytest.mark.parametrize("workers", [1, 2])
def test_sigkill_half_way_then_resume_gives_the_same_table(tmp_path: Path, workers: int) -> None:
    spec = write_spec(tmp_path, scenarios=60, shard_size=2)
    sweep(spec, tmp_path / "clean", workers=2)
    out = tmp_path / "killed"
    proc = subprocess.Popen(_sweep_command(spec, out, workers), start_new_session=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    parts = out / "futures"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        done = len(list(parts.glob("part-*.parquet"))) if parts.is_dir() else 0
        if done >= 10 or proc.poll() is not None:
            break
        time.sleep(0.02)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    finished = len(Store(out).finished())  # a part whose record was not written yet is run again
    assert 0 < finished < 60, "the kill should land half-way"
    report = resume(out, workers=2)
    assert report.shards_skipped == finished
    assert report.shards_run == 60 - finished
    result = table(out)
    assert result["future"].tolist() == list(range(120))  # nothing lost, nothing duplicated
    pd.testing.assert_frame_equal(result, table(tmp_path / "clean"))


# -- queries and the command line -------------------------------------------------------------------------
def test_query_command_outputs(tmp_path: Path) -> None:
    sweep(write_spec(tmp_path, scenarios=4), tmp_path / "out", workers=1)
    runner = CliRunner()
    sql = "SELECT policy, count(*) AS n FROM futures GROUP BY policy ORDER BY policy"
    as_json = runner.invoke(main, ["query", str(tmp_path / "out"), sql, "--json"])
    assert as_json.exit_code == 0
    assert json.loads(as_json.output) == [{"policy": "pay-premium", "n": 4}, {"policy": "status-quo", "n": 4}]
    as_csv = runner.invoke(main, ["query", str(tmp_path / "out"), sql, "--csv"])
    assert as_csv.output.splitlines() == ["policy,n", "pay-premium,4", "status-quo,4"]
    pretty = runner.invoke(main, ["query", str(tmp_path / "out"), sql])
    assert "pay-premium" in pretty.output
    bad = runner.invoke(main, ["query", str(tmp_path / "out"), "SELECT nosuch FROM futures"])
    assert bad.exit_code == 2
    assert "nosuch" in bad.output
    nodir = runner.invoke(main, ["query", str(tmp_path / "nowhere"), sql])
    assert nodir.exit_code == 2


def test_sweep_command_scenarios_override_and_resume(tmp_path: Path) -> None:
    runner = CliRunner()
    spec = write_spec(tmp_path, scenarios=50)
    first = runner.invoke(main, ["sweep", str(spec), "--out", str(tmp_path / "out"), "--scenarios", "3",
                                 "--workers", "1", "--quiet"])
    assert first.exit_code == 0, first.output
    assert "6 futures" in first.output
    again = runner.invoke(main, ["sweep", "--resume", str(tmp_path / "out"), "--quiet"])
    assert again.exit_code == 0, again.output
    assert "already done" in again.output
    neither = runner.invoke(main, ["sweep"])
    assert neither.exit_code == 2
    no_out = runner.invoke(main, ["sweep", str(spec)])
    assert no_out.exit_code == 2
    assert "--out" in no_out.output
