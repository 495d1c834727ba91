"""Deployment: the national model as a public service, from pilot to production — or never out of staging.

Once a model is released the service opens as a pilot. Every month (on the coroner's monthly round, so no
events of its own) the service is reviewed analytically:

- **demand**: the pilot load, or in production a logistic adoption curve over the years of adoption, which
  run backwards while the model is stale or the service is back in pilot; a mean-one lognormal factor
  drawn each month from the deployment stream moves it;
- **serving**: replicas on ``serving_share`` of the owned fleet (or, with no owned GPUs, an elastic inference
  contract sized to the load, at most that share of the rented GPUs). A replica is modelled from first
  principles (:mod:`sovsim.serving`): the fewest GPUs that hold the weights, continuous batching up to the
  batch whose time per output token meets ``tpot_target_s`` (and that the KV cache allows); its batch slots
  are the servers of an M/M/c queue (:mod:`sovsim.queueing`), and the p95 time to first token at the busy
  hour (prefill plus the p95 wait for a slot) is compared with the target;
- **cost per million tokens**: the GPUs the busy hour needs (amortised with networking, storage and
  colocation, or rented), their electricity at the load, and the operators they add (``serving_gpus_per_fte``
  at the team's mean pay: a budget office's marginal cost), against the price of an API as useful as the
  national model — the listed price of an open model as large as the national one with its local edge, at
  the date — divided by ``alternative_decline_per_year`` for every year open weights have outdone the
  national model with its local edge — times (1 + the sovereignty premium). Prompts grow each year.

A pilot goes live when, at the load production would bring, the p95 latency meets the target, the cost
is within the premium and the model is not stale. A production service that fails the bar for
``rollback_grace_months`` is rolled back to pilot. The coroner's ``vanity_pilot`` condition holds while
the service is not in production. The owned GPUs busy serving are written to the ledger (``serve``), so
the electricity bill follows the load; the rent of an inference contract is paid monthly.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any, Final, NamedTuple

import numpy as np

from sovsim.facility import colocation_usd_per_gpu_day, facility_capex_factor
from sovsim.model import residency
from sovsim.model.gpus import GPUS
from sovsim.model.records import DAYS_PER_YEAR, EventLog
from sovsim.queueing import erlang_c, p_wait_below
from sovsim.serving import ServeError, api_price_usd_per_mtok, gpus_for, operating_point

if TYPE_CHECKING:
    from sovsim.model.compute import Fleet
    from sovsim.model.frontier import Curve
    from sovsim.model.ledger import Ledger
    from sovsim.model.lifecycle import Programme
    from sovsim.model.treasury import Account
    from sovsim.model.workforce import Team
    from sovsim.scenario.schema import Scenario

__all__ = ["Service", "Review", "deployment", "logistic_demand"]

SECONDS_PER_DAY: Final = 86_400.0
RENTED_UTILISATION: Final = 0.8  #: busy-hour utilisation an elastic inference contract is sized for
NOISE_BLOCK: Final = 32  #: monthly demand factors drawn at once
REASONS = ("latency", "cost", "staleness", "approval")  #: what kept a pilot out, in the order diagnoses prefer


def p95_wait_s(arrival_rate: float, service_rate: float, servers: int) -> float:
    """p95 of the wait for a server in an M/M/c queue: P(W > t) = C·e^(−(cμ − λ)t)."""
    if arrival_rate <= 0:
        return 0.0
    if arrival_rate < servers * service_rate and p_wait_below(arrival_rate / service_rate, servers, 0.05):
        return 0.0  # no p95 wait, known without Erlang C (many slots at moderate load)
    p_wait = erlang_c(arrival_rate, service_rate, servers).p_wait
    if p_wait <= 0.05:
        return 0.0
    return math.log(p_wait / 0.05) / (servers * service_rate - arrival_rate)


def logistic_demand(adoption_years: float, ceiling: float, growth_per_year: float, midpoint_years: float) -> float:
    """Requests a day after ``adoption_years`` of adoption: ceiling / (1 + e^(−growth·(years − midpoint)))."""
    x = -growth_per_year * (adoption_years - midpoint_years)
    return ceiling / (1.0 + math.exp(x)) if x < 700 else 0.0


class Replica(NamedTuple):
    """One replica at its operating batch (of :func:`sovsim.serving.operating_point`)."""

    kind: str
    gpus: int
    concurrency: int  #: streams batched at once
    requests_per_s: float  #: requests the replica completes a second at that batch
    ttft_s: float
    tpot_s: float


class Serving(NamedTuple):
    """The serving GPUs of the month: replicas, GPUs, the replica, fixed and full-load busy cost per day."""

    replicas: int
    gpus: int
    replica: Replica
    fixed_usd_per_day: float
    busy_usd_per_day: float


def _replicas_needed(requests_per_day: float, busy_hour_factor: float, replica: Replica, utilisation: float) -> int:
    """Replicas that serve the busy hour of ``requests_per_day`` at ``utilisation`` (at least one)."""
    busy = requests_per_day * busy_hour_factor / SECONDS_PER_DAY
    if replica.requests_per_s <= 0:
        return 1
    return max(1, math.ceil(busy / (replica.requests_per_s * utilisation)))


@functools.lru_cache(maxsize=4096)
def _replica_at(params: float, kind: str, gpus_per_replica: int, prompt: float, answer: float, tpot_target_s: float,
                max_batch: int) -> Replica:
    """The replica of a model of ``params`` on ``kind`` GPUs at its operating batch, for this request shape.

    A pure function of its arguments, kept by their exact values: the futures of a sweep review their services
    on the same days, so they ask for the same request shapes, and each is computed once per worker.
    """
    try:
        gpus = gpus_per_replica or gpus_for(params, kind, context_tokens=prompt + answer)
        return Replica(kind, gpus, *operating_point(params, kind, gpus, prompt, answer, tpot_target_s, max_batch))
    except ServeError:  # the weights and one context do not fit the replica's GPUs: it cannot serve
        return Replica(kind, max(1, gpus_per_replica), 1, 0.0, math.inf, math.inf)


def owned_usd_per_gpu_day(kind: str, compute: Any) -> float:
    """An owned GPU's capital cost per day: its price with networking, storage and facility, over its life."""
    return GPUS[kind].price_usd * facility_capex_factor(compute) / (compute.lifetime_years * DAYS_PER_YEAR) \
        + colocation_usd_per_gpu_day(kind, compute)


