"""Accounting kernels: integrate a ledger of fleet states against hourly price and carbon profiles.

A ledger is a list of segments: row ``i`` holds from ``time_h[i]`` to ``time_h[i + 1]`` (the last to
``end_h``), with owned GPUs per generation, rented GPUs, training and serving utilisation and a price
multiplier. Profiles come as hourly values with their prefix sums, so the integral over any interval is two
look-ups: work grows with the number of segments, not with the hours they cover.

Per segment: ``draw = idle + (active - idle) * min(1, training + serving)`` (share of server TDP),
``kW = Σ_g gpus[g] * power_w[g] * server_factor * pue * draw / 1000``; energy is ``kW * hours``, cost is
``kW * price_scale * multiplier * ∫price``, carbon ``kW * carbon_scale * ∫carbon / 1000`` (kg).

Three implementations agree to 1e-9 (tests): the numba kernels (``integrate``, ``integrate_batch``), the
NumPy reference twins (``*_numpy``) and a plain-Python loop (``integrate_python``), which the monthly bill
uses for the few segments of one month. Outputs are arrays ``[gpu_hours, rented_gpu_hours, kwh, usd,
kg_co2]`` (``OUTPUTS``).
"""

from __future__ import annotations

import numba
import numpy as np

__all__ = ["OUTPUTS", "integrate", "integrate_numpy", "integrate_python", "integrate_batch",
           "integrate_batch_numpy", "prefix_sum", "warm"]

OUTPUTS = ("gpu_hours", "rented_gpu_hours", "kwh", "usd", "kg_co2")


def prefix_sum(hourly: np.ndarray) -> np.ndarray:
    """``cum[k]`` = sum of the first ``k`` hourly values (``cum[0] = 0``)."""
    cum = np.zeros(len(hourly) + 1)
    np.cumsum(hourly, out=cum[1:])
    return cum


@numba.njit(cache=True, inline="always")
def _cum_at(shape: np.ndarray, cum: np.ndarray, x: float) -> float:
    """Integral of the hourly profile from hour 0 to hour ``x`` (piecewise constant within each hour)."""
    n = shape.shape[0]
    if x <= 0.0:
        return 0.0
    if x >= n:
        return float(cum[n])
    k = int(x)
    return float(cum[k] + (x - k) * shape[k])


@numba.njit(cache=True)
def integrate(time_h: np.ndarray, end_h: float, gpus: np.ndarray, power_w: np.ndarray, train: np.ndarray,
              serve: np.ndarray, multiplier: np.ndarray, rented: np.ndarray, server_factor: float, pue: float,
              idle: float, active: float, price_shape: np.ndarray, price_cum: np.ndarray,
              carbon_shape: np.ndarray, carbon_cum: np.ndarray, price_scale: float,
              carbon_scale: float) -> np.ndarray:  # pragma: no cover - compiled
    """Totals of one ledger over ``[time_h[0], end_h)``: see the module docstring."""
    out = np.zeros(5)
    n = time_h.shape[0]
    for i in range(n):
        a = time_h[i]
        b = time_h[i + 1] if i + 1 < n else end_h
        if b > end_h:
            b = end_h
        if b <= a:
            continue
        hours = b - a
        busy = train[i] + serve[i]
        if busy > 1.0:
            busy = 1.0
        draw = idle + (active - idle) * busy
        watts = 0.0
        count = 0.0
        for g in range(gpus.shape[1]):
            watts += gpus[i, g] * power_w[g]
            count += gpus[i, g]
        kw = watts * server_factor * pue * draw / 1000.0
        out[0] += count * hours
        out[1] += rented[i] * hours
        out[2] += kw * hours
        out[3] += kw * price_scale * multiplier[i] * (_cum_at(price_shape, price_cum, b)
                                                      - _cum_at(price_shape, price_cum, a))
        out[4] += kw * carbon_scale * (_cum_at(carbon_shape, carbon_cum, b)
                                       - _cum_at(carbon_shape, carbon_cum, a)) / 1000.0
    return out


