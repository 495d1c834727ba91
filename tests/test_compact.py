"""Compaction of a finished sweep: same table, few parts of one schema, and safe to interrupt at every step."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest
from hypothesis import given
from hypothesis import strategies as st
from test_sweep import table, write_spec

from sovsim.sweep import SpecError, query, resume, sweep, verify
from sovsim.sweep.compact import (
    MIN_PARTS,
    _write_part,
    compact,
    compacted_parts,
    covered_shards,
    futures_files,
    plan,
)
from sovsim.sweep.store import Store, row_schema


@pytest.fixture(scope="module")
def finished(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, pd.DataFrame]:
    """A finished sweep of 24 futures in 12 shards of 2 (below the automatic threshold: not compacted)."""
    folder = tmp_path_factory.mktemp("finished")
    sweep(write_spec(folder, scenarios=12, shard_size=2), folder / "out", workers=1)
    return folder / "out", table(folder / "out")


def _copy(source: Path, tmp_path: Path) -> Path:
    out = tmp_path / "store"
    shutil.copytree(source, out)
    return out


def _files(root: Path) -> list[str]:
    return sorted(p.name for p in (root / "futures").iterdir())


def test_compaction_keeps_the_table_in_parts_of_one_schema_with_row_groups_and_statistics(
        finished: tuple[Path, pd.DataFrame], tmp_path: Path) -> None:
    root, whole = finished
    root = _copy(root, tmp_path)
    report = compact(root, rows_per_part=10, row_group_rows=4)
    # 12 shards of 2 rows, parts close at the first shard boundary at or past 10 rows: 10 + 10 + 4
    assert _files(root) == ["compact-00000000-00000004.parquet", "compact-00000005-00000009.parquet",
                            "compact-00000010-00000011.parquet"]
    assert (report.parts_written, report.parts_total, report.shard_parts_removed, report.rows) == (3, 3, 12, 24)
    pd.testing.assert_frame_equal(table(root), whole)
    schema = row_schema(Store(root).spec())
    for path in futures_files(root):
        meta = pq.read_metadata(path)
        assert pq.read_schema(path).equals(schema, check_metadata=False)
        assert [meta.row_group(i).num_rows for i in range(meta.num_row_groups)][:-1] == [4] * (meta.num_row_groups - 1)
        stats = meta.row_group(0).column(0).statistics
        assert stats is not None and stats.has_min_max
    assert verify(root).ok
    assert Store(root).finished() == set(range(12))
    again = compact(root, rows_per_part=10)
    assert (again.parts_written, again.shard_parts_removed) == (0, 0)


def test_a_query_reads_only_the_compacted_parts(finished: tuple[Path, pd.DataFrame], tmp_path: Path) -> None:
    root = _copy(finished[0], tmp_path)
    compact(root, rows_per_part=8)
    assert all(p.name.startswith("compact-") for p in futures_files(root))
    assert not list((root / "records").glob("part-*.json"))  # the shard records went with their parts
    counts = query(root, "SELECT verdict, count(*) AS n FROM futures GROUP BY verdict ORDER BY verdict")
    expected = finished[1].groupby("verdict").size()
    assert dict(zip(counts["verdict"], counts["n"])) == expected.to_dict()


def _begin(root: Path) -> None:
    """What compaction records first: that it has begun."""
    manifest = json.loads((root / "manifest.json").read_text())
    manifest["compaction"] = {"rows_per_part": 10, "row_group_rows": 4, "parts": []}
    (root / "manifest.json").write_text(json.dumps(manifest))


def _crash_after_rename(root: Path) -> None:
    """The first compacted part written and renamed, the manifest not yet updated (a crash between 1 and 2)."""
    _begin(root)
    store = Store(root)
    manifest = store.manifest()
    first, last = plan(manifest, 10)[0]
    _write_part(store, first, last, row_schema(store.spec()), manifest, 4)


def _crash_after_manifest(root: Path) -> None:
    """Compaction recorded in the manifest, the small parts not yet deleted (a crash between 2 and 3)."""
    keep = {p.name: p.read_bytes() for p in (root / "futures").iterdir()}
    compact(root, rows_per_part=10)
    for name, data in keep.items():
        (root / "futures" / name).write_bytes(data)


def _crash_mid_write(root: Path) -> None:
    """A compacted part half written under its temporary name (a crash inside step 1)."""
    _begin(root)
    (root / "futures" / ".compact-00000000-00000004.parquet.tmp-999").write_bytes(b"PAR1 half")


@pytest.mark.parametrize("crash", [_crash_mid_write, _crash_after_rename, _crash_after_manifest])
def test_a_crash_at_any_step_leaves_a_store_that_reads_right_and_that_resume_finishes(
        finished: tuple[Path, pd.DataFrame], tmp_path: Path, crash) -> None:
    root, whole = finished
    root = _copy(root, tmp_path)
    crash(root)
    found = verify(root)
    # either the store reads right as it is, or the only problem is the unlisted compacted part (resume deletes it)
    assert found.ok or {(p.kind, p.path.name.startswith("compact-")) for p in found.problems} == {("foreign", True)}
    if found.ok:
        pd.testing.assert_frame_equal(table(root), whole)  # each future once, whatever the files
    report = resume(root, workers=1)  # a begun compaction is finished by resume
    assert report.shards_run == 0
    assert all(name.startswith("compact-") for name in _files(root))
    assert covered_shards(Store(root).manifest()) == set(range(12))
    pd.testing.assert_frame_equal(table(root), whole)
    assert verify(root).ok


def test_a_damaged_compacted_part_is_reported_and_resuming_runs_its_shards_again(
        finished: tuple[Path, pd.DataFrame], tmp_path: Path) -> None:
    root, whole = finished
    root = _copy(root, tmp_path)
    compact(root, rows_per_part=10)
    victim = root / "futures" / "compact-00000005-00000009.parquet"
    victim.write_bytes(shutil.copyfile(root / "futures" / "compact-00000000-00000004.parquet", tmp_path / "x")
                       .read_bytes())  # right row count, wrong rows: only the sha256 tells
    found = verify(root)
    assert not found.ok and found.damaged == (5, 6, 7, 8, 9)
    assert [p.kind for p in found.problems] == ["hash", "futures"]
    report = resume(root, workers=1)  # deletes the part the check rejects, runs its shards, compacts again
    assert report.shards_run == 5
    pd.testing.assert_frame_equal(table(root), whole)
    assert verify(root).ok
    assert [p["name"] for p in compacted_parts(Store(root).manifest())] == [
        "compact-00000000-00000004.parquet", "compact-00000005-00000009.parquet", "compact-00000010-00000011.parquet"]


def test_an_unfinished_sweep_is_not_compacted(finished: tuple[Path, pd.DataFrame], tmp_path: Path) -> None:
    root = _copy(finished[0], tmp_path)
    (root / "futures" / "part-00000003.parquet").unlink()
    with pytest.raises(SpecError) as info:
        compact(root)
    assert "3" in str(info.value) and "resume" in str(info.value)
    with pytest.raises(SpecError):
        compact(root, rows_per_part=0)


def test_a_sweep_of_many_shards_is_compacted_when_it_finishes(tmp_path: Path) -> None:
    spec = write_spec(tmp_path, scenarios=MIN_PARTS // 2, shard_size=1)
    report = sweep(spec, tmp_path / "out", workers=1)
    assert report.compacted_parts == 1
    assert _files(tmp_path / "out") == [f"compact-00000000-{MIN_PARTS - 1:08d}.parquet"]
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text())
    part = manifest["compaction"]["parts"][0]
    assert (part["rows"], part["first_future"], part["last_future"]) == (MIN_PARTS, 0, MIN_PARTS - 1)
    assert table(tmp_path / "out")["future"].tolist() == list(range(MIN_PARTS))


@given(futures=st.integers(1, 500), shard_size=st.integers(1, 40), rows_per_part=st.integers(1, 200),
       covered=st.lists(st.integers(0, 30), max_size=4))
def test_the_plan_covers_every_uncovered_shard_once_in_consecutive_ranges_of_about_the_target(
        futures: int, shard_size: int, rows_per_part: int, covered: list[int]) -> None:
    shards = -(-futures // shard_size)
    parts = [{"name": f"c{s}", "first_shard": s, "last_shard": s} for s in sorted(set(covered)) if s < shards]
    manifest = {"futures": futures, "shard_size": shard_size, "compaction": {"parts": parts}}
    ranges = plan(manifest, rows_per_part)
    seen = [s for first, last in ranges for s in range(first, last + 1)]
    assert seen == sorted(set(range(shards)) - covered_shards(manifest))
    for first, last in ranges:
        rows = min(futures, (last + 1) * shard_size) - first * shard_size
        # a range closes at the first shard that reaches the target, so without its last shard it is short
        assert rows - min(shard_size, futures - last * shard_size) < rows_per_part
