"""The real programme cases: they load, every input cites a source or an unknown range, outcomes are dated."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

from sovsim.cli import main
from sovsim.hindcast.cases import (
    OUTCOMES,
    Case,
    case_ids,
    frontier_log10_at,
    load_case,
    load_cases,
    months_between,
    uncited_values,
)
from sovsim.scenario.fields import ScenarioError
from sovsim.scenario.loader import to_dict

URL = re.compile(r"^https?://\S+")
CASES = load_cases()


def _cites(source: str) -> bool:
    """A public URL, a calibration.md row, or a modelling assumption that says why."""
    return bool(URL.match(source)) or "calibration.md §" in source or source.startswith("assumption: ")


def test_at_least_twelve_cases_ship():
    assert len(case_ids()) >= 12
    assert len({c.country for c in CASES}) >= 10


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_every_input_value_cites_a_source_or_an_unknown_range(case: Case):
    assert uncited_values(case) == []
    for path, source in case.sources.items():
        assert _cites(source), f"{case.id}: {path} = {source!r}"
    # the facts about the programme itself come from public pages or calibration.md, never an assumption
    for path in ("calendar.start_date", "model.strategy"):
        assert not case.sources[path].startswith("assumption"), f"{case.id}: {path}"


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_unknown_ranges_hold_the_written_value_and_validate(case: Case):
    plain = to_dict(case.scenario())
    for path, (low, high) in case.unknown.items():
        value = plain
        for part in path.split("."):
            value = value[part]
        assert low <= value <= high, f"{case.id}: {path} = {value} outside [{low}, {high}]"
        case.scenario({path: low})  # both ends are valid scenarios
        case.scenario({path: high})


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_observed_outcomes_are_dated_and_sourced(case: Case):
    for key in ("first_release_date", "second_release_date"):
        when = case.facts.get(key)
        if when is not None:
            assert case.start_date < when <= case.cutoff_date, f"{case.id}: {key} {when}"
    for key, value in case.facts.items():
        assert _cites(case.fact_sources[key]), f"{case.id}: {key} = {value} has no source"
    # every outcome is either observed (with a source) or explained (unknown, censored or not applicable)
    explained = set(case.facts) | set(case.fact_sources)
    for key in ("pivoted", "production_service", "ended"):
        assert key in explained, f"{case.id}: {key} neither observed nor explained"
    assert "cutoff_date" in case.fact_sources
    assert set(case.observed) == set(OUTCOMES)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_case_scenario_runs_to_the_cutoff_with_the_frontier_of_its_start(case: Case):
    scenario = case.scenario()
    assert scenario.calendar.start_date == case.start_date
    assert scenario.calendar.horizon_years == pytest.approx((case.cutoff_date - case.start_date).days / 365.25)
    assert scenario.frontier.frontier_log10_flop_at_start == pytest.approx(frontier_log10_at(case.start_date),
                                                                           abs=1e-3)


def test_frontier_anchor_matches_the_calibration_figures():
    # calibration.md §7: Llama 3.1-405B 3.8e25 FLOP (July 2024); GPT-4 2.1e25 (March 2023) lies within a
    # factor of 4.6 of the 4.6×/yr trend line, as a frontier point should
    assert frontier_log10_at(dt.date(2024, 7, 23)) == pytest.approx(25.58, abs=0.01)
    gpt4 = frontier_log10_at(dt.date(2023, 3, 14))
    assert abs(gpt4 - 25.32) < 0.66


def _case(first: dt.date | None, second: dt.date | None, cutoff: dt.date) -> Case:
    base = load_case("bloom")
    facts = {k: v for k, v in (("first_release_date", first), ("second_release_date", second)) if v is not None}
    return Case("t", "t", "t", "", dt.date(2020, 1, 1), cutoff, base.tables, {}, {}, facts, {})


def test_second_release_window_exact_cases():
    start = dt.date(2020, 1, 1)
    assert _case(dt.date(2020, 7, 1), dt.date(2021, 7, 1), dt.date(2021, 8, 1)).observed[
        "second_release_within_24m"] is True
    assert _case(dt.date(2020, 7, 1), None, dt.date(2022, 8, 1)).observed["second_release_within_24m"] is False
    assert _case(dt.date(2020, 7, 1), None, dt.date(2021, 8, 1)).observed["second_release_within_24m"] is None
    assert _case(dt.date(2020, 7, 1), dt.date(2023, 1, 1), dt.date(2023, 2, 1)).observed[
        "second_release_within_24m"] is False
    no_release = _case(None, None, dt.date(2023, 1, 1)).observed
    assert no_release["first_release_months"] is None and no_release["second_release_within_24m"] is None
    assert _case(dt.date(2021, 1, 1), None, dt.date(2022, 1, 1)).observed["first_release_months"] == pytest.approx(
        months_between(start, dt.date(2021, 1, 1)), abs=0.05)


@given(first=st.integers(1, 2000), gap=st.one_of(st.none(), st.integers(1, 2000)), after=st.integers(0, 2000))
def test_second_release_outcome_is_censored_exactly_while_its_window_is_open(first, gap, after):
    start = dt.date(2020, 1, 1)
    first_date = start + dt.timedelta(days=first)
    second_date = None if gap is None else first_date + dt.timedelta(days=gap)
    cutoff = (second_date or first_date) + dt.timedelta(days=after)
    value = _case(first_date, second_date, cutoff).observed["second_release_within_24m"]
    window_closed = months_between(first_date, cutoff) >= 24
    if second_date is not None and months_between(first_date, second_date) <= 24:
        assert value is True
    elif window_closed:
        assert value is False
    else:
        assert value is None


def test_cases_command_lists_every_case_as_one_json_object():
    result = CliRunner().invoke(main, ["cases", "--json"])
    assert result.exit_code == 0
    data = json.loads(result.output)
    assert [c["case"] for c in data["cases"]] == case_ids()
    table = CliRunner().invoke(main, ["cases"])
    assert table.exit_code == 0 and "bloom" in table.output


def test_unknown_case_exits_2_naming_it():
    result = CliRunner().invoke(main, ["hindcast", "atlantis", "--futures", "1"])
    assert result.exit_code == 2
    assert "atlantis" in result.output and "bloom" in result.output
    with pytest.raises(ScenarioError):
        load_case("atlantis")


def test_cases_document_is_generated_from_the_case_files():
    from pathlib import Path

    from sovsim.hindcast.document import cases_markdown

    committed = Path(__file__).resolve().parents[1] / "docs" / "cases.md"
    assert committed.read_text(encoding="utf-8") == cases_markdown()
    assert CliRunner().invoke(main, ["cases", "--markdown"]).output == cases_markdown()
