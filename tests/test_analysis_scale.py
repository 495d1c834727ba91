"""Analysis at scale: only the columns used are read, counts by groups agree with per-row counting, and the
subsampled fits still count their results over every future."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from test_sweep import write_spec

import sovsim
from sovsim.analysis.cart import cart
from sovsim.analysis.causes import aalen_johansen, causes, normalise_cause, root_causes
from sovsim.analysis.data import analysis_columns, columns_named, load, read_futures
from sovsim.analysis.sensitivity import feature_scores
from sovsim.sweep import load_results, sweep
from sovsim.sweep.compact import compact


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("scale")
    sweep(write_spec(folder, scenarios=12, shard_size=4), folder / "out", workers=1)
    return folder / "out"


def test_the_analysis_reads_only_ids_times_uncertainties_and_what_the_outcome_names(store: Path) -> None:
    default = analysis_columns(store)
    assert {"future", "policy", "status", "verdict", "death_time_years", "horizon_years", "root_cause",
            "staff.attrition_per_year", "model.strategy", "staff.roles.research.target_fte"} <= set(default)
    assert "total_cost_usd" not in default and "error" not in default
    named = analysis_columns(store, "total_cost_usd > 1e8 and `staff.attrition_per_year` > 0.1")
    assert set(named) - set(default) == {"total_cost_usd"}
    loaded = load(store, columns=named)
    assert list(loaded.all_futures.columns) == named
    result = sovsim.analyze(store, outcome="total_cost_usd > 1e8")
    every = load_results(store)
    every = every[every["status"] == "ok"].reset_index(drop=True)
    assert result.outcome.tolist() == (every["total_cost_usd"] > 1e8).tolist()


@given(st.sampled_from(["verdict", "death_time_years", "staff.attrition_per_year", "total_cost_usd"]),
       st.sampled_from(["{}", '"{}"', "`{}`", "({} )", "not {}"]))
def test_a_named_column_is_always_found(column: str, form: str) -> None:
    columns = ["verdict", "death_time_years", "staff.attrition_per_year", "total_cost_usd", "attrition_per_year"]
    found = columns_named(f"x > 1 and {form.format(column)} = 2", columns)
    assert column in found
    assert "attrition_per_year" not in found  # a dotted name's tail is not a column of its own


def test_arrow_reading_gives_the_table_duckdb_gives_before_and_after_compaction(store: Path, tmp_path: Path) -> None:
    expected = load_results(store)
    pd.testing.assert_frame_equal(read_futures(store), expected, check_dtype=False)
    import shutil

    copy = tmp_path / "copy"
    shutil.copytree(store, copy)
    compact(copy, rows_per_part=10, row_group_rows=4)
    pd.testing.assert_frame_equal(read_futures(copy), expected, check_dtype=False)
    columns = ["future", "verdict"]
    pd.testing.assert_frame_equal(read_futures(copy, columns), expected[columns], check_dtype=False)


def _root_causes_per_row(futures: pd.DataFrame, top: int = 5) -> pd.DataFrame:
    """The per-row reference: every future's cause normalised on its own, then counted."""
    dead = futures[futures["verdict"] != "alive"]
    rows = []
    for verdict, group in dead.groupby("verdict", sort=True):
        normal = group["root_cause"].map(normalise_cause)
        counts = normal.value_counts(sort=False)
        first = {c: int(np.flatnonzero((normal == c).to_numpy())[0]) for c in counts.index}
        ranked = sorted(counts.index, key=lambda c: (-counts[c], first[c]))[:top]
        for cause in ranked:
            example = group["root_cause"].iloc[first[cause]]
            rows.append({"verdict": verdict, "root_cause": cause or "(none recorded)", "futures": int(counts[cause]),
                         "share_of_verdict": counts[cause] / len(group), "example": example or ""})
    return pd.DataFrame(rows, columns=["verdict", "root_cause", "futures", "share_of_verdict", "example"])


CAUSES = ["election 2029 cut the budget 25%", "election 2031 cut the budget 40%", "frontier jump +0.13 decades",
          "poaching wave: quit hazard ×2.5 for 6 months", "", None, "H100 export licence denied #3"]


