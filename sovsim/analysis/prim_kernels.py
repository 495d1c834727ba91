"""PRIM kernels: the hot loops of peeling and of counting points outside a box by one limit.

The data come as arrays: numeric columns transposed, ``xt[j, row]`` (floats first, then integers), category
codes ``xc[c, row]``, and the outcome ``y[row]`` (0 or 1). A box is ``lo[j] ≤ x ≤ hi[j]`` on numeric
columns and ``allowed[c, code]`` on categorical ones.

``best_peel`` scores every candidate peel of the current box and returns the best one: a numeric column is
peeled at the ``alpha`` quantile from below or ``1 - alpha`` from above (integer columns by whole values),
a categorical one by dropping one category. The score is the gain in mean divided by the points removed
(EMA Workbench's default "lenient1" objective); ties go to the candidate that leaves more dimensions
unrestricted, then to the first in order (numeric columns upper before lower, then categories). Each
numeric column keeps its box members sorted by value (``orders``), so a peel costs the points it removes.

``violations`` tells, for each point, how many restricted limits it breaks (0, 1 or 2 = more) and which
one when it is exactly one: the counts behind pasting. ``relaxed_counts`` turns the same test into the
counts behind the quasi-p-values of every step of a trajectory at once (in parallel over the steps).

Each kernel has a NumPy twin (``*_numpy``) that sorts afresh instead of keeping orders; tests check that the
two agree.
"""

from __future__ import annotations

import math

import numba
import numpy as np

__all__ = ["quantile", "best_peel", "best_peel_numpy", "violations", "violations_numpy", "relaxed_counts",
           "relaxed_counts_numpy", "compact", "NO_PEEL"]

#: ``kind`` of the answer of :func:`best_peel` when no candidate exists.
NO_PEEL = -1


def quantile(values: np.ndarray, q: float) -> float:
    """The quantile of sorted ``values`` as sdtoolkit and EMA Workbench define it.

    The midpoint between the value at rank ``(n - 1) q`` and the next distinct value (below it for an upper
    quantile, above for a lower one), so that a limit never falls on a data value.
    """
    n = values.shape[0]
    i = (n - 1) * q
    lo, hi = int(math.floor(i)), int(math.ceil(i))
    if q > 0.5:
        while values[lo] == values[hi] and lo > 0:
            lo -= 1
    else:
        while values[lo] == values[hi] and hi < n - 1:
            hi += 1
    return float((values[lo] + values[hi]) / 2)


@numba.njit(cache=True)
def _quantile_ordered(col: np.ndarray, order: np.ndarray, n: int, q: float) -> float:  # pragma: no cover
    """:func:`quantile` of ``col[order[:n]]`` (already sorted by ``order``)."""
    i = (n - 1) * q
    lo = int(math.floor(i))
    hi = int(math.ceil(i))
    if q > 0.5:
        while col[order[lo]] == col[order[hi]] and lo > 0:
            lo -= 1
    else:
        while col[order[lo]] == col[order[hi]] and hi < n - 1:
            hi += 1
    return (col[order[lo]] + col[order[hi]]) / 2.0


@numba.njit(cache=True)
def _lenient1(mean_old: float, k_new: float, n_new: int, n_old: int) -> float:  # pragma: no cover
    mean_new = k_new / n_new if n_new > 0 else 0.0
    if mean_old == mean_new or n_old == n_new:
        return 0.0
    return (mean_new - mean_old) / abs(n_old - n_new)


def _lenient1_py(mean_old: float, k_new: float, n_new: int, n_old: int) -> float:
    mean_new = k_new / n_new if n_new > 0 else 0.0
    if mean_old == mean_new or n_old == n_new:
        return 0.0
    return (mean_new - mean_old) / abs(n_old - n_new)


