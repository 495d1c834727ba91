"""What kills programmes: cumulative incidence per verdict, verdict shares, and the root events behind them.

Verdicts compete: a programme that is defunded can no longer go stale. The Aalen–Johansen estimate of the
cumulative incidence of verdict ``k`` is ``F_k(t) = Σ_{t_i ≤ t} S(t_{i-1}) d_ki / n_i``, with ``S`` the
Kaplan–Meier survival from any death, ``d_ki`` the deaths by ``k`` at ``t_i`` and ``n_i`` the futures at
risk; the incidences of all verdicts add up to ``1 - S``. Its variance is the Greenwood-type estimate in
Collett (Modelling Survival Data in Medical Research, 3rd ed., p. 411), and the band is taken on the
log(-log) scale, as lifelines' ``AalenJohansenFitter`` does. Tied death times need no jitter here.

Root causes are grouped after the numbers are taken out of them ("election 2029 cut the budget 25%"
and "election 2031 cut the budget 40%" are one cause, "election # cut the budget #%").
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from statistics import NormalDist

import numpy as np
import pandas as pd

from sovsim.analysis.survival import durations

__all__ = ["CumulativeIncidence", "aalen_johansen", "CausesResult", "causes", "verdict_shares", "root_causes",
           "normalise_cause"]

_DATE = re.compile(r"\b\d{4}-\d{2}(?:-\d{2})?\b")
_ORDINAL = re.compile(r"#\d+")
#: A number, unless it is part of a name such as H100.
_NUMBER = re.compile(r"(?<![A-Za-z\d])[-+]?\d[\d,]*(?:\.\d+)?")


def normalise_cause(text: str | None) -> str:
    """The cause with every number (and date) replaced by ``#`` and spaces collapsed (``""`` for none).

    Numbers inside names (``H100``) stay.
    """
    if text is None or (isinstance(text, float) and np.isnan(text)):
        return ""
    text = _NUMBER.sub("#", _DATE.sub("#", _ORDINAL.sub("#", str(text))))
    return re.sub(r"\s+", " ", text).strip()


@dataclass(frozen=True)
class CumulativeIncidence:
    """An Aalen–Johansen estimate of one cause: a step function that changes at ``times`` (0 first)."""

    cause: str
    times: np.ndarray
    at_risk: np.ndarray
    events: np.ndarray  #: deaths by this cause at each time
    all_events: np.ndarray  #: deaths by any cause at each time
    incidence: np.ndarray  #: F(t) from each time on
    variance: np.ndarray
    lower: np.ndarray
    upper: np.ndarray
    follow_up: float

    def at(self, t: float | Sequence[float] | np.ndarray) -> np.ndarray:
        """F(t); NaN beyond the follow-up."""
        t = np.atleast_1d(np.asarray(t, dtype=float))
        i = np.searchsorted(self.times, t, side="right") - 1
        return np.where(t <= self.follow_up, self.incidence[i], np.nan)


def aalen_johansen(time: Sequence[float] | np.ndarray, cause: Sequence[str | None] | np.ndarray, of: str,
                   alpha: float = 0.05) -> CumulativeIncidence:
    """Cumulative incidence of cause ``of``; ``cause`` is None (or "") for a censored subject."""
    time = np.asarray(time, dtype=float)
    labels = pd.Series(cause, dtype=object).fillna("").astype(str).to_numpy(dtype=object)
    if time.shape != labels.shape or time.ndim != 1 or time.size == 0:
        raise ValueError("time and cause must be non-empty 1-d arrays of the same length")
    return _incidence(_Grouped.of(time, labels != ""), labels == of, of, alpha)


@dataclass(frozen=True)
class _Grouped:
    """Futures grouped by their distinct observed times: what every cause's incidence shares."""

    size: int
    observed: np.ndarray
    inverse: np.ndarray
    d_all: np.ndarray
    removed: np.ndarray
    follow_up: float

    @classmethod
    def of(cls, time: np.ndarray, died: np.ndarray) -> _Grouped:
        observed, inverse = np.unique(time, return_inverse=True)
        d_all = np.bincount(inverse, weights=died, minlength=observed.size)
        removed = np.bincount(inverse, minlength=observed.size).astype(float)
        return cls(time.size, observed, inverse, d_all, removed, float(time.max()))


