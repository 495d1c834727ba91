"""Scenarios: declared, validated, frozen inputs of one programme."""

from sovsim.scenario.fields import ScenarioError
from sovsim.scenario.loader import DEFAULT_PRESET, load_scenario, presets, scenario_from_dict, to_dict
from sovsim.scenario.schema import Scenario

__all__ = ["DEFAULT_PRESET", "Scenario", "ScenarioError", "load_scenario", "presets", "scenario_from_dict",
           "to_dict"]
