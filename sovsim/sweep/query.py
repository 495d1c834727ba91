"""Reading a sweep's results: DuckDB views over the Parquet parts, and pandas frames."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pandas as pd

from sovsim.sweep.spec import SpecError
from sovsim.sweep.store import MANIFEST

__all__ = ["connect", "query", "load_results", "columns_of", "futures_source"]


def _glob(root: Path, table: str) -> str | None:
    folder = root / table
    if folder.is_dir() and any(p.name.startswith("part-") for p in folder.iterdir()):
        return str(folder / "part-*.parquet").replace("'", "''")
    return None


def futures_source(root: Path) -> str | None:
    """The ``read_parquet(...)`` call over a store's futures parts, each future once; None when there are none.

    Every futures part has the sweep's one schema (shard parts are written with it, compacted parts cast to
    it), so the scan needs no ``union_by_name``.
    """
    from sovsim.sweep.compact import compacted_parts, futures_files

    if not compacted_parts(json.loads((root / MANIFEST).read_text(encoding="utf-8"))):
        pattern = _glob(root, "futures")
        return None if pattern is None else f"read_parquet('{pattern}')"
    files = futures_files(root)
    if not files:
        return None
    listed = ", ".join("'" + str(p).replace("'", "''") + "'" for p in files)
    return f"read_parquet([{listed}])"


def connect(root: str | Path) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB connection with views ``futures`` and (when written) ``timelines``."""
    root = Path(root)
    if not (root / MANIFEST).is_file():
        raise SpecError("DIR", str(root), "a sweep results directory (with manifest.json)", "not a results directory:")
    con = duckdb.connect()
    source = futures_source(root)
    if source is not None:
        con.execute(f"CREATE VIEW futures AS SELECT * FROM {source}")
    pattern = _glob(root, "timelines")
    if pattern is not None:
        con.execute(f"CREATE VIEW timelines AS SELECT * FROM read_parquet('{pattern}', union_by_name=true)")
    return con


def query(root: str | Path, sql: str) -> pd.DataFrame:
    """Run SQL over the views of a results directory and return the answer as a DataFrame."""
    con = connect(root)
    try:
        return con.execute(sql).df()
    finally:
        con.close()


def columns_of(root: str | Path, table: str = "futures") -> list[str]:
    """The column names of ``futures`` (or ``timelines``); empty when nothing is written yet."""
    con = connect(root)
    try:
        if table not in {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}:
            return []
        return [str(r[0]) for r in con.execute(f"DESCRIBE {table}").fetchall()]
    finally:
        con.close()


def load_results(root: str | Path, table: str = "futures", columns: list[str] | None = None) -> pd.DataFrame:
    """All rows of ``futures`` (or ``timelines``) as a DataFrame, sorted by future index.

    ``columns`` reads only those columns (Parquet is columnar: the others are never read).
    """
    if table not in ("futures", "timelines"):
        raise SpecError("table", table, "'futures' or 'timelines'", "unknown table")
    order = "future, time_days" if table == "timelines" else "future"
    chosen = "*" if columns is None else ", ".join('"' + c.replace('"', '""') + '"' for c in columns)
    frame = query(root, f"SELECT {chosen} FROM {table} ORDER BY {order}")
    return frame.reset_index(drop=True)
