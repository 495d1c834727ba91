"""Which files of a results directory hold the futures, as its manifest records them (no file is read here).

A finished sweep's shard parts may be compacted into larger parts (:mod:`sovsim.sweep.compact`); the
manifest lists each compacted part under ``compaction.parts`` with the shards it covers. A listed part whose
file is gone (deleted because it was damaged) no longer covers its shards: they count as missing.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

__all__ = ["KEY", "compacted_parts", "covered_shards"]

#: The manifest key holding the compacted parts.
KEY = "compaction"


def compacted_parts(manifest: dict[str, Any], folder: Path | None = None) -> list[dict[str, Any]]:
    """The compacted parts the manifest records, in shard order (with ``folder``: only those whose file is there)."""
    section = manifest.get(KEY) or {}
    parts = sorted((dict(p) for p in section.get("parts", []) or []), key=lambda p: int(p["first_shard"]))
    return parts if folder is None else [p for p in parts if (folder / p["name"]).is_file()]


def covered_shards(manifest: dict[str, Any], folder: Path | None = None) -> set[int]:
    """Shards whose futures are in a recorded compacted part (with ``folder``: one whose file is there)."""
    return {s for p in compacted_parts(manifest, folder)
            for s in range(int(p["first_shard"]), int(p["last_shard"]) + 1)}
