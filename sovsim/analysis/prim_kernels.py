"""PRIM kernels: the hot loops of peeling and of counting points outside a box by one limit.

The data come as arrays: numeric columns transposed, ``xt[j, row]`` (floats first, then integers), category
codes ``xc[c, row]``, and the outcome ``y[row]`` (0 or 1). A box is ``lo[j] ≤ x ≤ hi[j]`` on numeric
columns and ``allowed[c, code]`` on categorical ones.

``best_peel`` scores every candidate peel of the current box and returns the best one: a numeric column is
peeled at the ``alpha`` quantile from below or ``1 - alpha`` from above (integer columns by whole values),
a categorical one by dropping one category. The score is the gain in mean divided by the points removed
(EMA Workbench's default "lenient1" objective); ties go to the candidate that leaves more dimensions
unrestricted, then to the first in order (numeric columns upper before lower, then categories).

Each numeric column keeps the rows sorted by value (``orders``, with the values beside them), so a
candidate peel costs a walk from the column's end over the points it removes. The orders are made once per
box and never rewritten on a peel: a peeled row is marked dead (``alive``) and skipped; ``apply_peel``
trims a column's ends past dead rows and copies a column's live rows to a shorter array once more than half
of its stretch is dead. Sorting (:mod:`sovsim.analysis.prim_sort`) is a numba bucket sort, at first of
each column's ends only: peeling looks at the ends of a column, and a column's middle is sorted
when a walk first reaches it; a column PRIM never restricts is never sorted through.

``violations`` (NumPy; ``violations_numba`` in one pass) tells, for each point, how many restricted
limits it breaks (0, 1 or 2 = more) and which one when it is exactly one: the counts behind pasting.
``relaxed_counts`` (NumPy) turns the same test into the counts behind the quasi-p-values of every step of a
trajectory, testing every row at every step;
``nested_counts`` gets the same counts along the peeling steps, where each box lies inside the one before,
by visiting only the rows each step cuts off.

The numba kernels have NumPy twins that tests hold them to: ``best_peel_numpy`` sorts afresh instead of
keeping orders, and ``relaxed_counts`` is the twin of ``nested_counts``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import numba
import numpy as np

from sovsim.analysis.prim_sort import sort_segment

__all__ = ["quantile", "best_peel", "apply_peel", "best_peel_numpy", "violations", "violations_numba", "relaxed_counts",
           "nested_counts", "nested_cuts", "NO_PEEL"]

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
def _live_quantile(vals: np.ndarray, seq: np.ndarray, first: int, last: int, up_stop: int, down_stop: int,
                   alive: np.ndarray, n: int, q: float) -> tuple[bool, float]:  # pragma: no cover
    """:func:`quantile` of the ``n`` live points of ``seq[first:last]`` (values ``vals``, in order; dead skipped).

    A lower quantile walks up from ``first``, an upper one down from ``last``: the walk is as long as the
    quantile is far from its end. The order is only known to hold below ``up_stop`` and from ``down_stop``
    on: a walk that would cross either answers ``(False, nan)`` (sort the middle and ask again).
    """
    i = (n - 1) * q
    lo = int(math.floor(i))
    hi = int(math.ceil(i))
    if q > 0.5:  # ranks counted from the top: hi is n - 1 - hi live points below last
        skip = n - 1 - hi
        t = last - 1
        while True:
            if t < down_stop:
                return False, np.nan
            if alive[seq[t]]:
                if skip == 0:
                    break
                skip -= 1
            t -= 1
        p_hi = t
        p_lo = t
        if lo != hi:
            p_lo -= 1
            while p_lo >= down_stop and not alive[seq[p_lo]]:
                p_lo -= 1
            if p_lo < down_stop:
                return False, np.nan
        while vals[p_lo] == vals[p_hi] and lo > 0:
            lo -= 1
            p_lo -= 1
            while p_lo >= down_stop and not alive[seq[p_lo]]:
                p_lo -= 1
            if p_lo < down_stop:
                return False, np.nan
        return True, (vals[p_lo] + vals[p_hi]) / 2.0
    skip = lo
    t = first
    while True:
        if t >= up_stop:
            return False, np.nan
        if alive[seq[t]]:
            if skip == 0:
                break
            skip -= 1
        t += 1
    p_lo = t
    p_hi = t
    if lo != hi:
        p_hi += 1
        while p_hi < up_stop and not alive[seq[p_hi]]:
            p_hi += 1
        if p_hi >= up_stop:
            return False, np.nan
    while vals[p_lo] == vals[p_hi] and hi < n - 1:
        hi += 1
        p_hi += 1
        while p_hi < up_stop and not alive[seq[p_hi]]:
            p_hi += 1
        if p_hi >= up_stop:
            return False, np.nan
    return True, (vals[p_lo] + vals[p_hi]) / 2.0


@numba.njit(cache=True)
def _numeric_peel(vals: np.ndarray, seq: np.ndarray, first: int, last: int, up_stop: int, down_stop: int,
                  alive: np.ndarray, y: np.ndarray, q: float, is_int: bool, bound: float,
                  upper: bool) -> tuple[bool, int, float, float]:  # pragma: no cover
    """One side of a numeric peel at quantile ``q``: (walk stayed in order, points removed, cases removed, limit).

    The live points of ``seq[first:last]`` are the box, in order of value (``vals``) below ``up_stop`` and
    from ``down_stop`` on. A float column keeps ``x ≤ q`` (upper) or ``x ≥ q`` (lower) and the limit is
    ``q``. An integer column peels at the whole value below ``q`` (truncated), or removes every point at the
    current ``bound`` when that is where the truncation lands; its limit is the outermost value kept (the
    outermost value of all when none is kept).
    """
    cut = q
    inclusive = False
    if is_int:
        cut = float(math.trunc(q))
        if cut == bound:
            inclusive = True
    removed = 0
    k_removed = 0.0
    outermost = np.nan
    step = -1 if upper else 1
    t = last - 1 if upper else first
    while first <= t < last:
        if (t < down_stop) if upper else (t >= up_stop):
            return False, 0, 0.0, np.nan
        r = seq[t]
        if alive[r]:
            v = vals[t]
            if removed == 0:
                outermost = v
            if (v > cut if upper else v < cut) or (inclusive and v == cut):
                removed += 1
                k_removed += y[r]
            else:
                return True, removed, k_removed, v if is_int else q
        t += step
    return True, removed, k_removed, outermost if is_int else q


@numba.njit(cache=True)
def best_peel(xt: np.ndarray, is_int: np.ndarray, xc: np.ndarray, ncat: np.ndarray, y: np.ndarray,
              orders: np.ndarray, values: np.ndarray, work: np.ndarray, work_values: np.ndarray,
              in_work: np.ndarray, start: np.ndarray, end: np.ndarray, mid_a: np.ndarray, mid_b: np.ndarray,
              alive: np.ndarray, members: np.ndarray, n_box: int, lo: np.ndarray, hi: np.ndarray,
              init_lo: np.ndarray, init_hi: np.ndarray, allowed: np.ndarray, restricted: np.ndarray,
              alpha: float, n_cols: int) -> tuple[int, int, int, float, int, float, float, int]:  # pragma: no cover
    """The best peel of the box: its kind, column, side, limit, size, cases, objective and freedom.

    Returns (kind 0 numeric / 1 categorical / -1 none, column, side 0 lower / 1 upper or the category code,
    new limit, points left, cases left, objective, unrestricted dimensions left).

    The box is the rows with ``alive[row]``, listed in ``members[:n_box]``. Column ``j``'s rows in order of
    value are ``seq[start[j]:end[j]]`` (``seq`` is ``work[j]`` where ``in_work[j]``, else ``orders[j]``), dead
    rows left in place (see :func:`apply_peel`), with their values beside them (``work_values[j]`` or
    ``values[j]``): a walk reads its values in order. Where ``mid_a[j] < mid_b[j]`` the positions between
    are a middle not yet sorted (:func:`~sovsim.analysis.prim_sort.argsort_ends`); a walk about to enter it
    sorts it first (in place, within the column's stretch) and marks the column sorted. ``restricted`` flags
    numeric columns first, then categorical ones.
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
    found_removed = np.zeros(2, dtype=np.int64)
    found_k = np.zeros(2)
    found_limit = np.zeros(2)
    for j in range(dn):
        seq = work[j] if in_work[j] else orders[j]
        vals = work_values[j] if in_work[j] else values[j]
        while True:  # both sides walked within the sorted ends, else the middle is sorted and they walk again
            unsorted = mid_a[j] < mid_b[j]
            up_stop = mid_a[j] if unsorted else end[j]
            down_stop = mid_b[j] if unsorted else start[j]
            ok = True
            for side in (1, 0):
                upper = side == 1
                ok, q = _live_quantile(vals, seq, start[j], end[j], up_stop, down_stop, alive, n_box,
                                       1.0 - alpha if upper else alpha)
                if not ok:
                    break
                ok, found_removed[side], found_k[side], found_limit[side] = _numeric_peel(
                    vals, seq, start[j], end[j], up_stop, down_stop, alive, y, q, is_int[j],
                    hi[j] if upper else lo[j], upper)
                if not ok:
                    break
            if ok:
                break
            sort_segment(vals, seq, max(mid_a[j], start[j]), min(mid_b[j], end[j]))
            mid_a[j] = 0
            mid_b[j] = 0
        for side in (1, 0):  # upper first, as in EMA Workbench
            upper = side == 1
            removed, k_removed, limit = found_removed[side], found_k[side], found_limit[side]
            if upper:
                now_restricted = lo[j] != init_lo[j] or limit != init_hi[j]
            else:
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


@numba.njit(cache=True)
def apply_peel(xc: np.ndarray, orders: np.ndarray, values: np.ndarray, work: np.ndarray, work_values: np.ndarray,
               in_work: np.ndarray, start: np.ndarray, end: np.ndarray, mid_a: np.ndarray, mid_b: np.ndarray,
               alive: np.ndarray, members: np.ndarray, n_box: int, kind: int, dim: int, side: int,
               limit: float) -> int:  # pragma: no cover
    """Take a peel found by :func:`best_peel` out of the box; the new number of points in it.

    The rows peeled die (``alive``) and leave ``members``. No column order is rewritten on every peel: a
    column's dead rows stay in its order, skipped by the walks, and its ends are trimmed past dead rows.
    When more than half of a column's stretch is dead, its live rows are copied, in order, into its row of
    ``work`` (half as long as the orders), so a walk never crosses more than as many dead rows as live ones.
    """
    if kind == 0:
        seq = work[dim] if in_work[dim] else orders[dim]
        vals = work_values[dim] if in_work[dim] else values[dim]
        if side == 1:
            t = end[dim] - 1
            while t >= start[dim] and (not alive[seq[t]] or vals[t] > limit):
                alive[seq[t]] = 0
                t -= 1
            end[dim] = t + 1
        else:
            t = start[dim]
            while t < end[dim] and (not alive[seq[t]] or vals[t] < limit):
                alive[seq[t]] = 0
                t += 1
            start[dim] = t
    else:
        codes = xc[dim]
        for t in range(n_box):
            r = members[t]
            if codes[r] == side:
                alive[r] = 0
    n_new = 0
    for t in range(n_box):
        r = members[t]
        if alive[r]:
            members[n_new] = r
            n_new += 1
    for j in range(orders.shape[0]):
        seq = work[j] if in_work[j] else orders[j]
        vals = work_values[j] if in_work[j] else values[j]
        a = start[j]
        b = end[j]
        while a < b and not alive[seq[a]]:
            a += 1
        while b > a and not alive[seq[b - 1]]:
            b -= 1
        start[j] = a
        end[j] = b
        if b - a > 2 * n_new and b - a > 64:
            out = work[j]
            out_values = work_values[j]
            w = 0
            ma = mid_a[j]
            mb = mid_b[j]
            na = 0 if ma < a else -1  # where the unsorted middle starts and ends once compacted
            nb = 0 if mb < a else -1
            for t in range(a, b):
                if t == ma:
                    na = w
                if t == mb:
                    nb = w
                r = seq[t]
                if alive[r]:
                    out[w] = r
                    out_values[w] = vals[t]
                    w += 1
            in_work[j] = True
            start[j] = 0
            end[j] = w
            if ma < mb:
                mid_a[j] = w if na < 0 else na
                mid_b[j] = w if nb < 0 else nb
    return n_new


def best_peel_numpy(xt: np.ndarray, is_int: np.ndarray, xc: np.ndarray, ncat: np.ndarray, y: np.ndarray,
                    members: np.ndarray, n_box: int, lo: np.ndarray, hi: np.ndarray,
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


def violations(xt: np.ndarray, xc: np.ndarray, rows: np.ndarray, lo: np.ndarray, hi: np.ndarray,
               allowed: np.ndarray, numeric_dims: np.ndarray,
               categorical_dims: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per row: limits broken (0, 1, or 2 for two or more) and which one when exactly one.

    A limit is ``2 j`` (lower of numeric column ``j``), ``2 j + 1`` (upper) or ``2 dn + c`` (categorical
    column ``c``); only the columns listed in ``numeric_dims`` and ``categorical_dims`` count.
    """
    dn = xt.shape[0]
    total = np.zeros(rows.shape[0], dtype=np.int16)
    which = np.full(rows.shape[0], -1, dtype=np.int64)
    for j in numeric_dims:
        x = xt[j, rows]
        for flag, limit in ((x < lo[j], 2 * j), (x > hi[j], 2 * j + 1)):
            total += flag
            which[flag] = limit
    for c in categorical_dims:
        flag = ~allowed[c, xc[c, rows]]
        total += flag
        which[flag] = 2 * dn + c
    return np.minimum(total, 2).astype(np.int8), np.where(total == 1, which, -1)


@numba.njit(cache=True)
def violations_numba(xt: np.ndarray, xc: np.ndarray, rows: np.ndarray, lo: np.ndarray, hi: np.ndarray,
                     allowed: np.ndarray, numeric_dims: np.ndarray,
                     categorical_dims: np.ndarray) -> tuple[np.ndarray, np.ndarray]:  # pragma: no cover
    """:func:`violations` in one pass over the rows."""
    dn = xt.shape[0]
    n = rows.shape[0]
    total = np.zeros(n, dtype=np.int8)
    which = np.full(n, -1, dtype=np.int64)
    for t in range(n):
        r = rows[t]
        broken = 0
        last = -1
        for j in numeric_dims:
            v = xt[j, r]
            if v < lo[j]:
                broken += 1
                last = 2 * j
            if v > hi[j]:
                broken += 1
                last = 2 * j + 1
        for c in categorical_dims:
            if not allowed[c, xc[c, r]]:
                broken += 1
                last = 2 * dn + c
        total[t] = min(broken, 2)
        if broken == 1:
            which[t] = last
    return total, which


@numba.njit(cache=True)
def _cut(y: np.ndarray, order: np.ndarray, first: int, last: int, limit: int, broken: np.ndarray,
         single: np.ndarray, tally_n: np.ndarray, tally_k: np.ndarray) -> tuple[float, float]:  # pragma: no cover
    """Rows ``order[first:last]`` start to break ``limit``: update the tallies, return what leaves the box.

    The tallies count, per limit, the rows (and cases) that break exactly that one limit.
    """
    left_n = 0.0
    left_k = 0.0
    for t in range(first, last):
        r = order[t]
        if broken[r] == 0:
            left_n += 1.0
            left_k += y[r]
            tally_n[limit] += 1.0
            tally_k[limit] += y[r]
            single[r] = limit
            broken[r] = 1
        elif broken[r] == 1:
            tally_n[single[r]] -= 1.0
            tally_k[single[r]] -= y[r]
            broken[r] = 2
    return left_n, left_k


def nested_counts(y: np.ndarray, sorted_rows: Sequence[np.ndarray], n_rows: int, n_in: float, k_in: float, steps: int,
                  size: int, cut_step: np.ndarray, cut_limit: np.ndarray, cut_order: np.ndarray,
                  cut_first: np.ndarray, cut_last: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """:func:`relaxed_counts` for a trajectory whose every box lies inside the one before (peeling).

    A row only ever gains broken limits along such a trajectory, so each step only visits the rows its
    tightened limits cut off: cut ``i`` (in step order) says that at step ``cut_step[i]`` the rows
    ``sorted_rows[cut_order[i], cut_first[i]:cut_last[i]]`` start to break limit ``cut_limit[i]``. Row ids
    are below ``n_rows``; the first box holds all ``n_in`` rows and ``k_in`` cases.
    """
    broken = np.zeros(n_rows, dtype=np.int8)
    single = np.full(n_rows, -1, dtype=np.int64)
    inside_n, inside_k = np.full(steps, n_in), np.full(steps, k_in)
    extra_n, extra_k = np.zeros((steps, size)), np.zeros((steps, size))
    tally_n, tally_k = np.zeros(size), np.zeros(size)
    i = 0
    for s in range(1, steps):
        while i < cut_step.shape[0] and cut_step[i] == s:
            left_n, left_k = _cut(y, sorted_rows[cut_order[i]], int(cut_first[i]), int(cut_last[i]),
                                  int(cut_limit[i]), broken, single, tally_n, tally_k)
            n_in -= left_n
            k_in -= left_k
            i += 1
        inside_n[s], inside_k[s] = n_in, k_in
        extra_n[s], extra_k[s] = tally_n, tally_k
    return inside_n, inside_k, extra_n, extra_k


def nested_cuts(xt: np.ndarray, xc: np.ndarray, sorted_rows: Sequence[np.ndarray], lo: np.ndarray, hi: np.ndarray,
                allowed: np.ndarray, sorted_values: Sequence[np.ndarray] | np.ndarray | None = None,
                ) -> tuple[np.ndarray, ...]:
    """The cuts :func:`nested_counts` visits, as (step, limit, order, first, last) arrays in step order.

    ``sorted_rows`` has the box's rows sorted by each numeric column, then by the code of each categorical one;
    ``sorted_values``, when given, the values of each numeric column in that order (else they are gathered).
    """
    dn, dc = xt.shape[0], xc.shape[0]
    parts: list[np.ndarray] = []
    for j in range(dn):
        values = xt[j, sorted_rows[j]] if sorted_values is None else sorted_values[j]
        low = np.searchsorted(values, lo[:, j], side="left")  # rows with x < lo break the lower limit
        high = np.searchsorted(values, hi[:, j], side="right")  # rows at positions ≥ high break the upper one
        for limit, first, last in ((2 * j, low[:-1], low[1:]), (2 * j + 1, high[1:], high[:-1])):
            s = np.flatnonzero(last > first) + 1
            parts.append(np.column_stack([s, np.full_like(s, limit), np.full_like(s, j), first[s - 1], last[s - 1]]))
    for c in range(dc):
        codes = xc[c, sorted_rows[dn + c]]
        starts = np.searchsorted(codes, np.arange(allowed.shape[2] + 1), side="left")
        dropped = allowed[:-1, c, :] & ~allowed[1:, c, :]
        s, code = np.nonzero(dropped)
        parts.append(np.column_stack([s + 1, np.full_like(s, 2 * dn + c), np.full_like(s, dn + c), starts[code],
                                      starts[code + 1]]))
    table = np.vstack(parts) if parts else np.zeros((0, 5), dtype=np.int64)
    table = table[np.argsort(table[:, 0], kind="stable")].astype(np.int64)
    return tuple(np.ascontiguousarray(table[:, k]) for k in range(5))


def relaxed_counts(xt: np.ndarray, xc: np.ndarray, rows: np.ndarray, y: np.ndarray, lo: np.ndarray,
                   hi: np.ndarray, allowed: np.ndarray, numeric_res: np.ndarray, categorical_res: np.ndarray,
                   test: Callable[..., tuple[np.ndarray, np.ndarray]] | None = None,
                   ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Rows and cases inside each box of a trajectory, and outside it by exactly one limit.

    Step ``s`` has limits ``lo[s]``, ``hi[s]``, ``allowed[s]`` and restricted flags ``numeric_res[s]``,
    ``categorical_res[s]``; per limit (numbered as in :func:`violations`) the rows and cases that break only
    that limit are counted. Every row is tested at every step (by ``test``, :func:`violations` unless given):
    the reference for :func:`nested_counts`.
    """
    test = violations if test is None else test
    steps, size = lo.shape[0], 2 * xt.shape[0] + xc.shape[0]
    inside_n, inside_k = np.zeros(steps), np.zeros(steps)
    extra_n, extra_k = np.zeros((steps, size)), np.zeros((steps, size))
    y_rows = y[rows]
    for s in range(steps):
        count, which = test(xt, xc, rows, lo[s], hi[s], allowed[s], np.flatnonzero(numeric_res[s]),
                            np.flatnonzero(categorical_res[s]))
        inside_n[s], inside_k[s] = (count == 0).sum(), y_rows[count == 0].sum()
        single = count == 1
        extra_n[s] = np.bincount(which[single], minlength=size)
        extra_k[s] = np.bincount(which[single], weights=y_rows[single], minlength=size)
    return inside_n, inside_k, extra_n, extra_k
