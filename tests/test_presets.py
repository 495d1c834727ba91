"""The shipped presets: each loads, runs from the command line, describes itself and cites every value."""

from __future__ import annotations

import json
import re
import tomllib
from importlib import resources

import pytest
from click.testing import CliRunner

import sovsim
from sovsim.cli import main
from sovsim.model.records import ROW_FIELDS

PRESETS = sorted(sovsim.presets())
ARCHETYPES = ("midsize-nation", "apertus-like", "rented-cloud", "compute-rich", "finetune-lean")
VALUE_LINE = re.compile(r"^\s*([A-Za-z_][A-Za-z0-9_]*)\s*=\s*[^#]+?(#.*)?$")
HEADCOUNT_KEYS = ("target_fte", "initial_fte")  # cited once, by the "Headcounts:" comment above the roles


def preset_text(name: str) -> str:
    return resources.files("sovsim").joinpath("presets", f"{name}.toml").read_text(encoding="utf-8")


def test_the_five_archetypes_ship():
    assert set(ARCHETYPES) <= set(PRESETS)


@pytest.mark.parametrize("name", PRESETS)
def test_preset_has_a_name_and_one_line_description(name):
    data = tomllib.loads(preset_text(name))
    assert data["name"] == name
    assert 20 <= len(data["description"]) <= 110
    assert "\n" not in data["description"]


@pytest.mark.parametrize("name", PRESETS)
def test_every_value_cites_calibration_or_says_assumption(name):
    text = preset_text(name)
    uncited = []
    for line in text.splitlines():
        match = VALUE_LINE.match(line)
        if match is None or match.group(1) in ("name", "description"):
            continue
        comment = match.group(2) or ""
        if match.group(1) in HEADCOUNT_KEYS and "Headcounts:" in text:
            continue
        if not any(mark in comment for mark in ("§", "assumption", "DESIGN.md")):
            uncited.append(line.strip())
    assert uncited == []


@pytest.mark.parametrize("name", PRESETS)
def test_preset_runs_from_the_command_line_as_json(name):
    result = CliRunner().invoke(main, ["run", name, "--json", "--set", "calendar.horizon_years=2"])
    assert result.exit_code == 0, result.output
    row = json.loads(result.stdout)
    assert list(row) == list(ROW_FIELDS)
    assert row["scenario"] == name


def test_presets_lists_every_archetype_with_its_description():
    result = CliRunner().invoke(main, ["presets"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    out = " ".join(result.output.split())
    for name in ARCHETYPES:
        assert name in out
        assert " ".join(sovsim.presets()[name].split()) in out
