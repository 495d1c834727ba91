"""numba kernels: arrays in, arrays out, no RNG, no Python objects; each has a NumPy or Python twin."""

import numpy as np

from sovsim.kernels.accounting import warm as _warm_accounting
from sovsim.kernels.reliability import interrupted_run, interrupted_runs

__all__ = ["warm"]


def warm() -> None:
    """Compile (or load from cache) every kernel; the sweep driver calls this before forking workers."""
    _warm_accounting()
    interrupted_run(1.0, np.ones(2), 1.0, 0.1, 0.01)
    interrupted_runs(1.0, np.ones((2, 2)), 1.0, 0.1, 0.01)
