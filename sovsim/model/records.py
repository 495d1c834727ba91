"""Typed records of one future: the event log, the monthly timeline and the result row.

Each record's fields are declared here once, with a description; the reference page is generated from
these declarations, and tests keep the records and the declarations in step.
"""

from __future__ import annotations

import datetime as dt
from typing import Final, NamedTuple

__all__ = ["DAYS_PER_YEAR", "DAYS_PER_MONTH", "Event", "EventLog", "TimelineRow", "EVENT_FIELDS",
           "TIMELINE_FIELDS", "ROW_FIELDS", "ROW_TYPES", "VERDICTS", "VERDICT_DOCS", "date_of", "CAPABILITY_UNITS"]

DAYS_PER_YEAR: Final = 365.25
DAYS_PER_MONTH: Final = DAYS_PER_YEAR / 12

VERDICTS = ("alive", "defunded", "hollowed", "stale", "starved", "vanity_pilot", "museum")

#: What each verdict means (the records reference lists them).
VERDICT_DOCS = {
    "alive": "Reached the horizon (right-censored)",
    "defunded": "Cash below zero past treasury.insolvency_grace_days, or the appropriation cancelled",
    "hollowed": "Effective own staff below staff.minimum_crew_fte for staff.hollowed_grace_days",
    "stale": "The model behind the free alternative in the country's languages and its users gone to it (adoption "
             "run down at deployment.stale_adoption_loss) for model.stale_grace_months, or no first release by "
             "model.first_release_deadline_months",
    "starved": "No usable training compute, and none on its way, for compute.starved_grace_days",
    "vanity_pilot": "The service not in production for deployment.max_pilot_years",
    "museum": "Still serving and paid for, but no release for staff.museum_months while consultants hold at least "
              "staff.museum_knowhow_share of the pipeline know-how: nobody in house can update it",
}


def date_of(start: dt.date, time_days: float) -> dt.date:
    """Calendar date of simulation time ``time_days`` (days since ``start``), to the nearest day."""
    return start + dt.timedelta(days=int(time_days + 0.5))


class Event(NamedTuple):
    """One thing that happened in a future."""

    time_days: float
    process: str
    kind: str
    details: str
    key: bool


EVENT_FIELDS = {
    "time_days": "Simulation time of the event, days since the start date",
    "date": "Calendar date of the event (YYYY-MM-DD)",
    "process": "The process that logged it: treasury, workforce, knowhow, frontier, openweights, lifecycle, "
               "governance, procurement, export, energy, deployment, coroner",
    "kind": "What happened (appropriation, election, cut, hire, quit, release, death, …)",
    "details": "A readable sentence with the numbers",
    "key": "True for the events the narrative of `sovsim run` shows",
}


class EventLog:
    """Append-only log of :class:`Event`; ``log(...)`` returns the event's index for later reference."""

    __slots__ = ("events", "start")

    def __init__(self, start: dt.date) -> None:
        self.start = start
        self.events: list[Event] = []

    def log(self, time_days: float, process: str, kind: str, details: str, key: bool = False) -> int:
        self.events.append(Event(time_days, process, kind, details, key))
        return len(self.events) - 1

    def date(self, time_days: float) -> str:
        return date_of(self.start, time_days).isoformat()

    def last(self, kind: str, before_days: float = float("inf")) -> Event | None:
        """The latest event of ``kind`` at or before ``before_days``."""
        for event in reversed(self.events):
            if event.kind == kind and event.time_days <= before_days:
                return event
        return None


class TimelineRow(NamedTuple):
    """The state of the programme at the start of one month."""

    time_days: float
    cash_usd: float
    appropriation_usd_per_year: float
    headcount: int
    effective_fte: float
    consultants_fte: float
    hiring_frozen: bool
    gpus: int
    rented_gpus: int
    sovereign: bool
    national_log10: float
    national_local_log10: float
    open_log10: float
    open_local_log10: float
    best_base_log10: float
    frontier_log10: float
    frontier_compute_log10: float
    strategy: str
    stage: str
    releases: int
    deployment: str
    requests_per_day: float
    paid_capex_usd: float
    paid_staff_usd: float
    paid_consultants_usd: float
    paid_energy_usd: float
    paid_cloud_usd: float
    residency_offered_tokens: float
    residency_served_tokens: float
    trust: float
    consultant_knowhow_share: float
    paid_facility_usd: float
    requested_usd: float
    granted_usd: float


