"""Compaction: the many small shard parts of a finished sweep rewritten as a few large parts.

A sweep writes one part per shard (25 futures by default), so a million futures are 40,000 files, and a
scan over them spends its time opening files and merging their footers. Once every shard is written,
:func:`compact` rewrites consecutive shards into parts of about ``rows_per_part`` rows (200,000 by
default), in row groups of ``row_group_rows`` (65,536), with column statistics (min/max per row group, so
DuckDB skips the row groups a filter rules out), every part cast to the one schema of the sweep
(:func:`sovsim.sweep.store.row_schema`), so a scan needs no ``union_by_name``::

    DIR/futures/compact-00000000-00007999.parquet   shards 0 … 7,999 (200,000 futures of 25)

The manifest first records that compaction has begun (so ``sovsim sweep --resume`` finishes it); then,
part by part, each step leaves a store that readers and ``sovsim sweep --verify`` accept, so a crash at any point is
harmless and running :func:`compact` again (or ``sovsim sweep --resume``) finishes the work:

1. a compacted part is written to a temporary name, fsynced, renamed (a temporary file is debris);
2. the manifest, rewritten atomically, records the part: its shard range, rows, futures and sha256 (a
   renamed part the manifest does not list is an orphan: readers ignore it, compaction writes it again);
3. the shard parts it covers are deleted (readers skip a shard part that a recorded part covers).

Readers list the files to scan with :func:`futures_files`: the recorded compacted parts, then the shard
parts they do not cover.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from sovsim.sweep.parts import KEY, compacted_parts, covered_shards
from sovsim.sweep.spec import SpecError
from sovsim.sweep.store import MANIFEST, Store, row_schema, write_atomic

__all__ = ["compact", "CompactionReport", "futures_files", "compacted_parts", "covered_shards", "plan",
           "ROWS_PER_PART", "ROW_GROUP_ROWS", "MIN_PARTS", "should_compact", "part_name"]

#: Target futures per compacted part (a part closes at the first shard boundary past it).
ROWS_PER_PART = 200_000
#: Rows per Parquet row group in a compacted part (DuckDB reads row groups in parallel and skips them by
#: their statistics; about 64k rows is its own default granularity).
ROW_GROUP_ROWS = 65_536
#: A finished sweep is compacted on its own when it has at least this many shard parts; fewer small files
#: cost a scan little.
MIN_PARTS = 64
_COMPACT = re.compile(r"^compact-(\d{8})-(\d{8})\.parquet$")


@dataclass(frozen=True)
class CompactionReport:
    """What one call of :func:`compact` did."""

    root: Path
    parts_written: int  #: compacted parts written by this call
    parts_total: int  #: compacted parts the store holds now
    shard_parts_removed: int  #: small parts deleted by this call
    rows: int  #: futures in the compacted parts
    orphans_removed: int  #: compacted parts left by a crash before the manifest listed them


def part_name(first: int, last: int) -> str:
    return f"compact-{first:08d}-{last:08d}.parquet"


def futures_files(root: str | Path) -> list[Path]:
    """The files holding the futures of a store, each future once: compacted parts, then uncovered shard parts."""
    store = Store(root)
    manifest = store.manifest()
    parts = [store.futures_dir / p["name"] for p in compacted_parts(manifest, store.futures_dir)]
    covered = covered_shards(manifest, store.futures_dir)
    shard_parts = sorted(s for s in _shard_parts(store) if s not in covered)
    return parts + [store.part_path(s) for s in shard_parts]


def _shard_parts(store: Store) -> set[int]:
    """Shards whose own (small) part file exists."""
    from sovsim.sweep.store import _PART

    if not store.futures_dir.is_dir():
        return set()
    return {int(m.group(1)) for p in store.futures_dir.iterdir() if (m := _PART.match(p.name))}


def _expected_rows(manifest: dict[str, Any], shard: int) -> int:
    futures, size = int(manifest["futures"]), int(manifest["shard_size"])
    return max(0, min(size, futures - shard * size))


def plan(manifest: dict[str, Any], rows_per_part: int = ROWS_PER_PART) -> list[tuple[int, int]]:
    """The shard ranges ``(first, last)`` still to compact: runs of uncovered shards, ≈ ``rows_per_part`` each."""
    futures, size = int(manifest["futures"]), int(manifest["shard_size"])
    shards = -(-futures // size)
    covered = covered_shards(manifest)
    ranges: list[tuple[int, int]] = []
    first, rows = None, 0
    for shard in range(shards):
        if shard in covered:
            if first is not None:
                ranges.append((first, shard - 1))
            first, rows = None, 0
            continue
        if first is None:
            first = shard
        rows += _expected_rows(manifest, shard)
        if rows >= rows_per_part:
            ranges.append((first, shard))
            first, rows = None, 0
    if first is not None:
        ranges.append((first, shards - 1))
    return ranges


def should_compact(root: str | Path, min_parts: int = MIN_PARTS) -> bool:
    """True when the store holds at least ``min_parts`` shard parts, or a compaction was begun (to finish it)."""
    store = Store(root)
    manifest = store.manifest()
    begun = KEY in manifest or (store.futures_dir.is_dir() and any(
        _COMPACT.match(p.name) for p in store.futures_dir.iterdir()))
    return begun or len(_shard_parts(store)) >= min_parts


def _sha256(path: Path) -> str:
    from sovsim.sweep.store import file_sha256

    return file_sha256(path)


def conform(table: pa.Table, schema: pa.Schema) -> pa.Table:
    """``table`` with exactly the columns of ``schema``, in its order and types (absent columns as nulls)."""
    columns = []
    for f in schema:
        if f.name in table.column_names:
            columns.append(table.column(f.name).cast(f.type))
        else:
            columns.append(pa.nulls(table.num_rows, f.type))
    return pa.Table.from_arrays(columns, schema=schema)


def _batches(store: Store, first: int, last: int, schema: pa.Schema, manifest: dict[str, Any],
             row_group_rows: int) -> Iterator[pa.Table]:
    """The rows of shards ``first … last`` in order, cast to ``schema``, in tables of ``row_group_rows`` rows."""
    pending: list[pa.Table] = []
    held = 0
    for shard in range(first, last + 1):
        path = store.part_path(shard)
        if not path.is_file():
            raise SpecError("futures", str(path), "every shard written before compaction (sovsim sweep --resume)",
                            "missing part:")
        table = conform(pq.read_table(path), schema)
        if table.num_rows != _expected_rows(manifest, shard):
            raise SpecError("futures", str(path), f"{_expected_rows(manifest, shard)} rows (delete it and resume)",
                            f"damaged part ({table.num_rows} rows):")
        pending.append(table)
        held += table.num_rows
        while held >= row_group_rows:
            merged = pa.concat_tables(pending)
            yield merged.slice(0, row_group_rows)
            rest = merged.slice(row_group_rows)
            pending, held = [rest], rest.num_rows
    if held:
        yield pa.concat_tables(pending)


def _write_part(store: Store, first: int, last: int, schema: pa.Schema, manifest: dict[str, Any],
                row_group_rows: int) -> dict[str, Any]:
    path = store.futures_dir / part_name(first, last)
    stats = {"rows": 0, "first_future": None, "last_future": None}

    def write(tmp: Path) -> None:
        with pq.ParquetWriter(tmp, schema, compression="zstd", write_statistics=True) as writer:
            for batch in _batches(store, first, last, schema, manifest, row_group_rows):
                writer.write_table(batch, row_group_size=row_group_rows)
                stats["rows"] = int(stats["rows"] or 0) + batch.num_rows
                lo, hi = pc.min_max(batch.column("future")).values()
                if stats["first_future"] is None:
                    stats["first_future"] = lo.as_py()
                stats["last_future"] = hi.as_py()

    write_atomic(path, write)
    return {"name": path.name, "first_shard": first, "last_shard": last, "rows": stats["rows"],
            "first_future": stats["first_future"], "last_future": stats["last_future"],
            "bytes": path.stat().st_size, "sha256": _sha256(path)}


def _record(store: Store, part: dict[str, Any] | None, rows_per_part: int, row_group_rows: int) -> dict[str, Any]:
    """Add ``part`` to the manifest and drop records whose file is gone (rewritten atomically); the new manifest."""
    manifest = store.manifest()
    section = dict(manifest.get(KEY) or {})
    parts = [p for p in compacted_parts(manifest, store.futures_dir) if part is None or p["name"] != part["name"]]
    section.update({"rows_per_part": rows_per_part, "row_group_rows": row_group_rows,
                    "parts": parts + ([part] if part is not None else [])})
    manifest[KEY] = section
    if part is not None and isinstance(manifest.get("parts"), dict):  # the shard records it replaces
        for shard in range(int(part["first_shard"]), int(part["last_shard"]) + 1):
            manifest["parts"].pop(f"{shard:08d}", None)
    text = json.dumps(manifest, indent=2, default=str)
    write_atomic(store.root / MANIFEST, lambda tmp: tmp.write_text(text, encoding="utf-8"))
    return manifest


def _sweep_orphans(store: Store, manifest: dict[str, Any]) -> tuple[int, int]:
    """Delete compacted parts the manifest does not list, and shard parts a listed part covers."""
    listed = {p["name"] for p in compacted_parts(manifest)}
    orphans = 0
    if store.futures_dir.is_dir():
        for p in store.futures_dir.iterdir():
            if _COMPACT.match(p.name) and p.name not in listed:
                p.unlink()
                orphans += 1
    removed = 0
    for shard in sorted(_shard_parts(store) & covered_shards(manifest)):
        _drop_shard_part(store, shard)
        removed += 1
    return orphans, removed


def _drop_shard_part(store: Store, shard: int) -> None:
    """Delete a compacted shard's own futures part and its record (its timeline part stays)."""
    store.part_path(shard).unlink(missing_ok=True)
    record = getattr(store, "record_path", None)
    if record is not None:
        record(shard).unlink(missing_ok=True)


