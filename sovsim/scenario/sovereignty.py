"""Scenario sections of the mechanisms a sovereign programme lives by: shared supercomputers, governance, trust.

``[allocation]`` is the compute of ``compute.strategy = "allocation"``: GPU-hours won in competitive calls of
a shared (national or European) supercomputer, or a consortium's share of one. ``[governance]`` holds the
months of approval and conformity work before a release and before a production launch. ``[trust]`` is the
public's response to how far the national model's outputs are steered (``deployment.output_steering``).
Figures cite ``calibration.md`` §13 and §14; "assumption" marks a modelling choice and gives its range.
"""

from __future__ import annotations

from dataclasses import dataclass

from sovsim.scenario.fields import ScenarioError, Section, param

__all__ = ["Allocation", "Governance", "Trust", "GOVERNANCE_REGIMES"]

GOVERNANCE_REGIMES = ("eu_ai_act", "national", "none")


@dataclass(frozen=True)
class Allocation(Section):
    """GPU-hours on a shared supercomputer, won in periodic calls (compute.strategy = "allocation")."""

    host_jurisdiction: str = param(
        "HOME", "Jurisdiction of the supercomputer (HOME: on the country's own soil, so it counts as sovereign "
                "compute and may serve residency-bound demand)",
        source="calibration.md §13: Alps (CSCS) in Switzerland for Apertus; LUMI, Leonardo, MareNostrum 5 host "
               "EuroHPC allocations in member states")
    calls_per_year: float = param(
        4.0, "Cut-offs of the access call a year (the programme applies at a cut-off when its award would "
             "otherwise lapse before the next decision)", gt=0, le=52,
        source="calibration.md §13: EuroHPC calls run continuously with a cut-off every three months")
    acceptance_probability: float = param(
        0.5, "Chance that a new application is awarded", ge=0, le=1,
        source="assumption: no published success rate for AI access calls (calibration.md §13 gaps); sampled "
               "0.3–0.8")
    renewal_probability: float = param(
        0.7, "Chance that a follow-on application of a programme holding an award is renewed", ge=0, le=1,
        source="assumption: incumbents with results renew more often than newcomers win; sampled 0.5–0.95")
    award_gpu_hours: float = param(
        1.0e6, "GPU-hours of one award: training runs draw it down; what is left at the period's end lapses",
        gt=0, source="calibration.md §13: OpenEuroLLM 10M GPU-h across four EuroHPC machines; Apertus >10M GPU-h "
                     "on Alps over a four-year grant; assumption: a mid-size national team wins a tenth of that a "
                     "year")
    partition_gpus: int = param(
        512, "Most GPUs the award's jobs may use at once", ge=1, le=10_000_000,
        source="calibration.md §5: Apertus 70B ran on 4,096 of Alps' 10,752 GH200; assumption: a mid-size team "
               "gets a partition the size of midsize-nation's cluster")
    period_months: float = param(
        12.0, "Length of an award", gt=0, le=120,
        source="calibration.md §13: EuroHPC access is granted for up to 12 months")
    decision_days: float = param(
        90.0, "Days from a cut-off to the decision (peer and technical review)", ge=0, le=3650,
        source="assumption: a quarter between cut-offs leaves about three months for review (calibration.md §13)")
    queue_wait_days: float = param(
        14.0, "Mean wait (exponential) from the start of an award until its jobs run (onboarding, queue)", ge=0,
        le=3650, source="assumption: two weeks of accounts, software stack and queue")
    initial_award: bool = param(
        True, "The programme starts with an award in place (a strategic allocation granted with the launch)",
        source="calibration.md §13: the Swiss AI Initiative launched with its Alps allocation")
    usd_per_gpu_hour: float = param(
        0.0, "What the programme pays per GPU-hour it runs (0: free at the point of use, as public access calls)",
        ge=0, le=1000, source="calibration.md §13: EuroHPC access for open research is free of charge")
    consortium_countries: int = param(
        1, "Countries sharing a consortium share of the machine (1: the programme applies alone)", ge=1,
        le=100, source="calibration.md §13 EuroHPC consortia: the CSC-led (LUMI) bid had 8 partner countries")
    consortium_gpu_hours_per_year: float = param(
        0.0, "GPU-hours a year the consortium's share of the machine gives, split evenly among its countries, "
             "on top of any award", ge=0,
        source="assumption: off by default; calibration.md §13 EuroHPC consortia (the share beside the EU's)")
    consortium_cost_usd_per_year: float = param(
        0.0, "The consortium's yearly contribution to the machine, split evenly among its countries", ge=0,
        source="assumption: off by default; calibration.md §13 EuroHPC consortia")

    def check(self) -> None:
        if self.consortium_cost_usd_per_year > 0 and self.consortium_gpu_hours_per_year <= 0:
            raise ScenarioError("consortium_gpu_hours_per_year", self.consortium_gpu_hours_per_year,
                                "a number > 0 when consortium_cost_usd_per_year is set", "a share paid for but")