@numba.njit(cache=True)
def best_peel(xt: np.ndarray, is_int: np.ndarray, xc: np.ndarray, ncat: np.ndarray, y: np.ndarray,
              orders: np.ndarray, members: np.ndarray, n_box: int, lo: np.ndarray, hi: np.ndarray,
              init_lo: np.ndarray, init_hi: np.ndarray, allowed: np.ndarray, restricted: np.ndarray,
              alpha: float, n_cols: int) -> tuple[int, int, int, float, int, float, float, int]:  # pragma: no cover
    """The best peel of the box: its kind, column, side, limit, size, cases, objective and freedom.

    Returns (kind 0 numeric / 1 categorical / -1 none, column, side 0 lower / 1 upper or the category code,
    new limit, points left, cases left, objective, unrestricted dimensions left).

    ``orders[j, :n_box]`` are the box members sorted by column ``j``; ``members[:n_box]`` the same points.
    ``restricted`` flags numeric columns first, then categorical ones.
    """
    dn = xt.shape[0]
    dc = xc.shape[0]
    k_old = 0.0
    for t in range(n_box):
        k_old += y[members[t]]
    mean_old = k_old / n_box
    res_count = 0
    for j in range(restricted.shape[0]):
        if restricted[j]:
            res_count += 1
    best_kind, best_dim, best_side, best_n, best_nonres = NO_PEEL, -1, -1, n_box, -1
    best_limit, best_k, best_obj = np.nan, k_old, -np.inf
    for j in range(dn):
        col = xt[j]
        order = orders[j]
        for side in (1, 0):  # upper first, as in EMA Workbench
            q = _quantile_ordered(col, order, n_box, 1.0 - alpha if side == 1 else alpha)
            removed = 0
            k_removed = 0.0
            if side == 1:
                cut = q
                strict = True  # remove x > cut
                if is_int[j]:
                    bp = float(math.trunc(q))
                    if bp == hi[j]:
                        strict = False  # remove x >= hi
                        cut = hi[j]
                    else:
                        cut = bp
                t = n_box - 1
                while t >= 0 and (col[order[t]] > cut if strict else col[order[t]] >= cut):
                    removed += 1
                    k_removed += y[order[t]]
                    t -= 1
                if is_int[j]:
                    limit = col[order[t]] if t >= 0 else col[order[n_box - 1]]
                else:
                    limit = q
                now_restricted = lo[j] != init_lo[j] or limit != init_hi[j]
            else:
                cut = q
                strict = True  # remove x < cut
                if is_int[j]:
                    bp = float(math.trunc(q))
                    if bp == lo[j]:
                        strict = False  # remove x <= lo
                        cut = lo[j]
                    else:
                        cut = bp
                t = 0
                while t < n_box and (col[order[t]] < cut if strict else col[order[t]] <= cut):
                    removed += 1
                    k_removed += y[order[t]]
                    t += 1
                if is_int[j]:
                    limit = col[order[t]] if t < n_box else col[order[0]]
                else:
                    limit = q
                now_restricted = limit != init_lo[j] or hi[j] != init_hi[j]
            n_new = n_box - removed
            k_new = k_old - k_removed
            obj = _lenient1(mean_old, k_new, n_new, n_box)
            nonres = n_cols - (res_count - (1 if restricted[j] else 0) + (1 if now_restricted else 0))
            if obj > best_obj or (obj == best_obj and nonres > best_nonres):
                best_kind, best_dim, best_side, best_limit = 0, j, side, limit
                best_n, best_k, best_obj, best_nonres = n_new, k_new, obj, nonres
    for c in range(dc):
        m = ncat[c]
        n_allowed = 0
        for code in range(m):
            if allowed[c, code]:
                n_allowed += 1
        if n_allowed <= 1:
            continue
        counts = np.zeros(m, dtype=np.int64)
        cases = np.zeros(m)
        row = xc[c]
        for t in range(n_box):
            r = members[t]
            counts[row[r]] += 1
            cases[row[r]] += y[r]
        nonres = n_cols - (res_count - (1 if restricted[dn + c] else 0) + 1)
        for code in range(m):
            if not allowed[c, code]:
                continue
            n_new = n_box - counts[code]
            k_new = k_old - cases[code]
            obj = _lenient1(mean_old, k_new, n_new, n_box)
            if obj > best_obj or (obj == best_obj and nonres > best_nonres):
                best_kind, best_dim, best_side, best_limit = 1, c, code, np.nan
                best_n, best_k, best_obj, best_nonres = n_new, k_new, obj, nonres
    return best_kind, best_dim, best_side, best_limit, best_n, best_k, best_obj, best_nonres