class Review(NamedTuple):
    """One month's judgement of the service against the production bar, at the load it was judged at."""

    time_days: float
    requests_per_day: float
    replicas: int
    utilisation: float  #: busy-hour load over serving capacity (≥ 1: the queue never drains)
    cost_per_mtok_usd: float  #: infinite with no capacity to serve
    bar_usd_per_mtok: float  #: the alternative price × (1 + premium)
    alternative_usd_per_mtok: float
    stale: bool
    released: bool
    target_s: float  #: the p95 latency target
    too_slow: bool  #: the p95 response time is above the target
    busy_rate_per_s: float = 0.0  #: busy-hour arrivals (requests per second), for :attr:`p95_s`
    service_rate_per_s: float = 0.0  #: requests per second one batch slot serves, for :attr:`p95_s`
    slots: int = 0  #: streams served at once over all replicas (replicas × operating batch)
    ttft_s: float = math.inf  #: time to first token of one request, once it has a slot

    @property
    def p95_s(self) -> float:
        """p95 time to first token at the busy hour: TTFT plus the p95 wait for a batch slot (Erlang C).

        Infinite when the queue is unstable or there are no replicas.
        """
        if self.replicas == 0 or self.service_rate_per_s <= 0 or self.utilisation >= 1:
            return math.inf
        return self.ttft_s + p95_wait_s(self.busy_rate_per_s, self.service_rate_per_s, self.slots)

    @property
    def failing(self) -> tuple[str, ...]:
        """The bars this review fails, from :data:`REASONS`."""
        if not self.too_slow and self.cost_per_mtok_usd <= self.bar_usd_per_mtok and self.released \
                and not self.stale:
            return ()
        out = []
        if self.too_slow:
            out.append("latency")
        if self.cost_per_mtok_usd > self.bar_usd_per_mtok:
            out.append("cost")
        if self.stale or not self.released:
            out.append("staleness")
        return tuple(out)


