"""Sweeps: thousands of futures from a spec, run in shards on an engine, stored as Parquet, queried with DuckDB."""

from sovsim.sweep.query import connect, load_results, query
from sovsim.sweep.runner import LocalEngine, SweepReport, resume, sweep
from sovsim.sweep.spec import SpecError, SweepSpec, load_spec, spec_from_dict

__all__ = ["LocalEngine", "SpecError", "SweepReport", "SweepSpec", "connect", "load_results", "load_spec", "query",
           "resume", "spec_from_dict", "sweep"]
