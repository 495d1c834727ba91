"""The superposed quit stream (``workforce.Attrition``) against the per-person model it stands for.

The per-person reference gives every person in post their own quit clock in a SimPy environment: each
draws a unit-exponential budget of integrated hazard and quits when ``∫ hazard dt`` reaches it, the hazard
being their role's ``Team.hazard_per_day × Team.poaching`` (the time-change construction of an
inhomogeneous Poisson process, which needs no memorylessness argument). When a poaching wave starts or
ends, every clock is woken, the hazard spent so far is taken off its budget and it sleeps again at the
new rate. Quitters are replaced by hires, each a new person with a fresh clock.

The production stream instead draws the next quit of the whole team from Exp(Σ nᵣ·hᵣ), its role ∝ nᵣ·hᵣ
and the person uniformly within the role, redrawn whenever a rate changes. The two must have the same
law; these tests run both many times, with different seeds, on identical teams and compare:

* team held full (hires fill posts at once): the quits per role are Poisson with mean nᵣ·∫hᵣ dt over the
  horizon; the sample means of both models within 4 standard errors of it (two-sided, α ≈ 6e-5 each)
  and the pooled role split against nᵣ·∫hᵣ / Σ by a chi-square test at α = 1e-3;
* the time to the first quit: Kolmogorov–Smirnov against 1 − exp(−Σ nᵣ·∫hᵣ dt) at α = 1e-3, and the
  wait for the next quit after the wave starts and after it ends against Exp of the new total rate;
* hires that take 60 days (the rates then depend on the path): per role, the quits per future, and the
  quits that hit someone still ramping up (tests the uniform choice of the person), compared between the
  two models by Welch's z-test at α = 1e-3 each, and the total by a two-sample KS test at α = 1e-3.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Generator
from typing import Any

import numpy as np
import pytest
import simpy
from scipy import stats

from sovsim.model.records import EventLog
from sovsim.model.workforce import Attrition, Team
from sovsim.scenario.schema import Role, Staff

HORIZON_DAYS = 730.0
WAVE_DAYS = (200.0, 400.0)  #: a poaching wave: frontier offers multiply the hazards (×1.19, ×2.74, ×2.73)
HIRE_LAG_DAYS = 60.0
REPLICATIONS = 1500
ALPHA = 1e-3

#: One quit: (day, role, whether the person was still ramping up).
Quit = tuple[float, int, bool]


def _team() -> Team:
    """Three roles with hazards 0.62, 0.2375 and 0.26 a year (pay gaps 70%, 6.25%, 10%; slope 3)."""
    staff = Staff(roles={"research": Role(12, 12, 60e3, 200e3), "engineering": Role(8, 8, 150e3, 160e3),
                         "data": Role(5, 5, 90e3, 100e3)},
                  local_market_pay_factor=1.0, salary_premium=1.0, attrition_per_year=0.2,
                  attrition_gap_slope=3.0, frontier_lab_pay_usd_per_year=600e3, ramp_up_months=6.0)
    return Team(staff)


def _wave(env: simpy.Environment, team: Team, on_change: Callable[[], None]) -> Generator[Any, Any, None]:
    yield env.timeout(WAVE_DAYS[0])
    team.set_poaching(True)
    on_change()
    yield env.timeout(WAVE_DAYS[1] - WAVE_DAYS[0])
    team.set_poaching(False)
    on_change()


def per_person(seed: int, hire_lag_days: float) -> list[Quit]:
    """The reference: one SimPy process per person in post, each with its own quit clock."""
    rng = np.random.default_rng(seed)
    env = simpy.Environment()
    team = _team()  # for its hazards only: the people are this function's own
    ramp_days = team.ramp_days
    changed = [env.event()]
    quits: list[Quit] = []

    def person(r: int, hired_at: float) -> Generator[Any, Any, None]:
        budget = rng.exponential()  # of integrated hazard
        while True:
            rate = team.hazard_per_day[r] * team.poaching[r]
            start, timer, wake = env.now, env.timeout(budget / rate), changed[0]
            fired = yield timer | wake
            if timer in fired:
                quits.append((env.now, r, env.now - hired_at < ramp_days))
                if hire_lag_days == 0:
                    env.process(person(r, env.now))
                else:
                    env.process(hire(r))
                return
            budget = max(0.0, budget - (env.now - start) * rate)

    def hire(r: int) -> Generator[Any, Any, None]:
        yield env.timeout(hire_lag_days)
        env.process(person(r, env.now))

    def rates_changed() -> None:
        old, changed[0] = changed[0], env.event()
        old.succeed()

    for r, k in enumerate(team.n):
        for _ in range(k):
            env.process(person(r, -math.inf))  # in post and ramped up on day 0
    env.process(_wave(env, team, rates_changed))
    env.run(until=HORIZON_DAYS)
    return quits


def superposed(seed: int, hire_lag_days: float) -> list[Quit]:
    """The production stream on an identical team, with the same hires and the same wave."""
    rng = np.random.default_rng(seed)
    env = simpy.Environment()
    team = _team()
    quits: list[Quit] = []
    remove = team.remove

    def recording_remove(r: int, who: int, now: float) -> None:
        ramping = who >= team.ramped[r] and now - team.ramping[r][who - team.ramped[r]] < team.ramp_days
        quits.append((now, r, ramping))
        remove(r, who, now)

    team.remove = recording_remove  # type: ignore[method-assign]

    def hire(r: int) -> None:
        team.hire(r, env.now)
        team.rates_changed()

    def open_search(r: int) -> None:
        if hire_lag_days == 0:
            hire(r)
        else:
            env.timeout(hire_lag_days).callbacks.append(lambda _event: hire(r))

    Attrition(env, team, rng, EventLog(dt.date(2026, 1, 1)), open_search, lambda _now: None).redraw()
    env.process(_wave(env, team, lambda: None))
    env.run(until=HORIZON_DAYS)
    return quits


MODELS = {"per-person": per_person, "superposed": superposed}


def _seeds(salt: int) -> list[int]:
    return [int(s) for s in np.random.default_rng(salt).integers(0, 2**63, REPLICATIONS)]


def _runs(model: str, hire_lag_days: float, salt: int) -> list[list[Quit]]:
    return [MODELS[model](seed, hire_lag_days) for seed in _seeds(salt)]


def _counts(runs: list[list[Quit]], roles: int) -> np.ndarray:
    """Quits per future (rows) and role (columns)."""
    out = np.zeros((len(runs), roles))
    for i, quits in enumerate(runs):
        for _, r, _ in quits:
            out[i, r] += 1
    return out


def _integrated_rate(team: Team, until_days: float) -> np.ndarray:
    """Per role, nᵣ·∫hᵣ dt from 0 to ``until_days`` for the full team, with the wave's multipliers."""
    base = np.array(team.n, float) * np.array(team.hazard_per_day)
    calm = team.poaching  # all 1 outside a wave
    team.set_poaching(True)
    wave = np.array(team.poaching)
    team.set_poaching(False)
    assert calm == [1.0] * len(calm)
    in_wave = max(0.0, min(until_days, WAVE_DAYS[1]) - WAVE_DAYS[0])
    return base * (until_days + (wave - 1.0) * in_wave)


