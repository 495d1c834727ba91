"""M/M/c queues (Erlang C): the analytic shortcut the deployment model uses for serving latency.

Poisson arrivals at rate λ, ``c`` identical servers with exponential service at rate μ each, first come
first served, no limit on the queue. With offered load a = λ/μ and utilisation ρ = a/c < 1:

- P(wait) is Erlang's C formula, C = c·B / (c − a·(1 − B)) from Erlang's B, which comes from the recursion
  B(0) = 1, B(k) = a·B(k−1) / (k + a·B(k−1)) (never forming a^c or c!), or for many servers from the
  Poisson distribution (see :func:`_p_wait`);
- Lq = P(wait)·ρ/(1 − ρ), Wq = Lq/λ, W = Wq + 1/μ and L = λ·W (Little's law throughout).

:func:`response_time_quantile` gives percentiles of the response time (wait + service), e.g. the p95
latency the deployment model compares with its target; ``sovsim validate`` checks :func:`erlang_c`
against the published table in ``sovsim/validation/mmc_queues.csv``.
"""

from __future__ import annotations

import math
from typing import Final, NamedTuple

__all__ = ["MMc", "erlang_c", "p_wait_below", "response_time_survival", "response_time_quantile"]


class MMc(NamedTuple):
    """Steady state of an M/M/c queue (times in the unit of 1/rate)."""

    p_wait: float  #: probability that an arrival waits (Erlang C)
    lq: float  #: mean number waiting
    wq: float  #: mean wait in the queue
    w: float  #: mean response time (wait + service)
    l: float  #: mean number in the system  # noqa: E741


def _check(arrival_rate: object, service_rate: object, servers: object) -> tuple[float, float, int, float]:
    """Validate the arguments (any object: a bad one is named, whatever its type); return λ, μ, c and ρ = λ/(c·μ)."""
    rates = []
    for name, value in (("arrival_rate", arrival_rate), ("service_rate", service_rate)):
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not (math.isfinite(value) and value > 0):
            raise ValueError(f"{name}: got {value!r}; allowed: a finite number > 0")
        rates.append(float(value))
    if isinstance(servers, bool) or not isinstance(servers, int) or servers < 1:
        raise ValueError(f"servers: got {servers!r}; allowed: an integer ≥ 1")
    lam, mu = rates
    rho = lam / (servers * mu)
    if rho >= 1:
        raise ValueError(f"unstable queue: utilisation arrival_rate / (servers × service_rate) = {rho:.6g}; "
                         "allowed: < 1 (add servers or lower the arrival rate)")
    return lam, mu, servers, rho


RECURSION_MAX_SERVERS: Final = 64  #: above this many servers Erlang B comes from the Poisson distribution


def _p_wait(offered: float, servers: int) -> float:
    """Erlang C from Erlang B: B = C·(c − a)/(c − a·C), so C = c·B / (c − a·(1 − B)).

    Up to :data:`RECURSION_MAX_SERVERS` servers, B comes from the recursion run on 1/B,
    1/B(k) = 1 + (k/a)·1/B(k−1) (positive terms only, no a^c or c!). Above, from B = P(N = c)/P(N ≤ c) for
    N ~ Poisson(a): the pmf in log space (``lgamma``) and the CDF from SciPy's ``pdtr``, well conditioned
    because a < c; the two agree to about 1e-11 relative (tests).
    """
    if servers <= RECURSION_MAX_SERVERS:
        inverse_a = 1.0 / offered
        inv_b = 1.0
        for k in range(1, servers + 1):
            inv_b = 1.0 + k * inverse_a * inv_b
        b = 1.0 / inv_b
    else:
        from scipy.special import pdtr

        b = math.exp(servers * math.log(offered) - offered - math.lgamma(servers + 1.0)) / float(pdtr(servers, offered))
    return servers * b / (servers - offered * (1.0 - b))


def p_wait_below(offered: float, servers: int, p: float) -> bool:
    """A sufficient test that P(wait) < ``p`` for an offered load ``offered`` < ``servers`` (no SciPy call).

    B = P(N = c)/P(N ≤ c) for N ~ Poisson(a), and the median of a Poisson lies below a + 1/3 (Choi 1994), so
    P(N ≤ c) ≥ 1/2 once c ≥ a + 1/3 and B ≤ 2·P(N = c); C = c·B/(c − a·(1 − B)) grows with B. True means
    P(wait) < ``p`` for certain (the bound is held to 80 % of ``p``, far beyond rounding); False decides nothing.
    """
    if not (0.0 < offered and servers >= offered + 1.0 / 3.0):
        return False
    b = min(1.0, 2.0 * math.exp(servers * math.log(offered) - offered - math.lgamma(servers + 1.0)))
    return servers * b / (servers - offered * (1.0 - b)) < 0.8 * p