def compact(root: str | Path, rows_per_part: int = ROWS_PER_PART, row_group_rows: int = ROW_GROUP_ROWS) -> \
        CompactionReport:
    """Rewrite the shard parts of a finished sweep as parts of about ``rows_per_part`` rows (see the module).

    Every shard must be written (resume the sweep first); a shard part with the wrong number of rows is
    refused. Safe to interrupt and to call again: it finishes what an earlier call left.
    """
    for name, value, low in (("rows_per_part", rows_per_part, 1), ("row_group_rows", row_group_rows, 1)):
        if not isinstance(value, int) or isinstance(value, bool) or value < low:
            raise SpecError(name, value, f"a whole number ≥ {low}", "bad compaction setting:")
    store = Store(root)
    store.clean_debris()
    manifest = store.manifest()
    if KEY not in manifest or len(compacted_parts(manifest, store.futures_dir)) != len(compacted_parts(manifest)):
        # record that compaction has begun (so a resume finishes it), and forget parts deleted as damaged
        manifest = _record(store, None, rows_per_part, row_group_rows)
    orphans, removed = _sweep_orphans(store, manifest)
    todo = plan(manifest, rows_per_part)
    present = _shard_parts(store)
    missing = [s for first, last in todo for s in range(first, last + 1) if s not in present]
    if missing:
        from sovsim.sweep.verify import shard_ranges

        raise SpecError("futures", shard_ranges(missing), "every shard written (sovsim sweep --resume DIR first)",
                        "cannot compact, shards missing:")
    schema = row_schema(store.spec())
    for first, last in todo:
        part = _write_part(store, first, last, schema, manifest, row_group_rows)
        manifest = _record(store, part, rows_per_part, row_group_rows)
        for shard in range(first, last + 1):
            _drop_shard_part(store, shard)
            removed += 1
    parts = compacted_parts(manifest)
    return CompactionReport(store.root, len(todo), len(parts), removed, sum(int(p["rows"]) for p in parts), orphans)
