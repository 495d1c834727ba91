"""The results of a sweep as the analysis sees them: the futures table, the manifest, and the outcome.

The outcome of interest is a boolean expression over the columns of the futures table in a small part of
SQL (:mod:`sovsim.analysis.expr`): ``verdict != 'alive' and death_time_years < 5`` (the default: died
before year 5). Columns named by a scenario field path are written in double quotes, as in SQL
(``"staff.attrition_per_year" > 0.2``). A missing value counts as false.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

__all__ = ["SweepResults", "load", "OutcomeError", "evaluate_outcome", "DEFAULT_OUTCOME", "AnalysisError"]

#: Died before year 5.
DEFAULT_OUTCOME = "verdict != 'alive' and death_time_years < 5"


class AnalysisError(ValueError):
    """A results directory the analysis cannot read (named in the message)."""


class OutcomeError(AnalysisError):
    """An outcome expression that does not parse, names unknown columns, or is not true/false per future."""


@dataclass(frozen=True)
class Uncertainty:
    """An uncertainty as recorded in the manifest: its column, kind and (for categories) values."""

    path: str
    kind: str  #: real, integer or categorical
    values: tuple[Any, ...] = ()


@dataclass(frozen=True)
class SweepResults:
    """A sweep's futures (all rows, and the ``ok`` ones) with what its manifest says about them."""

    root: Path
    manifest: Mapping[str, Any]
    all_futures: pd.DataFrame
    uncertainties: tuple[Uncertainty, ...]
    sampler: str
    second_order: bool
    base_scenarios: int  #: the spec's ``scenarios`` (for Saltelli: the base sample N)
    futures: pd.DataFrame = field(repr=False)  #: rows with status ok

    @property
    def name(self) -> str:
        return str(self.manifest.get("name") or self.root.name)

    @property
    def errors(self) -> int:
        return int((self.all_futures["status"] != "ok").sum())

    @property
    def policies(self) -> list[str]:
        listed = [str(p) for p in self.manifest.get("policies", [])]
        seen = [str(p) for p in self.futures["policy"].unique()]
        return [p for p in listed if p in seen] + [p for p in seen if p not in listed]


def _uncertainties(spec: Mapping[str, Any]) -> tuple[Uncertainty, ...]:
    out = []
    for u in spec.get("uncertainties", []) or []:
        if isinstance(u, Mapping) and isinstance(u.get("path"), str):
            out.append(Uncertainty(u["path"], str(u.get("kind", "real")), tuple(u.get("values", ()) or ())))
    return tuple(out)


#: The columns every analysis reads besides the uncertainties and the columns an outcome names.
ANALYSIS_COLUMNS = ("future", "scenario_index", "policy", "status", "verdict", "death_time_years", "horizon_years",
                    "root_cause")


def columns_named(expression: str, columns: list[str]) -> list[str]:
    """The columns whose name occurs in ``expression`` (bare, quoted or backticked): what evaluating it may read.

    A superset is harmless (a name inside a string literal is read too); a column is never missed.
    """
    return [c for c in columns if re.search(r"(?<![\w.])" + re.escape(c) + r"(?![\w.])", expression)]


def analysis_columns(root: str | Path, outcome: str | None = None) -> list[str]:
    """The columns ``analyze`` needs from a results directory (the rest of the row is never read).

    The ids, verdict and times, the uncertainties, and the columns the outcome expression names.
    """
    import pyarrow.parquet as pq

    from sovsim.sweep.compact import futures_files
    from sovsim.sweep.store import read_manifest

    files = futures_files(root)
    available = pq.read_schema(files[0]).names if files else []
    wanted = set(ANALYSIS_COLUMNS) | set(columns_named(DEFAULT_OUTCOME if outcome is None else outcome, available))
    spec = read_manifest(Path(root) / "manifest.json").get("spec", {}) or {}
    wanted |= {u.path for u in _uncertainties(spec)}
    return [c for c in available if c in wanted]


