"""The optional compiled build (``sovsim compile``): loaded only for its own sources, and the same results bit for bit.

The suite itself runs the pure-Python modules (``conftest.py`` sets ``SOVSIM_COMPILED=0``); the tests here run
compiled code in subprocesses, pointed at a build made into a temporary folder.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

import sovsim
from sovsim import compiled
from sovsim.cli import main
from sovsim.model.world import World

SNAPSHOT_FUTURES = range(4)


def snapshot() -> str:
    """Every preset's result rows for a few futures, and the first future's timeline and event log, as JSON.

    Floats are written with ``repr`` (JSON's own), so two snapshots are equal as text only if every number is
    the same double.
    """
    out = {}
    for name in sovsim.presets():
        scenario = sovsim.load_scenario(name)
        rows = [World(scenario, 11, future, timeline=False).run().row() for future in SNAPSHOT_FUTURES]
        world = World(scenario, 11, 0).run()
        out[name] = {"rows": rows, "timeline": [list(r) for r in world.timeline],
                     "events": [list(e) for e in world.log.events]}
    return json.dumps(out, sort_keys=True, default=repr)


def _run(code: str, env: dict[str, str]) -> str:
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False,
                          env={**os.environ, **env}, cwd=Path(__file__).parent)
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


def test_the_suite_runs_the_pure_python_modules() -> None:
    assert compiled.status() == "pure Python"


def test_a_build_of_other_sources_is_never_loaded(tmp_path: Path) -> None:
    # A build under another key (sources changed since) is ignored: the package runs as pure Python
    stale = tmp_path / ("0" * 24)
    (stale / "sovsim" / "model").mkdir(parents=True)
    (stale / compiled.MANIFEST).write_text("{}", encoding="utf-8")
    out = _run("import sovsim.compiled as c; print(c.status())",
               {"SOVSIM_COMPILED": "1", "SOVSIM_COMPILED_DIR": str(tmp_path)})
    assert out.strip() == "pure Python"


def test_the_key_follows_every_source_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Any edit to any module of the package (compiled or not) makes a new key, so a build cannot go stale
    copy = tmp_path / "sovsim"
    shutil.copytree(compiled.PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__", "*.so"))
    monkeypatch.setattr(compiled, "PACKAGE", copy)
    before = compiled.source_key()
    assert compiled.source_key() == before  # stable
    target = copy / "scenario" / "fields.py"  # a module that is not compiled
    target.write_text(target.read_text(encoding="utf-8") + "\n# edited\n", encoding="utf-8")
    assert compiled.source_key() != before


def test_compiling_without_mypyc_says_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "mypyc" else real(name, *a))
    result = CliRunner().invoke(main, ["compile"])
    assert result.exit_code == 2
    assert "mypyc is not installed" in result.output and ".[compile]" in result.output


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("cc") is None and shutil.which("gcc") is None, reason="no C compiler here")
def test_the_compiled_build_gives_the_same_results_bit_for_bit(tmp_path: Path) -> None:
    target = compiled.build(tmp_path)
    assert target.name == compiled.source_key()
    manifest = json.loads((target / compiled.MANIFEST).read_text(encoding="utf-8"))
    assert manifest["modules"] == list(compiled.MODULES)
    code = ("import sovsim.compiled as c, sovsim.model.world as w, sovsim.serving as s; "
            "from test_compiled import snapshot; "
            "assert not w.__file__.endswith('.py') and not s.__file__.endswith('.py'), (w.__file__, s.__file__); "
            "print(c.status()); print(snapshot())")
    out = _run(code, {"SOVSIM_COMPILED": "1", "SOVSIM_COMPILED_DIR": str(tmp_path)})
    status, text = out.split("\n", 1)
    assert status == f"compiled ({target.name})"
    assert text.strip() == snapshot()  # every row, timeline and event of every preset, to the last bit
    # a second build of the same sources is the one already there
    assert compiled.build(tmp_path) == target
