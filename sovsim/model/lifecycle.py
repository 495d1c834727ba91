"""Lifecycle: release cycles of the national model — data preparation, training, evaluation, release.

A training run needs 6·N·D FLOPs at the run's MFU on the GPUs it gets. The run is planned when its GPUs
are there (:mod:`sovsim.model.builder`): a ``continue`` or ``finetune`` model builds on the best open
release that exists and is licensed on that day (the team picks its base then, not when data preparation
began or while it waited for GPUs); its capability, general and local, comes from the base, the own
tokens and the local corpus (:mod:`sovsim.model.capability`). At the start of each cycle the programme
may pivot to another strategy on the triggers it declared.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np
import simpy

from sovsim import checkpointing
from sovsim.kernels.reliability import interrupted_run
from sovsim.model.gpus import GPUS
from sovsim.model.records import DAYS_PER_MONTH, EventLog

if TYPE_CHECKING:
    from sovsim.model.builder import Builder
    from sovsim.model.compute import Fleet
    from sovsim.model.workforce import Team
    from sovsim.scenario.schema import Compute, ModelPlan

__all__ = ["Programme", "lifecycle", "training_flops"]


class Programme:
    """The national model: its releases and the stage of the cycle in progress."""

    def __init__(self) -> None:
        self.stage = "data"
        self.cycle = 0
        self.cycle_start_days = 0.0
        self.releases: list[tuple[float, float]] = []  #: (time_days, general capability log10)
        self.release_events: list[int] = []
        self.national_log10 = math.nan  #: general capability of the latest release, log10 effective FLOP
        self.national_local_log10 = math.nan  #: its capability in the country's languages, same unit
        self.base_name = ""  #: the open base of the latest release ("" from scratch)
        self.training_gpu_hours = 0.0
        self.work_hours = 0.0  #: hours of uninterrupted running the runs needed
        self.wall_hours = 0.0  #: hours the runs took
        self.interruptions = 0
        self.running = False  #: a training run is in progress
        self.prep_capacity = 1.0  #: mean team capacity during the latest data preparation
        self.run_began_days = 0.0  #: when the latest training run first had GPUs to run on
        #: governance: days a release waits for approval, given (now, training FLOP) (governance.py)
        self.release_gate: Callable[[float, float], float] = lambda now, flops: 0.0

    def add_run(self, gpu_hours: float, work_h: float, wall_h: float, interruptions: int) -> None:
        self.training_gpu_hours += gpu_hours
        self.work_hours += work_h
        self.wall_hours += wall_h
        self.interruptions += interruptions

    @property
    def goodput(self) -> float | None:
        """Useful share of the runs' wall-clock time; None before any run."""
        return self.work_hours / self.wall_hours if self.wall_hours > 0 else None

    def release(self, now: float, capability_log10: float, event: int, local_log10: float = math.nan) -> None:
        self.releases.append((now, capability_log10))
        self.release_events.append(event)
        self.national_log10 = capability_log10
        self.national_local_log10 = capability_log10 if math.isnan(local_log10) else local_log10


def training_flops(params: ModelPlan) -> float:
    """FLOPs of one cycle's training run: 6 · parameters · tokens of the chosen strategy."""
    tokens = {"scratch": params.scratch_tokens, "continue": params.continue_tokens,
              "finetune": params.finetune_tokens}[params.strategy]
    return 6.0 * params.parameter_count * tokens


def lifecycle(env: Any, programme: Programme, team: Team, fleet: Fleet, builder: Builder, params: ModelPlan,
              compute: Compute, rng: np.random.Generator, log: EventLog, on_release: Callable[[float], None],
              horizon_days: float = math.inf, cuts: Callable[[], int] = lambda: 0) -> Any:
    """Runs release cycles back to back at the chosen cadence, each as fast as staff and GPUs allow."""
    interval_days = params.release_interval_months * DAYS_PER_MONTH
    cuts_seen = cuts()
    while True:
        programme.cycle += 1
        start = programme.cycle_start_days = env.now
        last_days = programme.releases[-1][0] if programme.releases else math.nan
        pivot = builder.review(env.now, programme.national_local_log10, last_days, cuts() > cuts_seen)
        cuts_seen = cuts()
        if pivot is not None:
            log.log(env.now, "lifecycle", "pivot", f"pivot {pivot}", key=True)
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
        plan = None
        while plan is None:
            gpus = fleet.capacity(env.now, params.training_share)
            if gpus:
                plan = builder.plan(env.now, _flops_per_hour(gpus, params.mfu))
                if plan is None and "supply_stop" in params.pivot_on:
                    builder.strategy = "scratch"
                    builder.pivots.append((env.now, params.strategy, "scratch", "no usable open base"))
                    log.log(env.now, "lifecycle", "pivot", f"pivot {builder.pivots[-1][1]} → scratch: no usable "
                                                           "open base exists", key=True)
                    continue
            if plan is None:
                yield env.timeout(DAYS_PER_MONTH)
        yield from training_run(env, programme, fleet, plan.flops, params, compute, rng, log, horizon_days)
        builder.last_base = plan.base
        programme.stage = "evaluation"
        yield env.timeout(params.eval_days)
        gate_days = programme.release_gate(env.now, plan.flops)
        if gate_days > 0:
            programme.stage = "approval"
            yield env.timeout(gate_days)
        alternative = builder.alternative_local(env.now)
        on = f" on {plan.base.name}" if plan.base is not None else ""
        event = log.log(env.now, "lifecycle", "release",
                        f"release {len(programme.releases) + 1} ({plan.strategy}{on}, {plan.parameters / 1e9:g}B, "
                        f"{plan.tokens:.2g} tokens): general {plan.general_log10:.2f}, local "
                        f"{plan.local_log10:.2f} vs the alternative's local {alternative:.2f} "
                        f"({(plan.local_log10 - alternative) / max(1e-9, builder.curve.trend_log10_per_month):+.1f} "
                        "months of frontier progress)", key=True)
        programme.base_name = plan.base.name if plan.base is not None else ""
        programme.release(env.now, plan.general_log10, event, plan.local_log10)
        on_release(env.now)
        programme.stage = "waiting"
        next_start = start + interval_days
        if next_start > env.now:
            yield env.timeout(next_start - env.now)


