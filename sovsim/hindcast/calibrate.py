"""Calibration by history matching with Gaussian-process emulators (Vernon, Goldstein & Bower 2010).

The weakest assumptions (``Prior``) are sampled over their prior ranges together with each case's unknown
inputs, one draw per future, in one sweep per case: a batch of "particles" that costs ``futures_per_case`` futures
per case. For every case and observable a scikit-learn Gaussian process (RBF + white noise) emulates the chance
of the observable as a function of the calibrated parameters. Over a Latin hypercube of candidate parameter
values, an implausibility per observable compares the observed count of cases where it happened with the
emulated expected count (for months to first release: the sum of the cases' PIT values with its n/2 mean and
n/12 variance), scaled by the Bernoulli and emulator variances. Candidates whose largest implausibility is
below 3 (Pukelsheim's three-sigma rule) are "not ruled out yet"; their 5th–95th percentiles are the calibrated
ranges, written as ``[[uncertainties]]`` that a sweep spec can name (``[sweep] ranges = "posterior.toml"``).

Leave-one-case-out: for each case the candidates are matched on the other cases only, and the case is forecast
from its own futures weighted by the share of their nearest candidates not ruled out (the prior futures
reweighted to the posterior), so the skill reported is out of sample.
"""

from __future__ import annotations

import datetime as dt
import tempfile
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy.stats import qmc

from sovsim.hindcast.cases import BINARY_OUTCOMES, Case
from sovsim.hindcast.run import case_record, resolve_cases, simulate_case
from sovsim.hindcast.skill import months_to_first_release, pivoted_to_open_weights, second_within_window, skill

__all__ = ["Prior", "DEFAULT_PRIORS", "calibrate", "parse_prior", "ranges_toml", "CUTOFF"]

CUTOFF = 3.0  #: implausibility above which a candidate is ruled out (three-sigma rule)


@dataclass(frozen=True)
class Prior:
    """A calibrated scenario field and its prior range (uniform)."""

    path: str
    low: float
    high: float
    why: str


DEFAULT_PRIORS = (
    Prior("treasury.election_cut_probability", 0.0, 0.6, "assumption in the defaults: no published rate of cuts"),
    Prior("staff.attrition_per_year", 0.05, 0.30, "calibration.md §6: public sector ≈6%/yr … startups ≈26%/yr"),
    Prior("model.data_prep_days", 30.0, 360.0, "assumption in the defaults: no published duration"),
    Prior("data.open_local_deficit_log10", 0.3, 3.5, "assumption in the defaults: no measured conversion of a "
          "language gap into effective compute"),
    Prior("data.open_deficit_halving_years", 2.0, 20.0, "calibration.md §12 multilingual share; assumption in "
          "the defaults: how fast open models close their local gap"),
    Prior("model.stale_grace_months", 3.0, 36.0, "assumption in the defaults: how long a lagging model is kept"),
    Prior("model.accepted_lag_months", 0.0, 24.0, "assumption in the defaults: how far behind the free alternative "
          "a country keeps its own model for control"),
    Prior("allocation.renewal_probability", 0.5, 0.95, "assumption in the defaults: no published renewal rate of "
          "an access call (calibration.md §13)"),
)


def parse_prior(text: str) -> Prior:
    """``"path=low,high"`` (as given to ``--prior``) as a :class:`Prior`; the path must be a scenario field."""
    from sovsim.scenario.fields import ScenarioError
    from sovsim.scenario.loader import check_override_path

    path, sep, bounds = text.partition("=")
    parts = bounds.split(",")
    try:
        low, high = (float(v) for v in parts)
    except ValueError:
        raise ScenarioError("--prior", text, "PATH=LOW,HIGH, e.g. staff.attrition_per_year=0.05,0.3",
                            "malformed prior") from None
    if not sep or not low < high:
        raise ScenarioError("--prior", text, "PATH=LOW,HIGH with LOW < HIGH", "malformed prior")
    check_override_path(path.strip(), low)
    return Prior(path.strip(), low, high, "given on the command line")


