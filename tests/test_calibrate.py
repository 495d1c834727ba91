"""Calibration: history matching recovers a known parameter from synthetic cases; ranges files round-trip."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from sovsim.cli import main
from sovsim.hindcast.calibrate import Prior, calibrate, ranges_toml
from sovsim.hindcast.cases import case_from_row, load_case
from sovsim.hindcast.run import read_ranges, simulate_case
from sovsim.sweep.spec import SpecError, load_spec

TRUE_DATA_PREP_DAYS = 240.0
PRIOR = Prior("model.data_prep_days", 30.0, 360.0, "test prior")


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory):
    """Eight programmes like Minerva whose data preparation really took 240 days, and the calibration on them."""
    case = load_case("minerva")
    root = tmp_path_factory.mktemp("calibrate")
    truth = [{"path": PRIOR.path, "kind": "real", "low": TRUE_DATA_PREP_DAYS, "high": TRUE_DATA_PREP_DAYS}]
    rows = simulate_case(case, 8, 11, root / "truth", ranges=truth, workers=1)
    cases = [case_from_row(case, row, f"syn-{i}") for i, row in enumerate(rows.to_dict("records"))]
    return calibrate(cases, priors=[PRIOR], futures_per_case=40, seed=3, candidates=400, out=root / "fit",
                     workers=1, loo=False)


def test_calibration_recovers_a_known_parameter_within_its_credible_interval(synthetic):
    (post,) = synthetic["posterior"]
    assert post["low"] <= TRUE_DATA_PREP_DAYS <= post["high"]
    # and it learned something: the 90 % range is narrower than the prior's
    assert post["high"] - post["low"] < 0.9 * (PRIOR.high - PRIOR.low)
    assert synthetic["cost"]["futures"] == 8 * 40


def test_posterior_predictive_is_no_worse_than_the_prior_on_months(synthetic):
    before = synthetic["prior_predictive"]["skill"]["coverage"]["interval_80"]
    after = synthetic["posterior_predictive"]["skill"]["coverage"]["interval_80"]
    assert after >= before - 0.125  # one case in eight of slack for the emulator's noise


def test_ranges_file_round_trips_and_a_sweep_spec_can_name_it(synthetic, tmp_path):
    ranges = tmp_path / "posterior.toml"
    ranges.write_text(ranges_toml(synthetic), encoding="utf-8")
    (entry,) = read_ranges(ranges)
    assert entry["path"] == PRIOR.path and entry["low"] == synthetic["posterior"][0]["low"]
    spec = tmp_path / "spec.toml"
    spec.write_text('[sweep]\nbase = "midsize-nation"\nscenarios = 4\nranges = "posterior.toml"\n\n'
                    '[[uncertainties]]\npath = "staff.attrition_per_year"\nlow = 0.05\nhigh = 0.2\n',
                    encoding="utf-8")
    loaded = load_spec(spec)
    assert [u.path for u in loaded.uncertainties] == ["staff.attrition_per_year", PRIOR.path]
    bad = tmp_path / "bad.toml"
    bad.write_text('[sweep]\nranges = "missing.toml"\n', encoding="utf-8")
    with pytest.raises(SpecError, match="sweep.ranges"):
        load_spec(bad)


def test_calibrate_command_writes_ranges_and_report(tmp_path):
    result = CliRunner().invoke(main, ["calibrate", "sahabat-ai", "jais", "--futures", "10", "--candidates", "200",
                                       "--workers", "1", "--out", str(tmp_path), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert {r["path"] for r in data["posterior"]} == {p["path"] for p in data["priors"]}
    assert "loo_posterior_predictive" in data
    assert read_ranges(tmp_path / "posterior.toml")
    assert (tmp_path / "calibration.html").is_file()


@pytest.mark.parametrize("text", ["model.data_prep_days=5", "model.data_prep_days=9,3", "model.nope=1,2",
                                  "model.data_prep_days=a,b"])
def test_malformed_prior_exits_2_naming_it(tmp_path, text):
    result = CliRunner().invoke(main, ["calibrate", "jais", "--prior", text, "--out", str(tmp_path)])
    assert result.exit_code == 2
    assert "prior" in result.output or "nope" in result.output
