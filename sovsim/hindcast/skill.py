"""From simulated result rows to forecasts of each observable, and the skill of those forecasts.

Forecasts: the probability of each yes/no outcome and quantiles of months to the first release, read from the
result rows of a case's futures (each run from the case's start to its cutoff). Skill: the Brier score of each
yes/no outcome next to a leave-one-case-out base rate (the share of the *other* cases where it happened), and the
share of observed months to first release inside the simulated 50 % and 80 % central intervals (a programme
with no release by its cutoff is inside an interval that reaches beyond the cutoff).
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from sovsim.hindcast.cases import BINARY_OUTCOMES, WINDOW_MONTHS

__all__ = ["forecast", "skill", "months_to_first_release", "brier", "loo_base_rates", "second_within_window",
           "pivoted_to_open_weights", "OPEN_WEIGHT_STRATEGIES"]

#: Strategies that build on someone else's open weights (a pivot that ends in one left the own base)
OPEN_WEIGHT_STRATEGIES = ("continue", "finetune")

_QUANTILES = {"p10": 0.10, "p25": 0.25, "p50": 0.50, "p75": 0.75, "p90": 0.90}


def months_to_first_release(rows: pd.DataFrame) -> np.ndarray:
    """Months from the start to the first release of each future; +inf where none came before the cutoff."""
    years = pd.to_numeric(rows["first_release_years"], errors="coerce").to_numpy(dtype=float)
    return np.where(np.isnan(years), np.inf, years * 12.0)


def second_within_window(rows: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Per future: a second release came within the window; the outcome is decided (yes, or window closed)."""
    first = pd.to_numeric(rows["first_release_years"], errors="coerce").to_numpy(dtype=float)
    second = pd.to_numeric(rows.get("second_release_years", pd.Series([np.nan] * len(rows))),
                           errors="coerce").to_numpy(dtype=float)
    dead = (rows["verdict"] != "alive").to_numpy()
    horizon = pd.to_numeric(rows["horizon_years"], errors="coerce").to_numpy(dtype=float)
    window = WINDOW_MONTHS / 12.0
    released = ~np.isnan(first)
    yes = released & ~np.isnan(second) & (second - first <= window + 1e-9)
    closed = released & (dead | (first + window <= horizon + 1e-9))
    return yes, yes | closed


def pivoted_to_open_weights(rows: pd.DataFrame) -> np.ndarray:
    """Per future: the programme pivoted (row field ``pivots``) and ended on open weights (``final_strategy``).

    The observed outcome is a move from the programme's own base to foreign open weights, so a pivot back to
    scratch (``supply_stop``) is not one; without a ``final_strategy`` column any pivot counts.
    """
    n = len(rows)
    if "pivots" not in rows:
        return np.zeros(n, bool)
    pivoted = pd.to_numeric(rows["pivots"], errors="coerce").fillna(0).to_numpy() > 0
    if "final_strategy" in rows:
        pivoted &= rows["final_strategy"].isin(OPEN_WEIGHT_STRATEGIES).to_numpy()
    return np.asarray(pivoted, bool)


def _weighted_quantile(values: np.ndarray, weights: np.ndarray, q: float) -> float:
    """The smallest value whose cumulative weight reaches q (NumPy's inverted_cdf, with weights)."""
    order = np.argsort(values, kind="stable")
    cumulative = np.cumsum(weights[order]) / weights.sum()
    return float(values[order][min(len(values) - 1, int(np.searchsorted(cumulative, q - 1e-12)))])


def forecast(rows: pd.DataFrame, weights: Any = None) -> dict[str, Any]:
    """Forecast of every observable from one case's futures (rows with status ``ok``), optionally weighted."""
    w = np.ones(len(rows)) if weights is None else np.asarray(weights, dtype=float)
    if "status" in rows:
        ok = (rows["status"] == "ok").to_numpy()
        rows, w = rows[ok], w[ok]
    n = len(rows)
    if n == 0 or w.sum() <= 0:
        return {"futures": 0}
    months = months_to_first_release(rows)
    quantiles = {k: _weighted_quantile(months, w, q) for k, q in _QUANTILES.items()}
    yes, decided = second_within_window(rows)
    production = pd.to_numeric(rows["years_in_production"], errors="coerce").fillna(0.0)

    def share(mask: Any) -> float:
        return float(np.sum(w * np.asarray(mask, dtype=float)) / w.sum())

    decided_weight = float(np.sum(w * decided))
    verdicts = rows["verdict"].to_numpy()
    return {
        "futures": n,
        "first_release_months": {k: (round(v, 2) if math.isfinite(v) else None) for k, v in quantiles.items()},
        "first_release_by_cutoff": share(np.isfinite(months)),
        "second_release_within_24m": float(np.sum(w * yes)) / decided_weight if decided_weight > 0 else None,
        "pivoted": share(pivoted_to_open_weights(rows)),
        "production_service": share(production.to_numpy() > 0),
        "ended": share(verdicts != "alive"),
        "verdicts": {str(v): int(c) for v, c in zip(*np.unique(verdicts, return_counts=True))},
    }


