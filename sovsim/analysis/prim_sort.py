"""Sorting for PRIM: a bucket sort of a column's rows by value, of the whole column or of its ends first.

PRIM's peeling walks each numeric column from its ends in order of value, so it needs the rows of each
column sorted. :func:`argsort_values` sorts a column whole; :func:`argsort_ends` sorts only the rows below
and above two cuts near its 15 % and 85 % quantiles and leaves the middle apart, unsorted, for
:func:`sort_segment` to sort when a walk first reaches it. Both release the GIL, so the columns of a data
set sort on threads.
"""

from __future__ import annotations

import math

import numba
import numpy as np

__all__ = ["argsort_values", "argsort_ends", "sort_segment", "END_SHARE"]

#: Mean points per bucket of :func:`argsort_values`; a bucket this small is sorted by insertion.
_BUCKET_POINTS = 4
_INSERTION_MAX = 32
#: Bucket passes over a skewed part of a column before it is left to a quicksort.
_BUCKET_DEPTH = 3


@numba.njit(nogil=True, cache=True)
def _insertion(keys: np.ndarray, idx: np.ndarray, first: int, last: int) -> None:  # pragma: no cover
    for t in range(first + 1, last):
        v = keys[t]
        r = idx[t]
        u = t - 1
        while u >= first and keys[u] > v:
            keys[u + 1] = keys[u]
            idx[u + 1] = idx[u]
            u -= 1
        keys[u + 1] = v
        idx[u + 1] = r


@numba.njit(nogil=True, cache=True)
def sort_segment(keys: np.ndarray, idx: np.ndarray, start: int, stop: int) -> None:  # pragma: no cover
    """Sort ``keys[start:stop]`` in place, carrying ``idx[start:stop]`` along (see :func:`argsort_values`)."""
    n = stop - start
    if n < 2:
        return
    spare_keys = np.empty(n)
    spare_idx = np.empty(n, dtype=idx.dtype)
    counts = np.zeros(n // _BUCKET_POINTS + 2, dtype=np.int64)
    which = np.empty(n, dtype=np.int32)
    # a stack of stretches still to sort: (first, last, depth)
    stack_first = [start]
    stack_last = [stop]
    stack_depth = [0]
    while len(stack_first) > 0:
        first = stack_first.pop()
        last = stack_last.pop()
        depth = stack_depth.pop()
        size = last - first
        if size <= _INSERTION_MAX:
            _insertion(keys, idx, first, last)
            continue
        low = keys[first]
        high = keys[first]
        for t in range(first, last):
            v = keys[t]
            if v < low:
                low = v
            elif v > high:
                high = v
        if not high > low:
            continue
        scale = (size // _BUCKET_POINTS) / (high - low)
        if depth >= _BUCKET_DEPTH or not (math.isfinite(low) and math.isfinite(high) and math.isfinite(scale)
                                         and scale > 0.0):  # skewed, infinite or too wide a range
            order = np.argsort(keys[first:last])
            for t in range(size):
                spare_keys[t] = keys[first + order[t]]
                spare_idx[t] = idx[first + order[t]]
            keys[first:last] = spare_keys[:size]
            idx[first:last] = spare_idx[:size]
            continue
        buckets = size // _BUCKET_POINTS
        counts[:buckets + 1] = 0
        for t in range(first, last):
            b = int((keys[t] - low) * scale)
            if b >= buckets:
                b = buckets - 1
            which[t - start] = b
            counts[b + 1] += 1
        for b in range(buckets):
            counts[b + 1] += counts[b]
        for t in range(first, last):
            b = which[t - start]
            w = counts[b]
            spare_keys[w] = keys[t]
            spare_idx[w] = idx[t]
            counts[b] = w + 1
        keys[first:last] = spare_keys[:size]
        idx[first:last] = spare_idx[:size]
        begin = first
        for b in range(buckets):  # counts[b] is now where bucket b ends
            end = first + counts[b]
            if end - begin > 1:
                if end - begin <= _INSERTION_MAX:
                    _insertion(keys, idx, begin, end)
                else:
                    stack_first.append(begin)
                    stack_last.append(end)
                    stack_depth.append(depth + 1)
            begin = end


@numba.njit(nogil=True, cache=True)
def argsort_values(values: np.ndarray, out: np.ndarray, keys: np.ndarray) -> None:  # pragma: no cover
    """Write into ``out`` the positions of ``values`` (floats, no NaN) in ascending order, into ``keys`` the values.

    A bucket sort: the values of a stretch go to about one bucket per four points, of equal width between
    the stretch's smallest and largest value (``(v - min) × scale`` rounds monotonically, so the buckets
    are in order); a counting pass lays the buckets out, and each bucket is then a stretch of its own:
    sorted by insertion when small, left alone when all its values are equal, bucketed again when large
    (a skewed column), and after a few such passes sorted by quicksort. Expected time is linear for values
    spread over their range. Ties may come in any order (every use of the order looks at values, not at
    positions).
    """
    n = values.shape[0]
    for t in range(n):
        out[t] = t
        keys[t] = values[t]
    sort_segment(keys, out, 0, n)


#: Share of a column sorted at each end by :func:`argsort_ends` (the middle waits until a walk reaches it).
END_SHARE = 0.15


@numba.njit(nogil=True, cache=True)
def argsort_ends(values: np.ndarray, out: np.ndarray, keys: np.ndarray,
                 share: float) -> tuple[int, int, float, float]:  # pragma: no cover
    """:func:`argsort_values`, but the middle of the column is only set apart, not sorted.

    Two cut values are taken from a regular sample of the column, near its ``share`` and ``1 - share``
    quantiles: the rows below the lower cut come first, sorted; those above the upper cut last, sorted; the
    rest in between, in row order. Returns ``(a, b, low_cut, high_cut)``: positions ``a:b`` are the unsorted
    middle, every value there lies in ``[low_cut, high_cut]``, every value before ``a`` below ``low_cut``
    and every one from ``b`` on above ``high_cut``. A short or narrow column is sorted whole (``a == b``).
    PRIM's peeling mostly looks at the ends of a column, so a column it never restricts is never sorted
    through; :func:`sort_segment` sorts a middle when it is needed.
    """
    n = values.shape[0]
    stride = max(1, n // 4096)
    sample = np.sort(values[::stride])
    m = sample.shape[0]
    k = int(share * m)
    low_cut = sample[k]
    high_cut = sample[m - 1 - k]
    if n < 16384 or not low_cut < high_cut:
        argsort_values(values, out, keys)
        return 0, 0, low_cut, high_cut
    below = 0
    above = 0
    for t in range(n):
        v = values[t]
        if v < low_cut:
            below += 1
        elif v > high_cut:
            above += 1
    w_low = 0
    w_mid = below
    w_top = n - above
    for t in range(n):
        v = values[t]
        if v < low_cut:
            w = w_low
            w_low += 1
        elif v > high_cut:
            w = w_top
            w_top += 1
        else:
            w = w_mid
            w_mid += 1
        out[w] = t
        keys[w] = v
    sort_segment(keys, out, 0, below)
    sort_segment(keys, out, n - above, n)
    return below, n - above, low_cut, high_cut
