"""Lifecycle: release cycles of the national model — data preparation, training, evaluation, release.

A training run needs 6·N·D FLOPs at the run's MFU on the GPUs it gets. A ``scratch`` model's capability is
its own effective compute; a ``continue`` or ``finetune`` model inherits the best open weights available
when its cycle started and adds its own compute on top.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from sovsim.model.records import DAYS_PER_MONTH, EventLog

if TYPE_CHECKING:
    from sovsim.model.compute import Fleet
    from sovsim.model.frontier import Curve
    from sovsim.model.workforce import Team
    from sovsim.scenario.schema import ModelPlan

__all__ = ["Programme", "lifecycle", "training_flops"]


class Programme:
    """The national model: its releases and the stage of the cycle in progress."""

    def __init__(self) -> None:
        self.stage = "data"
        self.cycle = 0
        self.cycle_start_days = 0.0
        self.releases: list[tuple[float, float]] = []  #: (time_days, capability log10)
        self.release_events: list[int] = []
        self.national_log10 = math.nan
        self.training_gpu_hours = 0.0
        self.prep_capacity = 1.0  #: mean team capacity during the latest data preparation

    def release(self, now: float, capability_log10: float, event: int) -> None:
        self.releases.append((now, capability_log10))
        self.release_events.append(event)
        self.national_log10 = capability_log10


def training_flops(params: ModelPlan) -> float:
    """FLOPs of one cycle's training run: 6 · parameters · tokens of the chosen strategy."""
    tokens = {"scratch": params.scratch_tokens, "continue": params.continue_tokens,
              "finetune": params.finetune_tokens}[params.strategy]
    return 6.0 * params.parameter_count * tokens


def lifecycle(env: Any, programme: Programme, team: Team, fleet: Fleet, curve: Curve, params: ModelPlan,
              log: EventLog, on_release: Callable[[float], None]) -> Any:
    """Runs release cycles back to back at the chosen cadence, each as fast as staff and GPUs allow."""
    interval_days = params.release_interval_months * DAYS_PER_MONTH
    flops = training_flops(params)
    while True:
        programme.cycle += 1
        start = programme.cycle_start_days = env.now
        base_log10 = curve.open_log10(start)
        programme.stage = "data"
        remaining = params.data_prep_days
        while remaining > 1e-9:
            capacity = team.capacity_fraction(env.now)
            if capacity <= 0:
                yield env.timeout(DAYS_PER_MONTH)
                continue
            step = min(DAYS_PER_MONTH, remaining / capacity)
            yield env.timeout(step)
            remaining -= step * capacity
        elapsed = env.now - start
        programme.prep_capacity = params.data_prep_days / elapsed if elapsed > 0 else 1.0
        programme.stage = "training"
        gpus = fleet.training_gpus(params.training_share)
        while gpus <= 0:
            yield env.timeout(DAYS_PER_MONTH)
            gpus = fleet.training_gpus(params.training_share)
        run_start = env.now
        days = flops / (gpus * fleet.peak_flops * params.mfu) / 86400.0
        log.log(env.now, "lifecycle", "run-start",
                f"cycle {programme.cycle}: training run of {flops:.2e} FLOP on {gpus:,} GPUs ({days:.0f} days)")
        fleet.start_training(env.now, gpus)
        yield env.timeout(days)
        fleet.stop_training(env.now)
        programme.training_gpu_hours += gpus * days * 24.0
        programme.stage = "evaluation"
        yield env.timeout(params.eval_days)
        own = math.log10(flops) + curve.algo_log10(run_start)
        capability = own if params.strategy == "scratch" else math.log10(10.0**base_log10 + 10.0**own)
        event = log.log(env.now, "lifecycle", "release",
                        f"release {len(programme.releases) + 1} ({params.strategy}): capability "
                        f"{capability:.2f} vs open weights {curve.open_log10(env.now):.2f}", key=True)
        programme.release(env.now, capability, event)
        on_release(env.now)
        programme.stage = "waiting"
        next_start = start + interval_days
        if next_start > env.now:
            yield env.timeout(next_start - env.now)
