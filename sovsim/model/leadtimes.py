"""Lead times that depend on the GPU generation and the date of the order.

A generation's lead time is long while demand outruns its production and shortens as production ramps: from
the peak (its launch, or the date its shortage was worst) the excess over the mature lead time halves every
``half_life_months``::

    weeks(u, t) = mature(u) + (peak(u) − mature(u)) · 2^(−max(0, t − peak_date) / half_life)

where ``peak(u)`` and ``mature(u)`` are the points at the order's market draw ``u`` ∈ [0, 1) of the cited
ranges (the same draw for both, so a later order with the same draw never waits longer). Before the peak date
the lead time is the peak's. Each curve is in ``calibration.md`` §1 (rows "lead time 2023", "lead time 2024",
"lead time, Blackwell", "lead time decay").

The supply graph's nodes give, for their part of a route, a lead time in the calmest and in the tightest
market (``lead_time_weeks_min`` and ``_max``); :func:`market_position` places a generation's lead time on the
reference range of the default nodes, :data:`REFERENCE_WEEKS`, so a node with the default range passes the
generation's lead time on unchanged, and a slower node (a second-tier integrator, a domestic chip maker) scales
it into its own range.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

__all__ = ["LeadCurve", "LEAD_CURVES", "REFERENCE_WEEKS", "lead_time_weeks", "mean_lead_time_weeks",
           "market_position"]

#: The lead-time range of the default supply nodes (calibration.md §1 lead time 2024: 8 weeks from OEMs in a calm
#: market; lead time 2023: 52 weeks at the H100 peak); a generation's lead time is placed on it.
REFERENCE_WEEKS = (8.0, 52.0)
DAYS_PER_MONTH = 365.25 / 12


@dataclass(frozen=True)
class LeadCurve:
    """How the lead time of one GPU generation falls from its peak toward its mature value."""

    peak_date: dt.date  #: when the lead time was (or is assumed to be) longest
    peak_weeks: tuple[float, float]  #: range at the peak
    mature_weeks: tuple[float, float]  #: range once production has caught up
    half_life_months: float  #: months for the excess over the mature lead time to halve
    source: str

    def __post_init__(self) -> None:
        (plo, phi), (mlo, mhi) = self.peak_weeks, self.mature_weeks
        if not (0 <= mlo <= mhi and 0 <= plo <= phi and mlo <= plo and mhi <= phi and self.half_life_months > 0):
            raise ValueError(f"lead curve: need 0 ≤ mature ≤ peak pointwise and a positive half-life: {self}")


_HOPPER_PEAK = dt.date(2023, 11, 15)
_HOPPER = ("calibration.md §1 lead time 2023 (Omdia, Nov 2023: H100 servers 36–52 weeks), lead time 2024 (Dell "
           "8–12 weeks by Apr 2024) and lead time decay (3–4 months in Feb 2024: a half-life of about a month)")
_BLACKWELL = ("calibration.md §1 lead time, Blackwell (Morgan Stanley, Nov 2024: booked out 12 months) and lead time "
              "decay (B200 4–10 months in 2026: a half-life of about 15 months); mature range assumed as Hopper's")

LEAD_CURVES: dict[str, LeadCurve] = {
    "a100": LeadCurve(dt.date(2020, 5, 14), (36.0, 52.0), (8.0, 12.0), 1.0,
                      "assumption: as H100's curve, from the A100's availability (no lead-time figures found)"),
    "h100": LeadCurve(_HOPPER_PEAK, (36.0, 52.0), (8.0, 12.0), 1.0, _HOPPER),
    "h200": LeadCurve(_HOPPER_PEAK, (36.0, 52.0), (8.0, 12.0), 1.0,
                      "assumption: H100's curve (the same GH100 die and CoWoS packaging); " + _HOPPER),
    "gh200": LeadCurve(_HOPPER_PEAK, (36.0, 52.0), (8.0, 12.0), 1.0,
                       "assumption: H100's curve (the same GH100 die and CoWoS packaging); " + _HOPPER),
    "b200": LeadCurve(dt.date(2024, 11, 15), (48.0, 56.0), (8.0, 12.0), 15.0, _BLACKWELL),
    "b300": LeadCurve(dt.date(2025, 9, 1), (48.0, 56.0), (8.0, 12.0), 15.0,
                      "assumption: B200's curve from the B300's availability (H2 2025); " + _BLACKWELL),
    "rubin": LeadCurve(dt.date(2026, 10, 1), (48.0, 56.0), (8.0, 12.0), 15.0,
                       "assumption: B200's curve from Rubin's first shipments (autumn 2026); " + _BLACKWELL),
    "domestic": LeadCurve(dt.date(2024, 1, 1), (36.0, 52.0), (8.0, 12.0), 15.0,
                          "assumption: a new accelerator ramps as slowly as Blackwell; its maker's node "
                          "(40–78 weeks by default) makes it slower still"),
}


def _curve(kind: str) -> LeadCurve:
    curve = LEAD_CURVES.get(kind)
    if curve is None:
        raise KeyError(f"no lead-time curve for GPU kind {kind!r}; known: {', '.join(sorted(LEAD_CURVES))}")
    return curve


def _decay(curve: LeadCurve, order_date: dt.date) -> float:
    months = max(0.0, (order_date - curve.peak_date).days / DAYS_PER_MONTH)
    return float(0.5 ** (months / curve.half_life_months))


def lead_time_weeks(kind: str, order_date: dt.date, u: float) -> float:
    """Weeks from an order of ``kind`` placed on ``order_date`` to delivery, for a market draw ``u`` ∈ [0, 1)."""
    curve = _curve(kind)
    (plo, phi), (mlo, mhi) = curve.peak_weeks, curve.mature_weeks
    peak, mature = plo + u * (phi - plo), mlo + u * (mhi - mlo)
    return mature + (peak - mature) * _decay(curve, order_date)


def mean_lead_time_weeks(kind: str, order_date: dt.date) -> float:
    """The lead time averaged over the market draw (u uniform on [0, 1))."""
    return lead_time_weeks(kind, order_date, 0.5)  # linear in u


def market_position(kind: str, order_date: dt.date, u: float) -> float:
    """Where the generation's lead time lies on :data:`REFERENCE_WEEKS`: 0 calm, 1 the tightest cited market.

    Never negative; above 1 when a generation's peak was longer than the reference's (Blackwell's 12 months).
    """
    lo, hi = REFERENCE_WEEKS
    return max(0.0, (lead_time_weeks(kind, order_date, u) - lo) / (hi - lo))