def read_futures(root: str | Path, columns: list[str] | None = None) -> pd.DataFrame:
    """The futures table (only ``columns``, when given), sorted by future index.

    Read with Arrow straight from the parts the store lists (compacted parts, then the shard parts they do
    not cover), many columns at once; repeated strings (policy, verdict, status) become one Python object
    each, which keeps a million rows in a few hundred megabytes.
    """
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.dataset as ds

    from sovsim.sweep.compact import futures_files

    files = [str(p) for p in futures_files(root)]
    if not files:
        return pd.DataFrame()
    table = ds.dataset(files, format="parquet").to_table(columns=columns)
    if "future" in table.column_names and table.num_rows > 1:
        future = table.column("future")
        if not pc.all(pc.greater(future[1:], future[:-1])).as_py():
            table = table.sort_by("future")
    frame = table.to_pandas(deduplicate_objects=True, split_blocks=True, self_destruct=True)
    del table
    # Arrow's allocator keeps the pages the table held for its next table; analysis makes none, so they go back
    pa.default_memory_pool().release_unused()
    return frame


def load(root: str | Path, columns: list[str] | None = None, *, allow_damaged: bool = False) -> SweepResults:
    """Read a results directory (``manifest.json`` and its futures parts); ``columns``: only those.

    A directory that fails the integrity check (``sovsim sweep --verify``) is refused unless ``allow_damaged``.
    """
    from sovsim.sweep.spec import SpecError
    from sovsim.sweep.store import read_manifest

    root = Path(root)
    manifest_path = root / "manifest.json"
    if not manifest_path.is_file():
        raise AnalysisError(f"DIR: not a results directory: {str(root)!r} has no manifest.json; "
                            "allowed: a directory written by `sovsim sweep`")
    try:
        manifest = read_manifest(manifest_path)
        if not allow_damaged:
            from sovsim.sweep.verify import require_intact

            require_intact(root)
        frame = read_futures(root, columns)
    except SpecError as exc:
        raise AnalysisError(str(exc)) from None
    except Exception as exc:  # noqa: BLE001 - Arrow reports a missing or broken part in its own words
        raise AnalysisError(f"DIR: cannot read the futures of {str(root)!r}: {exc}") from None
    if frame.empty or "verdict" not in frame.columns:
        raise AnalysisError(f"DIR: {str(root)!r} holds no futures yet; run or resume the sweep first")
    spec = manifest.get("spec", {}) or {}
    sweep = spec.get("sweep", {}) or {}
    uncertainties = tuple(u for u in _uncertainties(spec) if u.path in frame.columns)
    is_ok = (frame["status"] == "ok").to_numpy()
    # the usual case, no error rows, needs no copy of the table (only the columns changed below are new)
    ok = frame.copy(deep=False) if is_ok.all() else frame[is_ok].reset_index(drop=True)
    for u in uncertainties:
        if u.kind == "categorical" and u.values:
            ok[u.path] = pd.Categorical(ok[u.path], categories=list(dict.fromkeys(u.values)))
    return SweepResults(root, manifest, frame, uncertainties, str(sweep.get("sampler", "lhs")),
                        bool(sweep.get("second_order", False)), int(sweep.get("scenarios", 0) or 0), ok)


def evaluate_outcome(futures: pd.DataFrame, expression: str | None = None) -> pd.Series:
    """True/False per future for ``expression`` (default :data:`DEFAULT_OUTCOME`); missing values are False.

    The expression is parsed by :mod:`sovsim.analysis.expr` (columns, literals, comparisons, AND/OR/NOT,
    arithmetic, IN, BETWEEN, IS NULL and a few functions) and evaluated with NumPy; nothing else runs.
    """
    from sovsim.analysis.expr import ExpressionError, evaluate_mask

    expression = DEFAULT_OUTCOME if expression is None else expression
    if not expression.strip():
        raise OutcomeError("--outcome: empty expression; allowed: a boolean expression over the futures columns, "
                           f"e.g. {DEFAULT_OUTCOME!r}")
    try:
        mask = evaluate_mask(expression, futures)
    except ExpressionError as exc:
        shown = expression if len(expression) <= 200 else expression[:200] + "…"
        raise OutcomeError(f"--outcome: cannot evaluate {shown!r}: {exc}; allowed: a boolean expression over the "
                           f"futures columns (SQL syntax; quote dotted names: \"staff.attrition_per_year\"), "
                           f"e.g. {DEFAULT_OUTCOME!r}") from None
    return pd.Series(mask, index=futures.index, name="outcome")
