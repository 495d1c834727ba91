"""GPU generations: peak dense BF16 FLOP/s, board power and price, each from ``calibration.md`` §1."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["GpuSpec", "GPUS", "h100_equivalents"]


@dataclass(frozen=True)
class GpuSpec:
    """One GPU generation as the model sees it."""

    name: str
    peak_flops: float  #: dense BF16 FLOP/s
    power_w: float  #: board power (TDP)
    price_usd: float  #: price per GPU including its share of the server
    source: str


GPUS: dict[str, GpuSpec] = {
    "a100": GpuSpec("a100", 312e12, 400.0, 18_500.0,
                    "calibration.md §1: A100 SXM 400 W, 312 TFLOP/s; HGX A100 80 GB $18.5k/GPU incl. server"),
    "h100": GpuSpec("h100", 989e12, 700.0, 33_750.0,
                    "calibration.md §1: H100 SXM 700 W, 989 TFLOP/s; DGX H100 ≈$270k / 8 = $33.75k/GPU"),
    "h200": GpuSpec("h200", 989e12, 700.0, 31_000.0,
                    "calibration.md §1: H200 SXM 700 W, 989 TFLOP/s; $28–31k (2026)"),
    "b200": GpuSpec("b200", 2.25e15, 1000.0, 50_000.0,
                    "calibration.md §1: B200 HGX 1,000 W, 2.25 PFLOP/s; ≈$50k at launch"),
    "gh200": GpuSpec("gh200", 989e12, 1000.0, 42_000.0,
                     "calibration.md §1: GH200 989 TFLOP/s, up to 1,000 W; price not found, assumed as GB200 "
                     "NVL72 all-in ≈$42k/GPU"),
    "domestic": GpuSpec("domestic", 320e12, 600.0, 22_000.0,
                        "assumption: a domestic or alternative accelerator at about A100 level (calibration.md §2 "
                        "mentions Huawei Ascend): a third of an H100's FLOP/s, half its FLOP/s per watt and per "
                        "dollar"),
}


def h100_equivalents(kind: str, count: float) -> float:
    """GPUs counted as H100-equivalents by peak dense FLOP/s (as export caps count them)."""
    return count * GPUS[kind].peak_flops / GPUS["h100"].peak_flops