def best_peel_numpy(xt: np.ndarray, is_int: np.ndarray, xc: np.ndarray, ncat: np.ndarray, y: np.ndarray,
                    orders: np.ndarray, members: np.ndarray, n_box: int, lo: np.ndarray, hi: np.ndarray,
                    init_lo: np.ndarray, init_hi: np.ndarray, allowed: np.ndarray, restricted: np.ndarray,
                    alpha: float, n_cols: int) -> tuple[int, int, int, float, int, float, float, int]:
    """NumPy twin of :func:`best_peel`: sorts each column of the box afresh and counts with masks."""
    box = members[:n_box]
    yb = y[box]
    k_old = float(yb.sum())
    mean_old = k_old / n_box
    res_count = int(restricted.sum())
    best: tuple[int, int, int, float, int, float, float, int] = (NO_PEEL, -1, -1, np.nan, n_box, k_old, -np.inf, -1)

    def consider(kind: int, dim: int, side: int, limit: float, keep: np.ndarray, now_restricted: bool,
                 was_restricted: bool) -> None:
        nonlocal best
        n_new = int(keep.sum())
        k_new = float(yb[keep].sum())
        obj = _lenient1_py(mean_old, k_new, n_new, n_box)
        nonres = n_cols - (res_count - int(was_restricted) + int(now_restricted))
        if obj > best[6] or (obj == best[6] and nonres > best[7]):
            best = (kind, dim, side, limit, n_new, k_new, obj, nonres)

    for j in range(xt.shape[0]):
        x = xt[j, box]
        values = np.sort(x)
        for side in (1, 0):
            q = quantile(values, 1 - alpha if side == 1 else alpha)
            if side == 1:
                if is_int[j]:
                    bp = float(math.trunc(q))
                    keep = (x < hi[j]) if bp == hi[j] else (x <= bp)
                    limit = float(x[keep].max()) if keep.any() else float(x.max())
                else:
                    keep, limit = x <= q, q
                now = bool(lo[j] != init_lo[j] or limit != init_hi[j])
            else:
                if is_int[j]:
                    bp = float(math.trunc(q))
                    keep = (x > lo[j]) if bp == lo[j] else (x >= bp)
                    limit = float(x[keep].min()) if keep.any() else float(x.min())
                else:
                    keep, limit = x >= q, q
                now = bool(limit != init_lo[j] or hi[j] != init_hi[j])
            consider(0, j, side, limit, keep, now, bool(restricted[j]))
    dn = xt.shape[0]
    for c in range(xc.shape[0]):
        codes = np.flatnonzero(allowed[c, :ncat[c]])
        if codes.shape[0] <= 1:
            continue
        x = xc[c, box]
        for code in codes:
            consider(1, c, int(code), np.nan, x != code, True, bool(restricted[dn + c]))
    return best


@numba.njit(cache=True)
def compact(orders: np.ndarray, members: np.ndarray, n_box: int, inside: np.ndarray) -> int:  # pragma: no cover
    """Keep, in place and in order, the members and the sorted orders whose row is ``inside``; the new size."""
    n_new = 0
    for t in range(n_box):
        r = members[t]
        if inside[r]:
            members[n_new] = r
            n_new += 1
    for j in range(orders.shape[0]):
        w = 0
        for t in range(n_box):
            r = orders[j, t]
            if inside[r]:
                orders[j, w] = r
                w += 1
    return n_new


