"""Checking a results directory: which shards are missing, which parts hold the wrong number of rows.

After a Slurm job array (or any run that may have been killed), ``sovsim sweep --verify DIR`` tells what is
left to do; ``sovsim slurm --resume DIR --submit`` or ``sovsim sweep --resume DIR`` runs just that.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pyarrow.parquet as pq

from sovsim.sweep.compact import check_compacted, covered_shards
from sovsim.sweep.query import futures_source
from sovsim.sweep.store import Store

__all__ = ["Verification", "verify", "shard_ranges"]


@dataclass(frozen=True)
class Verification:
    """What a results directory holds compared with what its manifest promises."""

    root: Path
    futures: int
    shards: int
    shard_size: int
    finished: int  #: shards whose part exists with the right number of rows
    missing: tuple[int, ...]  #: shards with no part
    damaged: tuple[int, ...]  #: shards whose part holds the wrong number of rows (delete it and resume)
    errors: int  #: futures stored as ``error`` rows

    @property
    def ok(self) -> bool:
        return not self.missing and not self.damaged

    def shard_futures(self, shard: int) -> int:
        return max(0, min(self.shard_size, self.futures - shard * self.shard_size))

    @property
    def missing_futures(self) -> int:
        return sum(self.shard_futures(s) for s in self.missing + self.damaged)


def shard_ranges(shards: Iterable[int]) -> str:
    """Shard numbers as compact ranges: ``0-3, 7, 9-12``."""
    ordered = sorted(set(shards))
    parts: list[str] = []
    i = 0
    while i < len(ordered):
        j = i
        while j + 1 < len(ordered) and ordered[j + 1] == ordered[j] + 1:
            j += 1
        parts.append(str(ordered[i]) if i == j else f"{ordered[i]}-{ordered[j]}")
        i = j + 1
    return ", ".join(parts)


def verify(out: str | Path) -> Verification:
    """Compare the parts in ``out`` with its manifest: missing shards, parts with the wrong row count, errors."""
    store = Store(out)
    manifest = store.manifest()
    futures, shard_size = int(manifest["futures"]), int(manifest["shard_size"])
    shards = -(-futures // shard_size)
    present = store.finished()
    damaged, _ = check_compacted(out)  # compacted parts: row count and sha256 against the manifest
    covered = covered_shards(manifest, store.futures_dir)
    for shard in sorted(present - covered):
        expected = max(0, min(shard_size, futures - shard * shard_size))
        if shard >= shards or pq.read_metadata(store.part_path(shard)).num_rows != expected:
            damaged.append(shard)
    errors = 0
    source = futures_source(store.root) if present else None
    if source is not None:
        con = duckdb.connect()
        try:
            found = con.execute(f"SELECT count(*) FROM {source} WHERE status = 'error'").fetchone()
        finally:
            con.close()
        errors = int(found[0]) if found else 0
    missing = tuple(s for s in range(shards) if s not in present)
    return Verification(store.root, futures, shards, shard_size, len(present) - len(damaged), missing,
                        tuple(damaged), errors)
