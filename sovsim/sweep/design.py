"""Experimental designs: sampled scenarios × policies, and the futures they make.

Uncertainties are sampled as points in the unit hypercube (Latin hypercube, scrambled Sobol, Saltelli's
scheme, or plain Monte Carlo) and mapped to values through each uncertainty's distribution. Every policy
runs on every sampled scenario: future ``f`` is scenario ``k = f // P`` under policy ``p = f % P``, and it
draws its random streams from (seed, k) alone — common random numbers across policies.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import stats
from scipy.stats import qmc

from sovsim.sweep.spec import SweepSpec, Uncertainty

__all__ = ["Design", "make_design", "unit_sample", "to_values", "DESIGN_STREAM"]

#: Spawn key of the sampler's own stream: far above any scenario index, so it never meets a future's streams.
DESIGN_STREAM = 2**40


@dataclass(frozen=True)
class Design:
    """The sampled values of every scenario and the list of policies; futures are their product."""

    columns: tuple[str, ...]  #: uncertainty paths, in spec order
    values: tuple[tuple[Any, ...], ...]  #: one tuple per scenario
    policies: tuple[str, ...]

    @property
    def scenarios(self) -> int:
        return len(self.values)

    @property
    def futures(self) -> int:
        return len(self.values) * len(self.policies)

    def locate(self, future: int) -> tuple[int, int]:
        """(scenario index, policy index) of a future."""
        return divmod(future, len(self.policies))

    def inputs(self, scenario_index: int) -> dict[str, Any]:
        return dict(zip(self.columns, self.values[scenario_index]))


def unit_sample(sampler: str, n: int, d: int, seed: int, second_order: bool = False) -> np.ndarray:
    """Points in [0, 1)^d; for ``saltelli`` ``n`` is the base sample and N·(2d+2) or N·(d+2) rows come back."""
    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(DESIGN_STREAM,)))
    if d == 0:
        return np.zeros((n, 0))
    if sampler == "lhs":
        return qmc.LatinHypercube(d, rng=rng).random(n)
    if sampler == "sobol":
        with warnings.catch_warnings():  # balance properties want a power of two; any n is still valid
            warnings.simplefilter("ignore", UserWarning)
            return qmc.Sobol(d, scramble=True, rng=rng).random(n)
    if sampler == "saltelli":
        from SALib.sample import sobol as salib_sobol

        problem = {"num_vars": d, "names": [f"x{i}" for i in range(d)], "bounds": [[0.0, 1.0]] * d}
        points = salib_sobol.sample(problem, n, calc_second_order=second_order, scramble=True,
                                    seed=int(rng.integers(2**31)))
        return np.clip(np.asarray(points, dtype=float), 0.0, np.nextafter(1.0, 0.0))
    return rng.random((n, d))


def to_values(u: Uncertainty, column: np.ndarray) -> list[Any]:
    """Map unit-interval points to values of one uncertainty, through its distribution."""
    if u.kind == "categorical":
        k = len(u.values)
        return [u.values[min(k - 1, int(x * k))] for x in column]
    assert u.low is not None or u.distribution == "normal"
    if u.kind == "integer":
        lo, hi = int(u.low or 0), int(u.high or 0)
        return [min(hi, lo + int(x * (hi - lo + 1))) for x in column]
    if u.distribution == "uniform":
        out = u.low + column * (u.high - u.low)  # type: ignore[operator]
    elif u.distribution == "loguniform":
        log_lo, log_hi = math.log(u.low), math.log(u.high)  # type: ignore[arg-type]
        out = np.exp(log_lo + column * (log_hi - log_lo))
    elif u.distribution == "triangular":
        width = u.high - u.low  # type: ignore[operator]
        c = (u.mode - u.low) / width if width > 0 else 0.5  # type: ignore[operator]
        out = stats.triang.ppf(column, c, loc=u.low, scale=width)
    else:  # truncated normal on [low, high] (either may be open)
        a = stats.norm.cdf(u.low, u.mean, u.sd) if u.low is not None else 0.0
        b = stats.norm.cdf(u.high, u.mean, u.sd) if u.high is not None else 1.0
        out = stats.norm.ppf(a + column * (b - a), u.mean, u.sd)
        out = np.clip(out, u.low if u.low is not None else -np.inf, u.high if u.high is not None else np.inf)
    return [float(v) for v in out]


def make_design(spec: SweepSpec) -> Design:
    """Sample the spec's uncertainties and list its policies."""
    d = len(spec.uncertainties)
    points = unit_sample(spec.sampler, spec.scenarios, d, spec.seed, spec.second_order)
    columns = [to_values(u, points[:, i]) for i, u in enumerate(spec.uncertainties)]
    values = tuple(zip(*columns)) if d else tuple(() for _ in range(points.shape[0]))
    return Design(tuple(u.path for u in spec.uncertainties), values, tuple(p.name for p in spec.policies))
