"""Reading a sweep's results: DuckDB views over the Parquet parts, and pandas frames."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd

from sovsim.sweep.spec import SpecError
from sovsim.sweep.store import MANIFEST

__all__ = ["connect", "query", "load_results"]


def _glob(root: Path, table: str) -> str | None:
    folder = root / table
    if folder.is_dir() and any(p.name.startswith("part-") for p in folder.iterdir()):
        return str(folder / "part-*.parquet").replace("'", "''")
    return None


def connect(root: str | Path) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB connection with views ``futures`` and (when written) ``timelines``."""
    root = Path(root)
    if not (root / MANIFEST).is_file():
        raise SpecError("DIR", str(root), "a sweep results directory (with manifest.json)", "not a results directory:")
    con = duckdb.connect()
    for table in ("futures", "timelines"):
        pattern = _glob(root, table)
        if pattern is not None:
            con.execute(f"CREATE VIEW {table} AS SELECT * FROM read_parquet('{pattern}', union_by_name=true)")
    return con


def query(root: str | Path, sql: str) -> pd.DataFrame:
    """Run SQL over the views of a results directory and return the answer as a DataFrame."""
    con = connect(root)
    try:
        return con.execute(sql).df()
    finally:
        con.close()


def load_results(root: str | Path, table: str = "futures") -> pd.DataFrame:
    """All rows of ``futures`` (or ``timelines``) as a DataFrame, sorted by future index."""
    if table not in ("futures", "timelines"):
        raise SpecError("table", table, "'futures' or 'timelines'", "unknown table")
    order = "future, time_days" if table == "timelines" else "future"
    frame = query(root, f"SELECT * FROM {table} ORDER BY {order}")
    return frame.reset_index(drop=True)
