"""``sovsim compare`` and ``sovsim.compare``: two scenarios on the same futures, paired, with intervals."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from click.testing import CliRunner

import sovsim
from sovsim.cli import main
from sovsim.comparison import ALIVE_AT_YEARS, Comparison
from sovsim.model.records import VERDICTS


def flat(text: str) -> str:
    return " ".join(text.split())


def numbers(value):
    """Every number in a nested JSON value, with its path."""
    if isinstance(value, dict):
        for key, sub in value.items():
            for path, x in numbers(sub):
                yield f"{key}.{path}" if path else key, x
    elif isinstance(value, list):
        for i, sub in enumerate(value):
            for path, x in numbers(sub):
                yield f"{i}.{path}" if path else str(i), x
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        yield "", value


@pytest.fixture(scope="module")
def lean_vs_midsize() -> dict:
    result = CliRunner().invoke(main, ["compare", "midsize-nation", "finetune-lean", "--futures", "24", "--seed", "5",
                                       "--workers", "2", "--json", "--quiet"])
    assert result.exit_code == 0, result.output
    assert result.stdout.count("\n") == 1
    return json.loads(result.stdout)


def test_json_is_one_object_with_a_b_and_difference(lean_vs_midsize):
    assert set(lean_vs_midsize) == {"a", "b", "difference"}
    assert lean_vs_midsize["a"]["scenario"] == "midsize-nation"
    assert lean_vs_midsize["b"]["scenario"] == "finetune-lean"
    for side in ("a", "b"):
        s = lean_vs_midsize[side]
        assert (s["futures"], s["seed"]) == (24, 5)
        for key in ("p_alive_5y", "median_total_cost_usd"):
            assert isinstance(s[key], float)
        low, high = s["p_alive_5y_ci"]
        assert 0.0 <= low <= s["p_alive_5y"] <= high <= 1.0
        assert list(s["verdicts"]) == list(VERDICTS)
        assert all(0.0 <= v <= 1.0 for v in s["verdicts"].values())
        assert sum(s["verdicts"].values()) == pytest.approx(1.0, abs=1e-12)
        cost_low, cost_high = s["median_total_cost_usd_ci"]
        assert 0.0 < cost_low <= s["median_total_cost_usd"] <= cost_high


def test_json_shares_agree_with_each_other(lean_vs_midsize):
    for side in ("a", "b"):
        s = lean_vs_midsize[side]
        alive = [s[f"p_alive_{y}y"] for y in ALIVE_AT_YEARS]
        assert alive == sorted(alive, reverse=True)
        # at the 10-year horizon, "not dead by year 10" is the alive verdict
        assert s["p_alive_10y"] == s["verdicts"]["alive"]
        assert s["deaths"] == round((1 - s["verdicts"]["alive"]) * s["futures"])
    d = lean_vs_midsize["difference"]
    for verdict in VERDICTS:
        expected = lean_vs_midsize["b"]["verdicts"][verdict] - lean_vs_midsize["a"]["verdicts"][verdict]
        assert d["verdicts"][verdict] == pytest.approx(expected, abs=1e-12)
        low, high = d["verdicts_ci"][verdict]
        assert low <= d["verdicts"][verdict] + 1e-12 and d["verdicts"][verdict] <= high + 1e-12


def test_comparison_with_itself_differs_by_exactly_zero_with_zero_width_intervals():
    result = sovsim.compare("rented-cloud", "rented-cloud", futures=30, seed=2, workers=1)
    assert result.rows_a.equals(result.rows_b)
    found = dict(numbers({k: v for k, v in result.as_dict()["difference"].items()
                          if k not in ("futures", "seed", "confidence")}))
    assert found  # the difference holds numbers at all
    assert all(x == 0 for x in found.values()), {k: x for k, x in found.items() if x != 0}


def test_futures_are_paired_by_index_and_seed_whatever_the_workers():
    one = sovsim.compare("midsize-nation", "vanity-pilot", futures=6, seed=11, workers=1)
    two = sovsim.compare("midsize-nation", "vanity-pilot", futures=6, seed=11, workers=2)
    assert one.rows_a.equals(two.rows_a)
    assert one.rows_b.equals(two.rows_b)
    assert one.as_dict() == two.as_dict()
    scenario = sovsim.load_scenario("vanity-pilot")
    for i in (0, 5):
        assert one.rows_b.iloc[i].to_dict() == sovsim.run(scenario, seed=11, future=i).row
    assert list(one.rows_a["future"]) == list(range(6))
    assert one.a["median_total_cost_usd"] == float(np.median(one.rows_a["total_cost_usd"]))


def test_a_slower_release_cadence_makes_stale_more_likely():
    # a 24-month cadence outlasts the local edge (≈11 months of trend) in every future that lives long enough
    result = sovsim.compare("midsize-nation", "midsize-nation", futures=60, seed=1,
                            set_b={"model.release_interval_months": 24.0})
    d = result.difference
    assert d["verdicts"]["stale"] > 0
    assert d["verdicts_ci"]["stale"][0] > 0
    assert d["p_alive_5y_ci"][1] < 0


def test_a_horizon_shorter_than_the_year_gives_null(tmp_path):
    result = CliRunner().invoke(main, ["compare", "midsize-nation", "finetune-lean", "--futures", "4", "--json",
                                       "--quiet", "--set-a", "calendar.horizon_years=4"])
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    for key in ("p_alive_5y", "p_alive_10y"):
        assert out["a"][key] is None
        assert out["a"][f"{key}_ci"] == [None, None]
        assert out["difference"][key] is None
    assert out["b"]["p_alive_5y"] is not None
    assert out["a"]["p_alive_3y"] is not None
    assert out["a"]["overrides"] == ["calendar.horizon_years=4"]


def test_terminal_table_shows_both_scenarios_and_the_difference():
    result = CliRunner().invoke(main, ["compare", "midsize-nation", "finetune-lean", "--futures", "6", "--quiet"],
                                env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    out = flat(result.output)
    for text in ("A: midsize-nation", "B: finetune-lean", "B − A (paired)", "P(alive) at 5 years",
                 "median death, years (among the dead)", "median total cost, $M", "6 paired futures", "vanity_pilot"):
        assert text in out


# -- errors ----------------------------------------------------------------------------------------------------

def test_unknown_scenario_names_the_side_the_value_and_the_presets():
    result = CliRunner().invoke(main, ["compare", "midsize-nation", "atlantis", "--futures", "2"])
    assert result.exit_code == 2
    out = flat(result.output)
    assert "B:" in out and "atlantis" in out and "finetune-lean" in out
    assert result.stdout == ""


def test_bad_override_names_the_option_the_field_and_what_is_allowed():
    result = CliRunner().invoke(main, ["compare", "midsize-nation", "midsize-nation", "--futures", "2",
                                       "--set-b", "staff.salary_premium=-3"])
    assert result.exit_code == 2
    out = flat(result.output)
    assert "--set-b" in out and "staff.salary_premium" in out and "-3.0" in out and "a number > 0" in out
    malformed = CliRunner().invoke(main, ["compare", "midsize-nation", "midsize-nation", "--set-a", "staff"])
    assert malformed.exit_code == 2
    assert "--set-a" in flat(malformed.output) and "PATH=VALUE" in flat(malformed.output)


@pytest.mark.parametrize("argv", [["--futures", "0"], ["--seed", "-1"], ["--workers", "0"]])
def test_out_of_range_options_exit_2_naming_the_option(argv):
    result = CliRunner().invoke(main, ["compare", "midsize-nation", "midsize-nation", *argv])
    assert result.exit_code == 2
    assert argv[0] in result.output


@pytest.mark.parametrize(("kwargs", "name"), [({"futures": 0}, "futures"), ({"seed": -1}, "seed"),
                                              ({"workers": 0}, "workers"), ({"futures": 2.5}, "futures"),
                                              ({"confidence": 1.0}, "confidence"), ({"resamples": 0}, "resamples")])
def test_library_refuses_bad_arguments_by_name(kwargs, name):
    with pytest.raises(ValueError, match=f"^{name}: .* allowed: "):
        sovsim.compare("midsize-nation", "midsize-nation", **kwargs)


def test_library_scenario_errors_name_the_side():
    with pytest.raises(sovsim.ScenarioError, match=r"^b\.staff\.salary_premium: .*-3"):
        sovsim.compare("midsize-nation", "midsize-nation", futures=1, set_b={"staff.salary_premium": -3.0})
    with pytest.raises(sovsim.ScenarioError, match=r"^a\.scenario: .*'atlantis'"):
        sovsim.compare("atlantis", "midsize-nation", futures=1)


# -- public API ------------------------------------------------------------------------------------------------

def test_compare_is_public_and_accepts_scenario_objects():
    from sovsim.comparison import compare

    assert "compare" in sovsim.__all__
    assert sovsim.compare is compare
    scenario = sovsim.load_scenario("midsize-nation", {"calendar.horizon_years": 1.0})
    result = sovsim.compare(scenario, scenario, futures=3, workers=1,
                            set_b={"treasury.appropriation_usd_per_year": 0.0})
    assert isinstance(result, Comparison)
    assert result.a["source"] == "midsize-nation"
    assert result.b["overrides"] == ["treasury.appropriation_usd_per_year=0.0"]
    assert all(math.isnan(result.a[f"p_alive_{y}y"]) for y in (3, 5, 10))
    assert len(result.rows_a) == len(result.rows_b) == 3
