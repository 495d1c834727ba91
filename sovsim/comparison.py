"""Two policies side by side on the same futures: survival, verdicts, time of death, cost and use, with intervals.

Scenario A and scenario B run the same future indices with the same base seed, so every process draws the
same random numbers in both (common random numbers): future ``i`` of A and future ``i`` of B face the same
elections, export-rule changes, frontier jumps and quits as far as their policies let them. The difference
B − A of a statistic is therefore estimated over *pairs* of futures, with a bootstrap that resamples the pairs
(:func:`sovsim.stats.paired_difference`), which is much tighter than comparing two separate intervals.

Shares (P(alive) at a year, verdict shares) carry Wilson intervals; medians carry percentile bootstrap
intervals; differences carry paired bootstrap intervals. The median time of death is the median **among the
futures that died** before the horizon (not a Kaplan–Meier median, which is undefined when more than half the
futures live). P(alive at t) counts a future alive at ``t`` when it has not died by ``t``; for ``t`` beyond the
horizon it is unknown (NaN, ``null`` in JSON).
"""

from __future__ import annotations

import math
import multiprocessing
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from itertools import repeat
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from sovsim.model.records import VERDICTS
from sovsim.result import run as run_future
from sovsim.scenario import Scenario, ScenarioError, load_scenario, to_dict
from sovsim.scenario.loader import scenario_from_dict
from sovsim.stats import Estimate, bootstrap_interval, paired_difference, share

__all__ = ["Comparison", "compare", "ALIVE_AT_YEARS"]

ALIVE_AT_YEARS = (1, 3, 5, 10)  #: the years at which P(alive) is reported

Overrides = Mapping[str, Any] | Iterable[str] | None
ScenarioSource = str | Path | Scenario
Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class Comparison:
    """The outcome of :func:`compare`: one summary per scenario, their paired differences, and the rows.

    ``a``, ``b`` and ``difference`` are plain JSON-ready dicts (``as_dict`` puts them together);
    ``rows_a`` and ``rows_b`` hold the result row of every future, aligned by future index.
    """

    a: dict[str, Any]
    b: dict[str, Any]
    difference: dict[str, Any]
    rows_a: pd.DataFrame
    rows_b: pd.DataFrame

    def as_dict(self) -> dict[str, Any]:
        """``{"a": {...}, "b": {...}, "difference": {...}}`` with NaN as None, ready for ``json.dumps``."""
        return {"a": _plain(self.a), "b": _plain(self.b), "difference": _plain(self.difference)}


def compare(a: ScenarioSource, b: ScenarioSource, *, futures: int = 200, seed: int = 0, set_a: Overrides = None,
            set_b: Overrides = None, workers: int | None = None, confidence: float = 0.95, resamples: int = 2000,
            progress: Progress | None = None) -> Comparison:
    """Run futures ``0 … futures−1`` of scenarios ``a`` and ``b`` with base ``seed`` and compare them, paired.

    ``a`` and ``b`` are preset names, TOML files or :class:`~sovsim.Scenario` objects; ``set_a`` and ``set_b``
    are overrides for each (``{"staff.salary_premium": 1.5}`` or ``["staff.salary_premium=1.5"]``).
    ``workers`` processes run the futures (default: the cores this process may use; 1 runs them here).
    ``resamples`` is the number of bootstrap resamples of each interval (seeded with ``seed``).
    ``progress(done, total)`` is called as futures finish. The same arguments give the same result, whatever
    the number of workers. Raises :class:`ValueError` naming the bad argument, its value and what is allowed
    (:class:`~sovsim.ScenarioError` for a bad scenario or override, prefixed with ``a`` or ``b``).
    """
    _check_int("futures", futures, 1)
    _check_int("seed", seed, 0)
    if workers is not None:
        _check_int("workers", workers, 1)
    _check_int("resamples", resamples, 1)
    if not 0.0 < confidence < 1.0:
        raise ValueError(f"confidence: {confidence!r} is not allowed; allowed: a number strictly between 0 and 1")
    scenario_a = _load("a", a, set_a)
    scenario_b = _load("b", b, set_b)
    rows_a, rows_b = _run_pairs(scenario_a, scenario_b, futures, seed, workers, progress)
    frame_a, frame_b = pd.DataFrame(rows_a), pd.DataFrame(rows_b)
    meta = {"futures": futures, "seed": seed, "confidence": confidence}
    boot = {"confidence": confidence, "resamples": resamples, "seed": seed}
    summary_a = {"scenario": scenario_a.name, "source": _source(a), "overrides": _override_list(set_a), **meta,
                 **_summary(frame_a, boot)}
    summary_b = {"scenario": scenario_b.name, "source": _source(b), "overrides": _override_list(set_b), **meta,
                 **_summary(frame_b, boot)}
    difference = {"of": "b - a", **meta, **_difference(frame_a, frame_b, boot)}
    return Comparison(summary_a, summary_b, difference, frame_a, frame_b)


