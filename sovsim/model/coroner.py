"""Coroner: watches the death conditions; the first to hold past its grace period ends the future.

Each condition is a probe (does it hold now?), a grace period and a diagnosis that names the root event of
the chain. The other processes call :meth:`Coroner.check` when something relevant changes; the coroner's
own process checks monthly for conditions that drift (ramp-up, a rising open-weights curve).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sovsim.model.records import EventLog

__all__ = ["Coroner", "Condition", "monthly_round"]

Diagnosis = tuple[str, float | None]  #: (root cause, time of the root event in days or None)


@dataclass
class Condition:
    """A way to die: holds now?, for how long it may hold, and why it came to hold."""

    name: str
    verdict: str
    grace_days: float
    probe: Callable[[float], bool]
    diagnose: Callable[[float], Diagnosis]
    since: float | None = None
    episode: int = 0


class Coroner:
    """Holds the conditions, starts their grace timers, and records the verdict."""

    def __init__(self, env: Any, log: EventLog) -> None:
        self.env = env
        self.log = log
        self.conditions: dict[str, Condition] = {}
        self.end = env.event()
        self.ended = False  #: the future is over (``end`` has been triggered)
        self.verdict = "alive"
        self.death_days: float | None = None
        self.root_cause = ""
        self.root_days: float | None = None

    def add(self, condition: Condition) -> None:
        self.conditions[condition.name] = condition

    def check(self, name: str, now: float) -> None:
        """Re-probe one condition: start its grace timer when it begins to hold, clear it when it stops."""
        if self.ended:
            return
        c = self.conditions[name]
        if not c.probe(now):
            c.since = None
            return
        if c.since is not None:
            return
        c.since = now
        c.episode += 1
        if c.grace_days <= 0:
            self._die(c, now)
            return
        timer = self.env.timeout(c.grace_days)
        timer.callbacks.append(lambda _event, c=c, episode=c.episode: self._expire(c, episode))

    def _expire(self, c: Condition, episode: int) -> None:
        if self.ended or c.episode != episode or c.since is None:
            return
        if c.probe(self.env.now):
            self._die(c, self.env.now)
        else:
            c.since = None

    def _die(self, c: Condition, now: float) -> None:
        self.verdict = c.verdict
        self.death_days = now
        assert c.since is not None
        self.root_cause, self.root_days = c.diagnose(c.since)
        self.log.log(now, "coroner", "death", f"{c.verdict}: {self.root_cause}", key=True)
        self.ended = True
        self.end.succeed()

    def horizon(self) -> None:
        """The future reached its horizon alive."""
        if not self.ended:
            self.ended = True
            self.end.succeed()


def monthly_round(watch: Coroner, now: float, drifting: tuple[str, ...], record: Callable[[float], None]) -> None:
    """The coroner's monthly round: re-check drifting conditions, then write the timeline row.

    Drifting conditions change without an event: ramp-up of new hires, the rising open-weights curve.
    """
    for name in drifting:
        watch.check(name, now)
    record(now)