TIMELINE_FIELDS = {
    "time_days": "Simulation time, days since the start date (one row a month)",
    "date": "Calendar date of the row",
    "cash_usd": "Cash in the programme's account",
    "appropriation_usd_per_year": "Current yearly appropriation (after cuts)",
    "headcount": "Own staff in post, all roles",
    "effective_fte": "Own staff weighted by ramp-up (know-how)",
    "consultants_fte": "Consultants filling vacancies",
    "hiring_frozen": "True while hiring is frozen for lack of cash",
    "gpus": "Working GPUs of the owned fleet",
    "rented_gpus": "GPUs rented under an active cloud contract",
    "sovereign": "True when the country controls compute on its own soil (owned GPUs or a domestic cloud)",
    "national_log10": "General capability of the national model's latest release, log10 effective FLOP (NaN before "
                      "the first release)",
    "national_local_log10": "Its capability in the country's languages: general minus its local deficit, log10 "
                            "effective FLOP",
    "open_log10": "General capability of the free alternative in the national model's size class (the open-weights "
                  "tier, or a closed API at its price), log10 effective FLOP",
    "open_local_log10": "The alternative's capability in the country's languages (the stale test compares it with "
                        "national_local_log10)",
    "best_base_log10": "General capability of the best open release the programme may build on (NaN if none)",
    "frontier_log10": "Capability of the frontier, log10 effective FLOP (training compute × algorithms since the "
                      "start)",
    "frontier_compute_log10": "Training compute of the frontier model, log10 FLOP (bounded by feasibility)",
    "strategy": "Strategy of the programme this month: scratch, continue or finetune (after pivots)",
    "stage": "Stage of the release cycle: data, training, evaluation, approval (governance review), waiting",
    "releases": "Releases so far",
    "deployment": "Stage of the public service: none (no model released yet), pilot or production",
    "requests_per_day": "Requests a day the service carries this month (pilot load, or adoption in production)",
    "paid_capex_usd": "GPU purchases paid so far (cumulative; the difference of two rows is the spending between "
                      "them, as for the four columns below)",
    "paid_staff_usd": "Salaries of own staff paid so far (cumulative)",
    "paid_consultants_usd": "Consultant fees paid so far (cumulative)",
    "paid_energy_usd": "Electricity of the owned fleet paid so far (cumulative)",
    "paid_cloud_usd": "Rent of cloud GPUs paid so far (cumulative)",
    "residency_offered_tokens": "Residency-bound demand offered to the service so far, tokens (cumulative)",
    "residency_served_tokens": "Residency-bound demand served on domestic soil so far, tokens (cumulative)",
    "trust": "Public trust in the model's outputs (1 unless outputs are steered; deployment.output_steering)",
    "consultant_knowhow_share": "Share of the pipeline know-how held by consultants",
    "paid_facility_usd": "Colocation of the owned servers paid so far (cumulative)",
    "requested_usd": "Money requested in the budget rounds so far, all kinds (cumulative)",
    "granted_usd": "Money granted in the budget rounds so far, all kinds (cumulative)",
}
# Staff by role come as extra columns ``staff_<role>`` (headcount of that role).

