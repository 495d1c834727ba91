"""Store integrity: each kind of damage to a results directory, what ``sweep --verify`` says, and the repair.

A clean sweep is copied and damaged one way per case (truncated, zero-byte or corrupt part, a part copied
over another shard's, a part with no record, a foreign file, a missing shard, an edited manifest); the
check must name the kind and the shard, ``--verify`` must exit 1 without a traceback, ``query`` and
``analyze`` must refuse the store unless ``--allow-damaged``, and ``--resume`` must give back the clean
table (or, for a stale manifest, refuse).
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from sovsim.analysis import AnalysisError, analyze
from sovsim.cli import main
from sovsim.sweep import SpecError, load_results, query, resume, sweep
from sovsim.sweep.verify import verify

SPEC = """
[sweep]
base = "midsize-nation"
scenarios = 12
shard_size = 3
seed = 5
timelines = true

[[uncertainties]]
path = "staff.attrition_per_year"
low = 0.06
high = 0.2
"""


@pytest.fixture(scope="module")
def clean(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("damage")
    spec = folder / "spec.toml"
    spec.write_text(SPEC, encoding="utf-8")
    sweep(spec, folder / "out", workers=1)
    return folder / "out"


@pytest.fixture
def store(clean: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "store"
    shutil.copytree(clean, copy)
    return copy


def part(root: Path, shard: int, folder: str = "futures") -> Path:
    return root / folder / f"part-{shard:08d}.parquet"


def truncate(root: Path) -> None:
    data = part(root, 1).read_bytes()
    part(root, 1).write_bytes(data[: len(data) // 2])


def zero_bytes(root: Path) -> None:
    part(root, 2).write_bytes(b"")


def flip_a_byte(root: Path) -> None:
    data = bytearray(part(root, 0).read_bytes())
    data[len(data) // 3] ^= 0xFF
    part(root, 0).write_bytes(bytes(data))


def copy_over(root: Path) -> None:  # same row count: the old check passed it
    shutil.copy(part(root, 0), part(root, 1))


def copy_with_record(root: Path) -> None:
    shutil.copy(part(root, 0), part(root, 1))
    shutil.copy(root / "records" / "part-00000000.json", root / "records" / "part-00000001.json")


def forge_record(root: Path) -> None:  # the part and its record both replaced: the manifest's copy disagrees
    shutil.copy(part(root, 0), part(root, 1))
    record = json.loads((root / "records" / "part-00000000.json").read_text(encoding="utf-8"))
    record.update(shard=1, futures=[3, 6])
    (root / "records" / "part-00000001.json").write_text(json.dumps(record), encoding="utf-8")


def beyond_last(root: Path) -> None:
    shutil.copy(part(root, 0), part(root, 9))


def stray_name(root: Path) -> None:
    shutil.copy(part(root, 0), root / "futures" / "part-extra.parquet")


def timeline_edited(root: Path) -> None:
    shutil.copy(part(root, 0, "timelines"), part(root, 2, "timelines"))


def delete_part(root: Path) -> None:
    part(root, 3).unlink()


DAMAGE: list[tuple[Callable[[Path], None], set[str], int | None]] = [
    (truncate, {"unreadable"}, 1),
    (zero_bytes, {"unreadable"}, 2),
    (flip_a_byte, {"unreadable", "hash"}, 0),  # either the footer or the data is hit
    (copy_over, {"hash", "duplicate"}, 1),
    (copy_with_record, {"record", "duplicate"}, 1),
    (forge_record, {"record", "duplicate"}, 1),
    (beyond_last, {"foreign"}, None),
    (stray_name, {"foreign"}, None),
    (timeline_edited, {"timelines"}, 2),
]


@pytest.mark.parametrize(("damage", "kinds", "shard"), DAMAGE, ids=[d[0].__name__ for d in DAMAGE])
def test_each_damage_is_found_refused_and_repaired(store: Path, clean: Path, tmp_path: Path,
                                                    damage: Callable[[Path], None], kinds: set[str],
                                                    shard: int | None) -> None:
    damage(store)
    found = verify(store)
    assert not found.ok and not found.intact
    assert {p.kind for p in found.problems} & kinds, [str(p) for p in found.problems]
    assert {p.kind for p in found.problems} <= kinds | {"duplicate", "hash", "futures"}
    if shard is not None:
        assert found.damaged == (shard,)
    runner = CliRunner()
    report = runner.invoke(main, ["sweep", "--verify", str(store)])
    assert report.exit_code == 1, report.output
    assert any(kind in report.output for kind in kinds)
    assert "Traceback" not in report.output
    refused = runner.invoke(main, ["query", str(store), "SELECT count(*) FROM futures"])
    assert refused.exit_code == 2 and "damaged store" in refused.output
    with pytest.raises(AnalysisError, match="damaged store"):
        analyze(store)
    try:  # told to, the query reads what can be read, or says which part cannot be
        assert int(query(store, "SELECT count(*) AS n FROM futures", allow_damaged=True)["n"].iloc[0]) >= 9
    except SpecError as exc:
        assert "cannot read the futures parts" in str(exc)
    resumed = resume(store, workers=1)
    assert resumed.shards_run == (0 if shard is None else 1)
    assert verify(store).ok
    pd.testing.assert_frame_equal(load_results(store), load_results(clean))
    pd.testing.assert_frame_equal(load_results(store, "timelines"), load_results(clean, "timelines"))


def test_a_missing_shard_is_reported_but_the_rest_can_be_read(store: Path, clean: Path) -> None:
    delete_part(store)
    found = verify(store)
    assert found.missing == (3,) and found.intact and not found.ok
    assert len(query(store, "SELECT * FROM futures")) == 9  # a sweep under way can be queried
    assert resume(store, workers=1).shards_run == 1
    pd.testing.assert_frame_equal(load_results(store), load_results(clean))


def test_a_part_caught_before_its_record_is_run_again(store: Path, clean: Path) -> None:
    (store / "records" / "part-00000002.json").unlink()
    found = verify(store)
    assert [p.kind for p in found.problems] == ["unrecorded"] and found.intact
    assert len(query(store, "SELECT * FROM futures")) == 9  # only recorded parts are read
    assert resume(store, workers=1).shards_run == 1
    assert verify(store).ok


def _edit_manifest(root: Path, edit: Callable[[dict], None]) -> None:
    path = root / "manifest.json"
    manifest = json.loads(path.read_text(encoding="utf-8"))
    edit(manifest)
    path.write_text(json.dumps(manifest), encoding="utf-8")


@pytest.mark.parametrize("edit", [
    lambda m: m["spec"]["sweep"].__setitem__("scenarios", 8),  # the spec's scenario count
    lambda m: m.__setitem__("futures", 9),
    lambda m: m.__setitem__("shard_size", 4),
    lambda m: m.__setitem__("spec_hash", "0" * 64),
], ids=["spec-scenarios", "futures", "shard-size", "spec-hash"])
def test_a_stale_manifest_is_reported_and_not_resumed(store: Path, edit: Callable[[dict], None]) -> None:
    _edit_manifest(store, edit)
    found = verify(store)
    assert "stale" in {p.kind for p in found.problems}
    report = CliRunner().invoke(main, ["sweep", "--verify", str(store)])
    assert report.exit_code == 1 and "stale" in report.output and "new --out" in report.output
    with pytest.raises(SpecError):
        resume(store, workers=1)
    assert CliRunner().invoke(main, ["query", str(store), "SELECT 1"]).exit_code == 2


@pytest.mark.parametrize(("content", "message"), [
    (b"{not json", "not valid JSON"),
    (b"[]", "JSON list"),
    (b"{}", "has no 'spec'"),
    (b"\xff\xfe\x00\x00", "not UTF-8"),
    (b'{"spec": {}, "spec_hash": "x", "seed": 0, "shard_size": 0, "futures": 1, "scenarios": 1, "policies": [], '
     b'"timelines": false}', "shard_size"),
    (b"[" * 100_000, "nested too deeply"),
])
def test_a_broken_manifest_is_a_clear_error_naming_the_file(store: Path, content: bytes, message: str) -> None:
    (store / "manifest.json").write_bytes(content)
    runner = CliRunner()
    for args in (["sweep", "--verify", str(store)], ["sweep", "--resume", str(store), "--quiet"],
                 ["query", str(store), "SELECT 1"], ["analyze", str(store)]):
        result = runner.invoke(main, args)
        assert result.exit_code == 2, (args, result.output)
        assert "manifest.json" in result.output and message in result.output, (args, result.output)
        assert result.exception is None or isinstance(result.exception, SystemExit)