def training_run(env: Any, programme: Programme, fleet: Fleet, flops: float, params: ModelPlan, compute: Compute,
                 rng: np.random.Generator, log: EventLog, horizon_days: float = math.inf) -> Any:
    """A run of ``flops`` on whatever GPUs the fleet offers, interrupted by failures.

    Its wall-clock length comes from the reliability kernel, fed with failure gaps drawn from the run's
    stream: each failure loses the work since the last checkpoint and costs a restart. If the run loses its
    capacity (a revoked contract, a retired fleet) it keeps its last checkpoint and waits for compute.
    """
    left = flops
    began_any = False
    while left > 0:
        gpus = fleet.capacity(env.now, params.training_share)
        while not gpus:
            yield env.timeout(DAYS_PER_MONTH)
            gpus = fleet.capacity(env.now, params.training_share)
        if not began_any:
            programme.run_began_days, began_any = env.now, True
        count = sum(gpus.values())
        flops_per_hour = _flops_per_hour(gpus, params.mfu)
        work_h = left / flops_per_hour
        ckpt = checkpointing.plan(params.parameter_count, count, compute.failures_per_gpu_year,
                                  compute.storage_bytes_per_s_per_gpu, compute.restart_minutes,
                                  compute.checkpoint_hours, compute.checkpoint_write_minutes)
        wall_h, interruptions = _interrupted(work_h, count, compute, ckpt, rng, (horizon_days - env.now) * 24.0)
        owned = fleet.owned_up(env.now)
        used_owned = sum(min(n, gpus.get(k, 0)) for k, n in owned.items())
        fleet.set_training(env.now, used_owned / max(1, sum(owned.values())), count - used_owned)
        log.log(env.now, "lifecycle", "run-start",
                f"cycle {programme.cycle}: training run of {left:.2e} FLOP on {count:,} GPUs "
                f"({wall_h / 24:.0f} days, {interruptions} interruptions)")
        began = env.now
        programme.running = True
        lost = False
        try:
            yield env.timeout(wall_h / 24.0)
        except simpy.Interrupt:
            ran_h = (env.now - began) * 24.0
            progress_h = min(ran_h, work_h * min(1.0, ran_h / wall_h))  # never more work than hours run
            kept_h = math.floor(progress_h / ckpt.checkpoint_h) * ckpt.checkpoint_h
            left -= kept_h * flops_per_hour
            programme.add_run(count * ran_h, kept_h, ran_h, round(interruptions * ran_h / wall_h))
            log.log(env.now, "lifecycle", "run-lost", f"cycle {programme.cycle}: run lost its GPUs; "
                                                      f"{kept_h / work_h:.0%} checkpointed", key=True)
            lost = True
        finally:
            programme.running = False
            fleet.set_training(env.now, 0.0, 0)
        if lost:  # the run starts again on the GPUs left (what was checkpointed is kept)
            continue
        programme.add_run(count * wall_h, work_h, wall_h, interruptions)
        left = 0.0


def _flops_per_hour(gpus: dict[str, int], mfu: float) -> float:
    return sum(n * GPUS[k].peak_flops for k, n in gpus.items()) * mfu * 3600.0


MAX_GAPS = 1_000_000  #: failure gaps drawn for one run at most (8 MB)


def _interrupted(work_h: float, gpus: int, compute: Compute, ckpt: checkpointing.Plan, rng: np.random.Generator,
                 limit_h: float = math.inf) -> tuple[float, int]:
    """(wall-clock hours, interruptions) of ``work_h`` hours of work on ``gpus`` GPUs.

    A run still unfinished after ``limit_h`` hours (the rest of the future) is not followed further: it
    comes back as lasting just past the limit, so a run that can never finish (failures faster than its
    checkpoints, or work far beyond the horizon) costs bounded memory and time.
    """
    per_hour = gpus * compute.failures_per_gpu_year / (365.25 * 24.0)
    if per_hour <= 0:
        return work_h, 0
    width = int(min(per_hour * min(work_h, limit_h) * 2 + 16, MAX_GAPS))
    while True:
        gaps = rng.exponential(1.0 / per_hour, size=width)
        wall_h, interruptions, used = interrupted_run(work_h, gaps, ckpt.checkpoint_h, ckpt.restart_h,
                                                      ckpt.write_h)
        if used <= width:
            return wall_h, interruptions
        if wall_h >= limit_h or width >= MAX_GAPS:
            return max(wall_h, limit_h) + 1.0, interruptions
        width = min(width * 4, MAX_GAPS)
