"""Sweeps: thousands of futures from a spec, run in shards on an engine, stored as Parquet, queried with DuckDB.

The package itself is callable: ``sovsim.sweep(spec, out, ...)`` is :func:`sovsim.sweep.runner.sweep`.
"""

import sys
import types
from typing import Any

from sovsim.sweep.query import connect, load_results, query
from sovsim.sweep.runner import ENGINES, LocalEngine, SweepReport, make_engine, resume, sweep
from sovsim.sweep.spec import SpecError, SweepSpec, load_spec, spec_from_dict
from sovsim.sweep.verify import Verification, verify

__all__ = ["ENGINES", "LocalEngine", "SpecError", "SweepReport", "SweepSpec", "Verification", "connect",
           "load_results", "load_spec", "make_engine", "query", "resume", "spec_from_dict", "sweep", "verify"]


class _SweepModule(types.ModuleType):
    """The package, callable as :func:`sweep` so that notebooks can write ``sovsim.sweep(spec, out)``."""

    def __call__(self, spec: Any, out: Any, **options: Any) -> SweepReport:
        return sweep(spec, out, **options)


sys.modules[__name__].__class__ = _SweepModule
