"""Reliability kernel: a training run interrupted by failures, losing work since its last checkpoint.

Failures of a job on ``gpus`` GPUs arrive as one Poisson stream (rate = gpus × rate per GPU); the caller
draws the gaps between failures (hours of running since the last restart) and passes them in, so the
kernel stays pure. The run works in segments of ``checkpoint_h`` hours of work, each followed by a
checkpoint that takes ``write_h``; a failure loses the work since the last completed checkpoint and costs
``restart_h``. The run ends when its work (hours of uninterrupted computing) is done. With no checkpoint
cost this is the classic model behind Young/Daly: waste ≈ write/τ + τ/(2·MTBF) + restart/MTBF.
"""

from __future__ import annotations

import math

import numba
import numpy as np

__all__ = ["interrupted_run", "interrupted_run_python", "interrupted_runs", "young_daly_interval_h"]


@numba.njit(cache=True)
def interrupted_run(work_h: float, gaps_h: np.ndarray, checkpoint_h: float, restart_h: float,
                    write_h: float = 0.0) -> tuple[float, int, int]:  # pragma: no cover - compiled
    """(wall-clock hours, interruptions, gaps used); gaps used = len(gaps_h) + 1 means more gaps are needed."""
    done = 0.0
    wall = 0.0
    interruptions = 0
    for k in range(gaps_h.shape[0]):
        g = gaps_h[k]
        left = work_h - done
        checkpoints = max(0.0, np.ceil(left / checkpoint_h) - 1.0)
        finish = left + checkpoints * write_h
        if g >= finish:
            return wall + finish, interruptions, k + 1
        done += np.floor(g / (checkpoint_h + write_h)) * checkpoint_h
        wall += g + restart_h
        interruptions += 1
    return wall, interruptions, gaps_h.shape[0] + 1


@numba.njit(cache=True, parallel=True)
def interrupted_runs(work_h: float, gaps_h: np.ndarray, checkpoint_h: float, restart_h: float,
                     write_h: float = 0.0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:  # pragma: no cover
    """Many independent runs at once: one row of ``gaps_h`` per run."""
    runs = gaps_h.shape[0]
    wall = np.zeros(runs)
    interruptions = np.zeros(runs, dtype=np.int64)
    used = np.zeros(runs, dtype=np.int64)
    for r in numba.prange(runs):
        wall[r], interruptions[r], used[r] = interrupted_run(work_h, gaps_h[r], checkpoint_h, restart_h, write_h)
    return wall, interruptions, used


def interrupted_run_python(work_h: float, gaps_h: list[float], checkpoint_h: float, restart_h: float,
                           write_h: float = 0.0) -> tuple[float, int, int]:
    """Plain-Python twin of :func:`interrupted_run`."""
    done = wall = 0.0
    interruptions = 0
    for k, g in enumerate(gaps_h):
        left = work_h - done
        finish = left + max(0.0, math.ceil(left / checkpoint_h) - 1.0) * write_h
        if g >= finish:
            return wall + finish, interruptions, k + 1
        done += math.floor(g / (checkpoint_h + write_h)) * checkpoint_h
        wall += g + restart_h
        interruptions += 1
    return wall, interruptions, len(gaps_h) + 1


def young_daly_interval_h(write_h: float, mtbf_h: float) -> float:
    """Young/Daly first-order optimal checkpoint interval √(2·δ·MTBF)."""
    return math.sqrt(2.0 * write_h * mtbf_h)
