"""M/M/c queues: Erlang C against the published table, against a SimPy simulation, and its errors."""

from __future__ import annotations

import csv
import math
from importlib import resources

import numpy as np
import pytest
import simpy
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

import sovsim
from sovsim.cli import main
from sovsim.queueing import (
    RECURSION_MAX_SERVERS,
    _p_wait,
    erlang_c,
    p_wait_below,
    response_time_quantile,
    response_time_survival,
)


def _cases() -> list[dict[str, str]]:
    text = resources.files("sovsim").joinpath("validation", "mmc_queues.csv").read_text(encoding="utf-8")
    return list(csv.DictReader(line for line in text.splitlines() if line and not line.startswith("#")))


def test_the_table_keeps_its_citation() -> None:
    text = resources.files("sovsim").joinpath("validation", "mmc_queues.csv").read_text(encoding="utf-8")
    assert text.startswith("# Analytic M/M/c")
    assert "Ciw" in text


@pytest.mark.parametrize("case", _cases(), ids=lambda r: f"lam{r['lam']}-mu{r['mu']}-c{r['c']}")
def test_erlang_c_reproduces_every_published_case(case: dict[str, str]) -> None:
    q = erlang_c(float(case["lam"]), float(case["mu"]), int(case["c"]))
    for name in ("p_wait", "lq", "wq", "w", "l"):
        assert getattr(q, name) == pytest.approx(float(case[name]), rel=1e-5), name


def test_littles_law_and_identities_hold() -> None:
    lam, mu, c = 7.3, 0.9, 11
    q = erlang_c(lam, mu, c)
    rho = lam / (c * mu)
    assert q.lq == pytest.approx(q.p_wait * rho / (1 - rho), rel=1e-14)
    assert q.lq == pytest.approx(lam * q.wq, rel=1e-14)
    assert q.l == pytest.approx(lam * q.w, rel=1e-14)
    assert q.l == pytest.approx(q.lq + lam / mu, rel=1e-12)


def test_single_server_is_m_m_1() -> None:
    lam, mu = 3.0, 5.0
    q = erlang_c(lam, mu, 1)
    assert q.p_wait == pytest.approx(lam / mu, rel=1e-14)
    assert q.w == pytest.approx(1 / (mu - lam), rel=1e-14)
    # M/M/1 response time is exponential at μ − λ
    assert response_time_quantile(lam, mu, 1, 0.95) == pytest.approx(math.log(20) / (mu - lam), rel=1e-10)


def test_the_two_erlang_b_routes_agree() -> None:
    def recursion(a: float, c: int) -> float:
        inv = 1.0
        for k in range(1, c + 1):
            inv = 1.0 + k / a * inv
        b = 1.0 / inv
        return c * b / (c - a * (1 - b))

    for c in (RECURSION_MAX_SERVERS + 1, 100, 1000, 5000):
        for rho in (0.01, 0.5, 0.9, 0.999):
            assert _p_wait(rho * c, c) == pytest.approx(recursion(rho * c, c), rel=1e-9)


@settings(max_examples=400, deadline=None)
@given(st.integers(1, 20_000), st.floats(0.01, 0.9999), st.floats(0.001, 0.5))
def test_the_quick_wait_test_never_claims_a_wait_it_cannot_prove(servers: int, rho: float, p: float) -> None:
    # Sound: whenever the bound says P(wait) < p, Erlang C agrees (the bound only ever skips the CDF)
    offered = rho * servers
    if p_wait_below(offered, servers, p):
        assert _p_wait(offered, servers) < p


def test_the_quick_wait_test_decides_the_common_case() -> None:
    # Useful: many slots at moderate load (a sized service) are decided without the Poisson CDF
    assert p_wait_below(0.8 * 2304, 2304, 0.05)
    assert _p_wait(0.8 * 2304, 2304) < 1e-6
    # and near saturation, where the wait matters, it defers to Erlang C
    assert not p_wait_below(0.99 * 2304, 2304, 0.05)
    assert not p_wait_below(3.0, 3, 0.05)


def test_a_lightly_loaded_queue_barely_waits() -> None:
    q = erlang_c(1e-6, 1.0, 50)
    assert q.p_wait < 1e-12
    assert q.w == pytest.approx(1.0)
    assert response_time_quantile(1e-6, 1.0, 50) == pytest.approx(math.log(20), rel=1e-9)


def test_quantile_solves_the_survival_function() -> None:
    for lam, mu, c in ((0.2, 0.1, 3), (99.0, 1.0, 100), (1.0, 1.0, 2), (2.0, 1.0, 3)):
        q = erlang_c(lam, mu, c)
        for level in (0.5, 0.95, 0.99):
            t = response_time_quantile(lam, mu, c, level)
            assert response_time_survival(t, q.p_wait, c * mu - lam, mu) == pytest.approx(1 - level, rel=1e-9)


