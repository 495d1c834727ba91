"""Terminal output for people: tables fit the width without breaking a word or a number, numbers carry units.

Also the command-line presentation around it: ``query`` (records view, ``--columns``, ``--limit``, a
missing ``timelines`` table), ``validate`` in one unit per column, ``run`` showing its overrides, "did you
mean" for a misspelled preset, and a sweep progress bar that moves per future.
"""

from __future__ import annotations

import math
import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st
from rich.console import Console

from sovsim.cli import main
from sovsim.scenario import ScenarioError, load_scenario
from sovsim.terminal import humanize, number, print_table

SPEC = """
[sweep]
base = "midsize-nation"
scenarios = 6
sampler = "mc"
seed = 2
shard_size = 4

[sweep.set]
"calendar.horizon_years" = 2.0

[[uncertainties]]
path = "staff.attrition_per_year"
low = 0.05
high = 0.4
"""


@st.composite
def tables(draw: st.DrawFn) -> tuple[list[str], list[list[str]], int]:
    """Column names and cells of unique tokens ``Q<digits>Z`` (a token split anywhere cannot be found whole)."""
    counter = iter(range(10**6))

    def token() -> str:
        return "Q" + str(next(counter)).zfill(draw(st.integers(1, 14))) + "Z"

    n_columns = draw(st.integers(1, 9))
    columns = ["_".join(token() for _ in range(draw(st.integers(1, 2)))) for _ in range(n_columns)]
    rows = [[" ".join(token() for _ in range(draw(st.integers(1, 4)))) for _ in columns]
            for _ in range(draw(st.integers(1, 4)))]
    return columns, rows, draw(st.integers(50, 140))


@settings(max_examples=60, deadline=None)
@given(tables())
def test_tables_fit_the_width_and_never_break_a_word(table: tuple[list[str], list[list[str]], int]) -> None:
    columns, rows, width = table
    console = Console(record=True, width=width, color_system=None)
    print_table(console, columns, rows, title="t")
    text = console.export_text()
    assert max(len(line.rstrip()) for line in text.splitlines()) <= width
    flat = " ".join(text.split())  # lines joined: a token is whole iff it appears whole somewhere
    for row in rows:
        for cell in row:
            for word in cell.split():
                assert re.search(rf"(?<![0-9]){word}(?![0-9])", flat), (word, text)


@pytest.mark.parametrize(("value", "column", "shown"), [
    (5_055_611.7, "cost_usd", "$5.06M"),
    (12.34, "energy_mwh", "12.3 MWh"),
    (3_311_616.0, "", "3.31M"),
    (-2_500_000.0, "final_cash_usd", "-$2.5M"),
    (0.974, "goodput", "97.4%"),
    (20270101, "seed", "20270101"),
    (481.0, "carbon_g_per_kwh", "481 g/kWh"),
    (700.0, "power_w", "700 W"),
    (float("nan"), "death_time_years", "—"),
])
def test_numbers_carry_their_units(value: float, column: str, shown: str) -> None:
    assert humanize(value, column) == shown


_SUFFIX = {"": 1.0, "k": 1e3, "M": 1e6, "B": 1e9, "T": 1e12}


@given(st.floats(min_value=1e-3, max_value=9.99e14) | st.floats(min_value=-9.99e14, max_value=-1e-3))
def test_humanised_numbers_have_no_exponent_and_keep_three_digits(value: float) -> None:
    text = number(value)
    assert "e" not in text
    found = re.fullmatch(r"(-?[0-9,]*\.?[0-9]*)([kMBT]?)", text)
    assert found is not None, text
    back = float(found.group(1).replace(",", "")) * _SUFFIX[found.group(2)]
    assert math.isclose(back, value, rel_tol=5e-3, abs_tol=5e-4), (value, text)