@dataclass(frozen=True)
class Governance(Section):
    """Approval and conformity work before each release and before the production launch."""

    regime: str = param(
        "none", "eu_ai_act: GPAI obligations before each release, a systemic-risk review above the compute "
                "threshold, and public approval of the launch; national: public approvals only; none: no lag",
        choices=GOVERNANCE_REGIMES,
        source="calibration.md §14: EU AI Act GPAI obligations apply from 2 Aug 2025; assumption: off by default "
               "so the presets keep their calibration until the hindcast sets it")
    release_review_months: float = param(
        1.5, "Mean months of documentation and review before a release can be published", ge=0, le=60,
        source="assumption: technical documentation, copyright policy and training-data summary of the EU AI Act "
               "(calibration.md §14); sampled 0.5–3")
    systemic_review_months: float = param(
        4.0, "Extra months before a release whose training run exceeds systemic_risk_flop (eu_ai_act only)",
        ge=0, le=60, source="assumption: evaluations, adversarial testing and notification of calibration.md "
                            "§14; sampled 2–8")
    systemic_risk_flop: float = param(
        1e25, "Training compute above which a model is presumed to carry systemic risk", gt=0,
        source="calibration.md §14: EU AI Act Art. 51, 10^25 FLOP")
    launch_review_months: float = param(
        6.0, "Mean months of approval (procurement, data-protection impact assessment, security accreditation) "
             "before the first production launch", ge=0, le=120,
        source="assumption: public-sector approval of a new service (calibration.md §14); sampled 3–12")
    review_cv: float = param(
        0.5, "Coefficient of variation of every review's length (gamma; 0 means exactly the mean)", ge=0, le=5,
        source="assumption: reviews vary about ±50%, as staff searches")


@dataclass(frozen=True)
class Trust(Section):
    """The public's response to steering: trust erodes with every exposed steered answer, and use with it."""

    alignment_adoption_gain: float = param(
        0.1, "Share by which cultural alignment raises the adoption ceiling, reached at output_steering = "
             "alignment_steering (steering up to there aligns answers to local culture and law)", ge=0, le=2,
        source="assumption: local language and customs raise use a little (calibration.md §14); sampled 0–0.2")
    alignment_steering: float = param(
        0.2, "Output steering at which the alignment gain is complete; beyond it steering only costs trust", gt=0,
        le=1, source="assumption: a light touch aligns, more steers toward a narrative; sampled 0.1–0.3")
    steering_ceiling_loss: float = param(
        0.3, "Share of trust lost for good at full steering (trust ceiling = 1 − loss × steering)", ge=0, le=1,
        source="assumption: calibration.md §14 trust surveys; sampled 0.1–0.5")
    incidents_per_year: float = param(
        3.0, "Rate of public incidents exposing steered answers at full steering (rate ∝ steering while the "
             "service is in production)", ge=0, le=365,
        source="assumption: calibration.md §14 (DeepSeek's censored answers were exposed within days); sampled "
               "1–6")
    trust_loss_per_incident: float = param(
        0.2, "Share of trust lost in one incident", ge=0, le=1,
        source="assumption: calibration.md §14; sampled 0.1–0.4")
    trust_recovery_per_year: float = param(
        0.5, "Rate at which trust returns toward its ceiling between incidents, per year", ge=0, le=50,
        source="assumption: trust recovers over about two years; sampled 0.2–1")
