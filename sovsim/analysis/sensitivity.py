"""Which uncertainties move the outcome: Sobol indices, or extra-trees feature scores.

A sweep sampled with ``saltelli`` is a Saltelli design whose scenarios are numbered exactly as SALib's
sample orders them, so per policy the outcome (1 when the future is of interest, else 0), sorted by
``scenario_index``, is what ``SALib.analyze.sobol`` expects: first-order (S1) and total (ST) indices with
bootstrap confidence intervals. Any other design gets feature scores from an extra-trees classifier
(impurity decrease, summing to 1) over the uncertainties and, when there are several, the policy.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

from sovsim.analysis.data import SweepResults

__all__ = ["SensitivityResult", "sensitivity", "sobol_indices", "feature_scores"]


@dataclass(frozen=True)
class SensitivityResult:
    """Sensitivity of the outcome to each uncertainty, and notes on what was skipped and why.

    ``method`` is ``sobol`` (table: policy, uncertainty, S1, S1_conf, ST, ST_conf) or ``extra-trees``
    (table: uncertainty, score).
    """

    method: str
    table: pd.DataFrame
    notes: tuple[str, ...] = ()


def sobol_indices(results: SweepResults, outcome: pd.Series, seed: int = 0) -> SensitivityResult:
    """Sobol indices per policy from a Saltelli sweep (policies whose design is incomplete are skipped)."""
    from SALib.analyze import sobol as salib_sobol

    names = [u.path for u in results.uncertainties]
    d = len(names)
    per_scenario = (2 * d + 2) if results.second_order else (d + 2)
    expected = results.base_scenarios * per_scenario
    problem = {"num_vars": d, "names": names, "bounds": [[0.0, 1.0]] * d}
    rows, notes = [], []
    futures = results.futures.assign(outcome=outcome.to_numpy(dtype=float))
    for policy in results.policies:
        group = futures[futures["policy"] == policy].sort_values("scenario_index")
        if len(group) != expected or not np.array_equal(group["scenario_index"].to_numpy(), np.arange(expected)):
            notes.append(f"{policy}: {len(group)} of {expected} futures of the Saltelli design are ok; "
                         "Sobol indices need all of them")
            continue
        y = group["outcome"].to_numpy()
        if y.var() == 0:
            notes.append(f"{policy}: the outcome is the same in every future; nothing to apportion")
            continue
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # a bootstrap resample may have no variance
            answer = salib_sobol.analyze(problem, y, calc_second_order=results.second_order, num_resamples=200,
                                         conf_level=0.95, print_to_console=False, seed=seed)
        for i, name in enumerate(names):
            rows.append({"policy": policy, "uncertainty": name, "S1": float(answer["S1"][i]),
                         "S1_conf": float(answer["S1_conf"][i]), "ST": float(answer["ST"][i]),
                         "ST_conf": float(answer["ST_conf"][i])})
    table = pd.DataFrame(rows, columns=["policy", "uncertainty", "S1", "S1_conf", "ST", "ST_conf"])
    return SensitivityResult("sobol", table, tuple(notes))


#: Futures the extra-trees scores are fitted on at most: a larger sweep is subsampled (seeded, without
#: replacement). Impurity scores are averages over the tree nodes; at 50,000 futures with leaves of ≥ 100
#: their sampling error is far below the differences the table is read for, and the fit stays within
#: seconds at any sweep size.
SCORE_ROWS = 50_000


def feature_scores(x: pd.DataFrame, outcome: pd.Series, seed: int = 0, trees: int = 100,
                   max_rows: int = SCORE_ROWS) -> SensitivityResult:
    """Extra-trees impurity scores of each column of ``x`` for the outcome (categories as codes).

    Above ``max_rows`` futures the forest is fitted on a seeded random subsample of ``max_rows`` of them.
    """
    from sklearn.ensemble import ExtraTreesClassifier

    y = outcome.to_numpy(dtype=int)
    if y.min() == y.max():
        return SensitivityResult("extra-trees", pd.DataFrame(columns=["uncertainty", "score"]),
                                 ("the outcome is the same in every future; nothing to score",))
    notes: tuple[str, ...] = ()
    if len(y) > max_rows:
        keep = np.sort(np.random.default_rng(seed).choice(len(y), size=max_rows, replace=False))
        x, y = x.iloc[keep], y[keep]
        notes = (f"extra-trees scores fitted on a random {max_rows:,} of the {len(outcome):,} futures",)
    matrix = np.column_stack([
        x[c].cat.codes.to_numpy() if isinstance(x[c].dtype, pd.CategoricalDtype) else
        pd.factorize(x[c], sort=True)[0] if not pd.api.types.is_numeric_dtype(x[c].dtype) or
        pd.api.types.is_bool_dtype(x[c].dtype) else x[c].to_numpy(dtype=float)
        for c in x.columns]).astype(float)
    forest = ExtraTreesClassifier(n_estimators=trees, max_features=0.6, min_samples_leaf=max(1, len(y) // 500),
                                  random_state=seed, n_jobs=-1)  # trees on every core; same scores
    forest.fit(matrix, y)
    table = pd.DataFrame({"uncertainty": list(x.columns), "score": forest.feature_importances_})
    return SensitivityResult("extra-trees", table.sort_values("score", ascending=False).reset_index(drop=True),
                             notes)


def sensitivity(results: SweepResults, outcome: pd.Series, x: pd.DataFrame, seed: int = 0) -> SensitivityResult:
    """Sobol indices for a Saltelli sweep, else (or if no policy's design is complete) feature scores."""
    if results.sampler == "saltelli" and results.uncertainties:
        answer = sobol_indices(results, outcome, seed)
        if not answer.table.empty:
            return answer
        fallback = feature_scores(x, outcome, seed)
        return SensitivityResult(fallback.method, fallback.table, answer.notes + fallback.notes)
    return feature_scores(x, outcome, seed)
