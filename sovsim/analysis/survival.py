"""How long programmes live: Kaplan–Meier survival per policy, with Greenwood confidence bands.

A future is a subject: it dies at ``death_time_years`` (any verdict but ``alive``) or is right-censored at
its horizon (``alive``). The Kaplan–Meier estimate is ``S(t) = Π_{t_i ≤ t} (1 - d_i / n_i)`` over the
distinct death times ``t_i`` with ``d_i`` deaths among ``n_i`` futures still at risk. Its variance is
Greenwood's, ``S(t)² Σ d_i / (n_i (n_i - d_i))``, and the confidence band is taken on the log(-log) scale
(as lifelines does by default), so it stays inside [0, 1]:
``exp(-exp(log(-log S) ∓ z √V / log S))`` with ``V = Σ d_i / (n_i (n_i - d_i))``.

P(alive at t) in the table: where no future was censored before t (a sweep follows every future to its
horizon), S(t) is the plain share of futures not dead by t, and its interval is the Wilson score interval,
the one ``sovsim compare`` gives for the same share; otherwise the Greenwood band.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from statistics import NormalDist

import numpy as np
import pandas as pd

from sovsim.stats import wilson_interval

__all__ = ["KaplanMeier", "kaplan_meier", "SurvivalResult", "survival_by_policy", "durations", "YEARS"]

#: The years at which the survival tables report P(alive).
YEARS = (1.0, 3.0, 5.0, 10.0)


@dataclass(frozen=True)
class KaplanMeier:
    """A Kaplan–Meier estimate: a step function that changes at ``times`` (0 first)."""

    times: np.ndarray  #: 0, then every distinct observed time (deaths and censorings), ascending
    at_risk: np.ndarray  #: futures at risk just before each time
    deaths: np.ndarray  #: deaths at each time
    censored: np.ndarray  #: censorings at each time
    survival: np.ndarray  #: S(t) from each time on
    greenwood: np.ndarray  #: Σ d / (n (n - d)) up to each time (the variance of log S)
    lower: np.ndarray  #: lower confidence bound from each time on
    upper: np.ndarray  #: upper confidence bound
    alpha: float
    follow_up: float  #: the largest observed time: S is not known beyond it

    @property
    def subjects(self) -> int:
        return int(self.deaths.sum() + self.censored.sum())

    def _index(self, t: np.ndarray) -> np.ndarray:
        return np.searchsorted(self.times, t, side="right") - 1

    def at(self, t: float | Sequence[float] | np.ndarray) -> np.ndarray:
        """S(t); NaN beyond the follow-up (where the data say nothing)."""
        t = np.atleast_1d(np.asarray(t, dtype=float))
        return np.where(t <= self.follow_up, self.survival[self._index(t)], np.nan)

    def band_at(self, t: float | Sequence[float] | np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(lower, upper) confidence bounds of S(t); NaN beyond the follow-up."""
        t = np.atleast_1d(np.asarray(t, dtype=float))
        i = self._index(t)
        known = t <= self.follow_up
        return np.where(known, self.lower[i], np.nan), np.where(known, self.upper[i], np.nan)

    def quantile_time(self, q: float) -> float:
        """The first time S(t) ≤ q (the median for q = 0.5); ``inf`` if S stays above q."""
        hit = np.flatnonzero(self.survival <= q)
        return float(self.times[hit[0]]) if hit.size else float("inf")

    @property
    def median(self) -> float:
        """Median survival time; ``inf`` when more than half survive the follow-up."""
        return self.quantile_time(0.5)


def kaplan_meier(time: Sequence[float] | np.ndarray, event: Sequence[bool] | np.ndarray,
                 alpha: float = 0.05) -> KaplanMeier:
    """The Kaplan–Meier estimate of ``time`` (years) with ``event`` True for a death, False for censoring."""
    time = np.asarray(time, dtype=float)
    event = np.asarray(event, dtype=bool)
    if time.shape != event.shape or time.ndim != 1:
        raise ValueError("time and event must be 1-d arrays of the same length")
    if time.size == 0:
        raise ValueError("no futures to estimate survival from")
    if not np.isfinite(time).all() or (time < 0).any():
        raise ValueError("times must be finite and ≥ 0")
    observed, inverse = np.unique(time, return_inverse=True)
    deaths_at = np.bincount(inverse, weights=event, minlength=observed.size)
    removed_at = np.bincount(inverse, minlength=observed.size).astype(float)
    if observed[0] > 0:
        observed = np.concatenate([[0.0], observed])
        deaths_at = np.concatenate([[0.0], deaths_at])
        removed_at = np.concatenate([[0.0], removed_at])
    at_risk = time.size - np.concatenate([[0.0], np.cumsum(removed_at)[:-1]])
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        factor = np.where(deaths_at > 0, 1.0 - deaths_at / at_risk, 1.0)
        survival = np.cumprod(factor)
        term = np.where((deaths_at > 0) & (at_risk > deaths_at), deaths_at / (at_risk * (at_risk - deaths_at)), 0.0)
        greenwood = np.cumsum(term)
        z = NormalDist().inv_cdf(1 - alpha / 2)
        log_s = np.log(survival)
        lower = np.exp(-np.exp(np.log(-log_s) - z * np.sqrt(greenwood) / log_s))
        upper = np.exp(-np.exp(np.log(-log_s) + z * np.sqrt(greenwood) / log_s))
    lower = np.where(np.isnan(lower), 1.0, lower)
    upper = np.where(np.isnan(upper), 1.0, upper)
    return KaplanMeier(observed, at_risk, deaths_at, removed_at - deaths_at, survival, greenwood, lower, upper,
                       alpha, float(time.max()))


def durations(futures: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """(time in years, died) of each future: death time when it died, else its horizon (censored)."""
    died = (futures["verdict"] != "alive").to_numpy()
    death = pd.to_numeric(futures["death_time_years"], errors="coerce").to_numpy(dtype=float)
    horizon = pd.to_numeric(futures["horizon_years"], errors="coerce").to_numpy(dtype=float)
    time = np.where(died & np.isfinite(death), death, horizon)
    return time, died & np.isfinite(death)


@dataclass(frozen=True)
class SurvivalResult:
    """Kaplan–Meier curves per policy, and the table of median survival and P(alive) at :data:`YEARS`."""

    curves: dict[str, KaplanMeier]
    table: pd.DataFrame


def survival_by_policy(futures: pd.DataFrame, years: Sequence[float] = YEARS, alpha: float = 0.05) -> SurvivalResult:
    """Kaplan–Meier per policy (in the order the policies first appear)."""
    curves: dict[str, KaplanMeier] = {}
    rows = []
    for policy, group in futures.groupby("policy", sort=False):
        time, died = durations(group)
        km = kaplan_meier(time, died, alpha)
        curves[str(policy)] = km
        row: dict[str, object] = {"policy": str(policy), "futures": len(group), "deaths": int(died.sum()),
                                  "median_years": km.median}
        values = km.at(years)
        low, high = km.band_at(years)
        for i, year in enumerate(years):
            if np.isfinite(values[i]) and not ((~died) & (time < year)).any():
                low[i], high[i] = wilson_interval(int((~(died & (time <= year))).sum()), len(group), 1 - alpha)
        for year, value, lo, hi in zip(years, values, low, high):
            row[f"p_alive_{year:g}y"] = value
            row[f"p_alive_{year:g}y_lower"] = lo
            row[f"p_alive_{year:g}y_upper"] = hi
        rows.append(row)
    return SurvivalResult(curves, pd.DataFrame(rows))