@pytest.fixture(scope="module")
def held_full() -> dict[str, list[list[Quit]]]:
    return {model: _runs(model, 0.0, salt) for salt, model in enumerate(MODELS, start=1)}


@pytest.fixture(scope="module")
def lagging() -> dict[str, list[list[Quit]]]:
    return {model: _runs(model, HIRE_LAG_DAYS, salt) for salt, model in enumerate(MODELS, start=11)}


@pytest.mark.parametrize("model", MODELS)
def test_held_full_the_quits_per_role_have_the_poisson_mean(held_full: dict[str, list[list[Quit]]],
                                                            model: str) -> None:
    """Mean quits per role within 4 standard errors of nᵣ·∫hᵣ dt (Poisson: variance = mean)."""
    team = _team()
    expected = _integrated_rate(team, HORIZON_DAYS)
    counts = _counts(held_full[model], len(team.n))
    standard_error = np.sqrt(expected / len(counts))
    assert np.all(np.abs(counts.mean(axis=0) - expected) < 4.0 * standard_error), (counts.mean(axis=0), expected)


@pytest.mark.parametrize("model", MODELS)
def test_held_full_the_role_split_follows_the_rates(held_full: dict[str, list[list[Quit]]], model: str) -> None:
    """Pooled over futures, the quits of each role against the share nᵣ·∫hᵣ / Σ (chi-square, α = 1e-3)."""
    team = _team()
    expected = _integrated_rate(team, HORIZON_DAYS)
    observed = _counts(held_full[model], len(team.n)).sum(axis=0)
    test = stats.chisquare(observed, observed.sum() * expected / expected.sum())
    assert test.pvalue > ALPHA, (observed, expected / expected.sum())


