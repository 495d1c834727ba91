"""The results directory of a sweep: manifest, one Parquet part per shard, and atomic writes.

::

    DIR/manifest.json                     sovsim version, spec and its hash, seed, shard size, sizes
    DIR/futures/part-00000042.parquet     one row per future of shard 42
    DIR/timelines/part-00000042.parquet   monthly rows of those futures (when the spec asks for them)

A part is written to a temporary name in the same directory, fsynced, then renamed, so a part that
exists is complete. A shard is finished when its futures part exists (its timeline part is written
first). Resuming deletes temporary debris and runs only the shards whose part is missing.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import subprocess
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

import sovsim
from sovsim.model.records import ROW_TYPES
from sovsim.sweep.spec import SpecError, SweepSpec, spec_from_dict

__all__ = ["Store", "row_schema", "MANIFEST"]

MANIFEST = "manifest.json"
_PART = re.compile(r"^part-(\d{8})\.parquet$")
_ARROW = {"float": pa.float64(), "int": pa.int64(), "string": pa.string(), "bool": pa.bool_()}
#: Columns every futures part has before the sampled inputs and the outcomes.
ID_COLUMNS = {"future": "int", "scenario_index": "int", "policy": "string", "seed": "int", "status": "string",
              "error": "string"}


def row_schema(spec: SweepSpec) -> pa.Schema:
    """Arrow schema of a futures part: ids, every sampled input (named by its field path), every outcome."""
    fields = [pa.field(name, _ARROW[kind]) for name, kind in ID_COLUMNS.items()]
    for u in spec.uncertainties:
        if u.kind == "categorical":
            kinds = {type(v) for v in u.values}
            arrow = pa.string() if kinds == {str} else pa.bool_() if kinds == {bool} else pa.float64()
        else:
            arrow = pa.int64() if u.kind == "integer" else pa.float64()
        fields.append(pa.field(u.path, arrow))
    taken = {f.name for f in fields}
    fields += [pa.field(name, _ARROW[kind]) for name, kind in ROW_TYPES.items() if name not in taken]
    return pa.schema(fields)


def _git_hash() -> str | None:
    try:
        done = subprocess.run(["git", "rev-parse", "HEAD"], cwd=Path(sovsim.__file__).parent, capture_output=True,
                              text=True, timeout=5, check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout.strip() or None if done.returncode == 0 else None


def write_atomic(path: Path, write: Any) -> None:
    """Write through ``write(tmp_path)`` to a temporary name beside ``path``, fsync, rename, fsync the directory."""
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    write(tmp)
    with open(tmp, "rb") as handle:
        os.fsync(handle.fileno())
    os.replace(tmp, path)
    dir_fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


class Store:
    """A sweep's results directory."""

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)
        self.futures_dir = self.root / "futures"
        self.timelines_dir = self.root / "timelines"

    # -- manifest --------------------------------------------------------------------------------------
    def manifest(self) -> dict[str, Any]:
        path = self.root / MANIFEST
        if not path.is_file():
            raise SpecError("--resume", str(self.root), "a sweep results directory with a manifest.json",
                            "no manifest in")
        return dict(json.loads(path.read_text(encoding="utf-8")))

    def spec(self) -> SweepSpec:
        """The spec recorded in the manifest."""
        return spec_from_dict(self.manifest()["spec"])

    @staticmethod
    def expected_manifest(spec: SweepSpec, futures: int, scenarios: int) -> dict[str, Any]:
        return {"sovsim_version": sovsim.__version__, "spec_hash": spec.hash, "seed": spec.seed,
                "shard_size": spec.shard_size, "futures": futures, "scenarios": scenarios,
                "policies": [p.name for p in spec.policies], "timelines": spec.timelines}

    def open(self, spec: SweepSpec, futures: int, scenarios: int) -> bool:
        """Create the directory and manifest, or check an existing manifest matches; True if it existed."""
        expected = self.expected_manifest(spec, futures, scenarios)
        if (self.root / MANIFEST).is_file():
            found = self.manifest()
            for key, value in expected.items():
                if found.get(key) != value:
                    raise SpecError(f"manifest.{key}", found.get(key),
                                    f"{value!r} to continue this sweep here (use another --out directory)",
                                    f"{self.root} holds a different sweep:")
            return True
        self.futures_dir.mkdir(parents=True, exist_ok=True)
        if spec.timelines:
            self.timelines_dir.mkdir(parents=True, exist_ok=True)
        manifest = {**expected, "git_hash": _git_hash(), "spec": spec.raw, "name": spec.name,
                    "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
                    "shards": -(-futures // spec.shard_size)}
        write_atomic(self.root / MANIFEST,
                     lambda tmp: tmp.write_text(json.dumps(manifest, indent=2, default=str), encoding="utf-8"))
        return False

    # -- parts -----------------------------------------------------------------------------------------
    def part_path(self, shard: int, timelines: bool = False) -> Path:
        return (self.timelines_dir if timelines else self.futures_dir) / f"part-{shard:08d}.parquet"

    def finished(self) -> set[int]:
        """Shards whose futures part exists, or whose futures are in a compacted part (see ``compact``)."""
        if not self.futures_dir.is_dir():
            return set()
        from sovsim.sweep.compact import covered_shards

        own = {int(m.group(1)) for p in self.futures_dir.iterdir() if (m := _PART.match(p.name))}
        return own | covered_shards(self.manifest(), self.futures_dir)

    def clean_debris(self) -> list[Path]:
        """Delete temporary files left by killed writers; return what was removed."""
        removed = []
        for folder in (self.futures_dir, self.timelines_dir, self.root):
            if folder.is_dir():
                for p in folder.iterdir():
                    if p.name.startswith(".") and ".tmp-" in p.name:
                        p.unlink()
                        removed.append(p)
        return removed

    def write_part(self, shard: int, rows: list[dict[str, Any]], schema: pa.Schema) -> None:
        table = pa.Table.from_pylist(rows, schema=schema)
        write_atomic(self.part_path(shard), lambda tmp: pq.write_table(table, tmp))

    def write_timelines(self, shard: int, table: pa.Table) -> None:
        write_atomic(self.part_path(shard, timelines=True), lambda tmp: pq.write_table(table, tmp))
