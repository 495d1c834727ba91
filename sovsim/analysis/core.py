"""``analyze``: every analysis of a results directory, gathered into one :class:`AnalysisResult`."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from sovsim.analysis.cart import FIT_ROWS, cart
from sovsim.analysis.causes import causes
from sovsim.analysis.data import (
    DEFAULT_OUTCOME,
    AnalysisError,
    SweepResults,
    analysis_columns,
    columns_named,
    evaluate_outcome,
    load,
)
from sovsim.analysis.prim import Prim, PrimBox, PrimError
from sovsim.analysis.result import AnalysisResult
from sovsim.analysis.sensitivity import sensitivity
from sovsim.analysis.survival import survival_by_policy

__all__ = ["AnalysisResult", "analyze", "discovery_inputs"]


def discovery_inputs(results: SweepResults) -> pd.DataFrame:
    """The columns scenario discovery works on: the uncertainties, and the policy when there are several."""
    columns = [u.path for u in results.uncertainties]
    x = results.futures[columns].copy()
    if len(results.policies) > 1:
        x["policy"] = pd.Categorical(results.futures["policy"], categories=results.policies)
    return x


def _discover(x: pd.DataFrame, y: pd.Series) -> tuple[PrimBox | None, str | None]:
    cases = int(y.sum())
    if x.shape[1] == 0:
        return None, "PRIM: the sweep varies nothing (no uncertainties and one policy)"
    if cases == 0:
        return None, "PRIM: no future meets the outcome"
    if cases == len(y):
        return None, "PRIM: every future meets the outcome"
    try:
        box = Prim(x, y.to_numpy()).find_box()
    except PrimError as exc:
        return None, f"PRIM: {exc}"
    box.select(box.suggest())
    return box, None


def analyze(results_dir: str | Path, outcome: str | None = None, *, allow_damaged: bool = False) -> AnalysisResult:
    """Analyse a sweep's results directory (the report is written apart: :func:`sovsim.analysis.analyze`).

    ``outcome`` is a boolean expression over the futures columns (default: died before year 5,
    ``verdict != 'alive' and death_time_years < 5``); futures that raised (status ``error``) are left out.
    A directory that fails the store check is refused unless ``allow_damaged``.
    """
    try:
        columns = analysis_columns(results_dir, outcome)
    except Exception:  # noqa: BLE001 - an unreadable directory is reported by load, in its words
        columns = None
    results = load(results_dir, columns=columns or None, allow_damaged=allow_damaged)
    futures = results.futures
    if futures.empty:
        raise AnalysisError(f"DIR: every future in {str(results.root)!r} is an error row; nothing to analyse")
    expression = DEFAULT_OUTCOME if outcome is None else outcome
    named = columns_named(expression, list(futures.columns))  # the outcome reads only the columns it names
    y = evaluate_outcome(futures[named] if named else futures, expression)
    notes = []
    if results.errors:
        notes.append(f"{results.errors} futures raised an error and are left out")
    x = discovery_inputs(results)
    box, note = _discover(x, y)
    if note:
        notes.append(note)
    tree = cart(x, y) if x.shape[1] else None
    if tree is not None and len(y) > FIT_ROWS:
        notes.append(f"CART fitted on a random {FIT_ROWS:,} of the {len(y):,} futures; leaves counted over all")
    seed = int(results.manifest.get("seed", 0) or 0)
    scores = sensitivity(results, y, x, seed) if x.shape[1] else None
    return AnalysisResult(results, expression, y, survival_by_policy(futures), causes(futures), box, tree,
                          scores, tuple(notes))
