"""Hindcasts: real national programmes as cases, run from their start to their last known fact and compared."""

from sovsim.hindcast.cases import Case, case_ids, load_case, load_cases

__all__ = ["Case", "case_ids", "load_case", "load_cases"]
