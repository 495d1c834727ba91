"""GPU generations: peak dense BF16 FLOP/s, board power, price and the date each became available.

Each from ``calibration.md`` §1. A generation's price falls after the date it was quoted at
``PRICE_DECLINE_PER_YEAR``; a refresh buys the generation with the most FLOP/s per dollar among those
its maker sells on the order date (:func:`best_generation`), never one before its availability date.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

__all__ = ["GpuSpec", "GPUS", "h100_equivalents", "price_at", "available", "best_generation",
           "PRICE_DECLINE_PER_YEAR"]

#: Yearly fall of a generation's street price after its quote (calibration.md §7: price-performance of ML
#: hardware improves 1.3–1.4× a year; assumption: within a generation about half of that, ≈15%/yr).
PRICE_DECLINE_PER_YEAR = 0.15


@dataclass(frozen=True)
class GpuSpec:
    """One GPU generation as the model sees it."""

    name: str
    peak_flops: float  #: dense BF16 FLOP/s
    power_w: float  #: board power (TDP)
    price_usd: float  #: price per GPU including its share of the server
    source: str
    available: dt.date = dt.date(2020, 1, 1)  #: first volume shipments
    price_date: dt.date = dt.date(2024, 1, 1)  #: when ``price_usd`` was quoted


GPUS: dict[str, GpuSpec] = {
    "a100": GpuSpec("a100", 312e12, 400.0, 18_500.0,
                    "calibration.md §1: A100 SXM 400 W, 312 TFLOP/s; HGX A100 80 GB $18.5k/GPU incl. server",
                    dt.date(2020, 5, 14), dt.date(2022, 1, 1)),
    "h100": GpuSpec("h100", 989e12, 700.0, 33_750.0,
                    "calibration.md §1: H100 SXM 700 W, 989 TFLOP/s; DGX H100 ≈$270k / 8 = $33.75k/GPU; "
                    "calibration.md §1 H100: general availability in H2 2022", dt.date(2022, 10, 1),
                    dt.date(2024, 1, 1)),
    "h200": GpuSpec("h200", 989e12, 700.0, 31_000.0,
                    "calibration.md §1: H200 SXM 700 W, 989 TFLOP/s; $28–31k (2026); calibration.md §1 H200: "
                    "shipping from Q2 2024", dt.date(2024, 4, 1), dt.date(2026, 1, 1)),
    "b200": GpuSpec("b200", 2.25e15, 1000.0, 50_000.0,
                    "calibration.md §1: B200 HGX 1,000 W, 2.25 PFLOP/s; ≈$50k at launch; calibration.md §1 B200 / "
                    "GB200: volume in 2025", dt.date(2025, 1, 1), dt.date(2025, 1, 1)),
    "gh200": GpuSpec("gh200", 989e12, 1000.0, 42_000.0,
                     "calibration.md §1: GH200 989 TFLOP/s, up to 1,000 W; price not found, assumed as GB200 "
                     "NVL72 all-in ≈$42k/GPU", dt.date(2024, 2, 1), dt.date(2025, 1, 1)),
    "domestic": GpuSpec("domestic", 320e12, 600.0, 22_000.0,
                        "assumption: a domestic or alternative accelerator at about A100 level (calibration.md §2 "
                        "mentions Huawei Ascend): a third of an H100's FLOP/s, half its FLOP/s per watt and per "
                        "dollar", dt.date(2024, 1, 1), dt.date(2025, 1, 1)),
    "b300": GpuSpec("b300", 2.25e15, 1400.0, 54_000.0,
                    "calibration.md §1 B300 / GB300: shipping from H2 2025, up to 1,400 W, BF16 about as B200, "
                    "≈$51–56k per GPU all-in", dt.date(2025, 9, 1), dt.date(2025, 9, 1)),
    "rubin": GpuSpec("rubin", 5.0e15, 1800.0, 120_000.0,
                     "calibration.md §1 Rubin: shipments from autumn 2026, ≈$120k per GPU all-in; assumption: "
                     "dense BF16 about twice B300's at 1,800 W (not published)", dt.date(2026, 10, 1),
                     dt.date(2026, 10, 1)),
}


def h100_equivalents(kind: str, count: float) -> float:
    """GPUs counted as H100-equivalents by peak dense FLOP/s (as export caps count them)."""
    return count * GPUS[kind].peak_flops / GPUS["h100"].peak_flops


def price_at(kind: str, date: dt.date) -> float:
    """Price of one GPU of ``kind`` on ``date``: the quote, falling after its date."""
    spec = GPUS[kind]
    years = max(0.0, (date - spec.price_date).days / 365.25)
    return spec.price_usd * (1.0 - PRICE_DECLINE_PER_YEAR) ** years


def available(kind: str, date: dt.date) -> bool:
    return GPUS[kind].available <= date


def best_generation(kinds: tuple[str, ...], date: dt.date) -> str | None:
    """Of ``kinds`` (what a maker sells), the one available on ``date`` with the most FLOP/s per dollar."""
    on_sale = [k for k in kinds if available(k, date)]
    if not on_sale:
        return None
    return max(on_sale, key=lambda k: (GPUS[k].peak_flops / price_at(k, date), k))
