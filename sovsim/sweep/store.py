"""The results directory of a sweep: manifest, one Parquet part per shard, and atomic writes.

::

    DIR/manifest.json                     sovsim version, spec and its hash, seed, shard size, sizes, and
                                          (after each run) the record of every part
    DIR/futures/part-00000042.parquet     one row per future of shard 42
    DIR/timelines/part-00000042.parquet   monthly rows of those futures (when the spec asks for them)
    DIR/records/part-00000042.json        the part's record: SHA-256 of each file, row count, futures

A part is written to a temporary name in the same directory, fsynced, then renamed, so a part that
exists is complete; its record is written last, by the process that wrote the part. A shard is finished
when its futures part and its record exist (the timeline part is written first). The records written
during a run are gathered into the manifest at its end. ``sovsim sweep --verify`` checks every part
against its record (:mod:`sovsim.sweep.verify`); resuming deletes temporary debris and what the check
rejects, then runs the shards that are not finished.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
import subprocess
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from sovsim._version import __version__
from sovsim.model.records import ROW_TYPES
from sovsim.sweep.spec import SpecError, SweepSpec, check_size, spec_from_dict

__all__ = ["Store", "row_schema", "MANIFEST", "file_sha256"]

MANIFEST = "manifest.json"
_PART = re.compile(r"^part-(\d{8})\.parquet$")
_RECORD = re.compile(r"^part-(\d{8})\.json$")
#: Keys a manifest must have, with their JSON types (bool is not an int here).
MANIFEST_KEYS: dict[str, tuple[type, ...]] = {
    "spec": (dict,), "spec_hash": (str,), "seed": (int,), "shard_size": (int,), "futures": (int,),
    "scenarios": (int,), "policies": (list,), "timelines": (bool,)}
#: Largest manifest read (a manifest with records of a million parts is about 200 MB).
MAX_MANIFEST_BYTES = 512 * 2**20
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
        done = subprocess.run(["git", "rev-parse", "HEAD"], cwd=Path(__file__).parent.parent, capture_output=True,
                              text=True, timeout=5, check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout.strip() or None if done.returncode == 0 else None


def file_sha256(path: Path) -> str:
    """SHA-256 of a file's bytes, read in 1 MiB blocks."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while block := handle.read(2**20):
            digest.update(block)
    return digest.hexdigest()


def _manifest_error(path: Path, problem: str, allowed: str = "a manifest.json written by `sovsim sweep`") -> SpecError:
    return SpecError("manifest", str(path), allowed, problem)


