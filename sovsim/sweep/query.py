"""Reading a sweep's results: read-only, confined DuckDB views over the Parquet parts, and pandas frames.

The views ``futures`` and ``timelines`` are Arrow datasets over the parts, opened here (by pyarrow), so
DuckDB itself never needs the file system: external access is switched off, extensions can be neither
installed nor loaded, and the configuration is locked before any user SQL runs (DuckDB's "Securing
DuckDB" settings). A query is one statement of the read kinds only (SELECT, WITH, VALUES, DESCRIBE,
SUMMARIZE, SHOW, EXPLAIN), checked with DuckDB's own parser. A store that fails the integrity check of
:mod:`sovsim.sweep.verify` is refused unless ``allow_damaged``; the views hold the parts of finished
shards (those with a record), or with ``allow_damaged`` every part.
"""

from __future__ import annotations

import re
from pathlib import Path

import duckdb
import pandas as pd
import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.parquet as pq

from sovsim.sweep.spec import SpecError
from sovsim.sweep.store import MANIFEST, Store

__all__ = ["connect", "query", "load_results", "check_statement", "MAX_SQL_LENGTH"]

#: Longest SQL text accepted by :func:`query`, in characters.
MAX_SQL_LENGTH = 100_000
_PART = re.compile(r"^part-\d{8}\.parquet$")
#: Statement kinds that only read (DESCRIBE, SUMMARIZE, SHOW and VALUES parse as SELECT).
_READ_KINDS = ("SELECT", "EXPLAIN")
#: DuckDB settings applied, in order, after the views exist; the last one locks them all.
LOCKDOWN = ("SET enable_external_access = false", "SET autoinstall_known_extensions = false",
            "SET autoload_known_extensions = false", "SET allow_community_extensions = false",
            "SET lock_configuration = true")


def _dataset(root: Path, table: str, every_part: bool) -> ds.Dataset | None:
    """The parts of ``table`` as one Arrow dataset: those of finished shards (with a record), or every part."""
    folder = root / table
    if not folder.is_dir():
        return None
    finished = Store(root).finished()
    if table == "futures":  # compacted parts, then the shard parts they do not cover (each future once)
        from sovsim.sweep.compact import futures_files

        files = [str(p) for p in futures_files(root) if not _PART.match(p.name)
                 or every_part or int(p.name[5:13]) in finished]
    else:
        files = sorted(str(p) for p in folder.iterdir() if _PART.match(p.name) and p.is_file()
                       and (every_part or int(p.name[5:13]) in finished))
    if not files:
        return None
    if table == "futures" and not every_part:  # checked parts all have the sweep's one schema: nothing to unify
        schema = pq.read_schema(files[0])
    else:
        schema = pa.unify_schemas([pq.read_schema(f) for f in files], promote_options="permissive")
    return ds.dataset(files, schema=schema, format="parquet")


def connect(root: str | Path, *, allow_damaged: bool = False) -> duckdb.DuckDBPyConnection:
    """An in-memory, locked-down DuckDB connection with views ``futures`` and (when written) ``timelines``.

    Raises :class:`SpecError` for a directory that is not a results directory, or one that fails the
    integrity check (unless ``allow_damaged``).
    """
    root = Path(root)
    if not (root / MANIFEST).is_file():
        raise SpecError("DIR", str(root), "a sweep results directory (with manifest.json)", "not a results directory:")
    if not allow_damaged:
        from sovsim.sweep.verify import require_intact

        require_intact(root)
    con = duckdb.connect(":memory:", config={"autoinstall_known_extensions": False,
                                             "autoload_known_extensions": False})
    try:
        for table in ("futures", "timelines"):
            try:
                # a store written before parts had records (no records folder) is read whole, unchecked
                dataset = _dataset(root, table, every_part=allow_damaged or not Store(root).records_dir.is_dir())
            except (pa.ArrowException, OSError, ValueError) as exc:  # a corrupt footer may not even decode
                raise SpecError("DIR", str(root), "readable Parquet parts (see `sovsim sweep --verify DIR`)",
                                f"cannot read the {table} parts ({str(exc).splitlines()[0]}):") from None
            if dataset is not None:
                con.register(f"_{table}_parts", dataset)
                con.execute(f'CREATE VIEW {table} AS SELECT * FROM "_{table}_parts"')
        for setting in LOCKDOWN:
            con.execute(setting)
    except BaseException:
        con.close()
        raise
    return con


def check_statement(sql: str) -> str:
    """The one read-only statement in ``sql``; anything else is a :class:`SpecError` naming what was found."""
    if not isinstance(sql, str) or not sql.strip():
        raise SpecError("SQL", sql, "one SELECT, WITH, DESCRIBE, SUMMARIZE or EXPLAIN statement", "empty query:")
    if len(sql) > MAX_SQL_LENGTH:
        raise SpecError("SQL", f"{sql[:60]}…", f"at most {MAX_SQL_LENGTH:,} characters", "too long:")
    try:
        statements = duckdb.extract_statements(sql)
    except duckdb.Error as exc:
        raise SpecError("SQL", sql, "a statement DuckDB can parse", f"cannot parse ({str(exc).splitlines()[0]}):") \
            from None
    if len(statements) != 1:
        raise SpecError("SQL", sql, "exactly one statement (no ';' between several)",
                        f"{len(statements)} statements in")
    kind = statements[0].type.name
    if kind not in _READ_KINDS:
        raise SpecError("SQL", sql, "a read-only statement: SELECT, WITH, VALUES, DESCRIBE, SUMMARIZE, SHOW or "
                        "EXPLAIN", f"refused ({kind} statement):")
    return sql


def query(root: str | Path, sql: str, *, allow_damaged: bool = False) -> pd.DataFrame:
    """Run one read-only SQL statement over the views of a results directory and return the answer."""
    check_statement(sql)
    con = connect(root, allow_damaged=allow_damaged)
    try:
        return con.execute(sql).df()
    finally:
        con.close()


def load_results(root: str | Path, table: str = "futures", *, allow_damaged: bool = False) -> pd.DataFrame:
    """All rows of ``futures`` (or ``timelines``) as a DataFrame, sorted by future index."""
    if table not in ("futures", "timelines"):
        raise SpecError("table", table, "'futures' or 'timelines'", "unknown table")
    order = "future, time_days" if table == "timelines" else "future"
    frame = query(root, f"SELECT * FROM {table} ORDER BY {order}", allow_damaged=allow_damaged)
    return frame.reset_index(drop=True)