def test_validate_has_one_unit_per_column() -> None:
    result = CliRunner().invoke(main, ["validate"], env={"COLUMNS": "80"}, terminal_width=80)
    assert result.exit_code == 0, result.output
    assert result.output.count("(%)") == 2  # error and tolerance, both in percent (headers may wrap)
    assert "in percent" in result.output
    assert "e+" not in result.output
    assert max(len(line.rstrip()) for line in result.output.splitlines()) <= 80


@pytest.fixture(scope="module")
def results(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from sovsim.sweep import sweep

    folder = tmp_path_factory.mktemp("terminal")
    (folder / "spec.toml").write_text(SPEC, encoding="utf-8")
    sweep(folder / "spec.toml", folder / "out", workers=1)
    return folder / "out"


def test_query_shows_wide_rows_as_records_within_80_columns(results: Path) -> None:
    from sovsim.sweep import query

    result = CliRunner().invoke(main, ["query", str(results), "SELECT * FROM futures LIMIT 2"],
                                env={"COLUMNS": "80"}, terminal_width=80)
    assert result.exit_code == 0, result.output
    assert "record 1 of 2" in result.output and "record 2 of 2" in result.output
    assert max(len(line.rstrip()) for line in result.output.splitlines()) <= 80
    for column in query(results, "SELECT * FROM futures LIMIT 0").columns:
        assert column in result.output


def test_query_columns_and_limit(results: Path) -> None:
    result = CliRunner().invoke(main, ["query", str(results), "SELECT * FROM futures ORDER BY future",
                                       "--columns", "future,verdict,total_cost_usd", "--limit", "3", "--csv"])
    assert result.exit_code == 0, result.output
    lines = result.output.strip().splitlines()
    assert lines[0] == "future,verdict,total_cost_usd"
    assert [line.split(",")[0] for line in lines[1:]] == ["0", "1", "2"]
    shown = CliRunner().invoke(main, ["query", str(results), "SELECT * FROM futures", "--columns",
                                      "future,total_cost_usd", "--limit", "2"], env={"COLUMNS": "80"})
    assert re.search(r"\$[0-9.]+[kMB]", shown.output), shown.output  # humanised with its unit
    bad = CliRunner().invoke(main, ["query", str(results), "SELECT * FROM futures", "--columns", "futur"])
    assert bad.exit_code == 2
    assert "--columns" in bad.output and "futur" in bad.output and "future" in bad.output


def test_querying_timelines_that_were_not_stored_says_so(results: Path) -> None:
    result = CliRunner().invoke(main, ["query", str(results), "SELECT count(*) FROM timelines"])
    assert result.exit_code == 2
    assert "timelines" in result.output and "timelines = true" in result.output
    assert "sqlite_master" not in result.output


def test_a_misspelled_preset_gets_a_suggestion() -> None:
    with pytest.raises(ScenarioError, match="did you mean 'midsize-nation'"):
        load_scenario("midsize-natoin")
    with pytest.raises(ScenarioError) as caught:
        load_scenario("zzzz")
    assert "did you mean" not in str(caught.value)


def test_run_shows_its_overrides_in_the_header() -> None:
    result = CliRunner().invoke(main, ["run", "--set", "calendar.horizon_years=1", "--set",
                                       "staff.salary_premium=1.5"])
    assert result.exit_code == 0, result.output
    header = result.output.splitlines()[:3]
    assert any("calendar.horizon_years=1" in line and "staff.salary_premium=1.5" in line for line in header)


@pytest.mark.parametrize("workers", [1, 2])
def test_the_local_engine_reports_every_future(tmp_path: Path, workers: int) -> None:
    from sovsim.sweep import LocalEngine, sweep

    ticks: list[int] = []
    (tmp_path / "spec.toml").write_text(SPEC, encoding="utf-8")
    report = sweep(tmp_path / "spec.toml", tmp_path / "out", engine=LocalEngine(workers, on_future=ticks.append))
    assert sum(ticks) == report.futures_run == 6
    if workers == 1:
        assert ticks == [1] * 6  # inline: one call per future, not per shard
