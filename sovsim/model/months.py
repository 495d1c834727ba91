"""The monthly aggregates of the result row, kept as the months go by (no timeline needed).

The result row's monthly figures (mean headcount, mean effective FTE, the capability gaps, the sovereign and
update-capable months) are means and counts over the rows of the monthly timeline. :class:`Months` keeps the
few columns they read, a value per month, so that a future which stores no timeline builds none; the figures
come out bit for bit as from the timeline (the same values, summed in the same order).
"""

from __future__ import annotations

import math
from typing import Any

__all__ = ["Months"]


class Months:
    """The columns of the monthly timeline that the result row reads, one value a month."""

    __slots__ = ("time_days", "headcount", "effective_fte", "sovereign", "gaps", "open_gaps", "per_month")

    def __init__(self, trend_log10_per_month: float) -> None:
        self.per_month = trend_log10_per_month  #: frontier progress per month, decades (converts gaps to months)
        self.time_days: list[float] = []
        self.headcount: list[int] = []
        self.effective_fte: list[float] = []
        self.sovereign: list[bool] = []
        self.gaps: list[float] = []  #: months behind the frontier, in the months with a national model
        self.open_gaps: list[float] = []  #: months behind open weights in the country's languages, same months

    @property
    def wants_gaps(self) -> bool:
        """Whether :meth:`add` uses the capabilities (the gaps count only with frontier progress)."""
        return self.per_month > 0

    def add(self, now: float, headcount: int, effective_fte: float, sovereign: bool, national_log10: float,
            national_local_log10: float, frontier_log10: float = math.nan, open_local_log10: float = math.nan) -> None:
        """One month's values; the capabilities are read only with a national model and :attr:`wants_gaps`."""
        self.time_days.append(now)
        self.headcount.append(headcount)
        self.effective_fte.append(effective_fte)
        self.sovereign.append(sovereign)
        per_month = self.per_month
        if per_month > 0 and not math.isnan(national_log10):
            self.gaps.append((frontier_log10 - national_log10) / per_month)
            self.open_gaps.append((open_local_log10 - national_local_log10) / per_month)

    @property
    def last_days(self) -> float | None:
        return self.time_days[-1] if self.time_days else None

    def row(self, end: float, years: float, quits: int, minimum_crew_fte: float) -> dict[str, Any]:
        """The result row's monthly figures for a future that ended on day ``end`` after ``years``."""
        gaps, open_gaps = self.gaps, self.open_gaps
        lived = sum(1 for t in self.time_days if t < end)  # the months begun before the end (a prefix)
        part = slice(0, lived) if lived else slice(-1, None)  # or the last row, if none was
        headcounts, effective = self.headcount[part], self.effective_fte[part]
        mean_headcount = sum(headcounts) / len(headcounts)
        sovereign = self.sovereign[:lived]
        return {
            "mean_gap_months": sum(gaps) / len(gaps) if gaps else None,
            "max_gap_months": max(gaps) if gaps else None,
            "mean_open_gap_months": sum(open_gaps) / len(open_gaps) if open_gaps else None,
            "staff_turnover": quits / years / mean_headcount if years > 0 and mean_headcount > 0 else 0.0,
            "mean_effective_fte": sum(effective) / len(effective),
            "sovereign_months": sum(sovereign),
            "update_capable_months": sum(1 for on_soil, fte in zip(sovereign, self.effective_fte)
                                         if on_soil and fte >= minimum_crew_fte),
        }
