"""PRIM's data: the uncertainties as arrays, and the rows sorted by each numeric column.

:func:`prepare` turns a table into numeric columns (floats, then integers; transposed, one row per column)
and category codes, leaving out columns with a single value; :func:`sorted_rows` sorts the rows of a box by
each numeric column (whole, or at the ends first: :mod:`sovsim.analysis.prim_sort`).
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from sovsim.analysis import prim_sort as sorting

__all__ = ["Data", "Orders", "PrimError", "prepare", "sorted_rows"]


class PrimError(ValueError):
    """Data or settings PRIM cannot work with (named in the message)."""


@dataclass(frozen=True)
class Data:
    """The uncertainties as arrays: numeric columns (floats, then integers) and category codes."""

    numeric: tuple[str, ...]
    categorical: tuple[str, ...]
    xt: np.ndarray  #: (numeric columns, rows), float64
    is_int: np.ndarray
    xc: np.ndarray  #: (categorical columns, rows), int64 codes
    ncat: np.ndarray
    categories: tuple[tuple[Any, ...], ...]
    dropped: tuple[str, ...]  #: columns with a single value
    low: np.ndarray  #: per numeric column, its smallest value
    high: np.ndarray  #: and its largest


def _is_categorical(column: pd.Series, forced: bool) -> bool:
    dtype = column.dtype
    return forced or isinstance(dtype, pd.CategoricalDtype) or not pd.api.types.is_numeric_dtype(dtype) or \
        pd.api.types.is_bool_dtype(dtype)


def prepare(x: pd.DataFrame, categorical: Iterable[str]) -> Data:
    """The columns of ``x`` as arrays; each numeric column is copied once, straight into its row of ``xt``."""
    forced = set(categorical)
    n = len(x)
    kinds: dict[str, str] = {}
    for name in x.columns:
        column = x[name]
        if _is_categorical(column, name in forced):
            kinds[str(name)] = "cat"
        else:
            kinds[str(name)] = "int" if pd.api.types.is_integer_dtype(column.dtype) else "float"
    numeric = [c for c in kinds if kinds[c] == "float"] + [c for c in kinds if kinds[c] == "int"]
    xt = np.empty((len(numeric), n))
    keep = np.ones(len(numeric), dtype=bool)
    low, high = np.zeros(len(numeric)), np.zeros(len(numeric))
    dropped = []
    for j, name in enumerate(numeric):
        column = x[name]
        if kinds[name] == "int" and column.isna().any():  # a nullable integer column
            raise PrimError(f"column {name!r} has missing values; PRIM needs a value in every row")
        xt[j] = column.to_numpy(dtype=float, na_value=np.nan)
        low[j], high[j] = np.min(xt[j]), np.max(xt[j])  # NaN when a value is missing
        if math.isnan(low[j]) or math.isnan(high[j]):
            raise PrimError(f"column {name!r} has missing values; PRIM needs a value in every row")
        if low[j] == high[j]:
            keep[j] = False
            dropped.append(name)
    if not keep.all():
        xt, low, high = np.ascontiguousarray(xt[keep]), low[keep], high[keep]
        numeric = [c for c, k in zip(numeric, keep) if k]
    codes, categories, cats = [], [], []
    for name in (c for c in kinds if kinds[c] == "cat"):
        column = x[name]
        if column.isna().any():
            raise PrimError(f"column {name!r} has missing values; PRIM needs a value in every row")
        if column.nunique(dropna=False) <= 1:
            dropped.append(name)
            continue
        present = set(column.unique().tolist())
        if isinstance(column.dtype, pd.CategoricalDtype):
            values = tuple(v for v in column.cat.categories.tolist() if v in present)
        else:
            values = tuple(sorted(present, key=lambda v: (str(type(v)), v)))
        lookup = {v: i for i, v in enumerate(values)}
        codes.append(np.array([lookup[v] for v in column.tolist()], dtype=np.int64))
        categories.append(values)
        cats.append(name)
    xc = np.ascontiguousarray(np.vstack(codes)) if codes else np.zeros((0, n), dtype=np.int64)
    order = {str(c): i for i, c in enumerate(x.columns)}
    return Data(tuple(numeric), tuple(cats), xt, np.array([kinds[c] == "int" for c in numeric], dtype=bool), xc,
                 np.array([len(v) for v in categories], dtype=np.int64), tuple(categories),
                 tuple(sorted(dropped, key=order.__getitem__)), low, high)


def _row_dtype(n: int) -> type[np.signedinteger[Any]]:
    """Row ids in 32 bits where they fit: half the memory and the traffic of the sorted orders."""
    return np.int32 if n < 2**31 else np.int64


@dataclass(frozen=True)
class Orders:
    """Rows sorted by each numeric column (``orders[j]``), their values in that order, and what is unsorted.

    Positions ``mid_a[j]:mid_b[j]`` of column ``j`` are a middle not yet sorted, whose values all lie in
    ``[low_cut[j], high_cut[j]]`` (none where ``mid_a[j] == mid_b[j]``); see
    :func:`~sovsim.analysis.prim_sorting.argsort_ends`.
    """

    orders: np.ndarray
    values: np.ndarray
    mid_a: np.ndarray
    mid_b: np.ndarray
    low_cut: np.ndarray
    high_cut: np.ndarray

    def sort_middle(self, j: int) -> None:
        if self.mid_a[j] < self.mid_b[j]:
            sorting.sort_segment(self.values[j], self.orders[j], int(self.mid_a[j]), int(self.mid_b[j]))
            self.mid_a[j] = self.mid_b[j] = 0


def sorted_rows(xt: np.ndarray, rows: np.ndarray, ends: bool = False) -> Orders:
    """``rows`` sorted by each numeric column, with their values in that order; with ``ends``, only the ends.

    Each column is bucket-sorted (:func:`~sovsim.analysis.prim_sorting.argsort_values` or ``argsort_ends``,
    which release the GIL), large sets of columns on threads.
    """
    dn = xt.shape[0]
    out = np.empty((dn, rows.shape[0]), dtype=_row_dtype(xt.shape[1]))
    values = np.empty((dn, rows.shape[0]))
    mid_a, mid_b = np.zeros(dn, dtype=np.int64), np.zeros(dn, dtype=np.int64)
    low_cut, high_cut = np.zeros(dn), np.zeros(dn)
    if dn == 0:
        return Orders(out, values, mid_a, mid_b, low_cut, high_cut)
    workers = min(len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else 1, dn)
    every = rows.shape[0] == xt.shape[1] and bool(rows[0] == 0) and bool((np.diff(rows) == 1).all())

    def sort(j: int) -> None:  # all rows (the first box): their positions are the row ids, nothing to gather
        column = xt[j] if every else xt[j, rows]
        if ends:
            mid_a[j], mid_b[j], low_cut[j], high_cut[j] = sorting.argsort_ends(column, out[j], values[j],
                                                                               sorting.END_SHARE)
        else:
            sorting.argsort_values(column, out[j], values[j])
        if not every:
            out[j] = rows[out[j]]

    if workers == 1 or dn * rows.shape[0] < 200_000:
        for j in range(dn):
            sort(j)
    else:
        with ThreadPoolExecutor(workers) as pool:
            list(pool.map(sort, range(dn)))
    return Orders(out, values, mid_a, mid_b, low_cut, high_cut)