@numba.njit(cache=True)
def violations(xt: np.ndarray, xc: np.ndarray, rows: np.ndarray, lo: np.ndarray, hi: np.ndarray,
               allowed: np.ndarray, numeric_dims: np.ndarray,
               categorical_dims: np.ndarray) -> tuple[np.ndarray, np.ndarray]:  # pragma: no cover
    """Per row: limits broken (0, 1, or 2 for two or more) and which one when exactly one.

    A limit is ``2 j`` (lower of numeric column ``j``), ``2 j + 1`` (upper) or ``2 dn + c`` (categorical
    column ``c``); only the columns listed in ``numeric_dims`` and ``categorical_dims`` count.
    """
    dn = xt.shape[0]
    n = rows.shape[0]
    count = np.zeros(n, dtype=np.int8)
    which = np.full(n, -1, dtype=np.int64)
    for t in range(n):
        r = rows[t]
        broken = 0
        limit = -1
        for j in numeric_dims:
            v = xt[j, r]
            if v < lo[j]:
                broken += 1
                limit = 2 * j
            elif v > hi[j]:
                broken += 1
                limit = 2 * j + 1
            if broken > 1:
                break
        if broken <= 1:
            for c in categorical_dims:
                if not allowed[c, xc[c, r]]:
                    broken += 1
                    limit = 2 * dn + c
                    if broken > 1:
                        break
        count[t] = min(broken, 2)
        which[t] = limit if broken == 1 else -1
    return count, which