class Service:
    """The public service of the national model: its stage, demand, serving capacity and what it cost."""

    def __init__(self, scenario: Scenario, fleet: Fleet, ledger: Ledger, account: Account, team: Team,
                 programme: Programme, curve: Curve, is_stale: Callable[[float], bool], rng: np.random.Generator,
                 log: EventLog) -> None:
        self.params = scenario.deployment
        self.rng = rng
        self.scenario = scenario
        self.fleet, self.ledger, self.account, self.team = fleet, ledger, account, team
        self.programme, self.curve, self.is_stale, self.log = programme, curve, is_stale, log
        #: decades by which the alternative beats the national model in the country's languages (set by the world)
        self.alternative_lead_log10: Callable[[float], float] = (
            lambda now: curve.open_log10(now) - programme.national_log10)
        self._start_year = scenario.calendar.start_date.year
        self._trend_log10_per_year = curve.trend_log10_per_month * 12.0  #: the frontier's trend (fixed per future)
        self.stage = "none"  #: none (no model yet), pilot or production
        self.adoption_years = 0.0
        self.requests_per_day = 0.0
        self.years_in_production = 0.0
        self.tokens_served = 0.0
        self.serving_cost_usd = 0.0
        self.last: Review | None = None  #: the latest judgement against the bar
        self.failing_since: float | None = None  #: when a production service began to fail the bar
        self.blocked: dict[str, int] = dict.fromkeys(REASONS, 0)  #: pilot months blocked, by reason
        self.blocked_review: dict[str, Review] = {}  #: the latest review blocked by each reason
        self.on_change: Callable[[float], None] = lambda now: None  #: the coroner's vanity_pilot check
        self.launch_gate: Callable[[float], bool] = lambda now: True  #: governance approval of the launch
        self.adoption_factor: Callable[[float], float] = lambda now: 1.0  #: alignment × trust (trust.py)
        self.residency_offered_tokens = 0.0  #: residency-bound demand offered and served (residency.py)
        self.residency_served_tokens = 0.0
        self._residency_per_day = (0.0, 0.0)
        self._reviewed_days = 0.0
        self._tokens_per_day = 0.0
        self._usd_per_day = 0.0
        self._rent_usd_per_day = 0.0
        self._serve_share = 0.0
        self._noise: Iterator[float] = iter(())  #: the demand factors of the coming months
        self._owned_total = 0
        self._replicas: dict[tuple[str, int, int], Replica] = {}  #: replicas by (GPU, prompt, answer tokens)
        #: (working owned GPUs, price multiplier, and of them: kind, total, serving GPUs, fixed and busy USD a day)
        self._owned_cost: tuple[dict[str, int], float, str, int, int, float, float] | None = None
        self._tokens_at, self._tokens = math.nan, (0.0, 0.0)  #: request_tokens of the latest time asked

    # -- serving capacity and cost --------------------------------------------------------------------
    def request_tokens(self, now: float) -> tuple[float, float]:
        """(prompt, answer) tokens of a request at ``now``: the prompt grows yearly (longer contexts, agents)."""
        if now == self._tokens_at:  # asked by the replica, the judgement and the operation of the same month
            return self._tokens
        p = self.params
        total = p.tokens_per_request * (1.0 + p.tokens_per_request_growth_per_year) ** (now / DAYS_PER_YEAR)
        self._tokens_at, self._tokens = now, (total * (1.0 - p.output_token_share), total * p.output_token_share)
        return self._tokens

    def _replica(self, kind: str, now: float) -> Replica:
        """One replica of the model on ``kind`` GPUs at its operating batch (:mod:`sovsim.serving`)."""
        p = self.params
        prompt, answer = self.request_tokens(now)
        key = (kind, round(prompt), round(answer))
        replica = self._replicas.get(key)
        if replica is None:
            replica = self._replicas[key] = _replica_at(self.scenario.model.parameter_count, kind,
                                                        p.gpus_per_replica, prompt, answer, p.tpot_target_s,
                                                        p.max_batch)
        return replica

    def _serving(self, now: float, requests_per_day: float) -> Serving:
        """The serving GPUs, their replicas and what they cost a day.

        Owned: ``serving_share`` of the working fleet (of its most numerous generation). Rented (no owned
        GPUs): an elastic inference contract at the training contract's provider and price, sized to run the
        busy hour of ``requests_per_day`` at :data:`RENTED_UTILISATION`, and at most ``serving_share`` of the
        contract's GPUs. Fixed cost: amortisation (with the facility) and idle electricity (owned) or rent.
        """
        p, c, e = self.params, self.scenario.compute, self.scenario.energy
        owned = self.fleet.owned_up(now)
        if owned:
            multiplier = self.ledger.current("multiplier")
            cost = self._owned_cost
            if cost is None or cost[0] is not owned or cost[1] != multiplier:  # the fleet or the price moved
                kind = max(owned, key=lambda k: owned[k])
                total = sum(owned.values())
                n = max(1, int(total * p.serving_share)) if p.serving_share > 0 else 0
                kw = n * GPUS[kind].power_w * c.server_power_factor * e.pue / 1000.0
                usd_per_kwh_day = 24.0 * e.price_usd_per_kwh * multiplier
                per_gpu_day = owned_usd_per_gpu_day(kind, c)
                fixed = n * per_gpu_day + kw * c.idle_power_fraction * usd_per_kwh_day
                busy = kw * (c.mean_power_fraction - c.idle_power_fraction) * usd_per_kwh_day
                cost = self._owned_cost = (owned, multiplier, kind, total, n, fixed, busy)
            _, _, kind, total, n, fixed, busy = cost
            replica = self._replica(kind, now)
            self._rent_usd_per_day = 0.0
            self._owned_total = total
        else:
            rented = self.fleet.rented()
            total = sum(rented.values())
            n = int(total * p.serving_share)
            kind = max(rented, key=lambda k: rented[k]) if rented else self.scenario.compute.gpu
            replica = self._replica(kind, now)
            if n:
                needed = _replicas_needed(requests_per_day, p.busy_hour_factor, replica, RENTED_UTILISATION)
                n = min(n, replica.gpus * max(1, needed))
            contract = self.fleet.contract
            rent = contract.usd_per_gpu_hour if contract is not None else 0.0
            fixed = self._rent_usd_per_day = n * 24.0 * rent
            busy = 0.0
        return Serving(n // replica.gpus, n, replica, fixed, busy)

    def alternative_usd_per_mtok(self, now: float) -> float:
        """Price of an API as useful as the national model: cheaper for every year that usefulness is open.

        The starting point is the listed price at the date of an open-weights model of the national model's size
        (``alternative_usd_per_mtok`` if set). Usefulness is capability in the country's languages, as in the stale
        test: the alternative matches the national model once its local capability does
        (``alternative_lead_log10`` ≥ 0), and falls ``alternative_decline_per_year`` times for every year of
        frontier progress it has been beyond it.
        """
        p = self.params
        if p.alternative_usd_per_mtok > 0:
            base = p.alternative_usd_per_mtok
        else:
            # the listed price of an open model of the national model's size class at the date
            year = self._start_year + now / DAYS_PER_YEAR
            base = api_price_usd_per_mtok(self.scenario.model.parameter_count, year,
                                          p.alternative_size_decline_per_year)
        per_year = self._trend_log10_per_year
        if per_year <= 0 or math.isnan(self.programme.national_log10):
            return base
        open_years = max(0.0, self.alternative_lead_log10(now) / per_year)
        return base / p.alternative_decline_per_year ** open_years

    def staff_usd_per_day(self, gpus: float) -> float:
        """The serving team's marginal cost: operators for ``gpus`` serving GPUs at the team's mean pay."""
        team = self.team
        heads = sum(team.n)
        per_fte = team.staff_cost_usd_per_day() / heads if heads else 0.0
        return gpus / self.params.serving_gpus_per_fte * per_fte

    def judge(self, now: float, requests_per_day: float, serving: Serving | None = None,
              stale: bool | None = None) -> Review:
        """Latency, cost and staleness of serving ``requests_per_day`` from now on.

        The cost is that of the GPUs the busy hour needs at :data:`RENTED_UTILISATION` (the rest of the serving
        share is free for other work), their electricity at the load, and the operators they need.
        ``serving`` (of ``_serving``) and ``stale`` (of ``is_stale``) may be passed when already known at ``now``.
        """
        p = self.params
        sv = self._serving(now, requests_per_day) if serving is None else serving
        released = bool(self.programme.releases)
        if stale is None:
            stale = self.is_stale(now)
        alternative = self.alternative_usd_per_mtok(now)
        bar = alternative * (1.0 + p.sovereignty_premium)
        r = sv.replica
        if sv.replicas == 0 or r.requests_per_s <= 0:
            return Review(now, requests_per_day, 0, math.inf, math.inf, bar, alternative, stale, released,
                          p.p95_latency_target_s, True)
        slot_rate = r.requests_per_s / r.concurrency
        slots = sv.replicas * r.concurrency
        capacity_per_day = sv.replicas * r.requests_per_s * SECONDS_PER_DAY
        busy_rate = requests_per_day * p.busy_hour_factor / SECONDS_PER_DAY
        utilisation = busy_rate / (slots * slot_rate)
        target = p.p95_latency_target_s
        if r.tpot_s > p.tpot_target_s or r.ttft_s > target or utilisation >= 1:
            too_slow = True
        else:
            too_slow = r.ttft_s + p95_wait_s(busy_rate, slot_rate, slots) > target
        served = min(requests_per_day, capacity_per_day)
        needed = min(sv.replicas, _replicas_needed(requests_per_day, p.busy_hour_factor, r, RENTED_UTILISATION))
        share = needed / sv.replicas
        gpus = needed * r.gpus
        usd_per_day = (sv.fixed_usd_per_day + sv.busy_usd_per_day * served / capacity_per_day / share) * share \
            + self.staff_usd_per_day(gpus)
        prompt, answer = self.request_tokens(now)
        tokens = served * (prompt + answer)
        cost = usd_per_day / tokens * 1e6 if tokens > 0 else math.inf
        return Review(now, requests_per_day, sv.replicas, utilisation, cost, bar, alternative, stale, released,
                      target, too_slow, busy_rate, slot_rate, slots, r.ttft_s)

    # -- the monthly review ---------------------------------------------------------------------------
    def open_pilot(self, now: float) -> None:
        self.stage = "pilot"
        self.log.log(now, "deployment", "pilot", f"pilot service opens for {self.params.pilot_requests_per_day:,.0f} "
                                                 "requests a day", key=True)
        self._operate(now, self.params.pilot_requests_per_day)

    def review(self, now: float) -> None:
        """Account for the month gone, then judge the service and operate it for the month ahead."""
        p = self.params
        stale = self.is_stale(now)
        self.settle(now, stale)
        noise = next(self._noise, None)
        if noise is None:  # drawn in blocks: the same numbers, in the same order, as one draw a month
            self._noise = iter(self.rng.lognormal(-0.5 * p.demand_volatility ** 2, p.demand_volatility,
                                                  size=NOISE_BLOCK).tolist())
            noise = next(self._noise)
        if self.stage == "none":
            return
        use = self.adoption_factor(now) * noise
        launch = logistic_demand(self.adoption_years, p.production_max_requests_per_day, p.adoption_growth_per_year,
                                 p.adoption_midpoint_years) * use
        pilot = p.pilot_requests_per_day * use
        serving = self._serving(now, launch)
        self.last = review = self.judge(now, launch, serving, stale)
        failing = review.failing
        if self.stage == "pilot":
            if failing:
                for reason in failing:
                    self.blocked[reason] += 1
                    self.blocked_review[reason] = review
                self._operate(now, pilot)
                return
            if not self.launch_gate(now):  # the bar is met; the launch waits for its approval
                self.blocked["approval"] += 1
                self.blocked_review["approval"] = review
                self._operate(now, pilot)
                return
            self.stage = "production"
            self.failing_since = None
            self.log.log(now, "deployment", "go-live",
                         f"production at {launch:,.0f} requests a day: p95 {review.p95_s:.2f} s on "
                         f"{review.replicas:,} replicas, ${review.cost_per_mtok_usd:.2f} per M tokens vs "
                         f"${review.bar_usd_per_mtok:.2f} allowed", key=True)
            self.on_change(now)
        elif failing:
            if self.failing_since is None:
                self.failing_since = now
            if now - self.failing_since >= p.rollback_grace_months * DAYS_PER_YEAR / 12.0 - 1e-9:
                self.stage = "pilot"
                self.failing_since = None
                self.blocked = dict.fromkeys(REASONS, 0)
                self.log.log(now, "deployment", "rollback",
                             f"rolled back to pilot after {p.rollback_grace_months:g} months below the bar: "
                             + "; ".join(self._explain(r, review) for r in failing), key=True)
                self.on_change(now)
                self._operate(now, pilot)
                return
        else:
            self.failing_since = None
        self._operate(now, launch, serving)

    def settle(self, now: float, stale: bool | None = None) -> None:
        """Tokens, cost, rent, years in production and adoption of the month since the last review.

        ``stale``: of ``is_stale(now)``, when already known.
        """
        dt = now - self._reviewed_days
        self._reviewed_days = now
        if dt <= 0:
            return
        self.tokens_served += self._tokens_per_day * dt
        self.residency_offered_tokens += self._residency_per_day[0] * dt
        self.residency_served_tokens += self._residency_per_day[1] * dt
        self.serving_cost_usd += self._usd_per_day * dt
        if self._rent_usd_per_day > 0 and self.stage != "none":
            self.account.pay(now, "cloud", self._rent_usd_per_day * dt)
        years = dt / DAYS_PER_YEAR
        if self.stage == "production" and not (self.is_stale(now) if stale is None else stale):
            self.adoption_years += years
            self.years_in_production += years
        else:
            if self.stage == "production":
                self.years_in_production += years
            if self.stage == "production" or self.adoption_years > 0:
                self.adoption_years = max(0.0, self.adoption_years - self.params.stale_adoption_loss * years)

    def _operate(self, now: float, requests_per_day: float, serving: Serving | None = None) -> None:
        """Serve ``requests_per_day`` until the next review: tokens, cost per day, and the ledger's serve share."""
        p = self.params
        sv = self._serving(now, requests_per_day) if serving is None else serving
        r = sv.replica
        capacity = sv.replicas * r.requests_per_s * SECONDS_PER_DAY
        prompt, answer = self.request_tokens(now)
        part = residency.split(requests_per_day, capacity, p.residency_share,
                               residency.serves_on_home_soil(self.fleet, now))
        served = part.served
        self._residency_per_day = (part.residency_offered * (prompt + answer),
                                   part.residency_served * (prompt + answer))
        load = served / capacity if capacity > 0 else 0.0
        self.requests_per_day = requests_per_day
        self._tokens_per_day = served * (prompt + answer)
        self._usd_per_day = sv.fixed_usd_per_day + sv.busy_usd_per_day * load + self.staff_usd_per_day(
            sv.replicas * r.gpus * load)
        owned = self.fleet.owned_up(now)
        share = 0.0
        if owned and sv.replicas:
            share = round(sv.replicas * r.gpus / self._owned_total * load, 4)
        if share != self._serve_share:
            self._serve_share = share
            self.ledger.set_serve(now, share)

    @staticmethod
    def _explain(reason: str, r: Review) -> str:
        if reason == "latency":
            if r.replicas == 0:
                return "no GPUs to serve on"
            if math.isinf(r.p95_s):
                return (f"busy-hour load {r.utilisation:.0%} of the capacity of {r.replicas:,} replicas at "
                        f"{r.requests_per_day:,.0f} requests a day: the queue never drains")
            return (f"p95 latency {r.p95_s:.2f} s vs target {r.target_s:g} s at {r.requests_per_day:,.0f} requests a "
                    f"day on {r.replicas:,} replicas ({r.utilisation:.0%} busy at the busy hour)")
        if reason == "cost":
            return (f"${r.cost_per_mtok_usd:.2f} per M tokens vs ${r.bar_usd_per_mtok:.2f} allowed (alternative "
                    f"${r.alternative_usd_per_mtok:.2f})")
        if reason == "approval":
            return "the bar was met but the launch approval was still under way"
        return "model stale against open weights" if r.released else "no model released"

    def why_vanity(self, since: float) -> tuple[str, float | None]:
        """The bar that kept the service out of production longest since ``since``, with its latest numbers."""
        months = sum(self.blocked.values())
        if not months:
            return "no model released to pilot", None
        root = max(REASONS, key=lambda r: self.blocked[r])
        also = [f"{r} {self.blocked[r]}" for r in REASONS if r != root and self.blocked[r]]
        latest = self._explain(root, self.blocked_review[root])
        text = (f"never in production since {self.log.date(since)}: {root} — {latest} (blocked "
                f"{self.blocked[root]} monthly reviews" + (f"; also {', '.join(also)}" if also else "") + ")")
        return text, None

    @property
    def cost_per_mtok_usd(self) -> float | None:
        return self.serving_cost_usd / self.tokens_served * 1e6 if self.tokens_served > 0 else None


def deployment(env: Any, service: Service, released: Any) -> Any:
    """The service's life: it waits for the first release, then opens the pilot.

    From then on the service is reviewed on the coroner's monthly round (:meth:`Service.review`), so
    a future's deployment costs two events, not one a month.
    """
    yield released
    service.open_pilot(env.now)