@numba.njit(cache=True, parallel=True)
def integrate_batch(offsets: np.ndarray, time_h: np.ndarray, end_h: np.ndarray, gpus: np.ndarray,
                    power_w: np.ndarray, train: np.ndarray, serve: np.ndarray, multiplier: np.ndarray,
                    rented: np.ndarray, server_factor: np.ndarray, pue: np.ndarray, idle: np.ndarray,
                    active: np.ndarray, price_shape: np.ndarray, price_cum: np.ndarray, carbon_shape: np.ndarray,
                    carbon_cum: np.ndarray, price_scale: np.ndarray,
                    carbon_scale: np.ndarray) -> np.ndarray:  # pragma: no cover - compiled
    """Totals of many ledgers at once, in parallel over futures.

    Future ``f`` owns rows ``offsets[f]:offsets[f + 1]`` and its own scalars; ``power_w`` is
    (futures × generations).
    """
    futures = offsets.shape[0] - 1
    out = np.zeros((futures, 5))
    for f in numba.prange(futures):
        lo, hi = offsets[f], offsets[f + 1]
        out[f] = integrate(time_h[lo:hi], end_h[f], gpus[lo:hi], power_w[f], train[lo:hi], serve[lo:hi],
                           multiplier[lo:hi], rented[lo:hi], server_factor[f], pue[f], idle[f], active[f],
                           price_shape, price_cum, carbon_shape, carbon_cum, price_scale[f], carbon_scale[f])
    return out


def _cum_at_numpy(shape: np.ndarray, cum: np.ndarray, x: np.ndarray) -> np.ndarray:
    n = shape.shape[0]
    x = np.clip(x, 0.0, float(n))
    k = np.minimum(x.astype(np.int64), n - 1)
    return np.where(x >= n, cum[n], cum[k] + (x - k) * shape[k])


def integrate_numpy(time_h: np.ndarray, end_h: float, gpus: np.ndarray, power_w: np.ndarray, train: np.ndarray,
                    serve: np.ndarray, multiplier: np.ndarray, rented: np.ndarray, server_factor: float, pue: float,
                    idle: float, active: float, price_shape: np.ndarray, price_cum: np.ndarray,
                    carbon_shape: np.ndarray, carbon_cum: np.ndarray, price_scale: float,
                    carbon_scale: float) -> np.ndarray:
    """NumPy reference twin of :func:`integrate` (vectorised over segments)."""
    a = np.asarray(time_h, dtype=float)
    b = np.minimum(np.append(a[1:], end_h), end_h)
    live = b > a
    a, b = a[live], b[live]
    hours = b - a
    draw = idle + (active - idle) * np.minimum(1.0, train[live] + serve[live])
    watts = gpus[live] @ power_w
    kw = watts * server_factor * pue * draw / 1000.0
    price = _cum_at_numpy(price_shape, price_cum, b) - _cum_at_numpy(price_shape, price_cum, a)
    carbon = _cum_at_numpy(carbon_shape, carbon_cum, b) - _cum_at_numpy(carbon_shape, carbon_cum, a)
    return np.array([(gpus[live].sum(axis=1) * hours).sum(), (rented[live] * hours).sum(), (kw * hours).sum(),
                     (kw * price_scale * multiplier[live] * price).sum(), (kw * carbon_scale * carbon).sum() / 1000.0])


