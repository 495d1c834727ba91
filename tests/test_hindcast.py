"""Hindcasts: forecasts read correctly from result rows, skill arithmetic, and recovery of synthetic cases."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

from sovsim.cli import main
from sovsim.hindcast.cases import case_from_row, load_case
from sovsim.hindcast.report import reliability, write_hindcast_report
from sovsim.hindcast.run import case_record, hindcast, simulate_case
from sovsim.hindcast.skill import brier, forecast, loo_base_rates, skill

RECOVERY_CASE = "sahabat-ai"  # the shortest window (≈14 months): the cheapest futures


def _rows(first, second, verdicts, horizon=3.0, production=None):
    n = len(first)
    return pd.DataFrame({"status": ["ok"] * n, "first_release_years": first, "second_release_years": second,
                         "verdict": verdicts, "horizon_years": [horizon] * n,
                         "years_in_production": production or [0.0] * n})


def test_forecast_reads_each_observable_from_the_rows():
    rows = _rows(first=[0.5, 1.0, None, 0.5], second=[1.0, None, None, None],
                 verdicts=["alive", "stale", "alive", "alive"], horizon=2.0, production=[0.0, 0.5, 0.0, 0.0])
    f = forecast(rows)
    # second within 24 months: future 0 yes; future 1 died (window closed) no; future 3 alive with first+2y > 2y:
    # undecided; future 2 never released: not counted
    assert f["second_release_within_24m"] == pytest.approx(1 / 2)
    assert f["ended"] == pytest.approx(1 / 4)
    assert f["production_service"] == pytest.approx(1 / 4)
    assert f["first_release_by_cutoff"] == pytest.approx(3 / 4)
    assert f["first_release_months"]["p10"] == pytest.approx(6.0)
    assert f["first_release_months"]["p90"] is None  # the unreleased future lies beyond the cutoff
    assert f["pivoted"] == 0.0  # no pivots column: no pivot


def test_brier_and_leave_one_out_base_rate_exact():
    assert brier([1.0, 0.0], [True, False]) == 0.0
    assert brier([0.5, 0.5], [True, False]) == pytest.approx(0.25)
    assert loo_base_rates([True, True, False]) == pytest.approx([0.5, 0.5, 1.0])


@given(st.lists(st.booleans(), min_size=2, max_size=30))
def test_base_rate_forecast_never_uses_the_case_itself(outcomes):
    rates = loo_base_rates(outcomes)
    for i in range(len(outcomes)):
        others = outcomes[:i] + outcomes[i + 1:]
        assert rates[i] == pytest.approx(sum(others) / len(others))
    # leave-one-out can only make the base rate worse than the in-sample share (a known penalty)
    share = sum(outcomes) / len(outcomes)
    assert brier(rates, outcomes) >= brier([share] * len(outcomes), outcomes) - 1e-12


def test_skill_counts_coverage_and_skips_unknowns():
    def rec(case, months, band, ended_obs, ended_p):
        p10, p25, p50, p75, p90 = band
        return {"case": case, "observed": {"first_release_months": months, "second_release_within_24m": None,
                                           "pivoted": None, "production_service": None, "ended": ended_obs},
                "predicted": {"first_release_months": {"p10": p10, "p25": p25, "p50": p50, "p75": p75,
                                                       "p90": p90},
                              "second_release_within_24m": 0.5, "pivoted": 0.0, "production_service": 0.0,
                              "ended": ended_p}}
    records = [rec("a", 10.0, (5, 8, 10, 12, 15), False, 0.1), rec("b", 20.0, (5, 8, 10, 12, None), True, 0.9),
               rec("c", None, (5, 8, 10, 12, 15), False, 0.2)]
    s = skill(records)
    # case c released nothing by its cutoff: outside bands that end before the cutoff
    assert s["coverage"] == {"n": 3, "interval_50": pytest.approx(1 / 3, abs=1e-4),
                             "interval_80": pytest.approx(2 / 3, abs=1e-4)}
    assert s["brier"]["ended"]["n"] == 3
    assert s["brier"]["ended"]["model"] == pytest.approx((0.01 + 0.01 + 0.04) / 3)
    assert s["brier"]["pivoted"]["n"] == 0
    assert s["first_release_months_median"] == {"observed": 15.0, "simulated": 10.0}


@pytest.fixture(scope="module")
def recovery(tmp_path_factory):
    """Predicted futures of the case (seed 0) and independent 'true' futures drawn the same way (seed 1)."""
    case = load_case(RECOVERY_CASE)
    root = tmp_path_factory.mktemp("recovery")
    predicted = simulate_case(case, 200, 0, root / "predicted", workers=1)
    truths = simulate_case(case, 40, 1, root / "truths", workers=1)
    return case, predicted, truths


def test_synthetic_cases_from_sovsim_output_are_recovered(recovery):
    case, predicted, truths = recovery
    records = [case_record(case_from_row(case, row, f"synthetic-{i}"), predicted)
               for i, row in enumerate(truths.to_dict("records"))]
    s = skill(records)
    n = s["coverage"]["n"]
    assert n == len(truths)  # a truth with no release by the cutoff counts too (censored)
    # exchangeable draws fall inside a central 80 % band with probability 0.8 (a little more with ties at
    # the band's ends); one-sided 99 % binomial bound for n cases
    assert s["coverage"]["interval_80"] >= 0.8 - 2.33 * math.sqrt(0.8 * 0.2 / n)
    assert s["coverage"]["interval_50"] >= 0.5 - 2.33 * math.sqrt(0.5 * 0.5 / n)
    # yes/no outcomes: the observed share of the truths agrees with the forecast within three binomial sigmas
    for outcome in ("ended", "production_service"):
        p = records[0]["predicted"][outcome]
        observed = np.mean([r["observed"][outcome] for r in records])
        assert abs(observed - p) <= 3 * math.sqrt(max(p * (1 - p), 0.01) / len(records)) + 0.02


def test_hindcast_json_schema_and_report(tmp_path):
    result = CliRunner().invoke(main, ["hindcast", RECOVERY_CASE, "--futures", "12", "--workers", "1", "--json",
                                       "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)  # exactly one JSON object
    (entry,) = data["cases"]
    assert set(entry) >= {"case", "name", "country", "start_date", "cutoff_date", "observed", "predicted"}
    assert set(entry["observed"]) == {"first_release_months", "second_release_within_24m", "pivoted",
                                      "production_service", "ended"}
    assert set(entry["predicted"]["first_release_months"]) >= {"p10", "p50", "p90"}
    assert set(data["skill"]) >= {"brier", "coverage", "first_release_months_median"}
    assert (tmp_path / "hindcast.html").read_text().count("<img") == 2
    # the same seed gives the same forecast through the library, bit for bit
    again = hindcast([RECOVERY_CASE], futures=12, seed=0, workers=1)
    assert again["cases"][0]["predicted"] == entry["predicted"]


def test_reliability_bins_pool_all_outcomes(tmp_path):
    records = [{"case": "x", "observed": {"second_release_within_24m": True, "pivoted": False,
                                          "production_service": None, "ended": False, "first_release_months": 3.0},
                "predicted": {"second_release_within_24m": 0.9, "pivoted": 0.1, "production_service": 0.5,
                              "ended": 0.15,
                              "first_release_months": {"p10": 1, "p25": 1.5, "p50": 2, "p75": 3, "p90": 4}}}]
    bins = reliability(records)
    assert [b["n"] for b in bins] == [2, 1]
    assert bins[0]["observed"] == 0.0 and bins[1]["observed"] == 1.0
    result = {"cases": [dict(records[0], name="x", country="y", start_date="2020-01-01",
                             cutoff_date="2021-01-01")], "skill": skill(records), "futures_per_case": 1, "seed": 0}
    assert write_hindcast_report(result, tmp_path).is_file()


def test_pivoted_counts_a_move_onto_open_weights_only():
    from sovsim.hindcast.skill import pivoted_to_open_weights

    rows = pd.DataFrame({"pivots": [0, 1, 1, 2, 1], "final_strategy": ["scratch", "continue", "scratch", "finetune",
                                                                          "finetune"]})
    # a pivot back to scratch (supply_stop) leaves the programme on its own base: not a pivot to open weights
    assert pivoted_to_open_weights(rows).tolist() == [False, True, False, True, True]
    assert pivoted_to_open_weights(rows.drop(columns="final_strategy")).tolist() == [False, True, True, True, True]
    assert pivoted_to_open_weights(rows.drop(columns=["pivots", "final_strategy"])).tolist() == [False] * 5
    with_rows = _rows([1.0] * 5, [None] * 5, ["alive"] * 5).join(rows)
    assert forecast(with_rows)["pivoted"] == pytest.approx(3 / 5)