@pytest.mark.parametrize("model", MODELS)
def test_the_first_quit_is_exponential_in_the_integrated_rate(held_full: dict[str, list[list[Quit]]],
                                                              model: str) -> None:
    """KS of the first quit's day against 1 − exp(−Σ nᵣ·∫hᵣ dt), at α = 1e-3."""
    team = _team()
    firsts = [quits[0][0] for quits in held_full[model] if quits]
    assert len(firsts) == REPLICATIONS  # P(no quit in two years) = exp(−20) ≈ 2e-9

    def cdf(days: np.ndarray) -> np.ndarray:
        return np.array([1.0 - math.exp(-_integrated_rate(team, float(t)).sum()) for t in np.atleast_1d(days)])

    assert stats.kstest(firsts, cdf).pvalue > ALPHA


@pytest.mark.parametrize("model", MODELS)
@pytest.mark.parametrize("change", [0, 1], ids=["wave-starts", "wave-ends"])
def test_after_a_rate_change_the_next_quit_comes_at_the_new_rate(held_full: dict[str, list[list[Quit]]],
                                                                 model: str, change: int) -> None:
    """Memoryless: from the wave's start (end), the wait for the next quit is Exp(Σ nᵣ·hᵣ·mᵣ) (Exp(Σ nᵣ·hᵣ)).

    KS at α = 1e-3. A stream that kept the timer drawn at the old rate across the change fails this.
    """
    team = _team()
    at = WAVE_DAYS[change]
    rate_per_day = float((_integrated_rate(team, at + 1.0) - _integrated_rate(team, at)).sum())
    waits = [next((t for t, _, _ in quits if t >= at), math.inf) - at for quits in held_full[model]]
    seen = [w for w in waits if w < math.inf]  # a few futures may see none before the horizon: the rest
    assert len(seen) > 0.99 * len(waits)       # follow the exponential truncated there
    wait = stats.expon(scale=1.0 / rate_per_day)
    assert stats.kstest(seen, lambda x: wait.cdf(x) / wait.cdf(HORIZON_DAYS - at)).pvalue > ALPHA


def _welch_z(a: np.ndarray, b: np.ndarray) -> float:
    return float((a.mean() - b.mean()) / math.sqrt(a.var(ddof=1) / len(a) + b.var(ddof=1) / len(b)))


def test_with_hires_lagging_both_models_agree(lagging: dict[str, list[list[Quit]]]) -> None:
    """Hires take 60 days, so the rates follow the path: the two models' distributions agree (α = 1e-3 each)."""
    roles = len(_team().n)
    reference, production = (_counts(lagging[m], roles) for m in MODELS)
    critical = stats.norm.ppf(1.0 - ALPHA / 2.0)
    for r in range(roles):
        assert abs(_welch_z(reference[:, r], production[:, r])) < critical, (r, reference.mean(0), production.mean(0))
    ramping_reference, ramping_production = (np.array([sum(q[2] for q in quits) for quits in lagging[m]], float)
                                             for m in MODELS)
    assert ramping_reference.mean() > 0.5  # the comparison below is not of two zeros
    assert abs(_welch_z(ramping_reference, ramping_production)) < critical, (ramping_reference.mean(),
                                                                             ramping_production.mean())
    assert stats.ks_2samp(reference.sum(axis=1), production.sum(axis=1)).pvalue > ALPHA
