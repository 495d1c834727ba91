"""The ``sovsim`` command, driven in-process with click's CliRunner."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

import sovsim
from sovsim.cli import main
from sovsim.model.records import DAYS_PER_MONTH, ROW_FIELDS, TIMELINE_FIELDS
from sovsim.scenario import load_scenario, presets, scenario_from_dict

DOCS = Path(__file__).resolve().parents[1] / "docs"
SHORT = ["--set", "calendar.horizon_years=2"]


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def flat(text: str) -> str:
    """Output with the terminal's line wrapping undone."""
    return " ".join(text.split())


# -- run -------------------------------------------------------------------------------------------------------

def test_run_json_prints_exactly_one_object(runner):
    result = runner.invoke(main, ["run", "--seed", "1", "--json", *SHORT])
    assert result.exit_code == 0, result.output
    row = json.loads(result.stdout)
    assert isinstance(row, dict)
    assert list(row) == list(ROW_FIELDS)
    assert row["seed"] == 1
    assert row["future"] == 0
    assert result.stdout.count("\n") == 1


def test_run_json_equals_the_library_row(runner):
    result = runner.invoke(main, ["run", "--seed", "3", "--future", "2", "--json", *SHORT])
    assert result.exit_code == 0, result.output
    scenario = load_scenario(overrides=["calendar.horizon_years=2"])
    expected = sovsim.run(scenario, seed=3, future=2).row
    assert json.loads(result.stdout) == json.loads(json.dumps(expected))


def test_run_narrative_shows_the_verdict_and_the_summary(runner):
    result = runner.invoke(main, ["run", "--seed", "1", *SHORT])
    assert result.exit_code == 0, result.output
    out = flat(result.output)
    assert "midsize-nation · seed 1 · future 0" in out
    assert "Verdict:" in out
    assert "Summary" in out
    for label in ("releases", "total cost", "appropriations received", "final cash", "hires / quits"):
        assert label in out
    assert "order #1: 512 H100" in out


def test_run_narrative_names_the_verdict_of_the_row(runner):
    result = runner.invoke(main, ["run", "--seed", "1", "--json", *SHORT])
    row = json.loads(result.stdout)
    narrative = flat(runner.invoke(main, ["run", "--seed", "1", *SHORT]).output)
    assert f"Verdict: {row['verdict'].upper()}" in narrative
    if row["verdict"] != "alive":
        assert row["death_date"] in narrative
        assert "Root cause:" in narrative


def test_run_a_scenario_file(runner, tmp_path):
    path = tmp_path / "island.toml"
    path.write_text("[calendar]\nhorizon_years = 1.0\n[compute]\ngpu_count = 0\n", encoding="utf-8")
    result = runner.invoke(main, ["run", str(path), "--json"])
    assert result.exit_code == 0, result.output
    row = json.loads(result.stdout)
    assert row["scenario"] == "island"
    assert row["capex_usd"] == 0
    assert row["horizon_years"] == 1.0


def test_unknown_field_exits_2_naming_the_field(runner):
    result = runner.invoke(main, ["run", "--set", "staff.no_such_field=1"])
    assert result.exit_code == 2
    assert "staff.no_such_field" in flat(result.output)
    assert "unknown field" in flat(result.output)
    assert result.stdout == ""


def test_bad_value_exits_2_naming_field_value_and_allowed(runner):
    result = runner.invoke(main, ["run", "--set", "staff.salary_premium=-3"])
    assert result.exit_code == 2
    out = flat(result.output)
    assert "staff.salary_premium" in out
    assert "-3.0" in out
    assert "a number > 0 and ≤ 20" in out


def test_malformed_set_exits_2(runner):
    result = runner.invoke(main, ["run", "--set", "staff.salary_premium"])
    assert result.exit_code == 2
    assert "PATH=VALUE" in flat(result.output)


def test_bad_preset_exits_2(runner):
    result = runner.invoke(main, ["run", "nope"])
    assert result.exit_code == 2
    out = flat(result.output)
    assert "nope" in out
    assert "midsize-nation" in out


def test_negative_seed_is_refused_by_the_option(runner):
    result = runner.invoke(main, ["run", "--seed", "-1"])
    assert result.exit_code == 2


