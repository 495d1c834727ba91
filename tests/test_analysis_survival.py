"""Survival and causes: Kaplan–Meier by hand and against lifelines, Aalen–Johansen against lifelines and the
identity that the incidences and the survival add up to one, and the tables per policy."""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from sovsim.analysis.causes import aalen_johansen, causes, normalise_cause, root_causes, verdict_shares
from sovsim.analysis.survival import durations, kaplan_meier, survival_by_policy

lifelines = pytest.importorskip("lifelines")


def test_kaplan_meier_equals_a_hand_computed_example() -> None:
    # 8 futures: deaths at 1, 2, 3; three censored at 1.5, one at 2.5, one at 4 (the horizon)
    time = [1.0, 1.5, 1.5, 1.5, 2.0, 2.5, 3.0, 4.0]
    died = [True, False, False, False, True, False, True, False]
    km = kaplan_meier(time, died)
    assert km.times.tolist() == [0.0, 1.0, 1.5, 2.0, 2.5, 3.0, 4.0]
    assert km.at_risk.tolist() == [8, 8, 7, 4, 3, 2, 1]
    assert km.deaths.tolist() == [0, 1, 0, 1, 0, 1, 0]
    # S = 7/8, then × 3/4 = 21/32, then × 1/2 = 21/64 (all exact in binary)
    assert km.survival.tolist() == [1.0, 7 / 8, 7 / 8, 21 / 32, 21 / 32, 21 / 64, 21 / 64]
    greenwood = [Fraction(0), Fraction(1, 8 * 7), Fraction(1, 8 * 7), Fraction(1, 56) + Fraction(1, 4 * 3)]
    greenwood += [greenwood[-1], greenwood[-1] + Fraction(1, 2 * 1), greenwood[-1] + Fraction(1, 2)]
    np.testing.assert_allclose(km.greenwood, [float(g) for g in greenwood], rtol=1e-15)
    assert km.median == 3.0
    assert km.at([0.5, 1.0, 2.2, 3.9]).tolist() == [1.0, 7 / 8, 21 / 32, 21 / 64]
    assert math.isnan(km.at(4.5)[0])  # beyond the follow-up nothing is known
    # the log(-log) band at t = 2: exp(-exp(log(-log S) ∓ z √V / log S))
    s, v, z = 21 / 32, float(greenwood[3]), 1.959963984540054
    lower, upper = km.band_at(2.0)
    assert lower[0] == pytest.approx(math.exp(-math.exp(math.log(-math.log(s)) - z * math.sqrt(v) / math.log(s))),
                                     rel=1e-12)
    assert upper[0] == pytest.approx(math.exp(-math.exp(math.log(-math.log(s)) + z * math.sqrt(v) / math.log(s))),
                                     rel=1e-12)
    assert km.band_at(0.5)[0][0] == km.band_at(0.5)[1][0] == 1.0


def _lifelines_km(time: np.ndarray, died: np.ndarray):
    with np.errstate():  # lifelines changes NumPy's error state while it fits; keep it to this block
        return lifelines.KaplanMeierFitter().fit(time, died)


