"""Scenario discovery with PRIM: the few conditions on the uncertainties under which the outcome is likely.

PRIM (the patient rule induction method, Friedman and Fisher 1999) shrinks a box around the cases of
interest by small steps: each peel removes a fraction ``peel_alpha`` of the points in the box from one side
of one dimension (a whole category of a categorical one), the peel that raises the density the most per
point removed (EMA Workbench's default objective), until the box holds ``mass_min`` of the data. Pasting
then grows the box back where that raises the density. Every box along the way is kept: the peeling
trajectory, with its coverage (share of all cases of interest inside) and density (share of the box that is
of interest), so an analyst picks the trade-off (:meth:`PrimBox.select`); :meth:`PrimBox.suggest` picks the
significant box with the best harmonic mean of the two. Each limit of a box carries a quasi-p-value
(Bryant and Lempert 2010): the one-sided binomial test of the box's density against the density of the box
without that limit. Numeric, integer and categorical uncertainties are handled; the hot loops are numba
kernels (:mod:`sovsim.analysis.prim_kernels`).

The algorithm follows EMA Workbench's ``Prim`` step for step (quantiles, tie-breaks, acceptance rules), and
the tests hold the two together on the same data. Two deliberate differences: categories are tried in a
fixed order (not in the order of a Python set), and pasting considers every restricted dimension (EMA
Workbench pastes nothing when no float dimension is restricted).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from sovsim.analysis import prim_data
from sovsim.analysis import prim_kernels as kernels
from sovsim.analysis.prim_data import Orders, PrimError

__all__ = ["Prim", "PrimBox", "PrimError", "prim"]


@dataclass(frozen=True)
class _Limits:
    lo: np.ndarray
    hi: np.ndarray
    allowed: np.ndarray  #: (categorical columns, most categories) bool


class Prim:
    """PRIM over the columns of ``x`` for a binary outcome ``y`` (1 = case of interest).

    ``include`` limits the dimensions PRIM may restrict; ``categorical`` forces numeric columns to be treated
    as categories. Call :meth:`find_box` for the first box and again for further boxes (each later box is
    sought among the points outside the earlier ones). ``engine="numpy"`` runs the reference twins of the
    kernels (slower, same answers).
    """

    def __init__(self, x: pd.DataFrame, y: Sequence[Any] | np.ndarray | pd.Series, *, peel_alpha: float = 0.05,
                 paste_alpha: float = 0.05, mass_min: float = 0.05, threshold: float = 0.5,
                 include: Iterable[str] | None = None, categorical: Iterable[str] = (),
                 engine: str = "numba") -> None:
        for name, value, low, high in (("peel_alpha", peel_alpha, 0.0, 0.5), ("paste_alpha", paste_alpha, 0.0, 0.5),
                                       ("mass_min", mass_min, 0.0, 1.0), ("threshold", threshold, 0.0, 1.0)):
            if not (isinstance(value, (int, float)) and low < value <= high):
                raise PrimError(f"{name} must be a number in ({low:g}, {high:g}], got {value!r}")
        if engine not in ("numba", "numpy"):
            raise PrimError(f"engine must be 'numba' or 'numpy', got {engine!r}")
        outcome = np.asarray(y)
        if outcome.ndim != 1 or len(outcome) != len(x):
            raise PrimError(f"y must be one value per row of x ({len(x)}), got shape {outcome.shape}")
        if not np.isin(outcome, (0, 1)).all():
            raise PrimError("y must be binary (0/1 or False/True)")
        if include is not None:
            wanted = list(include)
            unknown = [c for c in wanted if c not in x.columns]
            if unknown:
                raise PrimError(f"include names unknown columns {unknown}; allowed: {list(x.columns)}")
            x = x[wanted]
        index = x.index
        plain = isinstance(index, pd.RangeIndex) and index.start == 0 and index.step == 1
        self.x = x if plain else x.reset_index(drop=True)  # no copy of a table already numbered 0 … n-1
        self.y = outcome.astype(np.float64)
        self.peel_alpha, self.paste_alpha, self.mass_min, self.threshold = peel_alpha, paste_alpha, mass_min, threshold
        self.engine = engine
        self.data = prim_data.prepare(self.x, categorical)
        if not self.data.numeric and not self.data.categorical:
            raise PrimError("no dimension with more than one value to restrict")
        self.n = len(self.y)
        self.total_cases = float(self.y.sum())
        if self.total_cases == 0:
            raise PrimError("no case of interest (y is all 0)")
        d = self.data
        self.init = _Limits(d.low.copy(), d.high.copy(),
                            np.arange(max(d.ncat.max(initial=1), 1))[None, :] < d.ncat[:, None])
        self.n_cols = len(d.numeric) + len(d.categorical)
        self.boxes: list[PrimBox] = []
        self._peel_kernel = kernels.best_peel if engine == "numba" else kernels.best_peel_numpy

    @property
    def dimensions(self) -> tuple[str, ...]:
        """The dimensions PRIM may restrict, in its internal order (floats, integers, categories)."""
        return self.data.numeric + self.data.categorical

    def remaining(self) -> np.ndarray:
        """Rows not inside any box found so far (each at its selected point on the trajectory)."""
        outside = np.ones(self.n, dtype=bool)
        for box in self.boxes:
            outside[box.rows[box.inside_rows()]] = False
        return np.flatnonzero(outside)

    def find_box(self) -> PrimBox:
        """Peel and paste one box among the remaining rows; the box is selected at its last (pasted) step."""
        rows = self.remaining()
        if rows.shape[0] == 0:
            raise PrimError("no rows left outside the boxes found so far")
        for box in self.boxes:
            box.frozen = True
        box = PrimBox(self, rows)
        self._peel(box)
        self._paste(box)
        box.compute_quasi_p()
        self.boxes.append(box)
        return box

    # -- peeling ----------------------------------------------------------------------------------------
    def _restricted(self, limits: _Limits) -> tuple[np.ndarray, np.ndarray]:
        numeric = (limits.lo != self.init.lo) | (limits.hi != self.init.hi)
        categorical = (limits.allowed != self.init.allowed).any(axis=1)
        return numeric, categorical

    def _peel(self, box: PrimBox) -> None:
        d = self.data
        rows = box.rows
        members = rows.copy()
        n_box = rows.shape[0]
        lo, hi, allowed = self.init.lo.copy(), self.init.hi.copy(), self.init.allowed.copy()
        if self.engine == "numba":
            sorted_ = box._sorted = prim_data.sorted_rows(d.xt, rows, ends=True)
            # the kernels never rewrite these (see kernels.apply_peel), but sort within an unsorted middle
            orders, values = sorted_.orders, sorted_.values
            mid_a, mid_b = sorted_.mid_a.copy(), sorted_.mid_b.copy()  # while a column's stretch is in orders
            alive = np.zeros(self.n, dtype=np.uint8)
            alive[rows] = 1
            y8 = self.y.astype(np.uint8)
            work = np.empty((orders.shape[0], n_box // 2 + 1), dtype=orders.dtype)
            work_values = np.empty(work.shape)
            in_work = np.zeros(orders.shape[0], dtype=bool)
            start, end = np.zeros(orders.shape[0], dtype=np.int64), np.full(orders.shape[0], n_box, dtype=np.int64)
        while True:
            numeric, categorical = self._restricted(_Limits(lo, hi, allowed))
            restricted = np.concatenate([numeric, categorical])
            if self.engine == "numba":
                kind, dim, side, limit, n_new, k_new, obj, _ = kernels.best_peel(
                    d.xt, d.is_int, d.xc, d.ncat, y8, orders, values, work, work_values, in_work, start, end, mid_a,
                    mid_b, alive, members, n_box, lo, hi, self.init.lo, self.init.hi, allowed, restricted,
                    self.peel_alpha, self.n_cols)
            else:
                kind, dim, side, limit, n_new, k_new, obj, _ = kernels.best_peel_numpy(
                    d.xt, d.is_int, d.xc, d.ncat, self.y, members, n_box, lo, hi, self.init.lo, self.init.hi,
                    allowed, restricted, self.peel_alpha, self.n_cols)
            if kind == kernels.NO_PEEL:
                return
            mass_new, mass_old = n_new / self.n, n_box / self.n
            if not (mass_new >= self.mass_min and mass_new < mass_old and obj > 0):
                return
            if kind == 0:
                if side == 0:
                    lo[dim] = limit
                else:
                    hi[dim] = limit
            else:
                allowed[dim, side] = False
            if self.engine == "numba":
                n_box = kernels.apply_peel(d.xc, orders, values, work, work_values, in_work, start, end, mid_a,
                                           mid_b, alive, members, n_box, kind, dim, side, limit)
            else:
                box_rows = members[:n_box]
                if kind == 0:
                    values = d.xt[dim, box_rows]
                    inside = values >= limit if side == 0 else values <= limit
                else:
                    inside = allowed[dim, d.xc[dim, box_rows]]
                kept = box_rows[inside]
                members[:kept.shape[0]] = kept
                n_box = kept.shape[0]
            if n_box != n_new:  # pragma: no cover - a kernel and its box disagree
                raise AssertionError(f"peel kept {n_box} points, expected {n_new}")
            box.append(_Limits(lo.copy(), hi.copy(), allowed.copy()), n_new, k_new)

    # -- pasting ----------------------------------------------------------------------------------------
    def violations(self, rows: np.ndarray, limits: _Limits) -> tuple[np.ndarray, np.ndarray]:
        """Per row: restricted limits broken (0, 1, 2+) and which one when exactly one (see the kernel)."""
        numeric, categorical = self._restricted(limits)
        count = kernels.violations_numba if self.engine == "numba" else kernels.violations
        return count(self.data.xt, self.data.xc, rows, limits.lo, limits.hi, limits.allowed, np.flatnonzero(numeric),
                     np.flatnonzero(categorical))

    def _paste(self, box: PrimBox) -> None:
        d, dn = self.data, len(self.data.numeric)
        rows = box.rows
        y_rows = self.y[rows]
        while True:
            limits = box.limits_at(-1)
            numeric, categorical = self._restricted(limits)
            if not numeric.any() and not categorical.any():
                return
            count, which = self.violations(rows, limits)
            inside_at = np.flatnonzero(count == 0)  # positions in rows: inside, and outside by one limit only
            single_at = np.flatnonzero(count == 1)
            which_single = which[single_at]
            n_old, k_old = int(inside_at.shape[0]), float(y_rows[inside_at].sum())
            mean_old = k_old / n_old
            res_count = int(numeric.sum() + categorical.sum())
            best: tuple[float, int, _Limits, int, float] | None = None
            candidates: list[tuple[np.ndarray, _Limits, bool, bool]] = []
            for j in np.flatnonzero(numeric):
                x_in = d.xt[j, rows[inside_at]]
                for side in (0, 1):
                    mine = single_at[which_single == 2 * j + side]
                    x_single = d.xt[j, rows[mine]]
                    if side == 0:
                        region = np.concatenate([x_in[x_in <= limits.lo[j]], x_single])
                        value = kernels.quantile(np.sort(region), 1 - self.paste_alpha) if region.size else \
                            float(self.init.lo[j])
                        add = mine[x_single >= value]
                        new = _Limits(limits.lo.copy(), limits.hi, limits.allowed)
                        new.lo[j] = value
                    else:
                        region = np.concatenate([x_in[x_in >= limits.hi[j]], x_single])
                        value = kernels.quantile(np.sort(region), self.paste_alpha) if region.size else \
                            float(self.init.hi[j])
                        add = mine[x_single <= value]
                        new = _Limits(limits.lo, limits.hi.copy(), limits.allowed)
                        new.hi[j] = value
                    now = bool(new.lo[j] != self.init.lo[j] or new.hi[j] != self.init.hi[j])
                    candidates.append((add, new, now, True))
            for c in np.flatnonzero(categorical):
                mine = single_at[which_single == 2 * dn + c]
                codes = d.xc[c, rows[mine]]
                for code in np.flatnonzero(self.init.allowed[c] & ~limits.allowed[c]):
                    add = mine[codes == code]
                    new = _Limits(limits.lo, limits.hi, limits.allowed.copy())
                    new.allowed[c, code] = True
                    now = bool((new.allowed[c] != self.init.allowed[c]).any())
                    candidates.append((add, new, now, True))
            for add, new, now, was in candidates:  # add: positions in rows of the points the candidate adds
                n_new = n_old + int(add.shape[0])
                k_new = k_old + float(y_rows[add].sum())
                obj = kernels._lenient1_py(mean_old, k_new, n_new, n_old)
                nonres = self.n_cols - (res_count - int(was) + int(now))
                if best is None or obj > best[0] or (obj == best[0] and nonres > best[1]):
                    best = (obj, nonres, new, n_new, k_new)
            if best is None:
                return
            obj, _, new, n_new, k_new = best
            mass_new, mass_old = n_new / self.n, n_old / self.n
            if not (mass_new >= self.mass_min and mass_new > mass_old and obj > 0 and k_new / n_new > mean_old):
                return
            box.append(new, n_new, k_new)


class PrimBox:
    """One box found by PRIM: its peeling (and pasting) trajectory, and the step currently selected.

    ``trajectory`` has, per step: coverage, density, mean (= density), res_dim (dimensions restricted), mass
    (share of all rows inside), id, n (rows inside) and k (cases inside), as in EMA Workbench.
    """

    def __init__(self, prim: Prim, rows: np.ndarray) -> None:
        self.prim = prim
        self.rows = rows  #: the rows this box was sought among
        self.frozen = False
        self._limits: list[_Limits] = []
        self._n: list[int] = []
        self._k: list[float] = []
        self._qp: list[dict[str, tuple[float, float]]] = []
        self._sorted: Orders | None = None  #: ``rows`` sorted by each numeric column
        self.selected = 0
        self.append(prim.init, rows.shape[0], float(prim.y[rows].sum()))

    def append(self, limits: _Limits, n: int, k: float) -> None:
        self._limits.append(limits)
        self._n.append(n)
        self._k.append(k)
        self.selected = len(self._limits) - 1

    def limits_at(self, i: int) -> _Limits:
        return self._limits[i]

    def __len__(self) -> int:
        return len(self._limits)

    @property
    def trajectory(self) -> pd.DataFrame:
        n = np.asarray(self._n, dtype=np.int64)
        k = np.asarray(self._k)
        res_dim = [len(self.restricted(i)) for i in range(len(self))]
        frame = pd.DataFrame({"coverage": k / self.prim.total_cases, "density": k / n, "mean": k / n,
                              "res_dim": res_dim, "mass": n / self.prim.n, "id": np.arange(len(n)), "n": n,
                              "k": k.astype(np.int64)})
        if len(self._qp) == len(self):
            frame["max_qp"] = [max((v for pair in qp.values() for v in pair if not math.isnan(v)), default=np.nan)
                               for qp in self._qp]
        return frame

    # -- the selected step ------------------------------------------------------------------------------
    def _index(self, i: int | None) -> int:
        i = self.selected if i is None else i
        if not -len(self) <= i < len(self):
            raise IndexError(f"box {i} is not on the trajectory (0 … {len(self) - 1})")
        return i % len(self)

    def select(self, i: int) -> PrimBox:
        """Select step ``i`` of the trajectory as this box."""
        if self.frozen:
            raise PrimError("this box is frozen: a later box was found among the points outside it")
        self.selected = self._index(i)
        return self

    @property
    def coverage(self) -> float:
        return float(self._k[self.selected] / self.prim.total_cases)

    @property
    def density(self) -> float:
        return float(self._k[self.selected] / self._n[self.selected])

    @property
    def mass(self) -> float:
        return float(self._n[self.selected] / self.prim.n)

    @property
    def res_dim(self) -> int:
        return len(self.restricted())

    @property
    def meets_threshold(self) -> bool:
        """Whether the selected box's density reaches the Prim's threshold."""
        return self.density >= self.prim.threshold

    def restricted(self, i: int | None = None) -> list[str]:
        """Names of the dimensions restricted at step ``i`` (default: the selected step)."""
        numeric, categorical = self.prim._restricted(self._limits[self._index(i)])
        d = self.prim.data
        return [d.numeric[j] for j in np.flatnonzero(numeric)] + [d.categorical[c] for c in np.flatnonzero(categorical)]

    def box_limits(self, i: int | None = None, restricted_only: bool = True) -> dict[str, Any]:
        """The limits of step ``i``: ``(lower, upper)`` per numeric dimension, the values kept per categorical one.

        Integer dimensions get whole-number limits.
        """
        limits = self._limits[self._index(i)]
        d = self.prim.data
        names = set(self.restricted(i)) if restricted_only else set(self.prim.dimensions)
        out: dict[str, Any] = {}
        for j, name in enumerate(d.numeric):
            if name in names:
                lo, hi = float(limits.lo[j]), float(limits.hi[j])
                out[name] = (math.ceil(lo), math.floor(hi)) if d.is_int[j] else (lo, hi)
        for c, name in enumerate(d.categorical):
            if name in names:
                out[name] = tuple(v for k, v in enumerate(d.categories[c]) if limits.allowed[c, k])
        return out

    def quasi_p(self, i: int | None = None) -> dict[str, tuple[float, float]]:
        """Quasi-p-values per restricted dimension: (lower limit, upper limit).

        NaN where a side is free; a categorical dimension has its value in the first place.
        """
        i = self._index(i)
        if len(self._qp) != len(self):
            self.compute_quasi_p()
        return dict(self._qp[i])

    def compute_quasi_p(self) -> None:
        """Quasi-p-values of every step: the counts come from one kernel call, the tests from one binomial call."""
        prim, d = self.prim, self.prim.data
        dn = len(d.numeric)
        lo = np.vstack([lim.lo for lim in self._limits]) if dn else np.zeros((len(self), 0))
        hi = np.vstack([lim.hi for lim in self._limits]) if dn else np.zeros((len(self), 0))
        allowed = np.stack([lim.allowed for lim in self._limits])
        numeric_res = (lo != prim.init.lo) | (hi != prim.init.hi)
        categorical_res = (allowed != prim.init.allowed).any(axis=2)
        inside_n, inside_k, extra_n, extra_k = self._counts(lo, hi, allowed, numeric_res, categorical_res)
        # the sorted orders (12 bytes a row per numeric dimension) served the peeling and these counts; a box
        # that grows later sorts again rather than holding them through the rest of an analysis
        self._sorted = None
        keys: list[tuple[int, str, int]] = []
        index: list[tuple[int, int]] = []  # (step, limit number)
        for i in range(len(self)):
            for j in np.flatnonzero(numeric_res[i]):
                for side in (0, 1):
                    if (lo[i, j] != prim.init.lo[j]) if side == 0 else (hi[i, j] != prim.init.hi[j]):
                        keys.append((i, d.numeric[j], side))
                        index.append((i, int(2 * j + side)))
            for c in np.flatnonzero(categorical_res[i]):
                keys.append((i, d.categorical[c], 0))
                index.append((i, int(2 * dn + c)))
        self._qp = [{} for _ in self._limits]
        if not keys:
            return
        step, limit = np.asarray(index).T
        big_n, big_k = inside_n[step], inside_k[step]
        p = (big_k + extra_k[step, limit]) / (big_n + extra_n[step, limit])
        values = stats.binom.sf(big_k - 1, big_n, p)
        for (i, name, side), value in zip(keys, values):
            pair = self._qp[i].get(name, (np.nan, np.nan))
            self._qp[i][name] = (float(value), pair[1]) if side == 0 else (pair[0], float(value))

    def _counts(self, lo: np.ndarray, hi: np.ndarray, allowed: np.ndarray, numeric_res: np.ndarray,
                categorical_res: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """The counts behind the quasi-p-values of every step.

        Along the peeling (each box inside the one before) the nested kernel visits only the rows each step
        cuts off; the steps after it (pasting, dropped restrictions) are counted row by row.
        """
        prim, d = self.prim, self.prim.data
        if prim.engine == "numpy":
            return kernels.relaxed_counts(d.xt, d.xc, self.rows, prim.y, lo, hi, allowed, numeric_res,
                                          categorical_res)
        nested = (lo[1:] >= lo[:-1]).all(axis=1) & (hi[1:] <= hi[:-1]).all(axis=1) & \
            (allowed[1:] <= allowed[:-1]).all(axis=(1, 2))
        m = 1 + (int(np.argmin(nested)) if not nested.all() else int(nested.shape[0]))
        if self._sorted is None:
            self._sorted = prim_data.sorted_rows(d.xt, self.rows)
        by_code = self.rows[np.argsort(d.xc[:, self.rows], axis=1, kind="stable")] if d.categorical else \
            np.zeros((0, self.rows.shape[0]), dtype=np.int64)
        sorted_ = self._sorted
        for j in range(len(d.numeric)):  # a limit inside an unsorted middle needs it sorted to be found
            limits = np.concatenate([lo[:m, j], hi[:m, j]])
            if ((limits >= sorted_.low_cut[j]) & (limits <= sorted_.high_cut[j])).any():
                sorted_.sort_middle(j)
        sorted_rows = [*sorted_.orders, *by_code]  # one array per numeric column, then per categorical one
        cuts = kernels.nested_cuts(d.xt, d.xc, sorted_rows, lo[:m], hi[:m], allowed[:m], sorted_.values)
        head = kernels.nested_counts(prim.y, sorted_rows, prim.n, float(self.rows.shape[0]),
                                     float(prim.y[self.rows].sum()), m, 2 * len(d.numeric) + len(d.categorical),
                                     *cuts)
        if m == len(lo):
            return head
        tail = kernels.relaxed_counts(d.xt, d.xc, self.rows, prim.y, lo[m:], hi[m:], allowed[m:], numeric_res[m:],
                                      categorical_res[m:], kernels.violations_numba)
        return tuple(np.concatenate([a, b]) for a, b in zip(head, tail))  # type: ignore[return-value]

    def limits(self, i: int | None = None) -> pd.DataFrame:
        """The restricted limits of step ``i`` as a table.

        Columns: name, kind, lower, upper, values, qp_lower, qp_upper, the range of the data (min, max), and
        for a categorical dimension how many categories it has.
        """
        i = self._index(i)
        d, prim = self.prim.data, self.prim
        qp = self.quasi_p(i)
        rows = []
        for name, lim in self.box_limits(i).items():
            lower_qp, upper_qp = qp.get(name, (np.nan, np.nan))
            if name in d.numeric:
                j = d.numeric.index(name)
                rows.append({"name": name, "kind": "integer" if d.is_int[j] else "real", "lower": lim[0],
                             "upper": lim[1], "values": None, "qp_lower": lower_qp, "qp_upper": upper_qp,
                             "min": float(prim.init.lo[j]), "max": float(prim.init.hi[j]), "categories": np.nan})
            else:
                c = d.categorical.index(name)
                rows.append({"name": name, "kind": "categorical", "lower": np.nan, "upper": np.nan,
                             "values": ", ".join(map(str, lim)), "qp_lower": lower_qp, "qp_upper": upper_qp,
                             "min": np.nan, "max": np.nan, "categories": len(d.categories[c])})
        columns = ["name", "kind", "lower", "upper", "values", "qp_lower", "qp_upper", "min", "max", "categories"]
        return pd.DataFrame(rows, columns=columns)

    def significant(self, i: int | None = None, alpha: float = 0.05) -> bool:
        """True when every limit of step ``i`` has a quasi-p-value ≤ ``alpha``."""
        values = [v for pair in self.quasi_p(i).values() for v in pair if not math.isnan(v)]
        return bool(values) and max(values) <= alpha

    def suggest(self, alpha: float = 0.05) -> int:
        """A step to start from: the most coverage times the lift in density over the whole data.

        The score is ``coverage × (density - d0) / (1 - d0)``, with ``d0`` the density of the first box: 0
        for the whole space, 1 for a box holding all the cases of interest and nothing else. Only steps whose
        limits are all significant (quasi-p ≤ ``alpha``) count, or every restricted step if none is; fewer
        restricted dimensions win ties.
        """
        frame = self.trajectory
        base = float(frame.density[0])
        score = frame.coverage * (frame.density - base) / (1.0 - base) if base < 1 else frame.coverage * 0
        steps = [i for i in range(1, len(self)) if self.significant(i, alpha)] or list(range(1, len(self)))
        if not steps:
            return 0
        return max(steps, key=lambda i: (round(float(score[i]), 12), -int(frame.res_dim[i]), -i))

    def drop_restriction(self, name: str, i: int | None = None) -> int:
        """Add to the trajectory step ``i`` with ``name`` freed to its full range; return (and select) it."""
        i = self._index(i)
        prim, d = self.prim, self.prim.data
        if name not in prim.dimensions:
            raise PrimError(f"{name!r} is not a dimension of this PRIM; allowed: {list(prim.dimensions)}")
        old = self._limits[i]
        new = _Limits(old.lo.copy(), old.hi.copy(), old.allowed.copy())
        if name in d.numeric:
            j = d.numeric.index(name)
            new.lo[j], new.hi[j] = prim.init.lo[j], prim.init.hi[j]
        else:
            c = d.categorical.index(name)
            new.allowed[c] = prim.init.allowed[c]
        count, _ = prim.violations(self.rows, new)
        inside = count == 0
        self.append(new, int(inside.sum()), float(prim.y[self.rows][inside].sum()))
        self.compute_quasi_p()
        return self.selected

    def inside_rows(self, i: int | None = None) -> np.ndarray:
        """Boolean mask over ``self.rows``: the rows inside step ``i``."""
        count, _ = self.prim.violations(self.rows, self._limits[self._index(i)])
        return count == 0

    def inside(self, x: pd.DataFrame, i: int | None = None) -> np.ndarray:
        """Boolean mask: which rows of ``x`` (same columns) fall inside step ``i``."""
        mask = np.ones(len(x), dtype=bool)
        for name, lim in self.box_limits(i).items():
            column = x[name]
            if name in self.prim.data.categorical:
                mask &= column.isin(list(lim)).to_numpy()
            else:
                values = column.to_numpy(dtype=float)
                limits = self._limits[self._index(i)]
                j = self.prim.data.numeric.index(name)
                mask &= (values >= limits.lo[j]) & (values <= limits.hi[j])
        return mask


def prim(x: pd.DataFrame, y: Sequence[Any] | np.ndarray | pd.Series, **settings: Any) -> PrimBox:
    """The first PRIM box of ``y`` over ``x`` (see :class:`Prim` for the settings)."""
    return Prim(x, y, **settings).find_box()