def integrate_batch_numpy(offsets: np.ndarray, time_h: np.ndarray, end_h: np.ndarray, gpus: np.ndarray,
                          power_w: np.ndarray, train: np.ndarray, serve: np.ndarray, multiplier: np.ndarray,
                          rented: np.ndarray, server_factor: np.ndarray, pue: np.ndarray, idle: np.ndarray,
                          active: np.ndarray, price_shape: np.ndarray, price_cum: np.ndarray,
                          carbon_shape: np.ndarray, carbon_cum: np.ndarray, price_scale: np.ndarray,
                          carbon_scale: np.ndarray) -> np.ndarray:
    """NumPy reference twin of :func:`integrate_batch`, vectorised over all segments of all futures."""
    futures = len(offsets) - 1
    owner = np.repeat(np.arange(futures), np.diff(offsets))
    nxt = np.append(time_h[1:], 0.0)
    last = np.zeros(len(time_h), dtype=bool)
    last[offsets[1:] - 1] = True
    a = time_h.astype(float)
    b = np.minimum(np.where(last, end_h[owner], nxt), end_h[owner])
    hours = np.maximum(b - a, 0.0)
    b = np.maximum(a, b)
    draw = idle[owner] + (active[owner] - idle[owner]) * np.minimum(1.0, train + serve)
    watts = np.einsum("ig,ig->i", gpus, power_w[owner])
    kw = watts * server_factor[owner] * pue[owner] * draw / 1000.0
    price = _cum_at_numpy(price_shape, price_cum, b) - _cum_at_numpy(price_shape, price_cum, a)
    carbon = _cum_at_numpy(carbon_shape, carbon_cum, b) - _cum_at_numpy(carbon_shape, carbon_cum, a)
    columns = [gpus.sum(axis=1) * hours, rented * hours, kw * hours, kw * price_scale[owner] * multiplier * price,
               kw * carbon_scale[owner] * carbon / 1000.0]
    out = np.zeros((futures, 5))
    for j, column in enumerate(columns):
        np.add.at(out[:, j], owner, column)
    return out


def _cum_at_python(shape: np.ndarray, cum: np.ndarray, x: float) -> float:
    n = len(shape)
    if x <= 0.0:
        return 0.0
    if x >= n:
        return float(cum[n])
    k = int(x)
    return float(cum[k] + (x - k) * shape[k])


def integrate_python(time_h: list[float], end_h: float, gpus: list[list[float]], power_w: list[float],
                     train: list[float], serve: list[float], multiplier: list[float], rented: list[float],
                     server_factor: float, pue: float, idle: float, active: float, price_shape: np.ndarray,
                     price_cum: np.ndarray, carbon_shape: np.ndarray, carbon_cum: np.ndarray, price_scale: float,
                     carbon_scale: float) -> list[float]:
    """Plain-Python twin of :func:`integrate`, for a handful of segments (the monthly bill)."""
    out = [0.0, 0.0, 0.0, 0.0, 0.0]
    n = len(time_h)
    for i in range(n):
        a = time_h[i]
        b = min(time_h[i + 1] if i + 1 < n else end_h, end_h)
        if b <= a:
            continue
        hours = b - a
        draw = idle + (active - idle) * min(1.0, train[i] + serve[i])
        row = gpus[i]
        kw = sum(c * w for c, w in zip(row, power_w)) * server_factor * pue * draw / 1000.0
        out[0] += sum(row) * hours
        out[1] += rented[i] * hours
        out[2] += kw * hours
        out[3] += kw * price_scale * multiplier[i] * (_cum_at_python(price_shape, price_cum, b)
                                                      - _cum_at_python(price_shape, price_cum, a))
        out[4] += kw * carbon_scale * (_cum_at_python(carbon_shape, carbon_cum, b)
                                       - _cum_at_python(carbon_shape, carbon_cum, a)) / 1000.0
    return out


def warm() -> None:
    """Compile (or load from the on-disk cache) every kernel; call once before forking workers."""
    t = np.array([0.0, 1.0])
    g = np.ones((2, 1))
    z = np.zeros(2)
    one = np.ones(2)
    shape = np.ones(4)
    cum = prefix_sum(shape)
    integrate(t, 2.0, g, np.ones(1), z, z, one, z, 1.0, 1.0, 0.0, 1.0, shape, cum, shape, cum, 1.0, 1.0)
    integrate_batch(np.array([0, 2]), t, np.array([2.0]), g, np.ones((1, 1)), z, z, one, z, np.ones(1),
                    np.ones(1), np.zeros(1), np.ones(1), shape, cum, shape, cum, np.ones(1), np.ones(1))
