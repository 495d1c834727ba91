"""Know-how: who can run and change the model's pipeline — own staff, or the consultants who filled in for them.

The pipeline's know-how is one stock; ``share`` is the part held by consultants (the rest by own staff).
It moves once a month, on the coroner's round:

- every quit while consultants are in post hands the leaver's part of the staff's know-how to them
  (``share += (1 − share) / headcount``); with no consultants it stays in house (the colleagues absorb it);
- consultants learn the pipeline while they run it: ``d share/dt += w · (1 − share)``, with ``w`` their share of
  the work done (consultants × productivity over the work of staff and consultants), per year;
- ramped staff take know-how back: ``d share/dt −= transfer · f · share``, with ``f`` the effective staff over
  the target team;
- consultants who leave take what they hold with them: the share returns to zero (the staff rebuild it).

So the share settles where the two flows balance, ``w / (w + transfer · f)``: high with many consultants and
few ramped staff. Consultants' rates rise with it (``× (1 + consultant_lockin_slope · share)``), and the
release work of the team is discounted by it (:meth:`KnowHow.release_factor`): the consultants keep the
pipeline running, but a new release needs people in house who can change it. A programme that still serves
and is paid for, but has had no release for ``museum_months`` while consultants hold at least
``museum_knowhow_share``, is a **museum** (:meth:`KnowHow.museum`). All of this is an assumption marked in
``calibration.md`` §14; the rates are sampled in the sweep specs.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sovsim.model.records import DAYS_PER_MONTH, DAYS_PER_YEAR, EventLog

if TYPE_CHECKING:
    from sovsim.model.workforce import Team
    from sovsim.scenario.schema import Staff

__all__ = ["KnowHow", "steady_share"]


def steady_share(work_share: float, transfer_per_year: float, staff_fraction: float) -> float:
    """Consultants' share of the know-how where learning and take-back balance (no quits)."""
    inflow, outflow = work_share, transfer_per_year * staff_fraction
    return inflow / (inflow + outflow) if inflow + outflow > 0 else 0.0


class KnowHow:
    """The consultants' share of the pipeline's know-how, moved monthly by quits, work and take-back."""

    def __init__(self, params: Staff, team: Team, log: EventLog) -> None:
        self.params, self.team, self.log = params, team, log
        self.share = 0.0
        self.max_share = 0.0
        self.above_since: float | None = None  #: when the share last rose above the museum threshold
        self.handovers = 0  #: quits whose know-how went to consultants
        self._updated = 0.0
        self._quits_seen = team.quits

    def release_factor(self) -> float:
        """Share of the team's capacity that can go into a new release: the know-how held in house."""
        return 1.0 - self.share

    def update(self, now: float) -> None:
        """The month's flows: quits handed over, consultants learning, staff taking back."""
        team, p = self.team, self.params
        dt_years = (now - self._updated) / DAYS_PER_YEAR
        self._updated = now
        consultants = team.consultants_fte
        quits = team.quits - self._quits_seen
        self._quits_seen = team.quits
        if consultants <= 0:
            if self.share > 0:
                self.log.log(now, "knowhow", "knowhow-gone",
                             f"consultants left with {self.share:.0%} of the pipeline know-how")
            self.share = 0.0
        else:
            if quits > 0:
                self.handovers += quits
                headcount = max(1, team.headcount() + quits)
                self.share = 1.0 - (1.0 - self.share) * (1.0 - 1.0 / headcount) ** quits
            staff = team.effective_fte(now)
            consultant_work = consultants * p.consultant_productivity
            work = consultant_work / (staff + consultant_work) if staff + consultant_work > 0 else 0.0
            f = staff / team.target_total if team.target_total else 0.0
            inflow, outflow = work * dt_years, p.knowhow_transfer_per_year * f * dt_years
            self.share = min(1.0, max(0.0, self.share + inflow * (1.0 - self.share) - outflow * self.share))
        share = self.share
        if share > self.max_share:
            self.max_share = share
        if share >= p.museum_knowhow_share:
            if self.above_since is None:
                self.above_since = now
                self.log.log(now, "knowhow", "lock-in",
                             f"consultants now hold {self.share:.0%} of the pipeline know-how: nobody in house "
                             f"can change it alone (rates ×{self.rate_factor():.2f})", key=True)
        else:
            self.above_since = None
        team.set_consultant_rate_factor(self.rate_factor())
        team.in_house_knowhow = self.release_factor()

    def rate_factor(self) -> float:
        return 1.0 + self.params.consultant_lockin_slope * self.share

    def museum(self, now: float, last_release_days: float) -> bool:
        """No release for ``museum_months`` while consultants held the know-how (serving and paid: the caller)."""
        if self.above_since is None:
            return False
        quiet_since = max(self.above_since, last_release_days)
        return now - quiet_since >= self.params.museum_months * DAYS_PER_MONTH - 1e-9

    def why_museum(self, since: float, last_release: str) -> tuple[str, float | None]:
        """Root cause: how the know-how came to sit with the consultants."""
        team, log = self.team, self.log
        held = "" if self.above_since is None else f" since {log.date(self.above_since)}"
        head = (f"consultants hold {self.share:.0%} of the know-how{held}; no release since {last_release}; "
                f"rates ×{self.rate_factor():.2f}")
        start = self.above_since if self.above_since is not None else since
        for index in reversed(team.poaching_events):
            event = log.events[index]
            if start - DAYS_PER_YEAR <= event.time_days <= start:
                return f"{head}: {event.details} handed the pipeline to consultants", event.time_days
        gap = max(team.salary_gap(r) for r in range(len(team.names)))
        return (f"{head}: pay up to {gap:.0%} below market, {self.handovers} quits handed the pipeline to "
                "consultants", None)
