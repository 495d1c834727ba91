"""Checking a results directory: every part against its record, its shard and the manifest.

After a Slurm job array (or any run that may have been killed, or a directory that was copied or edited),
``sovsim sweep --verify DIR`` reports every problem it finds, one line each, and what is left to do;
``sovsim slurm --resume DIR --submit`` or ``sovsim sweep --resume DIR`` deletes what the check rejects and
runs just that. The kinds of problem:

- ``missing``: a shard has no part (not run yet, or deleted);
- ``unreadable``: a part that is not a Parquet file (truncated, zero bytes, corrupt);
- ``unrecorded``: a part with no record (not written by a finished shard);
- ``record``: a record that does not parse, or disagrees with its shard or with the manifest's copy;
- ``hash``: a part whose bytes differ from the SHA-256 in its record;
- ``rows``: a part with the wrong number of rows;
- ``duplicate``: a part holding another shard's futures (a copy), or a future twice;
- ``futures``: a part whose futures are not exactly those of its shard;
- ``timelines``: a timeline part missing or differing from its record;
- ``foreign``: a file in the store that no shard of this sweep wrote (a shard beyond the last, a stray name);
- ``stale``: a manifest that no longer matches its own spec (hash, number of futures, shard size…).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from sovsim.sweep.parts import compacted_parts, covered_shards
from sovsim.sweep.spec import SpecError
from sovsim.sweep.store import MANIFEST, Store, file_sha256

__all__ = ["Verification", "Problem", "verify", "shard_ranges", "discard_rejected", "require_intact", "KINDS"]

KINDS = ("missing", "unreadable", "unrecorded", "record", "hash", "rows", "duplicate", "futures", "timelines",
         "foreign", "stale")
_DEBRIS = re.compile(r"^\..*\.tmp-\d+$")
_ABSENT = object()
_NAME = re.compile(r"^part-(\d{8})\.(parquet|json)$")


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a results directory: its kind, the shard (if any), the file, and what is wrong."""

    kind: str
    shard: int | None
    path: Path | None
    detail: str

    def __str__(self) -> str:
        where = f"shard {self.shard}" if self.shard is not None else "store"
        name = f" ({self.path.parent.name}/{self.path.name})" if self.path is not None else ""
        return f"{self.kind}: {where}{name}: {self.detail}"


@dataclass(frozen=True)
class Verification:
    """What a results directory holds compared with what its manifest promises."""

    root: Path
    futures: int
    shards: int
    shard_size: int
    finished: int  #: shards whose part passes every check
    missing: tuple[int, ...]  #: shards with no part
    damaged: tuple[int, ...]  #: shards whose part fails a check (deleted and run again by a resume)
    errors: int  #: futures stored as ``error`` rows (in the parts that pass)
    problems: tuple[Problem, ...] = ()  #: everything found wrong, missing shards included

    @property
    def ok(self) -> bool:
        """Complete and intact."""
        return not self.problems

    @property
    def intact(self) -> bool:
        """Nothing damaged, foreign or stale.

        Shards may still be missing, or have a part without its record (a sweep under way, or killed while
        a worker wrote): the views read only recorded parts, and a resume runs those shards again.
        """
        return all(p.kind in ("missing", "unrecorded") for p in self.problems)

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


def _stale(store: Store, manifest: Mapping[str, Any]) -> list[Problem]:
    """The manifest against its own spec: the spec hash and every size derived from the spec."""
    from sovsim.sweep.design import make_design
    from sovsim.sweep.spec import spec_from_dict

    path = store.root / MANIFEST
    try:
        spec = spec_from_dict(manifest["spec"])
        design = make_design(spec)
    except SpecError as exc:
        return [Problem("stale", None, path, f"its spec does not validate ({exc})")]
    expected = store.expected_manifest(spec, design.futures, design.scenarios)
    out = []
    for key in ("spec_hash", "futures", "scenarios", "shard_size", "seed", "policies", "timelines"):
        if manifest.get(key) != expected[key]:
            out.append(Problem("stale", None, path, f"{key} is {manifest.get(key)!r} but its spec gives "
                                                    f"{expected[key]!r} (edited, or of another sweep)"))
    return out


def _record_problem(record: Any, shard: int, rows: int, lo: int, hi: int, timelines: bool) -> str | None:
    if not isinstance(record, dict):
        return "its record does not parse"
    if record.get("shard") != shard:
        return f"its record is of shard {record.get('shard')!r}"
    if record.get("rows") != rows or record.get("futures") != [lo, hi]:
        return f"its record says {record.get('rows')!r} rows, futures {record.get('futures')!r}; " \
               f"the shard has {rows} rows, futures [{lo}, {hi})"
    if not isinstance(record.get("sha256"), str) or (timelines and not isinstance(record.get("timelines_sha256"), str)):
        return "its record has no SHA-256"
    return None


