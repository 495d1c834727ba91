"""Ledger: every change of fleet and utilisation; typed NumPy columns for the accounting kernels.

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
import itertools

import numpy as np

__all__ = ["Ledger", "LEDGER_COLUMNS"]

LEDGER_COLUMNS = ("time_days", "gpus", "rented", "train", "serve", "multiplier")


class Ledger:
    """Fleet and utilisation states, one row per change: plain tuples while the future runs, arrays on demand."""

    def __init__(self, generations: int = 1) -> None:
        self.generations = generations
        self.times: list[float] = []  #: ``time_days`` of the rows, as a list for bisection
        #: (gpus per generation, rented, train, serve, multiplier) of each row, as plain tuples for scalar reads
        self.states: list[tuple[tuple[float, ...], float, float, float, float]] = []
        self.version = 0  #: bumped on every change
        self._gpus = [0.0] * generations
        self._scalars = {"rented": 0.0, "train": 0.0, "serve": 0.0, "multiplier": 1.0}
        self._view: dict[str, np.ndarray] | None = None
        self._view_version = -1
        self.set(0.0)

    @property
    def n(self) -> int:
        """Number of rows."""
        return len(self.times)

    def set(self, time_days: float, *, gpus: tuple[int, float] | None = None, rented: float | None = None,
            train: float | None = None, serve: float | None = None, multiplier: float | None = None) -> None:
        """Change the state from ``time_days`` on; ``gpus`` is (generation, count)."""
        state = self._scalars
        if gpus is not None:
            self._gpus[gpus[0]] = float(gpus[1])
        if rented is not None:
            state["rented"] = float(rented)
        if train is not None:
            state["train"] = float(train)
        if serve is not None:
            state["serve"] = float(serve)
        if multiplier is not None:
            state["multiplier"] = float(multiplier)
        self._push(time_days, (tuple(self._gpus), state["rented"], state["train"], state["serve"],
                               state["multiplier"]))

    def set_serve(self, time_days: float, share: float) -> None:
        """Change only the serving share from ``time_days`` on (the monthly change; same as ``set(serve=…)``)."""
        share = float(share)
        self._scalars["serve"] = share
        gpus, rented, train, _serve, multiplier = self.states[-1]  # the last row is always the current state
        self._push(time_days, (gpus, rented, train, share, multiplier))

    def _push(self, time_days: float, row: tuple[tuple[float, ...], float, float, float, float]) -> None:
        """The state ``row`` from ``time_days`` on: a new row, or the last one replaced if it began then."""
        self.version += 1
        if self.times and self.times[-1] == time_days:
            self.states[-1] = row
        else:
            self.times.append(time_days)
            self.states.append(row)

    def current(self, name: str) -> float:
        return self._scalars[name]

    def current_gpus(self, generation: int) -> float:
        """Active owned GPUs of ``generation`` in the latest row."""
        return self._gpus[generation]

    def view(self) -> dict[str, np.ndarray]:
        """Every column as an array (built once per change of the ledger; treat as read-only)."""
        if self._view is None or self._view_version != self.version:
            n, states, chain = len(self.times), self.states, itertools.chain.from_iterable
            gpus = np.fromiter(chain(s[0] for s in states), np.float64, n * self.generations)
            gpus = gpus.reshape(n, self.generations)
            scalars = np.fromiter(chain(s[1:] for s in states), np.float64, n * 4).reshape(n, 4)
            self._view = {"time_days": np.array(self.times, dtype=np.float64), "gpus": gpus,
                          "rented": scalars[:, 0].copy(), "train": scalars[:, 1].copy(),
                          "serve": scalars[:, 2].copy(), "multiplier": scalars[:, 3].copy()}
            self._view_version = self.version
        return self._view

    def rows(self, start_days: float, end_days: float) -> tuple[int, int]:
        """Rows ``i:j`` in force during ``[start_days, end_days)``."""
        times = self.times
        if times[-1] <= start_days:  # the commonest case: one row since the last look
            return len(times) - 1, len(times)
        i = max(0, bisect.bisect_right(times, start_days) - 1)
        return i, max(i + 1, bisect.bisect_left(self.times, end_days, lo=i + 1))
