"""Hindcasts: real national programmes as cases, run from their start to their last known fact and compared.

``hindcast`` runs cases and scores the forecasts; ``calibrate`` history-matches the weakest assumptions on them.
"""

from sovsim.hindcast.calibrate import DEFAULT_PRIORS, Prior, calibrate
from sovsim.hindcast.cases import Case, case_ids, load_case, load_cases
from sovsim.hindcast.run import hindcast

__all__ = ["Case", "DEFAULT_PRIORS", "Prior", "calibrate", "case_ids", "hindcast", "load_case", "load_cases"]
