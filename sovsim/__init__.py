"""sovsim: where and why national AI model programmes quietly die."""

import typing as _typing

from sovsim._version import __version__
from sovsim.compiled import activate as _activate

_activate(__path__)  # a compiled build of exactly these sources, if one was made (sovsim compile)

from sovsim.analysis import analyze  # noqa: E402
from sovsim.queueing import erlang_c  # noqa: E402
from sovsim.result import FutureResult, run  # noqa: E402
from sovsim.scenario import Scenario, ScenarioError, load_scenario, presets  # noqa: E402

if _typing.TYPE_CHECKING:
    from pathlib import Path

    import pandas as pd


__all__ = ["FutureResult", "Scenario", "ScenarioError", "__version__", "analyze", "compare", "erlang_c",
           "load_results", "load_scenario", "presets", "run", "stats", "sweep"]


def load_results(root: "str | Path", table: str = "futures") -> "pd.DataFrame":
    """The ``futures`` (or ``timelines``) table of a sweep's results directory, sorted by future index."""
    from sovsim.sweep.query import load_results as load

    return load(root, table)


def __getattr__(name: str) -> "object":
    # loaded on first use: ``sovsim.sweep`` (callable: ``sovsim.sweep(spec, out)``) brings DuckDB and PyArrow,
    # ``sovsim.stats`` (intervals) brings SciPy
    if name in ("sweep", "stats"):
        import importlib

        return importlib.import_module(f"sovsim.{name}")
    if name == "compare":  # two scenarios on the same futures (sovsim.comparison; brings SciPy)
        from sovsim.comparison import compare

        return compare
    raise AttributeError(f"module 'sovsim' has no attribute {name!r}")