#: How to read the capability columns (printed at the top of the records reference).
CAPABILITY_UNITS = (
    "**Capability units.** *General capability* is log10 of a model's effective training compute in FLOP at the "
    "start date's algorithms: the compute with which a compute-optimal model (Hoffmann et al. 2022) reaches the "
    "same loss, times the algorithmic efficiency gained since the start. 25.0 is a model worth 1e25 FLOP; one "
    "unit more is ten times the compute. *Local capability* is the same model's worth in the country's "
    "languages: general capability minus its *local deficit* (the decades a model loses in a language it saw "
    "little of), so it never exceeds general capability. Differences are also shown as *months of frontier "
    "progress*: a difference divided by the frontier's trend (about 0.1 decade a month at 4.6× compute and "
    "3× algorithms a year). The stale test compares `national_local_log10` with `open_local_log10`.")

ROW_FIELDS = {
    "scenario": "Scenario name",
    "seed": "Base seed",
    "future": "Future index",
    "verdict": "alive, defunded, hollowed, stale, starved, vanity_pilot or museum (the first death condition to "
               "hold)",
    "death_time_years": "Years from the start to death; null when alive at the horizon",
    "death_date": "Calendar date of death; null when alive",
    "root_cause": "The event that started the chain to death (empty when alive)",
    "root_event_date": "Date of the root event, when it is one event; else null",
    "horizon_years": "Length of the future",
    "releases": "Model releases",
    "first_release_years": "Years to the first release; null if none",
    "second_release_years": "Years to the second release; null if none",
    "mean_gap_months": "Mean months the national model trails the frontier, over the months with a model",
    "max_gap_months": "Largest such gap",
    "mean_open_gap_months": "Mean months of frontier progress by which the national model trails the free "
                            "alternative in the country's languages; negative when ahead",
    "total_cost_usd": "All spending: capex + staff + consultants + energy + cloud + facility",
    "capex_usd": "Cluster purchases: GPU servers, networking and storage (a deposit at the order, the rest on "
                 "delivery; refunds of cancelled orders come back as receipts)",
    "staff_usd": "Salaries of own staff with employer on-costs",
    "consultants_usd": "Consultant fees",
    "energy_cost_usd": "Electricity of the owned fleet, as billed monthly against the hourly price",
    "cloud_usd": "Rent of cloud GPUs: every contracted hour of a reserved contract, the hours used on demand, and "
                 "inference hosting",
    "facility_usd": "Colocation of the owned servers (per kW of IT power a month)",
    "appropriations_usd": "Money received: appropriations (year 1 on day 0 included) and order refunds",
    "initial_cash_usd": "Launch capital on day 0",
    "final_cash_usd": "Cash at the end of the future",
    "budget_cuts": "Elections that cut the appropriation",
    "hires": "Hires of own staff",
    "quits": "Quits of own staff",
    "staff_turnover": "Quits per year divided by mean headcount",
    "mean_effective_fte": "Mean effective staff over the months lived",
    "poaching_waves": "Poaching waves",
    "frontier_jumps": "Frontier jumps",
    "gpu_hours": "GPU-hours of working owned and rented GPUs (busy or idle)",
    "training_gpu_hours": "GPU-hours of training runs (wall-clock, interruptions included)",
    "interruptions": "Interruptions of training runs by failures",
    "goodput": "Useful share of the training runs' wall-clock time; null without a run",
    "gpu_failures": "Hardware failures of owned GPUs",
    "orders": "GPU purchase orders, counted from the start of their public tender",
    "orders_blocked": "Orders blocked at least once by an embargo or a cap",
    "sovereign_months": "Months in which the country could run a training run on compute it controls on its own "
                        "soil",
    "requested_usd": "Money requested over all budget years (the plan's needs), all kinds",
    "granted_usd": "Money granted over all budget years (the appropriation shared among the requests, never above "
                   "them)",
    "requested_people_usd": "Requested for the team at its target size, pay with on-costs",
    "granted_people_usd": "Granted for people",
    "requested_compute_usd": "Requested for training compute of the year's releases (frontier-relative) and "
                             "standing contract rent",
    "granted_compute_usd": "Granted for compute",
    "requested_refresh_usd": "Requested for the owned fleet's replacement spread over its life",
    "granted_refresh_usd": "Granted for refresh",
    "requested_data_usd": "Requested for post-training and evaluation data",
    "granted_data_usd": "Granted for data",
    "requested_safety_usd": "Requested for safety and conformity work",
    "granted_safety_usd": "Granted for safety",
    "energy_mwh": "Electricity of the owned fleet, MWh",
    "co2_t": "Carbon of that electricity, tonnes CO2e",
    "update_capable_months": "Months in which the country could update its own weights on its own soil "
                             "(GPUs owned and a minimum crew)",
    "years_in_production": "Years the service spent in production",
    "tokens_served": "Tokens served by the national model, pilot and production",
    "cost_per_mtok_usd": "Serving cost per million tokens served over the future: energy, amortised GPUs or rent, "
                         "and the serving share of the team; null when nothing was served",
    "p95_latency_s": "p95 response time (Erlang C) at the busy hour of the load last judged against the "
                     "production bar (the launch load in pilot, the current load in production); infinite when "
                     "that load exceeds the serving capacity, null before a model was released",
    "residency_demand_offered_tokens": "Tokens of residency-bound demand (deployment.residency_share) offered to "
                                       "the service",
    "residency_demand_served_tokens": "Of those, tokens served on domestic soil (always 0 for a foreign-cloud "
                                      "tenant)",
    "allocation_lost": "1 if an allocation on a shared supercomputer ended with no follow-on award, else 0",
    "allocation_awards": "Awards won on the shared supercomputer (the initial one included)",
    "trust_incidents": "Incidents exposing steered answers",
    "final_trust": "Public trust at the end of the future",
    "max_consultant_knowhow_share": "Largest share of the pipeline know-how held by consultants",
    "governance_months": "Months releases waited for governance reviews",
    "pivots": "Changes of strategy (model.pivot_on triggers)",
    "final_strategy": "Strategy at the end of the future: scratch, continue or finetune",
    "base_supply_stopped": "1 if the open-weights family the programme built on stopped and no newer base existed",
}

