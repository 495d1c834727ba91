"""The results of a sweep as the analysis sees them: the futures table, the manifest, and the outcome.

The outcome of interest is a boolean expression over the columns of the futures table, in DuckDB's SQL or
pandas' ``query`` syntax: ``verdict != 'alive' and death_time_years < 5`` (the default: died before year
5). Columns named by a scenario field path may be written as they are (``staff.attrition_per_year > 0.2``),
in double quotes (SQL) or in backticks (pandas). A missing value counts as false.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
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
    from sovsim.sweep.query import columns_of

    available = columns_of(root)
    wanted = set(ANALYSIS_COLUMNS) | set(columns_named(DEFAULT_OUTCOME if outcome is None else outcome, available))
    try:
        spec = json.loads((Path(root) / "manifest.json").read_text(encoding="utf-8")).get("spec", {}) or {}
    except (OSError, json.JSONDecodeError):
        spec = {}
    wanted |= {u.path for u in _uncertainties(spec)}
    return [c for c in available if c in wanted]


def read_futures(root: str | Path, columns: list[str] | None = None) -> pd.DataFrame:
    """The futures table (only ``columns``, when given), sorted by future index.

    Read with Arrow straight from the parts the store lists (compacted parts, then the shard parts they do
    not cover), many columns at once; repeated strings (policy, verdict, status) become one Python object
    each, which keeps a million rows in a few hundred megabytes.
    """
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
    return table.to_pandas(deduplicate_objects=True, split_blocks=True, self_destruct=True)


def load(root: str | Path, columns: list[str] | None = None) -> SweepResults:
    """Read a results directory (``manifest.json`` and ``futures/part-*.parquet``); ``columns``: only those."""
    from sovsim.sweep.spec import SpecError

    root = Path(root)
    manifest_path = root / "manifest.json"
    if not manifest_path.is_file():
        raise AnalysisError(f"DIR: not a results directory: {str(root)!r} has no manifest.json; "
                            "allowed: a directory written by `sovsim sweep`")
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise AnalysisError(f"DIR: cannot read {str(manifest_path)!r}: {exc}") from None
    try:
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


def _split_quoted(text: str) -> list[tuple[str, bool]]:
    """Pieces of ``text`` with a flag: True for a quoted piece ('…', "…" or `…`), kept verbatim."""
    pieces, i, start = [], 0, 0
    while i < len(text):
        if text[i] in "'\"`":
            quote = text[i]
            end = text.find(quote, i + 1)
            end = len(text) - 1 if end < 0 else end
            pieces.append((text[start:i], False))
            pieces.append((text[i:end + 1], True))
            start = i = end + 1
        else:
            i += 1
    pieces.append((text[start:], False))
    return pieces


def _sql(expression: str, columns: list[str]) -> str:
    """The expression for DuckDB: backticked and bare dotted column names become double-quoted."""
    dotted = sorted((c for c in columns if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", c)), key=len, reverse=True)
    out = []
    for piece, quoted in _split_quoted(expression):
        if quoted:
            out.append('"' + piece[1:-1].replace('"', '""') + '"' if piece.startswith("`") else piece)
            continue
        for name in dotted:
            piece = re.sub(r"(?<![\w.])" + re.escape(name) + r"(?![\w.])", '"' + name.replace("\\", "\\\\") + '"',
                           piece)
        out.append(piece)
    return "".join(out)


def evaluate_outcome(futures: pd.DataFrame, expression: str | None = None) -> pd.Series:
    """True/False per future for ``expression`` (default :data:`DEFAULT_OUTCOME`); missing values are False."""
    import duckdb

    expression = DEFAULT_OUTCOME if expression is None else expression
    if not expression.strip():
        raise OutcomeError("--outcome: empty expression; allowed: a boolean expression over the futures columns, "
                           f"e.g. {DEFAULT_OUTCOME!r}")
    frame = futures.copy()
    for name in frame.columns:  # DuckDB reads categories as enums; plain values compare more freely
        if isinstance(frame[name].dtype, pd.CategoricalDtype):
            frame[name] = frame[name].astype(object)
    frame["__row__"] = np.arange(len(frame))
    con = duckdb.connect()
    try:
        con.register("futures", frame)
        sql = f"SELECT ({_sql(expression, list(futures.columns))}) AS outcome FROM futures ORDER BY __row__"
        try:
            relation = con.execute(sql)
            kind = str(relation.description[0][1]) if relation.description else ""
            values = relation.fetchnumpy()["outcome"]
        except duckdb.Error as exc:
            sql_error = str(exc).splitlines()[0]
            try:
                return _pandas_outcome(futures, expression)
            except Exception:  # noqa: BLE001 - report the SQL reading of the expression, the primary syntax
                raise OutcomeError(f"--outcome: cannot evaluate {expression!r}: {sql_error}; allowed: a boolean "
                                   f"expression over the futures columns, e.g. {DEFAULT_OUTCOME!r}") from None
    finally:
        con.close()
    if kind.upper() not in ("BOOLEAN", "BOOL"):
        raise OutcomeError(f"--outcome: {expression!r} gives {kind or 'no'} values, not true/false; allowed: a "
                           f"boolean expression such as {DEFAULT_OUTCOME!r}")
    mask = np.ma.getmaskarray(values) if isinstance(values, np.ma.MaskedArray) else np.zeros(len(values), bool)
    filled = np.ma.filled(values, False) if isinstance(values, np.ma.MaskedArray) else np.asarray(values)
    return pd.Series(np.asarray(filled, dtype=bool) & ~mask, index=futures.index, name="outcome")


def _pandas_outcome(futures: pd.DataFrame, expression: str) -> pd.Series:
    result = futures.eval(expression, engine="python")
    if not isinstance(result, pd.Series) or not (pd.api.types.is_bool_dtype(result.dtype) or (
            result.dtype == object and result.map(lambda v: isinstance(v, (bool, np.bool_))).all())):
        raise TypeError("not a boolean expression")
    return result.fillna(False).astype(bool).rename("outcome")
