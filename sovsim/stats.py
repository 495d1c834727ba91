"""Intervals for the answers sovsim gives: shares of futures, medians, and paired differences.

Every probability an experiment reports carries an interval. A share of ``n`` independent futures gets a
Wilson score interval (Wilson 1927; it stays inside [0, 1] and behaves at 0 and n successes, where the
normal approximation does not). Any other statistic, and the difference of two policies run on the same
futures (common random numbers), gets a percentile bootstrap interval; resampling the *pairs* keeps the
correlation that makes a paired difference much tighter than the difference of two separate intervals.

The bootstrap is seeded: the same data and seed give the same interval.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy import stats as _scipy_stats

__all__ = ["Estimate", "wilson_interval", "share", "bootstrap_interval", "paired_difference", "DEFAULT_CONFIDENCE"]

DEFAULT_CONFIDENCE = 0.95
DEFAULT_RESAMPLES = 2000

Statistic = Callable[[npt.NDArray[np.float64]], float]


@dataclass(frozen=True)
class Estimate:
    """A point estimate with its interval at ``confidence`` from ``n`` observations."""

    value: float
    low: float
    high: float
    n: int
    confidence: float = DEFAULT_CONFIDENCE

    @property
    def interval(self) -> tuple[float, float]:
        return (self.low, self.high)

    def as_dict(self, name: str) -> dict[str, float | int | list[float]]:
        """``{name: value, name_ci: [low, high]}`` — the shape the JSON outputs use."""
        return {name: self.value, f"{name}_ci": [self.low, self.high]}

    def format(self, digits: int = 2, percent: bool = False) -> str:
        """``0.42 [0.37, 0.47]``, or ``42.0% [37.1, 47.2]`` with ``percent``."""
        if percent:
            return f"{100 * self.value:.1f}% [{100 * self.low:.1f}, {100 * self.high:.1f}]"
        return f"{self.value:.{digits}f} [{self.low:.{digits}f}, {self.high:.{digits}f}]"


def _check_confidence(confidence: float) -> None:
    if not 0.0 < confidence < 1.0:
        raise ValueError(f"confidence: {confidence!r} is not allowed; allowed: a number strictly between 0 and 1")


def wilson_interval(successes: int, n: int, confidence: float = DEFAULT_CONFIDENCE) -> tuple[float, float]:
    """The Wilson score interval for a share of ``successes`` in ``n`` trials."""
    _check_confidence(confidence)
    if n < 0 or successes < 0 or successes > n:
        raise ValueError(f"successes, n: ({successes}, {n}) is not allowed; allowed: 0 ≤ successes ≤ n")
    if n == 0:
        return (0.0, 1.0)
    z = float(_scipy_stats.norm.ppf(0.5 + confidence / 2.0))
    p = successes / n
    denominator = 1.0 + z * z / n
    centre = (p + z * z / (2.0 * n)) / denominator
    half = z * np.sqrt(p * (1.0 - p) / n + z * z / (4.0 * n * n)) / denominator
    low = 0.0 if successes == 0 else max(0.0, float(centre - half))  # exact at the ends, where rounding
    high = 1.0 if successes == n else min(1.0, float(centre + half))  # would leave p just outside
    return (min(low, p), max(high, p))


def share(flags: npt.ArrayLike, confidence: float = DEFAULT_CONFIDENCE) -> Estimate:
    """The share of true values in ``flags`` with its Wilson interval."""
    values = np.asarray(flags, dtype=bool)
    n = int(values.size)
    k = int(values.sum())
    low, high = wilson_interval(k, n, confidence)
    return Estimate(k / n if n else float("nan"), low, high, n, confidence)


def bootstrap_interval(values: npt.ArrayLike, statistic: Statistic = np.median, *,
                       confidence: float = DEFAULT_CONFIDENCE, resamples: int = DEFAULT_RESAMPLES,
                       seed: int = 0) -> Estimate:
    """``statistic`` of ``values`` with a percentile bootstrap interval (NaNs are dropped first)."""
    _check_confidence(confidence)
    data = np.asarray(values, dtype=np.float64)
    data = data[~np.isnan(data)]
    n = int(data.size)
    if n == 0:
        return Estimate(float("nan"), float("nan"), float("nan"), 0, confidence)
    point = float(statistic(data))
    return _percentile(point, lambda rows: float(statistic(data[rows])), n, confidence, resamples, seed)


def paired_difference(a: npt.ArrayLike, b: npt.ArrayLike, statistic: Statistic = np.mean, *,
                      confidence: float = DEFAULT_CONFIDENCE, resamples: int = DEFAULT_RESAMPLES,
                      seed: int = 0) -> Estimate:
    """``statistic(b) − statistic(a)`` over paired observations, with a bootstrap interval over the pairs.

    ``a[i]`` and ``b[i]`` must come from the same future (same seed and index). Pairs where either side is
    NaN are dropped. For shares pass booleans and the default mean.
    """
    _check_confidence(confidence)
    left = np.asarray(a, dtype=np.float64)
    right = np.asarray(b, dtype=np.float64)
    if left.shape != right.shape:
        raise ValueError(f"a, b: shapes {left.shape} and {right.shape} differ; allowed: one value per future in each")
    keep = ~(np.isnan(left) | np.isnan(right))
    left, right = left[keep], right[keep]
    n = int(left.size)
    if n == 0:
        return Estimate(float("nan"), float("nan"), float("nan"), 0, confidence)
    point = float(statistic(right) - statistic(left))
    return _percentile(point, lambda rows: float(statistic(right[rows]) - statistic(left[rows])), n, confidence,
                       resamples, seed)


def _percentile(point: float, resampled: Callable[[npt.NDArray[np.intp]], float], n: int, confidence: float,
                resamples: int, seed: int) -> Estimate:
    """``point`` with the percentile interval of ``resampled`` over ``resamples`` draws of ``n`` row indices."""
    rng = np.random.default_rng(seed)
    draws = np.array([resampled(rows) for rows in rng.integers(0, n, size=(resamples, n))], dtype=np.float64)
    alpha = (1.0 - confidence) / 2.0
    low, high = np.quantile(draws, [alpha, 1.0 - alpha])
    return Estimate(point, float(low), float(high), n, confidence)
