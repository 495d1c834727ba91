"""sovsim: where and why national AI model programmes quietly die."""

from sovsim.result import FutureResult, run
from sovsim.scenario import Scenario, ScenarioError, load_scenario, presets

__version__ = "0.1.0"

__all__ = ["FutureResult", "Scenario", "ScenarioError", "__version__", "load_scenario", "presets", "run"]
