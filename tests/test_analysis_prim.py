"""PRIM: agreement with EMA Workbench's PRIM as an oracle, recovery of a planted box, kernels against their
NumPy twins, box selection, restricted dimensions and quasi-p-values."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy import stats

from sovsim.analysis import prim_kernels as kernels
from sovsim.analysis import prim_sort
from sovsim.analysis.prim import Prim, PrimError, prim

with warnings.catch_warnings():
    # the workbench announces optional extras it cannot find when it is imported
    warnings.filterwarnings("ignore", message="ipyparallel not installed", category=UserWarning)
    warnings.filterwarnings("ignore", message="altair based interactive", category=ImportWarning)
    ema_prim = pytest.importorskip("ema_workbench.analysis.prim")

# EMA Workbench writes a pasted half-integer limit into an integer column of its box table, which pandas
# deprecates; the warning is the workbench's own.
EMA_INT_PASTE = "ignore:Setting an item of incompatible dtype:FutureWarning"


def planted(n: int, seed: int, floats: int = 4, ints: bool = False,
            cats: bool = False) -> tuple[pd.DataFrame, np.ndarray]:
    """Uniform inputs; the outcome is likely (85%) inside a box on a few of them and rare (10%) outside."""
    rng = np.random.default_rng(seed)
    x = pd.DataFrame(rng.random((n, floats)), columns=[f"x{i}" for i in range(floats)])
    inside = (x["x0"] > 0.55) & (x["x1"] < 0.45)
    if ints:
        x["k"] = rng.integers(0, 12, n)
        inside &= x["k"] >= 3
    if cats:
        x["c"] = rng.choice(["alpha", "beta", "gamma", "delta"], n)
        inside &= x["c"] != "beta"
    y = np.where(inside, rng.random(n) < 0.85, rng.random(n) < 0.10).astype(int)
    return x, y


def ema_box(x: pd.DataFrame, y: np.ndarray, **settings: float):
    return ema_prim.Prim(x, y, threshold=0.5, **settings).find_box()


@pytest.mark.filterwarnings(EMA_INT_PASTE)
@pytest.mark.parametrize(("n", "seed", "ints", "cats", "settings"), [
    (1000, 1, False, False, {}),
    (800, 2, True, False, {"peel_alpha": 0.1, "mass_min": 0.1}),
    (800, 3, False, True, {"paste_alpha": 0.1}),
    (800, 4, True, True, {"peel_alpha": 0.07}),
], ids=["floats", "integers", "categories", "mixed"])
def test_first_box_agrees_with_ema_workbench(n, seed, ints, cats, settings) -> None:
    x, y = planted(n, seed, ints=ints, cats=cats)
    oracle = ema_box(x, y, **settings)
    box = prim(x, y, **settings)
    # the box itself: same coverage and density, to 1e-6
    assert abs(box.coverage - oracle.coverage) <= 1e-6
    assert abs(box.density - oracle.density) <= 1e-6
    assert abs(box.mass - oracle.mass) <= 1e-6
    # the same limits, within one peel step of each dimension
    alpha = settings.get("peel_alpha", 0.05)
    mine = box.box_limits(restricted_only=False)
    for name in x.columns:
        theirs = oracle.box_lim[name]
        if name == "c":
            assert set(mine[name]) == set(theirs[0])
            continue
        step = alpha * float(x[name].max() - x[name].min())
        if name == "k":
            step = max(step, 1.0)
        assert abs(mine[name][0] - float(theirs[0])) <= step
        assert abs(mine[name][1] - float(theirs[1])) <= step
    # and in fact the whole trajectory and the quasi-p-values of the box
    theirs = oracle.peeling_trajectory
    assert len(box.trajectory) == len(theirs)
    np.testing.assert_allclose(box.trajectory["coverage"], theirs["coverage"], atol=1e-6, rtol=0)
    np.testing.assert_allclose(box.trajectory["density"], theirs["density"], atol=1e-6, rtol=0)
    assert list(box.trajectory["res_dim"]) == list(theirs["res_dim"])
    qp = box.quasi_p()
    assert set(qp) == set(oracle.qp[-1])
    for name, (lower, upper) in oracle.qp[-1].items():
        expected = [np.nan if v == -1 else v for v in (lower, upper)]
        np.testing.assert_allclose(qp[name], expected, rtol=1e-9)


def test_recovers_a_planted_box() -> None:
    rng = np.random.default_rng(7)
    n = 4000
    x = pd.DataFrame(rng.random((n, 6)), columns=[f"u{i}" for i in range(6)])
    x["mode"] = rng.choice(["own", "rent", "hybrid"], n)
    inside = x["u0"].between(0.2, 0.6) & (x["u1"] > 0.5) & (x["mode"] == "rent")
    y = np.where(inside, rng.random(n) < 0.9, rng.random(n) < 0.05).astype(int)
    box = prim(x, y)
    box.select(box.suggest())
    limits = box.box_limits()
    assert set(limits) == {"u0", "u1", "mode"}
    assert abs(limits["u0"][0] - 0.2) <= 0.03
    assert abs(limits["u0"][1] - 0.6) <= 0.03
    assert abs(limits["u1"][0] - 0.5) <= 0.03
    assert limits["u1"][1] == pytest.approx(x["u1"].max())
    assert limits["mode"] == ("rent",)
    # about as good as the planted box itself (whose coverage is bounded by the 5% noise outside it)
    assert box.coverage >= 0.95 * y[inside].sum() / y.sum()
    assert box.density >= 0.9 * y[inside].mean()
    assert box.significant()
    assert box.inside(x).sum() == box.trajectory["n"][box.selected]


def test_trajectory_statistics_are_consistent() -> None:
    x, y = planted(1500, 11, ints=True, cats=True)
    box = prim(x, y)
    t = box.trajectory
    assert t["coverage"][0] == 1.0
    assert t["density"][0] == pytest.approx(y.mean())
    np.testing.assert_allclose(t["coverage"], t["k"] / y.sum())
    np.testing.assert_allclose(t["density"], t["k"] / t["n"])
    np.testing.assert_allclose(t["mass"], t["n"] / len(y))
    peeled = t["n"].to_numpy()
    assert (np.diff(peeled[: int(np.argmin(peeled)) + 1]) < 0).all()  # peeling only shrinks the box
    assert t["mass"].min() >= 0.05
    for i in range(len(box)):
        assert box.inside(x, i).sum() == t["n"][i]
        assert y[box.inside(x, i)].sum() == t["k"][i]
        assert len(box.restricted(i)) == t["res_dim"][i]


def test_quasi_p_values_are_the_binomial_test_of_each_limit() -> None:
    x, y = planted(1200, 5)
    box = prim(x, y)
    i = box.suggest()
    inside = box.inside(x, i)
    t_box, h_box = int(inside.sum()), int(y[inside].sum())
    for name, (lower, upper) in box.quasi_p(i).items():
        lo, hi = box.box_limits(i)[name]
        for side, value in (("lower", lower), ("upper", upper)):
            if np.isnan(value):
                continue
            relaxed = inside.copy()
            others = np.ones(len(x), dtype=bool)
            for other, (a, b) in box.box_limits(i).items():
                if other != name:
                    others &= x[other].between(a, b).to_numpy()
            column = x[name].to_numpy()
            relaxed = others & ((column <= hi) if side == "lower" else (column >= lo))
            p = y[relaxed].mean()
            assert value == pytest.approx(stats.binomtest(h_box, t_box, p, alternative="greater").pvalue, rel=1e-9)


def test_quasi_p_values_do_not_depend_on_the_orders_kept_from_the_peeling() -> None:
    """Once counted, the box lets its sorted orders go; counting again sorts anew and gives the same values."""
    x, y = planted(1500, 11, ints=True, cats=True)
    box = prim(x, y)
    first = [box.quasi_p(i) for i in range(len(box))]
    assert box._sorted is None
    box.compute_quasi_p()
    assert [box.quasi_p(i) for i in range(len(box))] == first


def test_select_and_drop_restriction() -> None:
    x, y = planted(1000, 8)
    box = prim(x, y)
    last = box.selected
    assert last == len(box) - 1
    box.select(3)
    assert box.selected == 3
    assert box.coverage == pytest.approx(box.trajectory["coverage"][3])
    free = box.restricted()[0]
    new = box.drop_restriction(free)
    assert new == len(box) - 1 == box.selected
    assert free not in box.restricted()
    assert box.trajectory["n"][new] >= box.trajectory["n"][3]
    with pytest.raises(IndexError):
        box.select(len(box))
    with pytest.raises(PrimError):
        box.drop_restriction("no_such_column")


def test_restricting_the_dimensions_and_finding_a_second_box() -> None:
    x, y = planted(1000, 9)
    runner = Prim(x, y, include=["x1", "x2", "x3"])
    first = runner.find_box()
    assert set(first.restricted()) <= {"x1", "x2", "x3"}
    assert "x1" in first.restricted()
    second = runner.find_box()
    assert first.frozen
    with pytest.raises(PrimError):
        first.select(0)
    assert second.trajectory["n"][0] == len(y) - first.trajectory["n"][first.selected]


@pytest.mark.parametrize(("y", "message"), [
    (np.zeros(50), "no case of interest"),
    (np.full(50, 2), "binary"),
    (np.ones(49), "one value per row"),
])
def test_bad_outcomes_are_refused(y, message) -> None:
    x = pd.DataFrame({"a": np.linspace(0, 1, 50)})
    with pytest.raises(PrimError, match=message):
        Prim(x, y)


def test_bad_settings_are_refused() -> None:
    x, y = planted(100, 1)
    with pytest.raises(PrimError, match="peel_alpha"):
        Prim(x, y, peel_alpha=0.7)
    with pytest.raises(PrimError, match="include"):
        Prim(x, y, include=["nope"])
    with pytest.raises(PrimError, match="missing"):
        Prim(x.assign(x0=np.nan), y)


def test_constant_columns_are_left_out_and_numbers_can_be_categories() -> None:
    x, y = planted(600, 3)
    x["flat"] = 1.0
    x["cadence"] = np.where(x["x0"] > 0.55, 6.0, 12.0)
    runner = Prim(x, y, categorical=["cadence"])
    assert "flat" in runner.data.dropped
    assert "cadence" in runner.data.categorical
    box = runner.find_box()
    assert "flat" not in box.box_limits(restricted_only=False)


def test_quantile_matches_the_workbench_definition() -> None:
    rng = np.random.default_rng(0)
    for _ in range(50):
        data = np.sort(rng.integers(0, 6, rng.integers(1, 30)).astype(float))
        for q in (0.05, 0.1, 0.5, 0.9, 0.95):
            assert kernels.quantile(data, q) == ema_prim.get_quantile(data, q)


# -- the numba kernels against their NumPy twins -----------------------------------------------------------
@st.composite
def prim_data(draw: st.DrawFn) -> tuple[pd.DataFrame, np.ndarray]:
    """Small data sets with float, integer and categorical columns (ties and repeats likely)."""
    n = draw(st.integers(8, 60))
    columns: dict[str, object] = {}
    for j in range(draw(st.integers(0, 3))):
        columns[f"f{j}"] = np.asarray(draw(st.lists(st.sampled_from([0.0, 0.1, 0.25, 0.5, 0.7, 1.0]) |
                                                    st.floats(0, 1), min_size=n, max_size=n)))
    for j in range(draw(st.integers(0, 2))):
        columns[f"i{j}"] = np.asarray(draw(st.lists(st.integers(-3, 4), min_size=n, max_size=n)), dtype=np.int64)
    for j in range(draw(st.integers(0 if columns else 1, 2))):
        columns[f"c{j}"] = draw(st.lists(st.sampled_from(["a", "b", "c", "d"]), min_size=n, max_size=n))
    y = np.asarray(draw(st.lists(st.integers(0, 1), min_size=n, max_size=n)))
    if y.sum() == 0:
        y[0] = 1
    return pd.DataFrame(columns), y


@given(prim_data(), st.sampled_from([0.05, 0.1, 0.2]), st.sampled_from([0.05, 0.2]))
def test_numba_kernels_agree_with_their_numpy_twins(data, peel_alpha, mass_min) -> None:
    x, y = data
    try:
        fast = Prim(x, y, peel_alpha=peel_alpha, mass_min=mass_min).find_box()
    except PrimError:
        with pytest.raises(PrimError):
            Prim(x, y, engine="numpy")
        return
    slow = Prim(x, y, peel_alpha=peel_alpha, mass_min=mass_min, engine="numpy").find_box()
    pd.testing.assert_frame_equal(fast.trajectory, slow.trajectory)
    for i in range(len(fast)):
        assert fast.box_limits(i) == slow.box_limits(i)
        assert fast.quasi_p(i).keys() == slow.quasi_p(i).keys()
        for name, pair in fast.quasi_p(i).items():
            np.testing.assert_allclose(pair, slow.quasi_p(i)[name], rtol=1e-12)


@given(prim_data())
def test_nested_counts_agree_with_counting_every_row(data) -> None:
    x, y = data
    try:
        runner = Prim(x, y)
    except PrimError:
        return
    box = runner.find_box()
    d = runner.data
    rows = box.rows
    lo = np.vstack([box.limits_at(i).lo for i in range(len(box))]) if d.numeric else np.zeros((len(box), 0))
    hi = np.vstack([box.limits_at(i).hi for i in range(len(box))]) if d.numeric else np.zeros((len(box), 0))
    allowed = np.stack([box.limits_at(i).allowed for i in range(len(box))])
    numeric = (lo != runner.init.lo) | (hi != runner.init.hi)
    categorical = (allowed != runner.init.allowed).any(axis=2)
    # the peeling steps: each box inside the one before
    m = 1
    while m < len(box) and (lo[m] >= lo[m - 1]).all() and (hi[m] <= hi[m - 1]).all() and \
            (allowed[m] <= allowed[m - 1]).all():
        m += 1
    sorted_rows = np.ascontiguousarray(np.vstack([rows[np.argsort(d.xt[:, rows], axis=1)],
                                                  rows[np.argsort(d.xc[:, rows], axis=1)]]))
    cuts = kernels.nested_cuts(d.xt, d.xc, sorted_rows, lo[:m], hi[:m], allowed[:m])
    fast = kernels.nested_counts(runner.y, sorted_rows, len(y), float(len(rows)), float(y[rows].sum()), m,
                                 2 * len(d.numeric) + len(d.categorical), *cuts)
    slow = kernels.relaxed_counts(d.xt, d.xc, rows, runner.y, lo[:m], hi[:m], allowed[:m], numeric[:m],
                                  categorical[:m])
    for a, b in zip(fast, slow):
        np.testing.assert_array_equal(a, b)
    # and the per-row test itself against its definition
    for i in range(len(box)):
        limits = box.limits_at(i)
        count, which = runner.violations(rows, limits)
        for t, r in enumerate(rows):
            broken = [2 * j for j in np.flatnonzero(numeric[i]) if d.xt[j, r] < limits.lo[j]]
            broken += [2 * j + 1 for j in np.flatnonzero(numeric[i]) if d.xt[j, r] > limits.hi[j]]
            broken += [2 * len(d.numeric) + c for c in np.flatnonzero(categorical[i])
                       if not limits.allowed[c, d.xc[c, r]]]
            assert count[t] == min(len(broken), 2)
            assert which[t] == (broken[0] if len(broken) == 1 else -1)


# -- large data: the columns sorted only at their ends until a peel reaches the middle -------------------------
def _large(n: int, seed: int) -> tuple[pd.DataFrame, np.ndarray]:
    """Float, integer, categorical, few-valued, skewed and correlated columns."""
    x, y = planted(n, seed, floats=5, ints=True, cats=True)
    rng = np.random.default_rng(seed + 100)
    x["steps"] = rng.choice([0.0, 0.25, 0.5, 0.75, 1.0], n)  # ties everywhere, the sample's cuts among them
    x["skewed"] = rng.lognormal(0.0, 2.0, n)
    x["twin"] = x["x0"] + rng.normal(0.0, 0.05, n)  # its low end dies with x0's peels: its middle is walked into
    return x, y


@pytest.mark.parametrize("seed", [5, 6])
def test_large_data_gives_the_numpy_twin_answers(seed) -> None:
    """Above 16,384 rows the columns are sorted at their ends first; the trajectory and quasi-p-values stay."""
    x, y = _large(40_000, seed)
    fast = Prim(x, y, peel_alpha=0.1).find_box()
    slow = Prim(x, y, peel_alpha=0.1, engine="numpy").find_box()
    pd.testing.assert_frame_equal(fast.trajectory, slow.trajectory)
    for i in range(len(fast)):
        assert fast.box_limits(i) == slow.box_limits(i)
        for name, pair in fast.quasi_p(i).items():
            np.testing.assert_allclose(pair, slow.quasi_p(i)[name], rtol=1e-12)


@pytest.mark.filterwarnings(EMA_INT_PASTE)
def test_large_data_agrees_with_ema_workbench() -> None:
    """The first box of 30,000 rows (ends-first sorting in play): the workbench's trajectory step for step."""
    x, y = planted(30_000, 7, floats=6)
    oracle = ema_box(x, y)
    box = prim(x, y)
    theirs = oracle.peeling_trajectory
    assert len(box.trajectory) == len(theirs)
    np.testing.assert_allclose(box.trajectory["coverage"], theirs["coverage"], atol=1e-9, rtol=0)
    np.testing.assert_allclose(box.trajectory["density"], theirs["density"], atol=1e-9, rtol=0)
    for name, (lower, upper) in oracle.qp[-1].items():
        expected = [np.nan if v == -1 else v for v in (lower, upper)]
        np.testing.assert_allclose(box.quasi_p()[name], expected, rtol=1e-9)


def test_ends_first_sorting_keeps_its_promises() -> None:
    """Sorted ends, a middle within the cuts, every row once; sorting the middle completes the order."""
    rng = np.random.default_rng(8)
    for values in (rng.random(50_000), rng.integers(0, 9, 50_000).astype(float), rng.lognormal(0, 3, 50_000),
                   np.r_[np.zeros(30_000), rng.random(30_000)]):
        out, keys = np.empty(values.shape[0], dtype=np.int32), np.empty(values.shape[0])
        a, b, low, high = prim_sort.argsort_ends(values, out, keys, prim_sort.END_SHARE)
        assert np.array_equal(np.sort(out), np.arange(values.shape[0]))
        assert np.array_equal(keys, values[out])
        assert (np.diff(keys[:a]) >= 0).all() and (np.diff(keys[b:]) >= 0).all()
        assert (keys[:a] < low).all() and (keys[b:] > high).all() and ((keys[a:b] >= low) & (keys[a:b] <= high)).all()
        prim_sort.sort_segment(keys, out, a, b)
        assert (np.diff(keys) >= 0).all() and np.array_equal(keys, values[out])