def test_survival_is_continuous_where_the_drain_rate_meets_the_service_rate() -> None:
    # θ = cμ − λ = μ: the hypoexponential becomes an Erlang-2
    exact = response_time_survival(2.0, 0.5, 1.0, 1.0)
    assert exact == pytest.approx(0.5 * math.exp(-2) + 0.5 * math.exp(-2) * 3.0, rel=1e-12)
    assert response_time_survival(2.0, 0.5, 1.0 + 1e-7, 1.0) == pytest.approx(exact, rel=1e-6)


@pytest.mark.parametrize(("lam", "mu", "servers", "match"), [
    (1.0, 1.0, 1, "unstable"), (3.0, 1.0, 2, "unstable"), (0.0, 1.0, 1, "arrival_rate"),
    (-1.0, 1.0, 1, "arrival_rate"), (1.0, 0.0, 2, "service_rate"), (1.0, -2.0, 2, "service_rate"),
    (math.nan, 1.0, 2, "arrival_rate"), (1.0, math.inf, 2, "service_rate"), (1.0, 1.0, 0, "servers"),
    (1.0, 1.0, 2.0, "servers"), (1.0, 1.0, True, "servers"), (1.0, 1.0, -3, "servers"),
])
def test_bad_arguments_are_named(lam: float, mu: float, servers: int, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        erlang_c(lam, mu, servers)
    with pytest.raises(ValueError, match=match):
        response_time_quantile(lam, mu, servers)


def test_bad_quantile_level() -> None:
    with pytest.raises(ValueError, match="q:"):
        response_time_quantile(1.0, 1.0, 2, 1.0)


def test_erlang_c_is_public() -> None:
    assert sovsim.erlang_c is erlang_c
    assert "erlang_c" in sovsim.__all__


def test_validate_includes_the_queueing_rows() -> None:
    result = CliRunner().invoke(main, ["validate"])
    assert result.exit_code == 0, result.output
    assert "M/M/c" in result.output
    from sovsim.accounting import validation_report

    rows = [r for r in validation_report() if r.table.startswith("M/M/c")]
    assert len(rows) == 5 * len(_cases())
    assert all(r.ok and r.tolerance == 1e-5 for r in rows)


# -- against simulation -----------------------------------------------------------------------------------
def _simulate(lam: float, mu: float, servers: int, customers: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Waits and response times of ``customers`` arrivals after a warm-up of a tenth as many."""
    rng = np.random.default_rng(np.random.SeedSequence(seed))
    env = simpy.Environment()
    desk = simpy.Resource(env, capacity=servers)
    warm = customers // 10
    total = customers + warm
    gaps = rng.exponential(1 / lam, total)
    works = rng.exponential(1 / mu, total)
    waits = np.empty(total)
    responses = np.empty(total)

    def customer(i: int):
        arrived = env.now
        with desk.request() as req:
            yield req
            waits[i] = env.now - arrived
            yield env.timeout(works[i])
        responses[i] = env.now - arrived

    def source():
        for i in range(total):
            yield env.timeout(gaps[i])
            env.process(customer(i))

    env.process(source())
    env.run()
    return waits[warm:], responses[warm:]


@pytest.mark.slow
@pytest.mark.parametrize(("lam", "mu", "servers"), [(0.2, 0.1, 3), (5.0, 8.0, 1), (8.0, 1.0, 10)])
def test_simulation_agrees_with_erlang_c_within_a_99_percent_interval(lam: float, mu: float, servers: int) -> None:
    q = erlang_c(lam, mu, servers)
    seeds = range(8)
    runs = [_simulate(lam, mu, servers, 12_000, seed) for seed in seeds]
    t = stats.t.ppf(0.995, len(runs) - 1)
    for name, index, theory in (("wq", 0, q.wq), ("w", 1, q.w)):
        means = np.array([run[index].mean() for run in runs])
        half = t * means.std(ddof=1) / math.sqrt(len(means))
        assert abs(means.mean() - theory) <= half, (name, means.mean(), theory, half)
    waited = np.mean([np.mean(run[0] > 0) for run in runs])
    assert waited == pytest.approx(q.p_wait, abs=0.03)
    p95 = np.mean([np.quantile(run[1], 0.95) for run in runs])
    assert p95 == pytest.approx(response_time_quantile(lam, mu, servers), rel=0.05)


def test_a_fast_drain_neither_overflows_nor_loses_accuracy() -> None:
    # θ = cμ − λ ≫ μ (many idle servers): the wait's exponential must not overflow
    assert response_time_quantile(0.1, 3.09, 1000) == pytest.approx(math.log(20) / 3.09, rel=1e-9)
    q = erlang_c(50.0, 0.1, 1000)
    t = response_time_quantile(50.0, 0.1, 1000, 0.99)
    assert response_time_survival(t, q.p_wait, 1000 * 0.1 - 50.0, 0.1) == pytest.approx(0.01, rel=1e-9)