def read_manifest(path: Path) -> dict[str, Any]:
    """A manifest file, checked against its schema; any problem is a :class:`SpecError` naming the file."""
    try:
        if path.stat().st_size > MAX_MANIFEST_BYTES:
            raise _manifest_error(path, f"larger than {MAX_MANIFEST_BYTES // 2**20} MiB:")
        data = json.loads(path.read_bytes().decode("utf-8"))
    except UnicodeDecodeError:
        raise _manifest_error(path, "not UTF-8 text:") from None
    except json.JSONDecodeError as exc:
        raise _manifest_error(path, f"not valid JSON ({exc}):") from None
    except RecursionError:
        raise _manifest_error(path, "nested too deeply:") from None
    except OSError as exc:
        raise _manifest_error(path, f"cannot read ({exc.strerror}):") from None
    if not isinstance(data, dict):
        raise _manifest_error(path, f"holds a JSON {type(data).__name__}, not an object:")
    for key, types_ in MANIFEST_KEYS.items():
        value = data.get(key)
        if key not in data:
            raise _manifest_error(path, f"has no {key!r}:")
        if not isinstance(value, types_) or (isinstance(value, bool) and bool not in types_):
            raise _manifest_error(path, f"{key!r} is {value!r}, not a {types_[0].__name__}:")
    for key in ("seed", "futures", "scenarios"):
        if data[key] < 0:
            raise _manifest_error(path, f"{key!r} is negative ({data[key]}):")
    if data["shard_size"] < 1:
        raise _manifest_error(path, f"'shard_size' is {data['shard_size']}, not ≥ 1:")
    if not isinstance(data.get("parts", {}), dict):
        raise _manifest_error(path, "'parts' is not an object:")
    return data


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
        self.records_dir = self.root / "records"

    # -- manifest --------------------------------------------------------------------------------------
    def manifest(self) -> dict[str, Any]:
        path = self.root / MANIFEST
        if not path.is_file():
            raise SpecError("--resume", str(self.root), "a sweep results directory with a manifest.json",
                            "no manifest in")
        return read_manifest(path)

    def spec(self) -> SweepSpec:
        """The spec recorded in the manifest, refused if it no longer matches the manifest's hash or is too large."""
        manifest = self.manifest()
        spec = spec_from_dict(manifest["spec"])
        if spec.hash != manifest["spec_hash"]:
            raise SpecError("manifest", str(self.root / MANIFEST), "a manifest whose spec matches its spec_hash "
                            "(start the sweep again in a new --out directory)", "stale (its spec was edited):")
        check_size(spec, allow_large=True)  # what this machine cannot hold at all, before the design is built
        return spec

    @staticmethod
    def expected_manifest(spec: SweepSpec, futures: int, scenarios: int) -> dict[str, Any]:
        return {"sovsim_version": __version__, "spec_hash": spec.hash, "seed": spec.seed,
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

    def record_path(self, shard: int) -> Path:
        return self.records_dir / f"part-{shard:08d}.json"

    def parts(self) -> set[int]:
        """Shards whose futures part exists (with or without a record)."""
        if not self.futures_dir.is_dir():
            return set()
        return {int(m.group(1)) for p in self.futures_dir.iterdir() if (m := _PART.match(p.name))}

    def records(self) -> dict[int, Any]:
        """The records of the parts, by shard (a record file that does not parse is given as None)."""
        out: dict[int, Any] = {}
        if self.records_dir.is_dir():
            for p in self.records_dir.iterdir():
                if m := _RECORD.match(p.name):
                    try:
                        out[int(m.group(1))] = json.loads(p.read_bytes().decode("utf-8"))
                    except (OSError, UnicodeDecodeError, json.JSONDecodeError, RecursionError):
                        out[int(m.group(1))] = None
        return out

    def finished(self) -> set[int]:
        """Shards whose futures part and record exist, or whose futures are in a recorded compacted part.

        (:mod:`sovsim.sweep.verify` checks both in full; compacted parts: :mod:`sovsim.sweep.compact`.)
        """
        from sovsim.sweep.parts import covered_shards

        covered = covered_shards(self.manifest(), self.futures_dir)
        if not self.records_dir.is_dir():
            return covered
        recorded = {int(m.group(1)) for p in self.records_dir.iterdir() if (m := _RECORD.match(p.name))}
        return (self.parts() & recorded) | covered

    def discard(self, shard: int) -> list[Path]:
        """Delete a shard's part, timeline part and record (to run it again); return what was removed."""
        removed = []
        for path in (self.record_path(shard), self.part_path(shard), self.part_path(shard, timelines=True)):
            if path.exists():
                path.unlink()
                removed.append(path)
        return removed

    def gather_records(self) -> None:
        """Copy every part's record into the manifest (written atomically)."""
        path = self.root / MANIFEST
        manifest = read_manifest(path)
        manifest["parts"] = {f"{shard:08d}": record for shard, record in sorted(self.records().items())}
        write_atomic(path, lambda tmp: tmp.write_text(json.dumps(manifest, indent=2, default=str), encoding="utf-8"))

    def clean_debris(self) -> list[Path]:
        """Delete temporary files left by killed writers; return what was removed."""
        removed = []
        for folder in (self.futures_dir, self.timelines_dir, self.records_dir, self.root):
            if folder.is_dir():
                for p in folder.iterdir():
                    if p.name.startswith(".") and ".tmp-" in p.name:
                        p.unlink()
                        removed.append(p)
        return removed

    def write_part(self, shard: int, rows: list[dict[str, Any]], schema: pa.Schema,
                   timelines_sha256: str | None = None) -> None:
        """Write a shard's futures part, then its record (``timelines_sha256``: of its timeline part)."""
        table = pa.Table.from_pylist(rows, schema=schema)
        sha256 = self._write_hashed(self.part_path(shard), table)
        futures = [int(r["future"]) for r in rows]
        record = {"shard": shard, "rows": len(rows), "futures": [min(futures), max(futures) + 1] if futures else [0, 0],
                  "sha256": sha256, "timelines_sha256": timelines_sha256}
        self.records_dir.mkdir(parents=True, exist_ok=True)
        write_atomic(self.record_path(shard), lambda tmp: tmp.write_text(json.dumps(record), encoding="utf-8"))

    def write_timelines(self, shard: int, table: pa.Table) -> str:
        """Write a shard's timeline part; return its SHA-256 (for the record written with the futures part)."""
        return self._write_hashed(self.part_path(shard, timelines=True), table)

    @staticmethod
    def _write_hashed(path: Path, table: pa.Table) -> str:
        digest: list[str] = []

        def write(tmp: Path) -> None:
            pq.write_table(table, tmp)
            digest.append(file_sha256(tmp))

        write_atomic(path, write)
        return digest[0]