def _incidence(g: _Grouped, mine: np.ndarray, of: str, alpha: float) -> CumulativeIncidence:
    """The Aalen–Johansen estimate of the futures flagged ``mine``, from grouped counts."""
    observed, d_all, removed = g.observed, g.d_all, g.removed
    d_mine = np.bincount(g.inverse, weights=mine, minlength=observed.size)
    if observed[0] > 0:
        observed = np.concatenate([[0.0], observed])
        d_all, d_mine, removed = (np.concatenate([[0.0], a]) for a in (d_all, d_mine, removed))
    at_risk = g.size - np.concatenate([[0.0], np.cumsum(removed)[:-1]])
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        survival = np.cumprod(np.where(d_all > 0, 1.0 - d_all / at_risk, 1.0))
        lagged = np.concatenate([[1.0], survival[:-1]])
        incidence = np.cumsum(lagged * d_mine / at_risk)
        incidence[0] = 0.0
        a = np.where((d_all > 0) & (at_risk > d_all), d_all / (at_risk * (at_risk - d_all)), 0.0)
        b = lagged * d_mine / at_risk**2
        c = lagged**2 * d_mine * (at_risk - d_mine) / at_risk**3
        quadratic, linear, const = np.cumsum(a), np.cumsum(-2 * a * incidence), np.cumsum(a * incidence**2)
        variance = (const + linear * incidence + quadratic * incidence**2) + np.cumsum(c) \
            - 2 * (np.cumsum(-b * incidence) + np.cumsum(b) * incidence)
        z = NormalDist().inv_cdf(1 - alpha / 2)
        transformed = np.log(-np.log(incidence))
        se = np.sqrt(variance) / (incidence * np.abs(np.log(incidence)))
        one = np.exp(-np.exp(transformed + z * se))
        other = np.exp(-np.exp(transformed - z * se))
    # where the transform is undefined (F = 0 or F = 1) the band collapses onto the estimate
    lower = np.where(np.isnan(one) | np.isnan(other), incidence, np.fmin(one, other))
    upper = np.where(np.isnan(one) | np.isnan(other), incidence, np.fmax(one, other))
    return CumulativeIncidence(of, observed, at_risk, d_mine, d_all, incidence, variance, lower, upper,
                               g.follow_up)


def verdict_shares(futures: pd.DataFrame) -> pd.DataFrame:
    """Futures per policy and verdict: count and share of the policy's futures (long format)."""
    counts = futures.groupby(["policy", "verdict"], sort=False).size().rename("futures").reset_index()
    totals = counts.groupby("policy", sort=False)["futures"].transform("sum")
    counts["share"] = counts["futures"] / totals
    return counts


def root_causes(futures: pd.DataFrame, top: int = 5) -> pd.DataFrame:
    """The most common root events per verdict (numbers taken out), with a verbatim example of each.

    Counted by groups: each distinct (verdict, root event) pair is counted once by a group-by and normalised
    once, so the cost in Python grows with the distinct events, not with the futures. The example of a cause
    is the text of its first future.
    """
    dead = futures.loc[futures["verdict"] != "alive", ["verdict", "root_cause"]]
    position = np.arange(len(dead))
    distinct = (pd.DataFrame({"verdict": dead["verdict"].to_numpy(), "text": dead["root_cause"].to_numpy(),
                              "position": position})
                .groupby(["verdict", "text"], sort=False, dropna=False)["position"].agg(["size", "min"]).reset_index())
    distinct["cause"] = distinct["text"].map(normalise_cause)
    rows = []
    for verdict, group in distinct.groupby("verdict", sort=True):
        total = int(group["size"].sum())
        # per cause: its count, and the first future's text; most common first, ties by first appearance
        per_cause = group.sort_values("min").groupby("cause", sort=False).agg(futures=("size", "sum"),
                                                                             first=("min", "min"),
                                                                             example=("text", "first"))
        per_cause = per_cause.sort_values(["futures", "first"], ascending=[False, True], kind="stable")
        for cause, entry in per_cause.head(top).iterrows():
            example = entry["example"]
            rows.append({"verdict": verdict, "root_cause": cause or "(none recorded)", "futures": int(entry["futures"]),
                         "share_of_verdict": entry["futures"] / total,
                         "example": "" if example is None or (isinstance(example, float) and np.isnan(example))
                         else example})
    return pd.DataFrame(rows, columns=["verdict", "root_cause", "futures", "share_of_verdict", "example"])


@dataclass(frozen=True)
class CausesResult:
    """Cumulative incidence per policy and verdict, verdict shares, root causes, and incidence by follow-up."""

    incidence: dict[str, dict[str, CumulativeIncidence]]
    shares: pd.DataFrame
    roots: pd.DataFrame
    table: pd.DataFrame


def causes(futures: pd.DataFrame, top: int = 5, alpha: float = 0.05) -> CausesResult:
    """Everything about how the futures of each policy die."""
    verdicts = sorted(v for v in futures["verdict"].unique() if v != "alive")
    incidence: dict[str, dict[str, CumulativeIncidence]] = {}
    rows = []
    for policy, group in futures.groupby("policy", sort=False):
        time, died = durations(group)
        grouped = _Grouped.of(time, died)
        codes, names = pd.factorize(group["verdict"])
        incidence[str(policy)] = {}
        for verdict in verdicts:
            code = names.get_loc(verdict) if verdict in names else -1
            cif = _incidence(grouped, died & (codes == code), verdict, alpha)
            incidence[str(policy)][verdict] = cif
            rows.append({"policy": str(policy), "verdict": verdict, "by_years": cif.follow_up,
                         "incidence": float(cif.incidence[-1]), "lower": float(cif.lower[-1]),
                         "upper": float(cif.upper[-1])})
    table = pd.DataFrame(rows, columns=["policy", "verdict", "by_years", "incidence", "lower", "upper"])
    return CausesResult(incidence, verdict_shares(futures), root_causes(futures, top), table)