# -- loading and running ---------------------------------------------------------------------------------------

def _check_int(name: str, value: Any, least: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < least:
        raise ValueError(f"{name}: {value!r} is not allowed; allowed: an integer ≥ {least}")


def _load(side: str, source: ScenarioSource, overrides: Overrides) -> Scenario:
    try:
        if isinstance(source, Scenario):
            return source if overrides is None else scenario_from_dict(to_dict(source), overrides)
        if not isinstance(source, (str, Path)):
            raise ScenarioError("", source, "a preset name, a TOML file path or a Scenario", "not a scenario:")
        return load_scenario(source, overrides)
    except ScenarioError as exc:
        raise exc.under(side) from None


def _source(source: ScenarioSource) -> str:
    return source.name if isinstance(source, Scenario) else str(source)


def _override_list(overrides: Overrides) -> list[str]:
    if overrides is None:
        return []
    if isinstance(overrides, Mapping):
        return [f"{k}={v}" for k, v in overrides.items()]
    return [str(o) for o in overrides]


def _run_chunk(plain_a: dict[str, Any], plain_b: dict[str, Any], seed: int,
               indices: Sequence[int]) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    a, b = scenario_from_dict(plain_a), scenario_from_dict(plain_b)
    return [(run_future(a, seed=seed, future=i, timeline=False).row,
             run_future(b, seed=seed, future=i, timeline=False).row) for i in indices]


def _run_pairs(a: Scenario, b: Scenario, futures: int, seed: int, workers: int | None,
               progress: Progress | None) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    from sovsim.kernels import warm as warm_kernels
    from sovsim.sweep.runner import default_workers

    workers = min(workers or default_workers(), futures)
    # Chunks small enough for a live progress bar and an even spread, large enough to amortise the transfer.
    size = max(1, min(25, futures // (4 * workers) or 1))
    chunks = [range(i, min(i + size, futures)) for i in range(0, futures, size)]
    plain_a, plain_b = to_dict(a), to_dict(b)  # frozen scenarios hold mapping proxies, which do not pickle
    pairs: list[tuple[dict[str, Any], dict[str, Any]]] = []
    done = 0
    if workers == 1:
        for chunk in chunks:
            pairs.extend(_run_chunk(plain_a, plain_b, seed, chunk))
            done += len(chunk)
            if progress is not None:
                progress(done, futures)
    else:
        warm_kernels()  # compile once here, so forked workers inherit the machine code
        methods = multiprocessing.get_all_start_methods()
        context = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
        from sovsim.sweep.hygiene import die_with_parent, stop_workers

        with ProcessPoolExecutor(workers, mp_context=context, initializer=die_with_parent) as pool:
            try:  # map keeps the order of the chunks, so the rows line up by future index on any worker count
                for chunk, rows in zip(chunks, pool.map(_run_chunk, repeat(plain_a), repeat(plain_b), repeat(seed),
                                                        chunks)):
                    pairs.extend(rows)
                    done += len(chunk)
                    if progress is not None:
                        progress(done, futures)
            except BaseException:  # Ctrl-C or an error: the workers stop now, not after every chunk
                stop_workers(pool)
                raise
    return [p[0] for p in pairs], [p[1] for p in pairs]


# -- statistics ---------------------------------------------------------------------------------------------

def _alive_at(frame: pd.DataFrame, years: float) -> npt.NDArray[np.float64]:
    """1.0 where the future had not died by ``years``, 0.0 where it had; NaN beyond its horizon."""
    death = frame["death_time_years"].astype(float).to_numpy()  # None (alive) becomes NaN
    horizon = frame["horizon_years"].astype(float).to_numpy()
    alive = np.where(np.isnan(death) | (death > years), 1.0, 0.0)
    return np.where(horizon < years, np.nan, alive)


def _death_years(frame: pd.DataFrame) -> npt.NDArray[np.float64]:
    """Time of death in years; +inf for a future alive at its horizon (so pairs are never dropped)."""
    death = frame["death_time_years"].astype(float).to_numpy()
    return np.where(np.isnan(death), np.inf, death)


def _median_of_dead(values: npt.NDArray[np.float64]) -> float:
    dead = values[np.isfinite(values)]
    return float(np.median(dead)) if dead.size else math.nan


def _share(flags: npt.NDArray[np.float64], confidence: float) -> Estimate:
    known = flags[~np.isnan(flags)]
    if known.size < flags.size:  # beyond the horizon of some future: unknown
        return Estimate(math.nan, math.nan, math.nan, 0, confidence)
    return share(known.astype(bool), confidence)


def _put(out: dict[str, Any], name: str, estimate: Estimate) -> None:
    out[name] = estimate.value
    out[f"{name}_ci"] = [estimate.low, estimate.high]


def _adaptation(frame: pd.DataFrame) -> dict[str, npt.NDArray[np.bool_]]:
    """Futures that pivoted at least once, and those that died stale or pivoted.

    (How a programme answers a supply stop: it falls behind or changes strategy.)
    """
    pivoted = frame["pivots"].to_numpy() > 0
    return {"pivoted": pivoted, "stale_or_pivoted": pivoted | (frame["verdict"].to_numpy() == "stale")}


def _summary(frame: pd.DataFrame, boot: dict[str, Any]) -> dict[str, Any]:
    confidence = boot["confidence"]
    out: dict[str, Any] = {"horizon_years": float(frame["horizon_years"].max())}
    for years in ALIVE_AT_YEARS:
        _put(out, f"p_alive_{years}y", _share(_alive_at(frame, years), confidence))
    verdicts = frame["verdict"].to_numpy()
    shares = {v: share(verdicts == v, confidence) for v in VERDICTS}
    out["verdicts"] = {v: e.value for v, e in shares.items()}
    out["verdicts_ci"] = {v: [e.low, e.high] for v, e in shares.items()}
    for name, flags in _adaptation(frame).items():
        _put(out, name, share(flags, confidence))
    deaths = _death_years(frame)
    out["deaths"] = int(np.isfinite(deaths).sum())
    _put(out, "median_death_years_among_dead",
         bootstrap_interval(deaths, _median_of_dead, **boot)
         if np.isfinite(deaths).any() else Estimate(math.nan, math.nan, math.nan, 0, confidence))
    cost = frame["total_cost_usd"].astype(float).to_numpy()
    _put(out, "median_total_cost_usd", bootstrap_interval(cost, np.median, **boot))
    tokens = frame["tokens_served"].astype(float).to_numpy()
    _put(out, "mean_tokens_served", bootstrap_interval(tokens, np.mean, **boot))
    return out


def _difference(frame_a: pd.DataFrame, frame_b: pd.DataFrame, boot: dict[str, Any]) -> dict[str, Any]:
    confidence = boot["confidence"]
    out: dict[str, Any] = {}

    def diff(x: npt.ArrayLike, y: npt.ArrayLike, statistic: Callable[[Any], float] = np.mean) -> Estimate:
        return paired_difference(x, y, statistic, **boot)

    for years in ALIVE_AT_YEARS:
        x, y = _alive_at(frame_a, years), _alive_at(frame_b, years)
        unknown = bool(np.isnan(x).any() or np.isnan(y).any())
        _put(out, f"p_alive_{years}y", Estimate(math.nan, math.nan, math.nan, 0, confidence) if unknown
             else diff(x, y))
    va, vb = frame_a["verdict"].to_numpy(), frame_b["verdict"].to_numpy()
    estimates = {v: diff(va == v, vb == v) for v in VERDICTS}
    out["verdicts"] = {v: e.value for v, e in estimates.items()}
    out["verdicts_ci"] = {v: [e.low, e.high] for v, e in estimates.items()}
    flags_a, flags_b = _adaptation(frame_a), _adaptation(frame_b)
    for name in flags_a:
        _put(out, name, diff(flags_a[name], flags_b[name]))
    da, db = _death_years(frame_a), _death_years(frame_b)
    if np.isfinite(da).any() and np.isfinite(db).any():
        _put(out, "median_death_years_among_dead", diff(da, db, _median_of_dead))
    else:
        _put(out, "median_death_years_among_dead", Estimate(math.nan, math.nan, math.nan, 0, confidence))
    ca = frame_a["total_cost_usd"].astype(float).to_numpy()
    cb = frame_b["total_cost_usd"].astype(float).to_numpy()
    _put(out, "median_total_cost_usd", diff(ca, cb, np.median))
    ta = frame_a["tokens_served"].astype(float).to_numpy()
    tb = frame_b["tokens_served"].astype(float).to_numpy()
    _put(out, "mean_tokens_served", diff(ta, tb))  # use of the service: adoption
    return out


def _plain(value: Any) -> Any:
    """NaN and infinities to None, NumPy scalars to Python numbers, recursively."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, (np.floating, float)):
        return float(value) if math.isfinite(value) else None
    if isinstance(value, np.integer):
        return int(value)
    return value
