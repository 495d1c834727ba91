"""Energy: hourly electricity-price and grid-carbon profiles, and the price shocks of the market.

A profile is a unit-mean hourly shape over the horizon (daily and seasonal cycles) and its prefix sums;
the scenario's base price and carbon intensity scale it. Shapes depend only on the calendar and the
amplitudes, so they are computed once per process and shared by every future. Price shocks are random
(their own stream) and enter the ledger as a price multiplier for their duration.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from sovsim.kernels.accounting import prefix_sum
from sovsim.model.records import DAYS_PER_MONTH, DAYS_PER_YEAR, EventLog

if TYPE_CHECKING:
    from sovsim.model.ledger import Ledger
    from sovsim.scenario.schema import Energy

__all__ = ["Profiles", "profiles_for", "energy_market"]

PRICE_PEAK_HOUR = 18.0  #: evening demand peak
CARBON_LOW_HOUR = 13.0  #: midday solar trough
WINTER_PEAK_DAY = 15.0  #: mid-January (northern hemisphere)


@dataclass(frozen=True)
class Profiles:
    """Hourly shapes (unit mean) and prefix sums of electricity price and grid carbon, and their scales."""

    price_shape: np.ndarray
    price_cum: np.ndarray
    carbon_shape: np.ndarray
    carbon_cum: np.ndarray
    price_usd_per_kwh: float
    carbon_g_per_kwh: float
    price_list: tuple[list[float], list[float]]  #: the price shape and prefix sums as lists, for scalar look-ups


@functools.lru_cache(maxsize=16)
def _shapes(start: dt.date, hours: int, daily: float, seasonal: float, carbon_daily: float) -> tuple[Any, ...]:
    h = np.arange(hours, dtype=float) + 0.5
    hour_of_day = h % 24.0
    day_of_year = (start.timetuple().tm_yday - 1) + h / 24.0
    price = ((1.0 + daily * np.cos(2 * math.pi * (hour_of_day - PRICE_PEAK_HOUR) / 24.0))
             * (1.0 + seasonal * np.cos(2 * math.pi * (day_of_year - WINTER_PEAK_DAY) / DAYS_PER_YEAR)))
    carbon = 1.0 - carbon_daily * np.cos(2 * math.pi * (hour_of_day - CARBON_LOW_HOUR) / 24.0)
    for array in (price, carbon):
        array.setflags(write=False)
    price_cum, carbon_cum = prefix_sum(price), prefix_sum(carbon)
    price_cum.setflags(write=False)
    carbon_cum.setflags(write=False)
    return price, price_cum, carbon, carbon_cum, (price.tolist(), price_cum.tolist())


def profiles_for(energy: Energy, start: dt.date, horizon_years: float) -> Profiles:
    """The profiles of a scenario (shapes shared across futures, scales from the scenario)."""
    hours = int(math.ceil(horizon_years * DAYS_PER_YEAR * 24.0)) + 24
    shapes = _shapes(start, hours, energy.price_daily_amplitude, energy.price_seasonal_amplitude,
                     energy.carbon_daily_amplitude)
    price, price_cum, carbon, carbon_cum, price_list = shapes
    return Profiles(price, price_cum, carbon, carbon_cum, energy.price_usd_per_kwh, energy.grid_carbon_g_per_kwh,
                    price_list)


def energy_market(env: Any, ledger: Ledger, params: Energy, rng: np.random.Generator, log: EventLog) -> Any:
    """Price shocks arrive as a Poisson stream; each multiplies the electricity price for a while."""
    if params.price_shocks_per_year <= 0:
        return
    while True:
        yield env.timeout(rng.exponential(DAYS_PER_YEAR / params.price_shocks_per_year))
        ledger.set(env.now, multiplier=params.price_shock_multiplier)
        log.log(env.now, "energy", "price-shock",
                f"electricity price shock: ×{params.price_shock_multiplier:g} for "
                f"{params.price_shock_duration_months:g} months", key=True)
        yield env.timeout(params.price_shock_duration_months * DAYS_PER_MONTH)
        ledger.set(env.now, multiplier=1.0)
        log.log(env.now, "energy", "price-shock-end", "electricity price back to normal")
