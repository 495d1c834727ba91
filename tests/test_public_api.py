"""The public API: names exported in step with ``__all__``, and ``sovsim.run`` with its documented records."""

from __future__ import annotations

import importlib
import importlib.metadata
import pkgutil
import types

import pandas as pd
import pytest

import sovsim
from sovsim import FutureResult, Scenario, ScenarioError, load_scenario
from sovsim.model.records import EVENT_FIELDS, ROW_FIELDS, TIMELINE_FIELDS, VERDICTS
from sovsim.scenario import presets

SHORT = {"calendar.horizon_years": 2.0}


def test_all_names_exist():
    for name in sovsim.__all__:
        assert hasattr(sovsim, name), name


def test_every_public_name_is_in_all():
    # subpackages (sovsim.model, sovsim.scenario, …) are attributes too once imported; they are not API
    public = {name for name, value in vars(sovsim).items()
              if not name.startswith("_") and not isinstance(value, types.ModuleType)}
    assert public <= set(sovsim.__all__)
    assert {"FutureResult", "Scenario", "ScenarioError", "load_scenario", "run"} <= public


def test_presets_stays_callable_after_loading_a_scenario():
    # regression: the subpackage sovsim.presets replaced the function as soon as a scenario was loaded
    load_scenario()
    assert not isinstance(sovsim.presets, types.ModuleType)
    assert "midsize-nation" in sovsim.presets()


def test_all_has_no_duplicates():
    assert len(sovsim.__all__) == len(set(sovsim.__all__))


def _modules():
    yield sovsim
    for info in pkgutil.walk_packages(sovsim.__path__, prefix="sovsim."):
        yield importlib.import_module(info.name)


@pytest.mark.parametrize("module", list(_modules()), ids=lambda m: m.__name__)
def test_every_module_all_names_exist(module):
    for name in getattr(module, "__all__", ()):
        assert hasattr(module, name), f"{module.__name__}.{name}"


def test_version_matches_the_installed_metadata():
    assert sovsim.__version__ == importlib.metadata.version("sovsim")


def test_exported_objects_are_the_library_objects():
    from sovsim.result import FutureResult as result_class
    from sovsim.result import run
    from sovsim.scenario.fields import ScenarioError as error_class

    assert sovsim.run is run
    assert FutureResult is result_class
    assert ScenarioError is error_class
    assert issubclass(ScenarioError, ValueError)
    assert isinstance(load_scenario(), Scenario)
    assert "midsize-nation" in presets()


# -- sovsim.run ----------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def result() -> FutureResult:
    return sovsim.run(load_scenario(overrides=SHORT), seed=4, future=1)


def test_run_returns_a_future_result_with_a_plain_row(result):
    assert isinstance(result, FutureResult)
    assert isinstance(result.row, dict)
    assert list(result.row) == list(ROW_FIELDS)
    assert result.row["seed"] == 4
    assert result.row["future"] == 1
    assert result.row["scenario"] == "midsize-nation"
    assert result.verdict == result.row["verdict"] in VERDICTS
    assert result.scenario == load_scenario(overrides=SHORT)


def test_events_frame_has_the_documented_columns(result):
    events = result.events
    assert isinstance(events, pd.DataFrame)
    assert list(events.columns) == list(EVENT_FIELDS)
    assert len(events) > 0
    assert events["time_days"].is_monotonic_increasing
    assert events["key"].dtype == bool
    start = result.scenario.calendar.start_date.isoformat()
    assert (events["date"] >= start).all()
    documented = EVENT_FIELDS["process"].split(":", 1)[1].split(",")
    assert set(events["process"]) <= {p.strip() for p in documented}


def test_timeline_frame_has_the_documented_columns_and_a_column_per_role(result):
    timeline = result.timeline
    assert isinstance(timeline, pd.DataFrame)
    roles = list(result.scenario.staff.roles)
    assert list(timeline.columns) == [*TIMELINE_FIELDS, *(f"staff_{r}" for r in roles)]
    assert pd.api.types.is_datetime64_any_dtype(timeline["date"])
    assert (timeline["headcount"] == timeline[[f"staff_{r}" for r in roles]].sum(axis=1)).all()
    assert timeline["time_days"].iloc[0] == 0


def test_frames_are_fresh_copies(result):
    first = result.events
    first.loc[:, "kind"] = "tampered"
    assert (result.events["kind"] != "tampered").any()


def test_run_defaults_to_seed_0_future_0():
    scenario = load_scenario(overrides=SHORT)
    assert sovsim.run(scenario).row == sovsim.run(scenario, seed=0, future=0).row


@pytest.mark.parametrize("bad", [-1, 1.0, 1.5, "1", None, True])
@pytest.mark.parametrize("which", ["seed", "future"])
def test_negative_or_non_integer_seeds_and_futures_raise_value_error(which, bad):
    scenario = load_scenario(overrides=SHORT)
    with pytest.raises(ValueError, match=which):
        sovsim.run(scenario, **{which: bad})


def test_large_seeds_and_futures_are_fine():
    row = sovsim.run(load_scenario(overrides={"calendar.horizon_years": 0.5}), seed=2**63, future=10**9).row
    assert row["seed"] == 2**63
    assert row["future"] == 10**9
