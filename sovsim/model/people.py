"""People as a budget office sees them: the time a new team's hiring plan needs before know-how can be lost.

A programme that starts below its target team is building that team, not losing it: ``hollowed`` may apply
only once its hiring plan has had the time it needs — a search (``time_to_hire_days``) repeated until it
succeeds (on average 1 / hire chance at the day-0 pay gap, averaged over the roles with vacancies, since every
vacancy is searched at once), then the ramp-up of the new hire (:func:`hiring_plan_days`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sovsim.model.records import DAYS_PER_MONTH

if TYPE_CHECKING:
    from sovsim.scenario.schema import Staff

__all__ = ["hiring_plan_days", "initial_effective_fte"]


def initial_effective_fte(staff: Staff) -> float:
    """Staff in post on day 0 (already ramped up)."""
    return float(sum(r.initial_fte for r in staff.roles.values()))


def hiring_plan_days(staff: Staff) -> float:
    """Days a team starting below its target needs to fill it; 0 when it starts complete."""
    chances = []
    for role in staff.roles.values():
        if role.target_fte > role.initial_fte:
            gap = max(0.0, 1.0 - role.public_salary_usd_per_year * staff.salary_premium
                      / (role.market_salary_usd_per_year * staff.local_market_pay_factor))
            chances.append(max(0.05, staff.hire_success_at_parity * (1.0 - staff.hire_gap_slope * gap)))
    if not chances:
        return 0.0
    chance = sum(chances) / len(chances)
    return staff.time_to_hire_days / chance + staff.ramp_up_months * DAYS_PER_MONTH
