"""numba kernels: arrays in, arrays out, no RNG, no Python objects; each has a NumPy reference twin."""

from sovsim.kernels.accounting import warm as _warm_accounting

__all__ = ["warm"]


def warm() -> None:
    """Compile (or load from cache) every kernel; the sweep driver calls this before forking workers."""
    _warm_accounting()