# -- timelines --------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("suffix", [".parquet", ".csv"])
def test_timeline_files_are_readable_monthly_tables(runner, tmp_path, suffix):
    path = tmp_path / f"out{suffix}"
    result = runner.invoke(main, ["run", "--seed", "2", "--json", "--timeline", str(path), *SHORT])
    assert result.exit_code == 0, result.output
    row = json.loads(result.stdout)
    frame = pd.read_parquet(path) if suffix == ".parquet" else pd.read_csv(path)
    roles = list(load_scenario().staff.roles)
    assert list(frame.columns) == [*TIMELINE_FIELDS, *(f"staff_{r}" for r in roles)]
    times = frame["time_days"].tolist()
    assert times[0] == 0
    for k, t in enumerate(times[:-1]):
        assert t == pytest.approx(k * DAYS_PER_MONTH)
    end_years = row["death_time_years"] if row["death_time_years"] is not None else row["horizon_years"]
    assert times[-1] / 365.25 == pytest.approx(end_years)
    assert (frame["headcount"] == sum(frame[f"staff_{r}"] for r in roles)).all()


def test_timeline_with_another_suffix_exits_2_and_writes_nothing(runner, tmp_path):
    path = tmp_path / "out.txt"
    result = runner.invoke(main, ["run", "--timeline", str(path)])
    assert result.exit_code == 2
    assert ".parquet or .csv" in flat(result.output)
    assert not path.exists()


def test_timeline_path_is_reported_in_the_narrative(runner, tmp_path):
    path = tmp_path / "t.csv"
    result = runner.invoke(main, ["run", "--timeline", str(path), *SHORT])
    assert result.exit_code == 0, result.output
    assert "Timeline written to" in result.output
    assert path.is_file()


# -- presets, scenario, reference, version ---------------------------------------------------------------------

def test_presets_lists_midsize_nation_with_its_description(runner):
    result = runner.invoke(main, ["presets"])
    assert result.exit_code == 0, result.output
    out = flat(result.output)
    assert "midsize-nation" in out
    assert "(default)" in out
    description = presets()["midsize-nation"]
    assert description
    assert all(word in out for word in description.split())


def test_scenario_prints_toml_that_loads_back(runner):
    result = runner.invoke(main, ["scenario"])
    assert result.exit_code == 0, result.output
    assert scenario_from_dict(tomllib.loads(result.stdout)) == load_scenario()


def test_scenario_with_overrides_prints_the_resolved_values(runner):
    result = runner.invoke(main, ["scenario", "--set", "staff.salary_premium=1.5",
                                  "--set", "staff.roles.newrole.target_fte=3"])
    assert result.exit_code == 0, result.output
    loaded = scenario_from_dict(tomllib.loads(result.stdout))
    assert loaded == load_scenario(overrides=["staff.salary_premium=1.5", "staff.roles.newrole.target_fte=3"])
    assert loaded.staff.salary_premium == 1.5
    assert "newrole" in loaded.staff.roles


def test_scenario_with_a_bad_override_exits_2(runner):
    result = runner.invoke(main, ["scenario", "--set", "model.strategy=bogus"])
    assert result.exit_code == 2
    assert "model.strategy" in flat(result.output)
    assert "bogus" in flat(result.output)


@pytest.mark.parametrize(("page", "file"), [("scenario", "scenario-reference.md"), ("records", "records.md")])
def test_reference_pages_match_the_committed_docs(runner, page, file):
    committed = DOCS / file
    if not committed.is_file():
        pytest.skip(f"docs/{file} not generated yet")
    result = runner.invoke(main, ["reference", page])
    assert result.exit_code == 0, result.output
    assert result.stdout == committed.read_text(encoding="utf-8")


def test_reference_scenario_documents_every_field(runner):
    result = runner.invoke(main, ["reference", "scenario"])
    assert result.exit_code == 0, result.output
    for path in ("calendar.horizon_years", "treasury.election_cut_probability", "staff.salary_premium",
                 "staff.roles.<name>.target_fte", "model.strategy", "compute.gpu_count", "energy.pue"):
        assert f"`{path}`" in result.stdout


def test_reference_records_documents_every_record_field(runner):
    result = runner.invoke(main, ["reference", "records"])
    assert result.exit_code == 0, result.output
    for name in [*ROW_FIELDS, *TIMELINE_FIELDS]:
        assert f"`{name}`" in result.stdout


def test_version(runner):
    result = runner.invoke(main, ["--version"])
    assert result.exit_code == 0
    assert result.output == f"sovsim, version {sovsim.__version__}\n"


def test_help_lists_the_commands(runner):
    result = runner.invoke(main, ["--help"])
    assert result.exit_code == 0
    for command in ("run", "presets", "scenario", "reference"):
        assert command in result.output
