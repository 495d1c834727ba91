"""Ledger: every change of fleet and utilisation, as growable typed NumPy arrays.

Row ``i`` is the state from ``time_days[i]`` until the next row. Columns:

- ``time_days`` (float64): when the state began, days since the start date;
- ``gpus`` (float64, rows × generations): active owned GPUs of each generation;
- ``rented`` (float64): rented GPUs (their energy is in the rent, not on the bill);
- ``train`` (float64): share of the owned fleet busy training;
- ``serve`` (float64): share of the owned fleet busy serving;
- ``multiplier`` (float64): electricity price multiplier (1 outside price shocks).

Two changes at the same time make one row. The accounting kernels integrate these segments against the
hourly price and carbon profiles.
"""

from __future__ import annotations

import bisect

import numpy as np

__all__ = ["Ledger", "LEDGER_COLUMNS"]

LEDGER_COLUMNS = ("time_days", "gpus", "rented", "train", "serve", "multiplier")


class Ledger:
    """Growable arrays of fleet and utilisation states (capacity doubles when full)."""

    def __init__(self, generations: int = 1, capacity: int = 32) -> None:
        self.generations = generations
        self.n = 0
        self.time_days = np.zeros(capacity)
        self.gpus = np.zeros((capacity, generations))
        self.rented = np.zeros(capacity)
        self.train = np.zeros(capacity)
        self.serve = np.zeros(capacity)
        self.multiplier = np.ones(capacity)
        self.times: list[float] = []  #: ``time_days`` of the rows, as a list for bisection
        #: (gpus per generation, rented, train, serve, multiplier) of each row, as plain tuples for scalar reads
        self.states: list[tuple[tuple[float, ...], float, float, float, float]] = []
        self.version = 0  #: bumped on every change
        self._gpus = [0.0] * generations
        self._scalars = {"rented": 0.0, "train": 0.0, "serve": 0.0, "multiplier": 1.0}
        self.set(0.0)

    def _grow(self) -> None:
        cap = 2 * len(self.time_days)
        for name in ("time_days", "rented", "train", "serve", "multiplier"):
            old = getattr(self, name)
            new = np.ones(cap) if name == "multiplier" else np.zeros(cap)
            new[: self.n] = old[: self.n]
            setattr(self, name, new)
        gpus = np.zeros((cap, self.generations))
        gpus[: self.n] = self.gpus[: self.n]
        self.gpus = gpus

    def set(self, time_days: float, *, gpus: tuple[int, float] | None = None, rented: float | None = None,
            train: float | None = None, serve: float | None = None, multiplier: float | None = None) -> None:
        """Change the state from ``time_days`` on; ``gpus`` is (generation, count)."""
        state = self._scalars
        if gpus is not None:
            self._gpus[gpus[0]] = float(gpus[1])
        for name, value in (("rented", rented), ("train", train), ("serve", serve), ("multiplier", multiplier)):
            if value is not None:
                state[name] = float(value)
        self.version += 1
        i = self.n - 1
        if i < 0 or self.time_days[i] != time_days:
            if self.n == len(self.time_days):
                self._grow()
            i = self.n
            self.n += 1
            self.time_days[i] = time_days
            self.times.append(time_days)
            self.states.append(((), 0.0, 0.0, 0.0, 1.0))
        self.gpus[i] = self._gpus
        self.rented[i] = state["rented"]
        self.train[i] = state["train"]
        self.serve[i] = state["serve"]
        self.multiplier[i] = state["multiplier"]
        self.states[i] = (tuple(self._gpus), state["rented"], state["train"], state["serve"], state["multiplier"])

    def current(self, name: str) -> float:
        return self._scalars[name]

    def view(self) -> dict[str, np.ndarray]:
        """The filled part of every column (views, not copies)."""
        n = self.n
        return {"time_days": self.time_days[:n], "gpus": self.gpus[:n], "rented": self.rented[:n],
                "train": self.train[:n], "serve": self.serve[:n], "multiplier": self.multiplier[:n]}

    def rows(self, start_days: float, end_days: float) -> tuple[int, int]:
        """Rows ``i:j`` in force during ``[start_days, end_days)``."""
        i = max(0, bisect.bisect_right(self.times, start_days) - 1)
        return i, max(i + 1, bisect.bisect_left(self.times, end_days, lo=i + 1))
