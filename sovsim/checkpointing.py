"""Checkpoint plans that scale with the run: write time from the checkpoint's size, interval by Young/Daly.

A checkpoint holds the weights and the optimizer state, ``bytes_per_param`` bytes per parameter (BF16
weights, FP32 master weights and Adam's two moments). It is written in parallel by every GPU, so it takes
``checkpoint bytes / (GPUs × storage bandwidth per GPU)``. Failures of the job arrive at ``GPUs × rate``; the
interval that minimises waste is Young/Daly's ``√(2 · write · MTBF)``. A scenario or an estimate may fix either
value instead (a positive ``checkpoint_hours`` or ``checkpoint_write_minutes``). Figures: ``calibration.md`` §11.
"""

from __future__ import annotations

import math
from typing import NamedTuple

from sovsim.kernels.reliability import young_daly_interval_h

__all__ = ["Plan", "plan", "CHECKPOINT_BYTES_PER_PARAM"]

CHECKPOINT_BYTES_PER_PARAM = 14.0  #: BF16 weights (2) + FP32 master weights (4) + Adam moments (2 × 4)
HOURS_PER_YEAR = 365.25 * 24.0


class Plan(NamedTuple):
    """How a run checkpoints: hours of work between checkpoints, hours each write stalls, hours per restart."""

    checkpoint_h: float
    write_h: float
    restart_h: float


def plan(params: float, gpus: int, failures_per_gpu_year: float, storage_bytes_per_s_per_gpu: float,
         restart_minutes: float, checkpoint_hours: float = 0.0, checkpoint_write_minutes: float = 0.0) -> Plan:
    """The checkpoint plan of a run of a ``params`` model on ``gpus`` GPUs (0 for a value: derive it)."""
    if checkpoint_write_minutes > 0:
        write_h = checkpoint_write_minutes / 60.0
    else:
        write_h = params * CHECKPOINT_BYTES_PER_PARAM / (max(1, gpus) * storage_bytes_per_s_per_gpu) / 3600.0
    if checkpoint_hours > 0:
        interval_h = checkpoint_hours
    else:
        rate_per_h = max(1, gpus) * failures_per_gpu_year / HOURS_PER_YEAR
        mtbf_h = 1.0 / rate_per_h if rate_per_h > 0 else math.inf
        # with no failures, checkpoint once a day (nothing to lose); never more often than a write takes
        interval_h = 24.0 if math.isinf(mtbf_h) else min(24.0, young_daly_interval_h(write_h, mtbf_h))
        interval_h = max(interval_h, write_h, 1.0 / 60.0)
    return Plan(interval_h, write_h, restart_minutes / 60.0)
