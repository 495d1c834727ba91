"""Deployment: the national model as a public service, from pilot to production — or never out of staging.

Once a model is released the service opens as a pilot. Every month (on the coroner's monthly round, so no
events of its own) the service is reviewed analytically:

- **demand**: the pilot load, or in production a logistic adoption curve over the years of adoption, which
  run backwards while the model is stale or the service is back in pilot; a mean-one lognormal factor
  drawn each month from the deployment stream moves it;
- **serving**: replicas of ``gpus_per_replica`` GPUs on ``serving_share`` of the owned fleet (or, with no
  owned GPUs, an elastic inference contract sized to the load, at most that share of the rented GPUs); a
  replica serves at ``GPUs × peak FLOP/s × serving_efficiency / (2·N)`` tokens per second, and is one
  server of an M/M/c queue (:mod:`sovsim.queueing`) whose p95 response time at the busy hour is compared
  with the target;
- **cost per million tokens**: amortised GPUs and their electricity at their utilisation (or the rent),
  plus a share of the team, against the price of an API as useful as the national model — the price of
  today's open-weights tier, divided by ``alternative_decline_per_year`` for every year open weights have
  outdone the national model with its local edge — times (1 + the sovereignty premium).

A pilot goes live when, at the load production would bring, the p95 latency meets the target, the cost
is within the premium and the model is not stale. A production service that fails the bar for
``rollback_grace_months`` is rolled back to pilot. The coroner's ``vanity_pilot`` condition holds while
the service is not in production. The owned GPUs busy serving are written to the ledger (``serve``), so
the electricity bill follows the load; the rent of an inference contract is paid monthly.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np

from sovsim.model.gpus import GPUS
from sovsim.model.records import DAYS_PER_YEAR, EventLog
from sovsim.queueing import erlang_c, response_time_quantile, response_time_survival

if TYPE_CHECKING:
    from sovsim.model.compute import Fleet
    from sovsim.model.frontier import Curve
    from sovsim.model.ledger import Ledger
    from sovsim.model.lifecycle import Programme
    from sovsim.model.treasury import Account
    from sovsim.model.workforce import Team
    from sovsim.scenario.schema import Scenario

__all__ = ["Service", "Review", "deployment", "logistic_demand"]

SECONDS_PER_DAY = 86_400.0
RENTED_UTILISATION = 0.8  #: busy-hour utilisation an elastic inference contract is sized for
NOISE_BLOCK = 32  #: monthly demand factors drawn at once
REASONS = ("latency", "cost", "staleness")  #: the bars a service can fail, in the order diagnoses prefer them


def logistic_demand(adoption_years: float, ceiling: float, growth_per_year: float, midpoint_years: float) -> float:
    """Requests a day after ``adoption_years`` of adoption: ceiling / (1 + e^(−growth·(years − midpoint)))."""
    x = -growth_per_year * (adoption_years - midpoint_years)
    return ceiling / (1.0 + math.exp(x)) if x < 700 else 0.0


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
    service_rate_per_s: float = 0.0  #: requests per second one replica serves, for :attr:`p95_s`

    @property
    def p95_s(self) -> float:
        """The p95 response time at the busy hour: infinite when the queue is unstable or there are no replicas.

        Worked out on demand (log lines, the result row): the monthly judgement only needs to know whether it
        exceeds the target, which one evaluation of the response-time distribution answers.
        """
        if self.replicas == 0 or self.service_rate_per_s <= 0 or self.utilisation >= 1:
            return math.inf
        if self.busy_rate_per_s <= 0:
            return -math.log(0.05) / self.service_rate_per_s
        return response_time_quantile(self.busy_rate_per_s, self.service_rate_per_s, self.replicas, 0.95)

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
        self._reviewed_days = 0.0
        self._tokens_per_day = 0.0
        self._usd_per_day = 0.0
        self._rent_usd_per_day = 0.0
        self._serve_share = 0.0
        self._noise: Iterator[float] = iter(())  #: the demand factors of the coming months
        self._owned_seen: dict[str, int] | None = None  #: the fleet's dict of working GPUs last served from
        self._multiplier_seen = math.nan
        self._owned_total = 0
        self._owned_serving: tuple[int, float, float, float] = (0, 0.0, 0.0, 0.0)

    # -- serving capacity and cost --------------------------------------------------------------------
    def _serving(self, now: float, requests_per_day: float) -> tuple[int, float, float, float]:
        """(replicas, tokens/s per replica, fixed USD/day of the GPUs, busy-draw USD/day at full load).

        Owned: ``serving_share`` of the working fleet. Rented (no owned GPUs): an elastic inference contract
        at the training contract's provider and price, sized to run the busy hour of ``requests_per_day`` at
        :data:`RENTED_UTILISATION`, and at most ``serving_share`` of the contract's GPUs. The GPUs' fixed
        cost is their amortisation and idle electricity (owned) or their rent.
        """
        p, c, e = self.params, self.scenario.compute, self.scenario.energy
        flops_per_token = 2.0 * self.scenario.model.parameter_count
        owned = self.fleet.owned_up(now)
        if owned:
            multiplier = self.ledger.current("multiplier")
            # the owned fleet's serving does not depend on the load: reuse it until the fleet or the price moves
            if owned is self._owned_seen and multiplier == self._multiplier_seen:
                return self._owned_serving
            total = sum(owned.values())
            n = max(1, int(total * p.serving_share)) if p.serving_share > 0 else 0
            gpus = {k: v * n / total for k, v in owned.items()}
            kw = sum(g * GPUS[k].power_w for k, g in gpus.items()) * c.server_power_factor * e.pue / 1000.0
            usd_per_kwh_day = 24.0 * e.price_usd_per_kwh * multiplier
            amortised = sum(g * GPUS[k].price_usd for k, g in gpus.items()) / (c.lifetime_years * DAYS_PER_YEAR)
            fixed = amortised + kw * c.idle_power_fraction * usd_per_kwh_day
            busy = kw * (c.mean_power_fraction - c.idle_power_fraction) * usd_per_kwh_day
            self._rent_usd_per_day = 0.0
            replicas = n // p.gpus_per_replica
            if replicas == 0:
                serving: tuple[int, float, float, float] = (0, 0.0, fixed, busy)
            else:
                peak = sum(g * GPUS[k].peak_flops for k, g in gpus.items()) * (replicas * p.gpus_per_replica / n)
                serving = (replicas, peak * p.serving_efficiency / flops_per_token / replicas, fixed, busy)
            self._owned_seen, self._multiplier_seen, self._owned_total = owned, multiplier, total
            self._owned_serving = serving
            return serving
        else:
            rented = self.fleet.rented()
            total = sum(rented.values())
            n = int(total * p.serving_share)
            if n:
                per_gpu = sum(GPUS[k].peak_flops * v for k, v in rented.items()) / total * p.serving_efficiency
                busy_tokens_per_s = requests_per_day * p.busy_hour_factor * p.tokens_per_request / SECONDS_PER_DAY
                needed = busy_tokens_per_s * flops_per_token / per_gpu / RENTED_UTILISATION
                n = min(n, p.gpus_per_replica * max(1, math.ceil(needed / p.gpus_per_replica)))
            gpus = {k: v * n / total for k, v in rented.items()} if n else {}
            contract = self.fleet.contract
            rent = contract.usd_per_gpu_hour if contract is not None else 0.0
            fixed = self._rent_usd_per_day = n * 24.0 * rent
            busy = 0.0
        replicas = n // p.gpus_per_replica
        if replicas == 0:
            return 0, 0.0, fixed, busy
        peak = sum(g * GPUS[k].peak_flops for k, g in gpus.items()) * (replicas * p.gpus_per_replica / n)
        tokens_per_s = peak * p.serving_efficiency / flops_per_token / replicas
        return replicas, tokens_per_s, fixed, busy

    def alternative_usd_per_mtok(self, now: float) -> float:
        """Price of an API as useful as the national model: cheaper for every year that usefulness is open.

        Usefulness is capability in the country's languages, as in the stale test: the alternative matches
        the national model once its local capability does (``alternative_lead_log10`` ≥ 0), and falls
        ``alternative_decline_per_year`` times for every year of frontier progress it has been beyond it.
        """
        p, curve = self.params, self.curve
        per_year = curve.trend_log10_per_month * 12.0
        if per_year <= 0 or math.isnan(self.programme.national_log10):
            return p.alternative_usd_per_mtok
        open_years = max(0.0, self.alternative_lead_log10(now) / per_year)
        return p.alternative_usd_per_mtok / p.alternative_decline_per_year ** open_years

    def judge(self, now: float, requests_per_day: float, serving: tuple[int, float, float, float] | None = None,
              stale: bool | None = None) -> Review:
        """Latency, cost and staleness of serving ``requests_per_day`` from now on.

        ``serving`` (of ``_serving``) and ``stale`` (of ``is_stale``) may be passed when already known at ``now``.
        """
        p = self.params
        replicas, tokens_per_s, fixed, busy = self._serving(now, requests_per_day) if serving is None else serving
        released = bool(self.programme.releases)
        if stale is None:
            stale = self.is_stale(now)
        alternative = self.alternative_usd_per_mtok(now)
        bar = alternative * (1.0 + p.sovereignty_premium)
        staff = p.serving_staff_share * self.team.cost_usd_per_day()
        if replicas == 0 or tokens_per_s <= 0:
            return Review(now, requests_per_day, 0, math.inf, math.inf, bar, alternative, stale, released,
                          p.p95_latency_target_s, True)
        service_rate = tokens_per_s / p.tokens_per_request  # requests per second per replica
        capacity_per_day = replicas * service_rate * SECONDS_PER_DAY
        busy_rate = requests_per_day * p.busy_hour_factor / SECONDS_PER_DAY
        utilisation = busy_rate / (replicas * service_rate)
        target = p.p95_latency_target_s
        if requests_per_day <= 0:
            too_slow = -math.log(0.05) / service_rate > target
        elif utilisation < 1:
            # p95 > target exactly when more than 5 % of responses take longer than the target. That share
            # lies between the no-wait case (P(wait) = 0) and the always-wait case (P(wait) = 1); Erlang C is
            # needed only when the target falls between the two.
            drain = replicas * service_rate - busy_rate
            if math.exp(-service_rate * target) > 0.05:
                too_slow = True
            elif response_time_survival(target, 1.0, drain, service_rate) <= 0.05:
                too_slow = False
            else:
                p_wait = erlang_c(busy_rate, service_rate, replicas).p_wait
                too_slow = response_time_survival(target, p_wait, drain, service_rate) > 0.05
        else:
            too_slow = True
        served = min(requests_per_day, capacity_per_day)
        usd_per_day = fixed + busy * served / capacity_per_day + staff
        tokens = served * p.tokens_per_request
        cost = usd_per_day / tokens * 1e6 if tokens > 0 else math.inf
        return Review(now, requests_per_day, replicas, utilisation, cost, bar, alternative, stale, released,
                      target, too_slow, busy_rate, service_rate)

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
        launch = logistic_demand(self.adoption_years, p.production_max_requests_per_day, p.adoption_growth_per_year,
                                 p.adoption_midpoint_years) * noise
        pilot = p.pilot_requests_per_day * noise
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

    def _operate(self, now: float, requests_per_day: float,
                 serving: tuple[int, float, float, float] | None = None) -> None:
        """Serve ``requests_per_day`` until the next review: tokens, cost per day, and the ledger's serve share."""
        p = self.params
        replicas, tokens_per_s, fixed, busy = self._serving(now, requests_per_day) if serving is None else serving
        staff = p.serving_staff_share * self.team.cost_usd_per_day()
        capacity = replicas * tokens_per_s / p.tokens_per_request * SECONDS_PER_DAY
        served = min(requests_per_day, capacity)
        load = served / capacity if capacity > 0 else 0.0
        self.requests_per_day = requests_per_day
        self._tokens_per_day = served * p.tokens_per_request
        self._usd_per_day = fixed + busy * load + staff
        owned = self.fleet.owned_up(now)
        share = 0.0
        if owned and replicas:
            total = self._owned_total if owned is self._owned_seen else sum(owned.values())
            share = round(replicas * p.gpus_per_replica / total * load, 4)
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