def _indicators(case: Case, rows: pd.DataFrame) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Per observable with an observation: (mask of futures where it is decided, indicator per future)."""
    observed = case.observed
    n = len(rows)
    out: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    months = months_to_first_release(rows)
    if observed["first_release_months"] is not None:
        out["first_release_months"] = (np.ones(n, bool), (months <= observed["first_release_months"]).astype(float))
    yes, decided = second_within_window(rows)
    dead = (rows["verdict"] != "alive").to_numpy()
    values = {"second_release_within_24m": (decided, yes.astype(float)),
              "production_service": (np.ones(n, bool),
                                     (pd.to_numeric(rows["years_in_production"]).fillna(0) > 0).to_numpy(float)),
              "ended": (np.ones(n, bool), dead.astype(float))}
    if "pivots" in rows:
        values["pivoted"] = (np.ones(n, bool), pivoted_to_open_weights(rows).astype(float))
    for outcome in BINARY_OUTCOMES:
        if observed[outcome] is not None and outcome in values:
            out[outcome] = values[outcome]
    return out


class _Emulator:
    """P(observable | parameters) for one case: a GP on the futures' 0/1 outcomes (or their constant share)."""

    def __init__(self, x: np.ndarray, y: np.ndarray, seed: int) -> None:
        from sklearn.gaussian_process import GaussianProcessRegressor
        from sklearn.gaussian_process.kernels import RBF, ConstantKernel, WhiteKernel

        self.mean = float(y.mean()) if len(y) else 0.5
        self.gp: Any = None
        if len(y) >= 8 and 0 < self.mean < 1:
            d = x.shape[1]
            kernel = (ConstantKernel(0.05, (1e-4, 1.0)) * RBF(np.full(d, 0.5), (0.05, 20.0))
                      + WhiteKernel(0.2, (1e-3, 1.0)))
            gp = GaussianProcessRegressor(kernel, normalize_y=False, random_state=seed)
            with warnings.catch_warnings():  # bounds reached on flat responses are fine here
                warnings.simplefilter("ignore")
                gp.fit(x, y - self.mean)
            self.gp = gp
            self.noise = float(gp.kernel_.k2.noise_level)

    def predict(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Emulated probability and the emulator's own variance at ``x``."""
        if self.gp is None:
            return np.full(len(x), min(max(self.mean, 0.01), 0.99)), np.zeros(len(x))
        mean, std = self.gp.predict(x, return_std=True)
        var = np.maximum(std ** 2 - self.noise, 0.0)
        return np.clip(mean + self.mean, 0.01, 0.99), var


def _implausibility(cases: list[str], observed: dict[str, dict[str, Any]],
                    predicted: dict[tuple[str, str], tuple[np.ndarray, np.ndarray]], m: int) -> np.ndarray:
    """Largest implausibility over the observables, per candidate (with the cases given)."""
    worst = np.zeros(m)
    for outcome in ("first_release_months", *BINARY_OUTCOMES):
        keys = [(c, outcome) for c in cases if (c, outcome) in predicted]
        if not keys:
            continue
        p = np.array([predicted[k][0] for k in keys])
        emulator_var = np.array([predicted[k][1] for k in keys]).sum(axis=0)
        if outcome == "first_release_months":  # PIT of the observed months: mean n/2, variance n/12 if calibrated
            diff = p.sum(axis=0) - len(keys) / 2
            var = len(keys) / 12 + emulator_var
        else:
            y = np.array([float(observed[c][outcome]) for c, _ in keys])
            diff = y.sum() - p.sum(axis=0)
            var = (p * (1 - p)).sum(axis=0) + emulator_var
        worst = np.maximum(worst, np.abs(diff) / np.sqrt(np.maximum(var, 1e-9)))
    return worst


def _ranges(unit: np.ndarray, priors: Sequence[Prior]) -> list[dict[str, Any]]:
    out = []
    for j, prior in enumerate(priors):
        values = prior.low + unit[:, j] * (prior.high - prior.low)
        q05, q50, q95 = np.quantile(values, [0.05, 0.5, 0.95])
        out.append({"path": prior.path, "prior": [prior.low, prior.high], "low": round(float(q05), 4),
                    "median": round(float(q50), 4), "high": round(float(q95), 4)})
    return out


def _match(cases: list[str], observed: dict[str, dict[str, Any]],
           predicted: dict[tuple[str, str], tuple[np.ndarray, np.ndarray]], m: int,
           keep_share: float = 0.05) -> tuple[np.ndarray, bool]:
    """Mask of the candidates not ruled out (or, if too few are below the cutoff, the least implausible share)."""
    worst = _implausibility(cases, observed, predicted, m)
    kept = worst < CUTOFF
    if kept.sum() >= 10:
        return kept, True
    mask = np.zeros(m, bool)
    mask[np.argsort(worst)[: max(10, int(keep_share * m))]] = True
    return mask, False


def _posterior_weights(x: np.ndarray, unit: np.ndarray, kept: np.ndarray, k: int = 25) -> np.ndarray:
    """Weight of each future: the share of its k nearest candidates not ruled out (prior → posterior)."""
    from sklearn.neighbors import NearestNeighbors

    _, index = NearestNeighbors(n_neighbors=min(k, len(unit))).fit(unit).kneighbors(x)
    weights = kept[index].mean(axis=1)
    return weights if weights.sum() > 0 else np.ones(len(x))


def calibrate(case_ids: Sequence[str | Case] = (), *, priors: Sequence[Prior] = DEFAULT_PRIORS,
              futures_per_case: int = 120, seed: int = 0, candidates: int = 4000, out: str | Path | None = None,
              workers: int | None = None, engine: str | None = None, loo: bool = True) -> dict[str, Any]:
    """History-match ``priors`` against the cases' observed outcomes; returns ranges, skill and cost."""
    cases = resolve_cases(case_ids)
    began = dt.datetime.now()
    uncertainties = [{"path": p.path, "kind": "real", "low": p.low, "high": p.high} for p in priors]
    rows_by_case: dict[str, pd.DataFrame] = {}
    with tempfile.TemporaryDirectory(prefix="sovsim-calibrate-") as scratch:
        root = Path(out) if out is not None else Path(scratch)
        for case in cases:
            rows = simulate_case(case, futures_per_case, seed, root, ranges=uncertainties, workers=workers,
                                 engine=engine)
            rows_by_case[case.id] = rows[rows["status"] == "ok"].reset_index(drop=True)
    simulated_minutes = (dt.datetime.now() - began).total_seconds() / 60
    unit_candidates = qmc.LatinHypercube(len(priors), rng=np.random.default_rng(seed)).random(candidates)
    observed = {c.id: c.observed for c in cases}
    predicted: dict[tuple[str, str], tuple[np.ndarray, np.ndarray]] = {}
    xs: dict[str, np.ndarray] = {}
    for case in cases:
        rows = rows_by_case[case.id]
        x = xs[case.id] = np.column_stack([(pd.to_numeric(rows[p.path]).to_numpy(float) - p.low) / (p.high - p.low)
                             for p in priors])
        for outcome, (decided, y) in _indicators(case, rows).items():
            emulator = _Emulator(x[decided], y[decided], seed)
            predicted[(case.id, outcome)] = emulator.predict(unit_candidates)
    ids = [c.id for c in cases]
    kept, below_cutoff = _match(ids, observed, predicted, candidates)
    posterior = _ranges(unit_candidates[kept], priors)
    result: dict[str, Any] = {
        "priors": [{"path": p.path, "low": p.low, "high": p.high, "why": p.why} for p in priors],
        "posterior": posterior, "not_ruled_out": round(kept.sum() / candidates, 4) if below_cutoff else 0.0,
        "below_cutoff": below_cutoff, "cases": ids,
        "prior_predictive": {"cases": [case_record(c, rows_by_case[c.id]) for c in cases]},
    }
    result["prior_predictive"]["skill"] = skill(result["prior_predictive"]["cases"])
    in_sample = [case_record(c, rows_by_case[c.id], _posterior_weights(xs[c.id], unit_candidates, kept))
                 for c in cases]
    result["posterior_predictive"] = {"cases": in_sample, "skill": skill(in_sample)}
    if loo and len(cases) > 1:
        records = []
        for case in cases:
            kept_i, _ = _match([i for i in ids if i != case.id], observed, predicted, candidates)
            weights = _posterior_weights(xs[case.id], unit_candidates, kept_i)
            records.append(case_record(case, rows_by_case[case.id], weights))
        result["loo_posterior_predictive"] = {"cases": records, "skill": skill(records)}
    minutes = (dt.datetime.now() - began).total_seconds() / 60
    result["cost"] = {"futures": futures_per_case * len(cases), "minutes": round(minutes, 2),
                      "simulation_minutes": round(simulated_minutes, 2), "candidates": candidates}
    return result


def ranges_toml(result: dict[str, Any]) -> str:
    """The calibrated ranges as a TOML file of ``[[uncertainties]]`` (priors in comments)."""
    lines = ["# Calibrated ranges from `sovsim calibrate` (history matching against the real programme cases).",
             f"# Cases: {', '.join(result['cases'])}; {result['cost']['futures']} futures.",
             "# A sweep spec names this file with:  [sweep] ranges = \"<this file>\"", ""]
    for r in result["posterior"]:
        lines += ["[[uncertainties]]", f'path = "{r["path"]}"', 'kind = "real"',
                  f"low = {r['low']!r}    # prior low {r['prior'][0]!r}",
                  f"high = {r['high']!r}    # prior high {r['prior'][1]!r}", ""]
    return "\n".join(lines)
