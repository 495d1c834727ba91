"""Reliability kernel: a training run interrupted by failures, losing work since its last checkpoint.

Failures of a job on ``gpus`` GPUs arrive as one Poisson stream (rate = gpus × rate per GPU); the caller
draws the gaps between failures (in hours of running) and passes them in, so the kernel stays pure. A
failure loses the progress made since the last checkpoint and costs a restart. The run ends when its
work (hours of uninterrupted running) is done.
"""

from __future__ import annotations

import math

import numba
import numpy as np

__all__ = ["interrupted_run", "interrupted_run_python", "interrupted_runs"]


@numba.njit(cache=True)
def interrupted_run(work_h: float, gaps_h: np.ndarray, checkpoint_h: float,
                    restart_h: float) -> tuple[float, int, int]:  # pragma: no cover - compiled
    """(wall-clock hours, interruptions, gaps used); gaps used = len(gaps_h) + 1 means more gaps are needed."""
    done = 0.0
    wall = 0.0
    interruptions = 0
    for k in range(gaps_h.shape[0]):
        g = gaps_h[k]
        if done + g >= work_h:
            wall += work_h - done
            return wall, interruptions, k + 1
        reached = done + g
        kept = np.floor(reached / checkpoint_h) * checkpoint_h if checkpoint_h > 0 else 0.0
        wall += g + restart_h
        interruptions += 1
        if kept > done:
            done = kept
    return wall, interruptions, gaps_h.shape[0] + 1


@numba.njit(cache=True, parallel=True)
def interrupted_runs(work_h: float, gaps_h: np.ndarray, checkpoint_h: float,
                     restart_h: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:  # pragma: no cover
    """Many independent runs at once: one row of ``gaps_h`` per run."""
    runs = gaps_h.shape[0]
    wall = np.zeros(runs)
    interruptions = np.zeros(runs, dtype=np.int64)
    used = np.zeros(runs, dtype=np.int64)
    for r in numba.prange(runs):
        wall[r], interruptions[r], used[r] = interrupted_run(work_h, gaps_h[r], checkpoint_h, restart_h)
    return wall, interruptions, used


def interrupted_run_python(work_h: float, gaps_h: list[float], checkpoint_h: float,
                           restart_h: float) -> tuple[float, int, int]:
    """Plain-Python twin of :func:`interrupted_run`."""
    done = wall = 0.0
    interruptions = 0
    for k, g in enumerate(gaps_h):
        if done + g >= work_h:
            return wall + work_h - done, interruptions, k + 1
        reached = done + g
        kept = math.floor(reached / checkpoint_h) * checkpoint_h if checkpoint_h > 0 else 0.0
        wall += g + restart_h
        interruptions += 1
        done = max(done, kept)
    return wall, interruptions, len(gaps_h) + 1