def brier(probabilities: Sequence[float], outcomes: Sequence[bool]) -> float:
    """Mean squared difference between forecast probabilities and what happened (0 is perfect)."""
    return float(np.mean([(p - float(y)) ** 2 for p, y in zip(probabilities, outcomes, strict=True)]))


def loo_base_rates(outcomes: Sequence[bool]) -> list[float]:
    """For each case, the share of the other cases where the outcome happened (0.5 with no other case)."""
    total, n = sum(bool(y) for y in outcomes), len(outcomes)
    return [(total - bool(y)) / (n - 1) if n > 1 else 0.5 for y in outcomes]


def _within(observed: float, low: float | None, high: float | None) -> bool:
    low_v = -math.inf if low is None else low
    high_v = math.inf if high is None else high
    return low_v <= observed <= high_v


def skill(cases: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """Aggregate skill over per-case records with ``observed`` and ``predicted`` (the ``--json`` cases)."""
    out: dict[str, Any] = {"brier": {}}
    for outcome in BINARY_OUTCOMES:
        pairs = [(c["predicted"].get(outcome), c["observed"].get(outcome)) for c in cases]
        pairs = [(p, y) for p, y in pairs if p is not None and y is not None]
        if not pairs:
            out["brier"][outcome] = {"n": 0, "model": None, "base_rate": None, "skill": None}
            continue
        probs, ys = [p for p, _ in pairs], [y for _, y in pairs]
        model, ref = brier(probs, ys), brier(loo_base_rates(ys), ys)
        out["brier"][outcome] = {"n": len(pairs), "model": round(model, 4), "base_rate": round(ref, 4),
                                 "skill": round(1 - model / ref, 4) if ref > 0 else None}
    inside50 = inside80 = 0
    observed_months: list[float] = []
    simulated_medians: list[float] = []
    n = 0
    for c in cases:
        m = c["observed"].get("first_release_months")
        q = c["predicted"].get("first_release_months")
        if not q:
            continue
        n += 1
        if m is None:  # no release by the cutoff: inside a band that reaches beyond the cutoff
            inside50 += q["p75"] is None
            inside80 += q["p90"] is None
            continue
        observed_months.append(m)
        inside50 += _within(m, q["p25"], q["p75"])
        inside80 += _within(m, q["p10"], q["p90"])
        simulated_medians.append(math.inf if q["p50"] is None else q["p50"])
    out["coverage"] = {"n": n, "interval_50": round(inside50 / n, 4) if n else None,
                       "interval_80": round(inside80 / n, 4) if n else None}
    sim_median = statistics.median(simulated_medians) if simulated_medians else None
    out["first_release_months_median"] = {
        "observed": round(statistics.median(observed_months), 2) if observed_months else None,
        "simulated": round(sim_median, 2) if sim_median is not None and math.isfinite(sim_median) else None}
    out["misses"] = misses(cases)
    return out


def misses(cases: Sequence[Mapping[str, Any]], threshold: float = 0.7) -> list[dict[str, Any]]:
    """Where the model was confidently wrong: |p − outcome| ≥ threshold, or months outside the 80 % band."""
    found = []
    for c in cases:
        for outcome in BINARY_OUTCOMES:
            p, y = c["predicted"].get(outcome), c["observed"].get(outcome)
            if p is not None and y is not None and abs(p - float(y)) >= threshold:
                found.append({"case": c["case"], "outcome": outcome, "observed": y, "predicted": round(p, 3)})
        m, q = c["observed"].get("first_release_months"), c["predicted"].get("first_release_months")
        if m is not None and q and not _within(m, q["p10"], q["p90"]):
            found.append({"case": c["case"], "outcome": "first_release_months", "observed": m,
                          "predicted": [q["p10"], q["p90"]]})
    return found