def _check_part(store: Store, shard: int, lo: int, hi: int, record: Any, copy: Any, timelines: bool,
                shard_size: int) -> tuple[list[Problem], int]:
    """The problems of one part (empty if it passes) and its error rows."""
    path = store.part_path(shard)
    found: list[Problem] = []
    try:
        table = pq.read_table(path, columns=["future", "status"])
    except (pa.ArrowException, OSError, ValueError) as exc:
        size = path.stat().st_size if path.exists() else 0
        what = "zero bytes" if size == 0 else f"{size:,} bytes, {str(exc).splitlines()[0]}"
        return [Problem("unreadable", shard, path, f"not a readable Parquet file ({what}): truncated or corrupt")], 0
    futures = np.asarray(table.column("future").to_numpy(zero_copy_only=False), dtype=np.int64)
    if record is _ABSENT:
        found.append(Problem("unrecorded", shard, path, "no record: not written by a finished shard of this sweep"))
    else:
        problem = _record_problem(record, shard, hi - lo, lo, hi, timelines)
        if problem is not None:
            found.append(Problem("record", shard, store.record_path(shard), problem))
        elif copy is not None and copy != record:
            found.append(Problem("record", shard, store.record_path(shard), "disagrees with the manifest's copy"))
        else:
            digest = file_sha256(path)
            if digest != record["sha256"]:
                found.append(Problem("hash", shard, path, f"SHA-256 {digest[:12]}… differs from the recorded "
                                                          f"{str(record['sha256'])[:12]}…"))
            if timelines:
                tpath = store.part_path(shard, timelines=True)
                if not tpath.is_file():
                    found.append(Problem("timelines", shard, tpath, "missing"))
                elif file_sha256(tpath) != record["timelines_sha256"]:
                    found.append(Problem("timelines", shard, tpath, "SHA-256 differs from the record"))
    if len(futures) != hi - lo:
        found.append(Problem("rows", shard, path, f"{len(futures):,} rows; the shard has {hi - lo:,}"))
    unique = np.unique(futures)
    if len(unique) < len(futures):
        found.append(Problem("duplicate", shard, path, f"{len(futures) - len(unique):,} futures appear twice"))
    if len(unique) and not (unique[0] == lo and unique[-1] == hi - 1 and len(unique) == hi - lo):
        owners = sorted({int(f) // shard_size for f in unique[:1000]})
        if owners and shard not in owners:
            found.append(Problem("duplicate", shard, path, f"holds futures {unique[0]}–{unique[-1]} of shard(s) "
                                                           f"{shard_ranges(owners)}, not its own {lo}–{hi - 1}"))
        else:
            found.append(Problem("futures", shard, path, f"holds futures {unique[0]}–{unique[-1]} "
                                                         f"({len(unique):,} distinct); the shard has {lo}–{hi - 1}"))
    errors = 0 if found else int(np.sum(table.column("status").to_numpy(zero_copy_only=False) == "error"))
    return found, errors


def _foreign(store: Store, shards: int, listed: set[str] = frozenset()) -> list[Problem]:  # type: ignore[assignment]
    """Files in the part folders that no shard of this sweep wrote (``listed``: compacted parts it recorded)."""
    found = []
    for folder in (store.futures_dir, store.timelines_dir, store.records_dir):
        if not folder.is_dir():
            continue
        for p in sorted(folder.iterdir()):
            m = _NAME.match(p.name)
            expected_ext = "json" if folder == store.records_dir else "parquet"
            if _DEBRIS.match(p.name):
                continue
            if folder == store.futures_dir and p.name in listed and p.is_file():
                continue  # a compacted part the manifest records (checked on its own)
            if m is None or m.group(2) != expected_ext or not p.is_file():
                found.append(Problem("foreign", None, p, "not a part of this sweep (unexpected name or kind)"))
            elif int(m.group(1)) >= shards:
                found.append(Problem("foreign", int(m.group(1)), p, f"beyond the last shard ({shards - 1})"))
    return found


def verify(out: str | Path, *, check_spec: bool = True) -> Verification:
    """Check every part of ``out`` against its record, its shard and the manifest; see the module docstring.

    ``check_spec`` also rebuilds the spec recorded in the manifest and compares its hash and sizes (stale
    manifest). Problems are returned, never raised; an unreadable manifest is a :class:`SpecError`.
    """
    store = Store(out)
    manifest = store.manifest()
    futures, shard_size = int(manifest["futures"]), int(manifest["shard_size"])
    shards = -(-futures // shard_size)
    timelines = bool(manifest["timelines"])
    problems: list[Problem] = _stale(store, manifest) if check_spec else []
    compacted = compacted_parts(manifest, store.futures_dir)
    problems += _foreign(store, shards, {p["name"] for p in compacted})
    records = store.records()
    copies = manifest.get("parts", {})
    covered = covered_shards(manifest, store.futures_dir)
    damaged, errors, found_compacted = check_compacted(store, manifest, compacted)
    problems += found_compacted
    present = store.parts() | covered
    for shard in sorted(s for s in present - covered if s < shards):  # a covered shard's part: left to delete
        lo, hi = shard * shard_size, min((shard + 1) * shard_size, futures)
        found, part_errors = _check_part(store, shard, lo, hi, records.get(shard, _ABSENT),
                                         copies.get(f"{shard:08d}"), timelines, shard_size)
        if found:
            damaged.append(shard)
            problems += found
        errors += part_errors
    missing = tuple(s for s in range(shards) if s not in present)
    problems += [Problem("missing", s, None, "no part") for s in missing]
    order = {kind: i for i, kind in enumerate(KINDS)}
    problems.sort(key=lambda p: (order[p.kind], -1 if p.shard is None else p.shard))
    return Verification(store.root, futures, shards, shard_size, len([s for s in present if s < shards]) - len(damaged),
                        missing, tuple(damaged), errors, tuple(problems))


def discard_rejected(found: Verification) -> list[Path]:
    """Delete what ``found`` rejects (damaged shards' files, foreign files) so a resume runs those shards again.

    A stale manifest is refused (a :class:`SpecError`): its parts cannot be trusted and the sweep it
    describes is not the one that wrote them.
    """
    stale = [p for p in found.problems if p.kind == "stale"]
    if stale:
        raise SpecError("manifest", str(found.root / MANIFEST), "a manifest that matches its spec (start the sweep "
                        "again in a new --out directory)", f"stale ({stale[0].detail}):")
    store = Store(found.root)
    removed: list[Path] = []
    for shard in found.damaged:
        removed += store.discard(shard)
    for problem in found.problems:  # a damaged compacted part: deleted, so its shards count as missing
        if problem.path is not None and problem.path.name.startswith("compact-") and problem.kind != "foreign" \
                and problem.path.is_file():
            problem.path.unlink()
            removed.append(problem.path)
        if problem.kind == "foreign" and problem.path is not None and problem.path.is_file():
            problem.path.unlink()
            removed.append(problem.path)
    return removed


def require_intact(root: str | Path, option: str = "DIR") -> Verification:
    """The verification of ``root``; a :class:`SpecError` listing the problems if it is damaged."""
    found = verify(root)
    if not found.intact:
        shown = [str(p) for p in found.problems if p.kind not in ("missing", "unrecorded")]
        listed = "; ".join(shown[:5]) + (f"; … {len(shown) - 5} more" if len(shown) > 5 else "")
        raise SpecError(option, str(root), "an intact results directory (see `sovsim sweep --verify DIR`; "
                        "repair with `sovsim sweep --resume DIR`), or --allow-damaged to read it anyway",
                        f"damaged store ({listed}):")
    return found


def check_compacted(store: Store, manifest: dict[str, Any], parts: list[dict[str, Any]]) -> \
        tuple[list[int], int, list[Any]]:
    """Check each recorded compacted part: readable, its sha256, rows, and exactly its shards' futures, once.

    Returns the shards of the parts that fail (deleting such a part and resuming runs them again), the
    error rows of the parts that pass, and the problems found (:class:`sovsim.sweep.verify.Problem`).
    """
    import numpy as np
    import pyarrow as pa

    from sovsim.sweep.store import file_sha256

    futures, size = int(manifest["futures"]), int(manifest["shard_size"])
    bad: list[int] = []
    problems: list[Any] = []
    errors = 0
    for p in parts:
        path = store.futures_dir / p["name"]
        first, last = int(p["first_shard"]), int(p["last_shard"])
        lo, hi = first * size, min((last + 1) * size, futures)
        found = []
        try:
            table = pq.read_table(path, columns=["future", "status"])
        except (pa.ArrowException, OSError, ValueError) as exc:
            found.append(Problem("unreadable", first, path,
                                 f"not a readable Parquet file ({str(exc).splitlines()[0]})"))
        else:
            digest = file_sha256(path)
            if digest != p.get("sha256"):
                found.append(Problem("hash", first, path, f"SHA-256 {digest[:12]}… differs from the manifest's "
                                                          f"{str(p.get('sha256'))[:12]}…"))
            ids = np.asarray(table.column("future").to_numpy(zero_copy_only=False), dtype=np.int64)
            if len(ids) != hi - lo or int(p.get("rows", -1)) != hi - lo:
                found.append(Problem("rows", first, path, f"{len(ids):,} rows (manifest: {p.get('rows')!r}); shards "
                                                          f"{first}–{last} have {hi - lo:,}"))
            unique = np.unique(ids)
            if len(unique) < len(ids):
                found.append(Problem("duplicate", first, path, f"{len(ids) - len(unique):,} futures appear twice"))
            elif len(unique) and not (unique[0] == lo and unique[-1] == hi - 1):
                found.append(Problem("futures", first, path, f"holds futures {unique[0]}–{unique[-1]}; shards "
                                                             f"{first}–{last} have {lo}–{hi - 1}"))
            if not found:
                errors += int(np.sum(table.column("status").to_numpy(zero_copy_only=False) == "error"))
        if found:
            bad.extend(range(first, last + 1))
            problems += found
    return bad, errors, problems
