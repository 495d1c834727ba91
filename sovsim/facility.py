"""An owned cluster as a facility: what it costs beyond the GPUs, and how a public buyer orders it.

- **capex split**: GPU servers are ``1 − networking − storage`` of a cluster's capital cost, so the price of
  an order is the servers' price divided by that share (:func:`facility_capex_factor`);
- **colocation**: the data-centre space and power capacity are rented per kW of IT load a month
  (:func:`colocation_usd_per_gpu_day`); electricity is billed apart, by the meter;
- **procurement**: a public tender of ``tender_months`` precedes the order; a deposit is paid at the order
  and the rest on delivery (:func:`deposit_fraction`).

Figures: ``calibration.md`` §11.
"""

from __future__ import annotations

from typing import Any

from sovsim.model.gpus import GPUS

__all__ = ["facility_capex_factor", "colocation_usd_per_gpu_day", "tender_days", "deposit_fraction"]

DAYS_PER_MONTH = 365.25 / 12.0


def facility_capex_factor(compute: Any) -> float:
    """Cluster capital cost per dollar of GPU servers: 1 / (1 − networking share − storage share)."""
    return 1.0 / (1.0 - compute.networking_capex_share - compute.storage_capex_share)


def colocation_usd_per_gpu_day(kind: str, compute: Any) -> float:
    """Colocation rent of one owned GPU's server, per day: its IT power (kW) × price per kW-month."""
    kw = GPUS[kind].power_w * compute.server_power_factor / 1000.0
    return kw * compute.colocation_usd_per_kw_month / DAYS_PER_MONTH


def tender_days(compute: Any) -> float:
    """Days of public tender before an order is placed."""
    return float(compute.tender_months) * DAYS_PER_MONTH


def deposit_fraction(compute: Any) -> float:
    """Share of an order's price paid when it is placed (the rest on delivery)."""
    return float(compute.deposit_fraction)