def erlang_c(arrival_rate: object, service_rate: object, servers: object) -> MMc:
    """P(wait), Lq, Wq, W and L of an M/M/c queue.

    ``arrival_rate`` λ and ``service_rate`` μ (per server) must be positive and in the same time unit,
    ``servers`` c an integer ≥ 1, and the queue stable (ρ = λ/(c·μ) < 1); otherwise ``ValueError``
    names the argument or the condition.
    """
    lam, mu, c, rho = _check(arrival_rate, service_rate, servers)
    p = _p_wait(lam / mu, c)
    lq = p * rho / (1.0 - rho)
    wq = lq / lam
    w = wq + 1.0 / mu
    return MMc(p, lq, wq, w, lam * w)


def response_time_survival(t: float, p_wait: float, drain_rate: float, service_rate: float) -> float:
    """P(response time > t) of an M/M/c queue.

    The wait is 0 with probability 1 − P(wait) and otherwise exponential at the drain rate θ = c·μ − λ;
    the service is exponential at μ and independent of it. So the response time is an exponential (no
    wait) or a hypoexponential of rates θ and μ (a wait), mixed by P(wait):

    P(T > t) = (1 − P)·e^(−μt) + P·e^(−st)·[1 − s·expm1(−(f − s)t)/(f − s)],  s = min(θ, μ), f = max(θ, μ),

    whose bracket tends to 1 + s·t (Erlang-2) as θ → μ; expm1 of a non-positive argument neither cancels
    nor overflows.
    """
    if t <= 0:
        return 1.0
    mu = service_rate
    slow, fast = min(drain_rate, mu), max(drain_rate, mu)
    d = fast - slow
    ratio = -t if d * t < 1e-12 else math.expm1(-d * t) / d
    waited = math.exp(-slow * t) * (1.0 - slow * ratio)
    return (1.0 - p_wait) * math.exp(-mu * t) + p_wait * waited


def _density(t: float, p_wait: float, theta: float, mu: float) -> float:
    """−d/dt of :func:`response_time_survival` (the response-time density)."""
    slow, fast = min(theta, mu), max(theta, mu)
    d = fast - slow
    ratio = t if d * t < 1e-12 else -math.expm1(-d * t) / d
    return (1.0 - p_wait) * mu * math.exp(-mu * t) + p_wait * slow * fast * math.exp(-slow * t) * ratio


def response_time_quantile(arrival_rate: object, service_rate: object, servers: object, q: object = 0.95) -> float:
    """The ``q`` quantile of the response time (wait + service) of an M/M/c queue, e.g. its p95 latency.

    The root of P(T > t) = 1 − q (:func:`response_time_survival`, decreasing in t), found to a relative
    1e-12 by Newton steps on the density kept inside a bisection bracket; the upper end of the bracket
    uses P(X + Y > t) ≤ P(X > t/2) + P(Y > t/2). Arguments as :func:`erlang_c`.
    """
    if isinstance(q, bool) or not isinstance(q, (int, float)) or not (0 < q < 1):
        raise ValueError(f"q: got {q!r}; allowed: a number > 0 and < 1")
    lam, mu, c, rho = _check(arrival_rate, service_rate, servers)
    p = _p_wait(lam / mu, c)
    theta = c * mu * (1.0 - rho)
    target = 1.0 - q
    lo, hi = 0.0, 2.0 * math.log(2.0 / target) / min(theta, mu)
    t = -math.log(target) / mu  # the quantile without waiting: a lower bound
    for _ in range(200):
        excess = response_time_survival(t, p, theta, mu) - target
        if abs(excess) <= 1e-15 * target:
            return t
        if excess > 0:
            lo = t
        else:
            hi = t
        if hi - lo <= 1e-12 * hi:
            break
        slope = _density(t, p, theta, mu)
        step = t + excess / slope if slope > 0 else hi
        t = step if lo < step < hi else 0.5 * (lo + hi)
    return 0.5 * (lo + hi) if hi - lo <= 1e-12 * hi else t