@pytest.mark.parametrize("seed", range(6))
def test_kaplan_meier_matches_lifelines_on_random_censored_data(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n = int(rng.integers(20, 400))
    time = rng.exponential(4.0, n)
    if seed % 2:
        time = np.round(time, 1)  # ties between deaths and censorings
    died = rng.random(n) < rng.uniform(0.3, 0.95)
    if seed == 5:
        died[np.argmax(time)] = True  # the curve reaches zero
    km = kaplan_meier(time, died)
    oracle = _lifelines_km(time, died)
    timeline = oracle.timeline
    np.testing.assert_allclose(km.at(timeline), oracle.survival_function_.iloc[:, 0], atol=1e-9, rtol=0)
    lower, upper = km.band_at(timeline)
    np.testing.assert_allclose(lower, oracle.confidence_interval_.iloc[:, 0], atol=1e-9, rtol=0)
    np.testing.assert_allclose(upper, oracle.confidence_interval_.iloc[:, 1], atol=1e-9, rtol=0)
    assert km.median == oracle.median_survival_time_


@pytest.mark.parametrize("seed", range(4))
def test_aalen_johansen_matches_lifelines(seed: int) -> None:
    rng = np.random.default_rng(100 + seed)
    n = 300
    time = rng.exponential(3.0, n)  # continuous: no ties, so lifelines does not jitter
    code = rng.choice([0, 1, 2, 3], n, p=[0.25, 0.35, 0.25, 0.15])
    code[np.argmax(time)] = 0
    names = np.array(["", "defunded", "hollowed", "stale"], dtype=object)[code]
    for k, verdict in ((1, "defunded"), (2, "hollowed"), (3, "stale")):
        with np.errstate():
            oracle = lifelines.AalenJohansenFitter(calculate_variance=True).fit(time, code, event_of_interest=k)
        mine = aalen_johansen(time, names, verdict)
        timeline = oracle.cumulative_density_.index.to_numpy()
        expected = oracle.cumulative_density_.iloc[:, 0].to_numpy()
        np.testing.assert_allclose(mine.at(timeline), expected, atol=1e-9, rtol=0)
        i = np.searchsorted(mine.times, timeline, side="right") - 1
        np.testing.assert_allclose(mine.variance[i], oracle.variance_.to_numpy(), atol=1e-12, rtol=0)
        band = oracle.confidence_interval_.to_numpy()
        positive = expected > 0
        np.testing.assert_allclose(mine.lower[i][positive], band.min(axis=1)[positive], atol=1e-9, rtol=0)
        np.testing.assert_allclose(mine.upper[i][positive], band.max(axis=1)[positive], atol=1e-9, rtol=0)


@given(st.lists(st.tuples(st.integers(1, 20), st.sampled_from(["", "defunded", "hollowed", "stale"])),
                min_size=1, max_size=80))
def test_incidences_and_survival_add_up_to_one(rows) -> None:
    time = np.array([t / 2 for t, _ in rows])  # many ties, which need no jitter here
    label = np.array([c for _, c in rows], dtype=object)
    km = kaplan_meier(time, label != "")
    total = sum(aalen_johansen(time, label, v).incidence for v in ("defunded", "hollowed", "stale"))
    np.testing.assert_allclose(total + km.survival, 1.0, atol=1e-12)
    for v in ("defunded", "hollowed", "stale"):
        cif = aalen_johansen(time, label, v)
        assert (np.diff(cif.incidence) >= -1e-15).all()
        assert ((cif.lower <= cif.incidence + 1e-12) & (cif.incidence <= cif.upper + 1e-12)).all()


def futures_frame() -> pd.DataFrame:
    return pd.DataFrame({
        "policy": ["a", "a", "a", "a", "b", "b", "b"],
        "verdict": ["alive", "stale", "hollowed", "stale", "alive", "alive", "defunded"],
        "death_time_years": [None, 1.0, 2.5, 4.0, None, None, 0.5],
        "horizon_years": [6.0] * 7,
        "root_cause": ["", "frontier jump +0.13 decades", "poaching wave: quit hazard ×2.5 for 6 months",
                       "frontier jump +0.4 decades", "", "", "election 2029 ended the programme's appropriation"],
    })


def test_alive_futures_are_censored_at_their_horizon() -> None:
    time, died = durations(futures_frame())
    assert time.tolist() == [6.0, 1.0, 2.5, 4.0, 6.0, 6.0, 0.5]
    assert died.tolist() == [False, True, True, True, False, False, True]


def test_survival_table_per_policy() -> None:
    result = survival_by_policy(futures_frame())
    table = result.table.set_index("policy")
    assert list(result.curves) == ["a", "b"]
    assert table.loc["a", "deaths"] == 3
    assert table.loc["a", "p_alive_1y"] == 0.75
    assert table.loc["a", "p_alive_3y"] == 0.5
    assert table.loc["a", "p_alive_5y"] == 0.25
    assert math.isnan(table.loc["a", "p_alive_10y"])  # beyond the 6-year horizon
    assert table.loc["a", "median_years"] == 2.5
    assert table.loc["b", "median_years"] == math.inf


def test_causes_shares_and_root_events() -> None:
    frame = futures_frame()
    shares = verdict_shares(frame)
    a = shares[shares.policy == "a"].set_index("verdict")["share"]
    assert a.to_dict() == {"alive": 0.25, "stale": 0.5, "hollowed": 0.25}
    roots = root_causes(frame)
    stale = roots[roots.verdict == "stale"]
    assert stale["root_cause"].tolist() == ["frontier jump # decades"]
    assert stale["futures"].tolist() == [2]
    assert stale["share_of_verdict"].tolist() == [1.0]
    result = causes(frame)
    assert set(result.incidence) == {"a", "b"}
    assert set(result.incidence["a"]) == {"defunded", "hollowed", "stale"}
    table = result.table.set_index(["policy", "verdict"])
    assert table.loc[("a", "stale"), "incidence"] == pytest.approx(0.5)
    assert table.loc[("b", "defunded"), "incidence"] == pytest.approx(1 / 3)


@pytest.mark.parametrize(("text", "expected"), [
    ("election 2029 cut the budget 25% ($6.0M → $4.5M a year)", "election # cut the budget #% ($#M → $#M a year)"),
    ("frontier jump +0.13 decades (open weights follow in 6 months)",
     "frontier jump # decades (open weights follow in # months)"),
    ("open weights overtook release 3 (2031-04-01)", "open weights overtook release # (#)"),
    ("spending above the appropriation", "spending above the appropriation"),
    ("export rule change #12: US capped → embargoed", "export rule change #: US capped → embargoed"),
    ("512 H100 delivered, 64 retired at end of life", "# H100 delivered, # retired at end of life"),
    ("a 12-month cadence outlasts the local edge", "a #-month cadence outlasts the local edge"),
    (None, ""),
])
def test_numbers_are_taken_out_of_root_causes(text, expected) -> None:
    assert normalise_cause(text) == expected
