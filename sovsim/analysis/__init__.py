"""Analysis of a sweep's results: survival, causes of death, scenario discovery, sensitivity and a report.

``analyze(DIR)`` reads a results directory written by ``sovsim sweep`` and answers, per policy: how long
programmes live (Kaplan–Meier), what kills them (Aalen–Johansen cumulative incidence per verdict, verdict
shares, root events), which conditions make the outcome of interest likely (PRIM, with CART as a second
view) and which uncertainties move it (Sobol indices for a Saltelli sweep, else extra-trees scores).
With ``out`` it also writes ``report.html`` and the plots (PNG and SVG) there.

The modules read result tables only; matplotlib is imported by :mod:`sovsim.analysis.plots` alone. The
submodules (and SciPy, scikit-learn, numba) load on first use, so ``import sovsim`` stays quick.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sovsim.analysis.core import AnalysisResult

__all__ = ["AnalysisResult", "AnalysisError", "OutcomeError", "Prim", "PrimBox", "DEFAULT_OUTCOME", "analyze"]

_LAZY = {"AnalysisResult": "core", "AnalysisError": "data", "OutcomeError": "data", "DEFAULT_OUTCOME": "data",
         "Prim": "prim", "PrimBox": "prim"}


def analyze(results_dir: str | Path, outcome: str | None = None, out: str | Path | None = None, *,
            allow_damaged: bool = False) -> AnalysisResult:
    """Analyse a sweep's results directory; with ``out``, write ``report.html`` and the plots there.

    ``outcome`` is a boolean expression over the futures columns (default: died before year 5,
    ``verdict != 'alive' and death_time_years < 5``); futures that raised (status ``error``) are left out.
    Returns an :class:`~sovsim.analysis.core.AnalysisResult`.
    """
    from sovsim.analysis.core import analyze as run

    return run(results_dir, outcome, out, allow_damaged=allow_damaged)


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(f"sovsim.analysis.{_LAZY[name]}"), name)
    raise AttributeError(f"module 'sovsim.analysis' has no attribute {name!r}")