#: Storage type of each result-row field ("float" and "string" fields may be null).
ROW_TYPES = {
    "scenario": "string", "seed": "int", "future": "int", "verdict": "string", "death_time_years": "float",
    "death_date": "string", "root_cause": "string", "root_event_date": "string", "horizon_years": "float",
    "releases": "int", "first_release_years": "float", "second_release_years": "float",
    "mean_gap_months": "float", "max_gap_months": "float",
    "mean_open_gap_months": "float", "total_cost_usd": "float", "capex_usd": "float", "staff_usd": "float",
    "consultants_usd": "float", "energy_cost_usd": "float", "appropriations_usd": "float", "initial_cash_usd": "float",
    "final_cash_usd": "float", "budget_cuts": "int", "hires": "int", "quits": "int", "staff_turnover": "float",
    "mean_effective_fte": "float", "poaching_waves": "int", "frontier_jumps": "int",
    "gpu_hours": "float", "training_gpu_hours": "float", "interruptions": "int", "goodput": "float",
    "gpu_failures": "int", "orders": "int", "orders_blocked": "int", "sovereign_months": "int",
    "cloud_usd": "float", "facility_usd": "float", "requested_usd": "float", "granted_usd": "float",
    "requested_people_usd": "float", "granted_people_usd": "float",
    "requested_compute_usd": "float", "granted_compute_usd": "float",
    "requested_refresh_usd": "float", "granted_refresh_usd": "float",
    "requested_data_usd": "float", "granted_data_usd": "float",
    "requested_safety_usd": "float", "granted_safety_usd": "float",
    "energy_mwh": "float", "co2_t": "float",
    "update_capable_months": "int", "years_in_production": "float", "tokens_served": "float",
    "cost_per_mtok_usd": "float", "p95_latency_s": "float",
    "residency_demand_offered_tokens": "float", "residency_demand_served_tokens": "float", "allocation_lost": "int",
    "allocation_awards": "int", "trust_incidents": "int", "final_trust": "float",
    "max_consultant_knowhow_share": "float", "governance_months": "float",
    "pivots": "int", "final_strategy": "string", "base_supply_stopped": "int",
}