@given(st.lists(st.tuples(st.sampled_from(["alive", "stale", "defunded", "hollowed"]), st.sampled_from(CAUSES)),
                min_size=1, max_size=60), st.integers(1, 4))
def test_root_causes_by_groups_equal_counting_each_future(rows: list[tuple[str, str | None]], top: int) -> None:
    frame = pd.DataFrame(rows, columns=["verdict", "root_cause"])
    pd.testing.assert_frame_equal(root_causes(frame, top), _root_causes_per_row(frame, top), check_dtype=False)


@given(st.lists(st.tuples(st.sampled_from(["a", "b"]), st.sampled_from(["alive", "stale", "defunded", "hollowed"]),
                          st.integers(1, 12)), min_size=1, max_size=80))
def test_incidence_from_shared_groups_equals_the_estimate_of_each_cause(rows: list[tuple[str, str, int]]) -> None:
    frame = pd.DataFrame(rows, columns=["policy", "verdict", "months"])
    frame["death_time_years"] = np.where(frame["verdict"] == "alive", np.nan, frame["months"] / 12)
    frame["horizon_years"] = 1.0
    frame["root_cause"] = ""
    result = causes(frame)
    for policy, group in frame.groupby("policy", sort=False):
        died = (group["verdict"] != "alive").to_numpy()
        time = np.where(died, group["death_time_years"], 1.0)
        labels = np.where(died, group["verdict"], "")
        for verdict, cif in result.incidence[str(policy)].items():
            alone = aalen_johansen(time, labels, verdict)
            np.testing.assert_allclose(cif.incidence, alone.incidence, atol=1e-12)
            np.testing.assert_allclose(cif.variance, alone.variance, atol=1e-12, equal_nan=True)


def _planted(rows: int, seed: int = 3) -> tuple[pd.DataFrame, pd.Series]:
    rng = np.random.default_rng(seed)
    x = pd.DataFrame({"a": rng.random(rows), "b": rng.random(rows), "noise": rng.random(rows)})
    y = pd.Series(np.where((x["a"] > 0.6) & (x["b"] < 0.5), rng.random(rows) < 0.9, rng.random(rows) < 0.05))
    return x, y


def test_a_tree_fitted_on_a_subsample_counts_its_leaves_over_every_future() -> None:
    x, y = _planted(20_000)
    full = cart(x, y)
    sub = cart(x, y, max_rows=4_000)
    assert sub.leaves["futures"].sum() == len(y)
    assert sub.leaves["cases"].sum() == int(y.sum())
    # the planted box is found either way: the densest leaf holds it, within sampling error of the full fit
    assert sub.leaves["density"].iloc[0] == pytest.approx(full.leaves["density"].iloc[0], abs=0.03)
    assert re.search(r"\ba\b", sub.leaves["rule"].iloc[0]) and re.search(r"\bb\b", sub.leaves["rule"].iloc[0])
    assert sub.accuracy == pytest.approx(full.accuracy, abs=0.01)


def test_feature_scores_on_a_subsample_rank_the_planted_columns_first_and_say_so() -> None:
    x, y = _planted(20_000)
    scores = feature_scores(x, y, max_rows=5_000)
    assert set(scores.table["uncertainty"].iloc[:2]) == {"a", "b"}
    assert scores.notes and "5,000 of the 20,000" in scores.notes[0]


def test_feature_scores_do_not_depend_on_how_many_cores_grow_the_trees() -> None:
    """The forest grows its trees on every core; each tree is seeded before, so the scores are those of one core."""
    from unittest import mock

    from sklearn.ensemble import ExtraTreesClassifier

    x, y = _planted(6_000)
    every_core = feature_scores(x, y, trees=20)

    def one_core(*args: object, **kwargs: object) -> ExtraTreesClassifier:
        return ExtraTreesClassifier(*args, **{**kwargs, "n_jobs": 1})  # type: ignore[arg-type]

    with mock.patch("sklearn.ensemble.ExtraTreesClassifier", one_core):
        single = feature_scores(x, y, trees=20)
    pd.testing.assert_frame_equal(every_core.table, single.table, check_exact=True)