def violations_numpy(xt: np.ndarray, xc: np.ndarray, rows: np.ndarray, lo: np.ndarray, hi: np.ndarray,
                     allowed: np.ndarray, numeric_dims: np.ndarray,
                     categorical_dims: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """NumPy twin of :func:`violations`."""
    dn = xt.shape[0]
    flags, codes = [], []
    for j in numeric_dims:
        x = xt[j, rows]
        flags += [x < lo[j], x > hi[j]]
        codes += [2 * j, 2 * j + 1]
    for c in categorical_dims:
        flags.append(~allowed[c, xc[c, rows]])
        codes.append(2 * dn + c)
    if not flags:
        return np.zeros(rows.shape[0], dtype=np.int8), np.full(rows.shape[0], -1, dtype=np.int64)
    broken = np.vstack(flags)
    total = broken.sum(axis=0)
    which = np.asarray(codes, dtype=np.int64)[broken.argmax(axis=0)]
    return np.minimum(total, 2).astype(np.int8), np.where(total == 1, which, -1)


@numba.njit(cache=True)
def _relaxed_step(xt: np.ndarray, xc: np.ndarray, rows: np.ndarray, y: np.ndarray, lo: np.ndarray, hi: np.ndarray,
                  allowed: np.ndarray, numeric_dims: np.ndarray, categorical_dims: np.ndarray, extra_n: np.ndarray,
                  extra_k: np.ndarray) -> tuple[float, float]:  # pragma: no cover
    """One step of :func:`relaxed_counts`: fills ``extra_n``/``extra_k``, returns (rows, cases) inside."""
    dn = xt.shape[0]
    n_in = 0.0
    k_in = 0.0
    for t in range(rows.shape[0]):
        r = rows[t]
        broken = 0
        limit = -1
        for j in numeric_dims:
            v = xt[j, r]
            if v < lo[j]:
                broken += 1
                limit = int(2 * j)
            elif v > hi[j]:
                broken += 1
                limit = int(2 * j + 1)
            if broken > 1:
                break
        if broken <= 1:
            for c in categorical_dims:
                if not allowed[c, xc[c, r]]:
                    broken += 1
                    limit = int(2 * dn + c)
                    if broken > 1:
                        break
        if broken == 0:
            n_in += 1.0
            k_in += y[r]
        elif broken == 1:
            extra_n[limit] += 1.0
            extra_k[limit] += y[r]
    return n_in, k_in


@numba.njit(cache=True)
def _tightest_first(lo: np.ndarray, hi: np.ndarray, restricted: np.ndarray,
                    span: np.ndarray) -> np.ndarray:  # pragma: no cover
    """The restricted numeric columns, narrowest limits (relative to the data's span) first.

    A row outside two limits is then found out sooner.
    """
    dims = np.flatnonzero(restricted)
    width = np.empty(dims.shape[0])
    for t in range(dims.shape[0]):
        j = dims[t]
        width[t] = (hi[j] - lo[j]) / span[j] if span[j] > 0 else 1.0
    return dims[np.argsort(width)]


@numba.njit(cache=True, parallel=True)
def _relaxed_parallel(xt: np.ndarray, xc: np.ndarray, rows: np.ndarray, y: np.ndarray, lo: np.ndarray,
                      hi: np.ndarray, allowed: np.ndarray, numeric_res: np.ndarray, categorical_res: np.ndarray,
                      span: np.ndarray, inside_n: np.ndarray, inside_k: np.ndarray, extra_n: np.ndarray,
                      extra_k: np.ndarray) -> None:  # pragma: no cover
    for s in numba.prange(lo.shape[0]):
        inside_n[s], inside_k[s] = _relaxed_step(xt, xc, rows, y, lo[s], hi[s], allowed[s],
                                                 _tightest_first(lo[s], hi[s], numeric_res[s], span),
                                                 np.flatnonzero(categorical_res[s]), extra_n[s], extra_k[s])


@numba.njit(cache=True)
def _relaxed_serial(xt: np.ndarray, xc: np.ndarray, rows: np.ndarray, y: np.ndarray, lo: np.ndarray,
                    hi: np.ndarray, allowed: np.ndarray, numeric_res: np.ndarray, categorical_res: np.ndarray,
                    span: np.ndarray, inside_n: np.ndarray, inside_k: np.ndarray, extra_n: np.ndarray,
                    extra_k: np.ndarray) -> None:  # pragma: no cover
    for s in range(lo.shape[0]):
        inside_n[s], inside_k[s] = _relaxed_step(xt, xc, rows, y, lo[s], hi[s], allowed[s],
                                                 _tightest_first(lo[s], hi[s], numeric_res[s], span),
                                                 np.flatnonzero(categorical_res[s]), extra_n[s], extra_k[s])


def relaxed_counts(xt: np.ndarray, xc: np.ndarray, rows: np.ndarray, y: np.ndarray, lo: np.ndarray, hi: np.ndarray,
                   allowed: np.ndarray, numeric_res: np.ndarray,
                   categorical_res: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Rows and cases inside each box of a trajectory, and outside it by exactly one limit.

    Step ``s`` has limits ``lo[s]``, ``hi[s]``, ``allowed[s]`` and restricted flags ``numeric_res[s]``,
    ``categorical_res[s]``; per limit (numbered as in :func:`violations`) the rows and cases that break only
    that limit are counted. Large trajectories run their steps in parallel.
    """
    steps, size = lo.shape[0], 2 * xt.shape[0] + xc.shape[0]
    inside_n, inside_k = np.zeros(steps), np.zeros(steps)
    extra_n, extra_k = np.zeros((steps, size)), np.zeros((steps, size))
    span = xt.max(axis=1) - xt.min(axis=1) if xt.shape[1] else np.ones(xt.shape[0])
    run = _relaxed_parallel if steps * rows.shape[0] >= 200_000 else _relaxed_serial
    run(xt, xc, rows, y, lo, hi, allowed, numeric_res, categorical_res, span, inside_n, inside_k, extra_n, extra_k)
    return inside_n, inside_k, extra_n, extra_k


def relaxed_counts_numpy(xt: np.ndarray, xc: np.ndarray, rows: np.ndarray, y: np.ndarray, lo: np.ndarray,
                         hi: np.ndarray, allowed: np.ndarray, numeric_res: np.ndarray,
                         categorical_res: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """NumPy twin of :func:`relaxed_counts`."""
    steps, size = lo.shape[0], 2 * xt.shape[0] + xc.shape[0]
    inside_n, inside_k = np.zeros(steps), np.zeros(steps)
    extra_n, extra_k = np.zeros((steps, size)), np.zeros((steps, size))
    y_rows = y[rows]
    for s in range(steps):
        count, which = violations_numpy(xt, xc, rows, lo[s], hi[s], allowed[s], np.flatnonzero(numeric_res[s]),
                                        np.flatnonzero(categorical_res[s]))
        inside_n[s], inside_k[s] = (count == 0).sum(), y_rows[count == 0].sum()
        single = count == 1
        extra_n[s] = np.bincount(which[single], minlength=size)
        extra_k[s] = np.bincount(which[single], weights=y_rows[single], minlength=size)
    return inside_n, inside_k, extra_n, extra_k
