"""The result of an analysis: what ``sovsim analyze`` shows, as Python objects.

Its own module, so that the report, the plots and the terminal tables read it without importing the
analysis that computes it (and the analysis never imports them).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from sovsim.analysis.cart import CartResult
from sovsim.analysis.causes import CausesResult
from sovsim.analysis.data import SweepResults
from sovsim.analysis.prim import PrimBox
from sovsim.analysis.sensitivity import SensitivityResult
from sovsim.analysis.survival import SurvivalResult

__all__ = ["AnalysisResult"]


@dataclass(frozen=True)
class AnalysisResult:
    """Everything ``sovsim analyze`` shows, as Python objects."""

    results: SweepResults
    outcome_expression: str
    outcome: pd.Series  #: True for the futures of interest (aligned with ``results.futures``)
    survival: SurvivalResult
    causes: CausesResult
    prim: PrimBox | None  #: selected at :meth:`PrimBox.suggest`; None when PRIM had nothing to find
    cart: CartResult | None
    sensitivity: SensitivityResult | None
    notes: tuple[str, ...] = ()
    report: Path | None = None
    plots: dict[str, tuple[Path, Path]] = field(default_factory=dict)  #: name → (PNG, SVG)

    @property
    def futures(self) -> pd.DataFrame:
        return self.results.futures
