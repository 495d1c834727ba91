"""The scenario: every input of one programme, as frozen sections with units in every name.

Defaults are the ``midsize-nation`` preset. ``source`` names the ``docs/calibration.md`` line a value comes
from; "assumption" marks a modelling choice with no published figure, and says why.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

from sovsim.scenario.budget import Budget
from sovsim.scenario.capability import PIVOT_TRIGGERS, Data, OpenWeights
from sovsim.scenario.fields import ScenarioError, Section, param
from sovsim.scenario.sovereignty import Allocation, Governance, Trust
from sovsim.scenario.supply_graph import HOME, check_supply

__all__ = ["Calendar", "Treasury", "Role", "Staff", "Frontier", "ModelPlan", "Compute", "Energy", "SupplyNode",
           "Supply", "Jurisdiction", "ScheduledChange", "Export", "Deployment", "Scenario"]

STRATEGIES = ("scratch", "continue", "finetune")
GPU_KINDS = ("a100", "h100", "h200", "b200", "gh200", "domestic", "b300", "rubin")
COMPUTE_STRATEGIES = ("own", "rent", "sovereign_cloud", "hybrid", "allocation")
NODE_KINDS = ("chip_designer", "foundry", "hbm", "packaging", "integrator", "cloud_provider", "domestic_chip_maker",
              "country")
REGIMES = ("open", "capped", "licensed", "embargoed")


@dataclass(frozen=True)
class Calendar(Section):
    """When the programme starts and how far ahead a future is simulated."""

    start_date: dt.date = param(dt.date(2027, 1, 1), "Calendar date of simulation day 0")
    horizon_years: float = param(10.0, "Length of a future; a programme alive at the end is right-censored",
                                 gt=0, le=50)


@dataclass(frozen=True)
class Treasury(Section):
    """The programme's money: launch capital, yearly appropriations, elections, insolvency."""

    initial_cash_usd: float = param(
        25e6, "Launch capital available on day 0 (pays the first cluster)", ge=0,
        source="calibration.md §5: launch funds of EU national programmes, GPT-NL €13.5M to OpenEuroLLM €37.4M")
    appropriation_usd_per_year: float = param(
        10e6, "Public appropriation paid at the start of every programme year", ge=0,
        source="calibration.md §5: CHF 20M grant over ~4 years (Apertus); GPT-NL €13.5M; assumption: what a mid-size "
               "plan costs to run with §11 on-costs and colocation")
    election_interval_years: float = param(
        4.0, "Years between elections", gt=0, le=20,
        source="assumption: a four-year parliamentary term")
    first_election_years: float = param(
        2.0, "Years from the start to the first election", ge=0, le=20,
        source="assumption: programmes launch mid-term")
    election_cut_probability: float = param(
        0.35, "Chance that an election cuts the appropriation", ge=0, le=1,
        source="assumption: no published rate; chosen so cuts hit about one programme in three per term")
    election_cut_fraction_min: float = param(
        0.2, "Smallest share of the appropriation removed by a cut", ge=0, le=1,
        source="assumption: UK i.AI spent £5M of £12M (calibration.md §6) shows swings of this size")
    election_cut_fraction_max: float = param(
        0.6, "Largest share of the appropriation removed by a cut", ge=0, le=1,
        source="assumption, as election_cut_fraction_min")
    election_cancel_probability: float = param(
        0.04, "Chance that an election ends the appropriation outright", ge=0, le=1,
        source="assumption: rare outright cancellation")
    insolvency_grace_days: float = param(
        90.0, "Days cash may stay below zero before the programme is defunded", ge=0,
        source="assumption: one quarter of arrears before a ministry closes the programme")
    hiring_freeze_reserve_months: float = param(
        3.0, "Hiring stops and consultants leave while cash covers fewer months of spending than this "
             "(they also stop while staff and electricity run above the appropriation)", ge=0,
        source="assumption: public bodies freeze hiring when the reserve is below a quarter")

    def check(self) -> None:
        if self.election_cut_fraction_min > self.election_cut_fraction_max:
            raise ScenarioError("election_cut_fraction_min", self.election_cut_fraction_min,
                                f"a number ≤ election_cut_fraction_max ({self.election_cut_fraction_max:g})",
                                "larger than the maximum:")
        if self.election_cut_probability + self.election_cancel_probability > 1:
            raise ScenarioError("election_cancel_probability", self.election_cancel_probability,
                                f"a number ≤ 1 - election_cut_probability ({1 - self.election_cut_probability:g})",
                                "probabilities sum above 1:")


@dataclass(frozen=True)
class Role(Section):
    """One role of the team: how many are wanted, how many there are at the start, and their pay."""

    target_fte: int = param(10, "Positions the programme wants filled", ge=0, le=100_000)
    initial_fte: int = param(6, "Staff in post (already ramped up) on day 0", ge=0, le=100_000)
    public_salary_usd_per_year: float = param(
        110e3, "Public pay scale for the role before the salary premium", gt=0,
        source="calibration.md §6 UK government: AISI roles £85–135k")
    market_salary_usd_per_year: float = param(
        200e3, "What the private market pays for the role", gt=0,
        source="calibration.md §6 US market baseline: SF AI-engineer median base $246,250; BLS $112–133k")


def _default_roles() -> dict[str, Role]:
    # Pay: calibration.md §6 (UK government £85–135k for AISI roles, i.AI median £67,300; market: BLS software
    # developers $133,080, SF AI-engineer base $246,250). Headcounts: assumption, a team of 36 like i.AI's 46-of-70.
    return {
        "research": Role(10, 6, 115e3, 240e3),
        "engineering": Role(12, 8, 100e3, 170e3),
        "data": Role(8, 5, 85e3, 130e3),
        "operations": Role(6, 5, 80e3, 115e3),
    }


@dataclass(frozen=True)
class Staff(Section):
    """The team: pay against the market, hiring, attrition, ramp-up, poaching, consultants."""

    roles: Mapping[str, Role] = param(_default_roles(), "Roles of the team, by name")
    local_market_pay_factor: float = param(
        0.66, "What the country's private market pays ML staff, as a share of the roles' (US) market salaries "
              "(frontier labs' offers are staff.frontier_lab_pay_usd_per_year, the same in every country)", gt=0,
        le=5, source="calibration.md §6 ML pay by country tier: Switzerland 1.04, Germany 0.80, UK 0.66, France 0.64, "
                     "Japan 0.62, South Korea 0.51 of the US (UK: the default public pay scale is the UK's)")
    salary_premium: float = param(
        1.0, "Pay as a multiple of the public pay scale (a policy lever)", gt=0, le=20,
        source="calibration.md §6 UK government: packages of ≈£650k would be needed for some roles")
    on_cost_fraction: float = param(
        0.33, "Employer on-costs (social contributions, pensions) as a share of gross pay", ge=0, le=2,
        source="calibration.md §11 staff on-costs: Eurostat non-wage costs 24.7% of EU labour costs (0.33 of pay)")
    public_pay_growth_per_year: float = param(
        0.02, "Yearly rise of the public pay scale", ge=-0.5, le=1,
        source="assumption: public pay tracks inflation")
    market_pay_growth_per_year: float = param(
        0.05, "Yearly rise of market pay", ge=-0.5, le=1,
        source="assumption: AI pay outgrows inflation (calibration.md §6 frontier-lab pay)")
    attrition_per_year: float = param(
        0.05, "Yearly quit hazard per person at pay parity with the market", ge=0, le=5,
        source="calibration.md §6 public sector ≈6%/yr; calibrated so simulated turnover falls in §11 turnover "
               "ranges (6–13.2%/yr)")
    attrition_gap_slope: float = param(
        2.0, "Quit hazard = attrition_per_year × (1 + slope × salary gap), gap = 1 − pay/market", ge=0, le=50,
        source="calibration.md §6: startups ≈26%/yr, frontier-lab two-year retention 64–80% (≈11–20%/yr)")
    time_to_hire_days: float = param(
        101.0, "Mean days from opening a search to an offer", gt=0, le=3650,
        source="calibration.md §6 time to hire: US federal 101.2 days (FY2023)")
    time_to_hire_cv: float = param(
        0.5, "Coefficient of variation of search time (gamma; 0 means exactly the mean)", ge=0, le=5,
        source="assumption: searches vary about ±50%")
    hire_success_at_parity: float = param(
        0.8, "Chance a search ends in a hire when pay matches the market", gt=0, le=1,
        source="assumption")
    hire_gap_slope: float = param(
        1.0, "Hire chance = success_at_parity × (1 − slope × gap), at least 5%", ge=0, le=50,
        source="calibration.md §6: UK i.AI reached 46 staff of a target of 70 with pay ≈½ of market")
    ramp_up_months: float = param(
        6.0, "Months for a new hire to reach full productivity (linear ramp)", ge=0, le=60,
        source="calibration.md §6 ramp-up: 3–9 months")
    minimum_crew_fte: float = param(
        20.0, "Effective staff (ramped, own staff) below which know-how is lost", ge=0,
        source="assumption: about half the target team keeps data, training and operations going")
    hollowed_grace_days: float = param(
        180.0, "Days below the minimum crew before the programme is hollowed", ge=0,
        source="assumption: half a year without a crew loses the know-how")
    hiring_plan_grace: bool = param(
        True, "A team that starts below its target cannot be hollowed before its hiring plan could fill it "
              "(searches until one succeeds at the day-0 pay gap, then the ramp-up)",
        source="assumption: a budget office judges a new team against its hiring plan, not against day 0")
    poaching_waves_per_year: float = param(
        0.25, "Rate of poaching waves by private labs", ge=0, le=52,
        source="assumption; calibration.md §6 frontier-lab pay (Meta offers up to $10M/yr, 2025)")
    frontier_lab_pay_usd_per_year: float = param(
        600e3, "Yearly total compensation frontier labs offer in a poaching wave (grows with market pay); in a wave "
               "the quit hazard takes its gap against this offer: attrition × (1 + attrition_gap_slope × (1 − "
               "pay/offer)), at most attrition × (1 + slope)", gt=0, le=100e6,
        source="calibration.md §6 frontier-lab pay: mid-senior engineers $480–750k total compensation (2026), "
               "OpenAI $238k–1.34M (2025)")
    poaching_duration_months: float = param(
        6.0, "Length of a poaching wave", gt=0, le=120, source="assumption")
    consultant_max_fte: float = param(
        4.0, "Most consultants that fill vacancies while hiring is open", ge=0, source="assumption")
    consultant_premium: float = param(
        2.0, "Consultant cost as a multiple of the role's market pay", ge=0, le=20,
        source="assumption: day rates of about twice an employee's cost")
    consultant_productivity: float = param(
        0.6, "Work a consultant does relative to a ramped employee (what they learn of the pipeline stays "
               "with them: see knowhow_transfer_per_year)", ge=0, le=1,
        source="assumption")
    knowhow_transfer_per_year: float = param(
        0.5, "Rate at which a full ramped team takes pipeline know-how back from consultants, per year", ge=0, le=50,
        source="assumption: calibration.md §14 (skills transfer from consultants rarely planned); sampled 0.2–1")
    consultant_lockin_slope: float = param(
        0.5, "Consultant rates × (1 + slope × their share of the know-how)", ge=0, le=20,
        source="assumption: calibration.md §14 (time-and-materials contracts reward dependence); sampled 0–1.5")
    museum_knowhow_share: float = param(
        0.5, "Share of the know-how held by consultants above which nobody in house can update the model", gt=0,
        le=1, source="assumption: once consultants hold most of the pipeline; sampled 0.4–0.7")
    museum_months: float = param(
        12.0, "Months with no release, while consultants hold the know-how, before a serving, paid programme is "
              "a museum", gt=0, le=240,
        source="assumption: a missed release at a 9-month cadence, before the model goes stale (≈16 months after "
               "a release); sampled 9–18")

    def check(self) -> None:
        if not self.roles:
            raise ScenarioError("roles", {}, "at least one role", "empty:")
        targets = sum(r.target_fte for r in self.roles.values())
        if self.minimum_crew_fte > targets:
            raise ScenarioError("minimum_crew_fte", self.minimum_crew_fte,
                                f"a number ≤ the sum of role targets ({targets})", "above the whole team:")


@dataclass(frozen=True)
class Frontier(Section):
    """The moving target: frontier and best open-weights capability in log10 effective compute."""

    frontier_log10_flop_at_start: float = param(
        27.0, "Frontier training compute at the start date, log10 FLOP", ge=20, le=35,
        source="calibration.md §7 reference compute (Llama 3.1-405B 3.8e25, 2024) grown 4.6×/yr to 2027")
    compute_growth_per_year: float = param(
        4.6, "Yearly growth factor of frontier training compute", ge=1, le=100,
        source="calibration.md §7 frontier training compute growth 4–5×/yr (4.6× notable models)")
    algorithmic_efficiency_per_year: float = param(
        3.0, "Yearly gain in effective compute from better algorithms", ge=1, le=100,
        source="calibration.md §7 algorithmic efficiency ≈2.8–3×/yr")
    open_lag_months: float = param(
        6.0, "How far open weights trail the frontier", ge=0, le=120,
        source="calibration.md §7 open-weight lag: ≈3–4 months (2025–26) to ≈1 year (2024)")
    jumps_per_year: float = param(
        0.5, "Rate of sudden frontier jumps (a breakthrough release)", ge=0, le=52,
        source="assumption: calibration.md §7 proliferation ≈2 frontier-scale models a month, few step changes")
    jump_mean_log10: float = param(
        0.25, "Mean size of a jump (exponential), in decades of effective compute", ge=0, le=5,
        source="assumption: a jump worth about three months of trend")
    compute_ceiling_log10_2030_min: float = param(
        28.5, "Lowest feasible frontier training compute on 2030-01-01, log10 FLOP (drawn per future)", ge=20,
        le=40, source="calibration.md §8 feasibility: one campus of 1–5 GW supports 1e28–3e29 FLOP by 2030")
    compute_ceiling_log10_2030_max: float = param(
        29.5, "Highest feasible frontier training compute on 2030-01-01, log10 FLOP", ge=20, le=40,
        source="calibration.md §8 feasibility: 2e29 FLOP likely feasible by 2030")
    ceiling_growth_per_year: float = param(
        2.0, "Yearly growth of the feasible compute after the ceiling date (power build-out)", ge=1, le=100,
        source="calibration.md §8 power growth: power of frontier training runs grows ≈2×/yr")
    algorithmic_uncertainty: float = param(
        1.6, "Algorithmic gain per year drawn per future log-uniformly within ÷/× this factor of the central "
             "value (1: no uncertainty)", ge=1, le=10,
        source="calibration.md §8 algorithmic progress: halving time ≈8 months, 95% CI 5–14 months")

    def check(self) -> None:
        if self.compute_ceiling_log10_2030_min > self.compute_ceiling_log10_2030_max:
            raise ScenarioError("compute_ceiling_log10_2030_min", self.compute_ceiling_log10_2030_min,
                                f"a number ≤ compute_ceiling_log10_2030_max ({self.compute_ceiling_log10_2030_max:g})",
                                "larger than the maximum:")


@dataclass(frozen=True)
class ModelPlan(Section):
    """The national model and its release cycles: strategy, size, cadence, pivots, staleness."""

    strategy: str = param(
        "continue", "scratch: pre-train from nothing; continue: continued pre-training of the best open "
                    "weights; finetune: fine-tune them", choices=STRATEGIES,
        source="calibration.md §5: Apertus/ALIA from scratch; Swallow continued; many fine-tunes")
    parameter_count: float = param(
        8e9, "Parameters of the national model", gt=0, le=1e14,
        source="calibration.md §5: Apertus 8B/70B, GPT-SW3 up to 40B, ALIA 40B")
    scratch_tokens: float = param(
        15e12, "Training tokens of a from-scratch run (at most: see max_run_days)", gt=0,
        source="calibration.md §5: Apertus 15T, ALIA 9.37T, Minerva 2.48T, GPT-SW3 320B")
    continue_tokens: float = param(
        2e11, "Tokens of continued pre-training per cycle", gt=0,
        source="calibration.md §5: Apertus 1.5 added 2–4T; assumption: a mid-size corpus of 200B")
    finetune_tokens: float = param(
        2e9, "Tokens of fine-tuning per cycle", gt=0,
        source="calibration.md §7 fine-tuning ≈0.2% of pre-training compute (DeepSeek-V3)")
    mfu: float = param(
        0.35, "Model FLOPs utilisation of a training run", gt=0, le=1,
        source="calibration.md §4 effective utilisation: Llama 3.1 ≈0.35, BLOOM ≈0.32, Apertus 0.20–0.30")
    training_share: float = param(
        0.8, "Share of the fleet a training run may use", gt=0, le=1,
        source="assumption: the rest serves and tests")
    release_interval_months: float = param(
        9.0, "Months between the starts of release cycles (a lever)", gt=0, le=120,
        source="assumption: Apertus 1.0 → 1.5 took 11 months (calibration.md §5)")
    data_prep_days: float = param(
        90.0, "Days of data preparation per cycle with the full team", ge=0, le=3650, source="assumption")
    eval_days: float = param(30.0, "Days of evaluation before a release", ge=0, le=3650, source="assumption")
    max_run_days: float = param(
        90.0, "Longest training run a team plans: a run's tokens are capped by what the fleet processes in it",
        gt=0, le=1e6, source="calibration.md §8 training windows: Llama 3.1 405B ≈54 days, BLOOM ≈3.5 months")
    pivot_on: tuple[str, ...] = param(
        ("behind", "supply_stop"), "Triggers on which the programme changes strategy: behind (scratch → "
        "continue), supply_stop (back to scratch), budget_cut (one step cheaper)",
        source="calibration.md §9 pivots: GPT-SW3 to fine-tuning, Poro/Viking to continued Llama, SEA-LION to "
               "Llama/Gemma bases")
    accepted_lag_months: float = param(
        0.0, "Months of frontier progress by which the country accepts its model to trail the free alternative in "
             "its languages, for control and provenance (the capability side of deployment.sovereignty_premium): "
             "beyond it the model is behind — no production launch, users drift away, and it can go stale",
        ge=0, le=120, source="assumption: none accepted by default; the hindcast calibrates it "
                             "(experiments/calibrated_ranges.toml)")
    stale_grace_months: float = param(
        6.0, "Months the model may trail the free alternative, with its service's users gone to it (adoption run "
             "down), before it is stale", ge=0, le=120,
        source="assumption: half a budget year; the hindcast leaves it unconstrained (experiments/"
               "calibrated_ranges.toml)")
    first_release_deadline_months: float = param(
        24.0, "Months allowed to the first release before the programme counts as stale", gt=0, le=240,
        source="assumption")

    def check(self) -> None:
        for trigger in self.pivot_on:
            if trigger not in PIVOT_TRIGGERS:
                allowed = "an array of " + ", ".join(repr(t) for t in PIVOT_TRIGGERS)
                raise ScenarioError("pivot_on", self.pivot_on, allowed, "unknown trigger in")


@dataclass(frozen=True)
class Compute(Section):
    """Where the compute comes from (own, rent, sovereign cloud, hybrid), how it fails and how it is refreshed."""

    strategy: str = param(
        "own", "own: buy a fleet; rent: a foreign cloud; sovereign_cloud: a domestic cloud; hybrid: own + foreign "
               "cloud; allocation: awards on a shared supercomputer, see [allocation] (a policy lever)",
        choices=COMPUTE_STRATEGIES,
        source="calibration.md §5: Alps/Isambard owned, Falcon on AWS, national AI factories")
    gpu: str = param("h100", "GPU generation of the owned fleet (and of rented capacity)", choices=GPU_KINDS,
                     source="calibration.md §1 GPU specs and prices")
    gpu_count: int = param(
        512, "GPUs of the owned fleet, ordered on day 0 (own and hybrid)", ge=0, le=10_000_000,
        source="calibration.md §5: Sarvam 4,096 H100, Korean teams 512–768 B200, GPT-SW3 on Berzelius")
    spare_fraction: float = param(
        0.08, "Spare GPUs bought with every order, as a share of it", ge=0, le=1,
        source="calibration.md §4 BLOOM: 384 A100 plus 32 spares (≈8%)")
    lifetime_years: float = param(
        5.0, "Years a GPU serves before it retires", gt=0, le=30,
        source="assumption: five-year depreciation of accelerator servers")
    refresh: bool = param(True, "Order replacements a year before the fleet retires, as far as the cash above a "
                                "year of running costs allows", source="assumption")
    failures_per_gpu_year: float = param(
        0.17, "Unexpected interruptions per GPU-year (hardware and software)", ge=0, le=100,
        source="calibration.md §4 derived per-GPU rate: all unexpected ≈0.17 per GPU-year (Llama 3)")
    repair_days: float = param(30.0, "Days a failed GPU is out for repair", gt=0, le=3650,
                               source="assumption: a month for RMA or replacement")
    checkpoint_hours: float = param(
        0.0, "Hours of training between checkpoints (0: Young/Daly's √(2·write·MTBF) for the run's GPUs)", ge=0,
        le=1000, source="calibration.md §11 checkpoint interval: Young/Daly optimum")
    restart_minutes: float = param(10.0, "Minutes to restart a run after an interruption", ge=0, le=10_000,
                                   source="calibration.md §11 restart time: minutes with automated recovery")
    checkpoint_write_minutes: float = param(
        0.0, "Minutes a checkpoint stalls training (0: 14 bytes per parameter written by every GPU at "
             "storage_bytes_per_s_per_gpu)", ge=0, le=10_000,
        source="calibration.md §11 checkpoint size and storage bandwidth (Llama 3: Tectonic 2 TB/s sustained)")
    storage_bytes_per_s_per_gpu: float = param(
        122e6, "Checkpoint write bandwidth of the storage, per GPU of the run", gt=0,
        source="calibration.md §11 storage bandwidth: Llama 3's 2 TB/s sustained for 16,384 GPUs")
    rented_gpus: int = param(0, "GPUs rented under contract (rent, sovereign_cloud and hybrid)", ge=0, le=10_000_000,
                             source="calibration.md §5: Falcon-180B on up to 4,096 A100 at AWS")
    cloud_provider: str = param("hyperscaler_us", "Supply-graph node of the foreign cloud (rent and hybrid)")
    sovereign_cloud_provider: str = param("domestic_cloud", "Supply-graph node of the domestic cloud")
    rent_usd_per_gpu_hour: float = param(
        2.35, "Contract price of a rented GPU-hour at the foreign cloud", ge=0, le=1000,
        source="calibration.md §1 H100 cloud 2024–26: SemiAnalysis 1-year contract index $2.35 (Mar 2026)")
    sovereign_rent_usd_per_gpu_hour: float = param(
        3.5, "Price of a GPU-hour at the domestic sovereign cloud", ge=0, le=1000,
        source="calibration.md §1: hyperscalers $3–7/GPU-h (assumption: a sovereign premium over the index)")
    contract: str = param(
        "reserved_1y", "Cloud contract: reserved_1y / reserved_3y billed for every contracted GPU round the clock; "
                       "on_demand billed for the GPU-hours used, dearer", choices=("reserved_1y", "reserved_3y",
                                                                                   "on_demand"),
        source="calibration.md §11 cloud contracts: reserved vs on-demand")
    reserved_3y_price_factor: float = param(
        0.60, "Price of a 3-year reserved GPU-hour as a share of the 1-year price", gt=0, le=10,
        source="calibration.md §11 cloud contracts: AWS p4d $2.40 (1 y) vs $1.45 (3 y)")
    on_demand_price_factor: float = param(
        1.71, "Price of an on-demand GPU-hour as a multiple of the 1-year price", gt=0, le=20,
        source="calibration.md §11 cloud contracts: AWS p4d $4.10 on demand vs $2.40 (1 y)")
    networking_capex_share: float = param(
        0.12, "Share of an owned cluster's capital cost that is networking", ge=0, lt=0.9,
        source="calibration.md §11 capex split: networking ≈10–15% of an AI cluster")
    storage_capex_share: float = param(
        0.05, "Share of an owned cluster's capital cost that is storage", ge=0, lt=0.9,
        source="calibration.md §11 capex split: storage ≈5%")
    colocation_usd_per_kw_month: float = param(
        184.0, "Colocation rent per kW of IT power a month for the owned servers (electricity apart)", ge=0,
        le=10_000, source="calibration.md §11 colocation: CBRE $184.06 per kW-month (H2 2024)")
    tender_months: float = param(
        4.0, "Months of public tender before an order is placed", ge=0, le=60,
        source="calibration.md §11 public tender durations")
    deposit_fraction: float = param(
        0.3, "Share of an order's price paid when it is placed (the rest on delivery)", ge=0, le=1,
        source="calibration.md §11 payment milestones")
    recontract_days: float = param(
        90.0, "Days to sign a new cloud contract once an embargo is lifted", ge=0, le=3650, source="assumption")
    starved_grace_days: float = param(
        180.0, "Days without usable training compute, and none on its way, before the programme is starved "
               "(an order waiting its normal lead time is on its way; a blocked one is not)", ge=0,
        source="assumption: half a year without compute, like the grace of a stale model")
    server_power_factor: float = param(
        1.82, "Server power per GPU as a multiple of the GPU's TDP", ge=1, le=5,
        source="calibration.md §1 server power per GPU: DGX H100 10.2 kW / 8 = 1.82× TDP")
    mean_power_fraction: float = param(
        0.75, "Average draw of a busy GPU server as a share of its TDP", gt=0, le=1,
        source="calibration.md §1: average draw during training ≈0.75 of server TDP (90% CI 0.5–1.0)")
    idle_power_fraction: float = param(
        0.25, "Draw of an idle GPU server as a share of its TDP", ge=0, le=1,
        source="assumption: idle accelerators, CPUs, fans and network still draw about a quarter of TDP")

    def check(self) -> None:
        if self.idle_power_fraction > self.mean_power_fraction:
            raise ScenarioError("idle_power_fraction", self.idle_power_fraction,
                                f"a number ≤ mean_power_fraction ({self.mean_power_fraction:g})",
                                "idle draw above busy draw:")


@dataclass(frozen=True)
class Energy(Section):
    """Electricity for the owned fleet."""

    price_usd_per_kwh: float = param(
        0.20, "Industrial electricity price", ge=0, le=10,
        source="calibration.md §3 EU industrial 2024 ≈€0.20/kWh")
    pue: float = param(1.25, "Power usage effectiveness of the data centre", ge=1, le=5,
                       source="calibration.md §3: Epoch uses 1.25 for non-hyperscale sites")
    grid_carbon_g_per_kwh: float = param(
        381.0, "Grid carbon intensity (lifecycle), mean over the day", ge=0, le=2000,
        source="calibration.md §3 grid carbon: Germany 381 g/kWh (2023)")
    price_daily_amplitude: float = param(
        0.15, "Daily swing of the price around its mean (peak at 18:00)", ge=0, lt=1,
        source="assumption: industrial day-night spread of about ±15%")
    price_seasonal_amplitude: float = param(
        0.10, "Seasonal swing of the price around its mean (peak in mid-January)", ge=0, lt=1,
        source="assumption: winter prices about 10% above the yearly mean")
    carbon_daily_amplitude: float = param(
        0.10, "Daily swing of grid carbon around its mean (lowest at 13:00, solar)", ge=0, lt=1,
        source="assumption: midday solar lowers intensity about 10%")
    price_shocks_per_year: float = param(
        0.15, "Rate of electricity price shocks", ge=0, le=12,
        source="assumption: one crisis like Europe's 2022 gas shock every six to seven years")
    price_shock_multiplier: float = param(
        2.5, "Price multiplier during a shock", ge=1, le=20,
        source="assumption: EU industrial prices more than doubled in 2022 (calibration.md §3 gives 2024 levels)")
    price_shock_duration_months: float = param(
        9.0, "Length of a price shock", gt=0, le=120, source="assumption")


@dataclass(frozen=True)
class SupplyNode(Section):
    """A supplier in the GPU supply chain: its kind, jurisdiction, share of world supply and lead time."""

    kind: str = param("integrator", "What the node does", choices=NODE_KINDS)
    jurisdiction: str = param("US", f"Jurisdiction the node answers to ({HOME} is the country itself)")
    capacity_share: float = param(1.0, "Share of world supply of its kind (a route's smallest share sets how "
                                       "long a small buyer waits)", gt=0, le=1)
    lead_time_weeks_min: float = param(8.0, "Lead time through this node in a calm market (the generation's lead "
                                            "time scales into this node's range: model/leadtimes.py)", ge=0, le=520,
                                       source="calibration.md §1 lead time 2024: 8–12 weeks")
    lead_time_weeks_max: float = param(52.0, "Lead time through this node at a generation's tightest (the peak "
                                             "of its lead-time curve)", ge=0, le=520,
                                       source="calibration.md §1 lead time 2023 and 2026: 36–52 weeks")
    supplies: tuple[str, ...] = param((), "Nodes this node supplies (the graph's edges)")
    products: tuple[str, ...] = param((), "GPU kinds this node designs (chip designers and domestic chip makers)")

    def check(self) -> None:
        if self.lead_time_weeks_min > self.lead_time_weeks_max:
            raise ScenarioError("lead_time_weeks_min", self.lead_time_weeks_min,
                                f"a number ≤ lead_time_weeks_max ({self.lead_time_weeks_max:g})",
                                "larger than the maximum:")


def _node(kind: str, jurisdiction: str, share: float, supplies: tuple[str, ...], lead: tuple[float, float] = (8, 52),
          products: tuple[str, ...] = ()) -> SupplyNode:
    return SupplyNode(kind, jurisdiction, share, lead[0], lead[1], supplies, products)


def _default_graph() -> dict[str, SupplyNode]:
    # Kinds and jurisdictions: calibration.md §1–2 (Nvidia designs; TSMC fabs and packages (CoWoS); SK hynix,
    # Samsung and Micron make HBM; US integrators; US hyperscalers). Shares: assumption from market structure.
    # Lead times: calibration.md §1 (8–52 weeks by market state); domestic chips: assumption, longer.
    integrators = ("dell", "hpe", "supermicro")
    return {
        "nvidia": _node("chip_designer", "US", 0.9, ("cowos",), products=("a100", "h100", "h200", "b200", "gh200",
                                                                           "b300", "rubin")),
        "tsmc": _node("foundry", "TW", 0.9, ("nvidia",)),
        "sk_hynix": _node("hbm", "KR", 0.5, ("cowos",)),
        "samsung_hbm": _node("hbm", "KR", 0.35, ("cowos",)),
        "micron": _node("hbm", "US", 0.15, ("cowos",)),
        "cowos": _node("packaging", "TW", 0.9, integrators),
        "dell": _node("integrator", "US", 0.4, ("country",)),
        "hpe": _node("integrator", "US", 0.3, ("country",), (20, 52)),
        "supermicro": _node("integrator", "US", 0.3, ("country",)),
        "domestic_chip": _node("domestic_chip_maker", HOME, 1.0, ("country",), (40, 78), products=("domestic",)),
        "hyperscaler_us": _node("cloud_provider", "US", 0.6, ("country",), (0, 4)),
        "domestic_cloud": _node("cloud_provider", HOME, 1.0, ("country",), (0, 8)),
        "country": _node("country", HOME, 1.0, (), (0, 0)),
    }


@dataclass(frozen=True)
class Supply(Section):
    """The supplier dependency graph: nodes and the "supplies" edges between them, ending at the country."""

    nodes: Mapping[str, SupplyNode] = param(_default_graph(), "Suppliers by name (a node named 'country' is the "
                                                              "programme's own country)")


@dataclass(frozen=True)
class Jurisdiction(Section):
    """A foreign jurisdiction whose export regime toward the country can change."""

    change_weight: float = param(1.0, "Relative chance that a regime change concerns this jurisdiction", ge=0,
                                 source="calibration.md §2: almost every rule change since 2022 is American")
    initial_regime: str = param("open", "Regime toward the country on day 0", choices=REGIMES)


@dataclass(frozen=True)
class ScheduledChange(Section):
    """A rule change on a fixed date, on top of the random ones (for what-if questions and exact tests)."""

    date: dt.date = param(dt.date(2030, 1, 1), "When the change takes effect")
    jurisdiction: str = param("US", "Which jurisdiction changes its regime")
    regime: str = param("embargoed", "The new regime", choices=REGIMES)


def _default_jurisdictions() -> dict[str, Jurisdiction]:
    # calibration.md §2: the US made 8–9 major rule changes 2022–26; Taiwan and Korea followed US rules (FDPR).
    return {"US": Jurisdiction(0.85, "open"), "TW": Jurisdiction(0.1, "open"), "KR": Jurisdiction(0.05, "open")}


@dataclass(frozen=True)
class Export(Section):
    """Export-control regimes of foreign jurisdictions toward the country, and what blocked orders do."""

    tier: int = param(2, "The country's tier (1: close ally, 2: most countries, 3: arms-embargoed)", ge=1, le=3,
                      source="calibration.md §2 AI Diffusion IFR (Jan 2025): Tier 1 = US + 18 allies, Tier 2 ≈ "
                             "120–140 countries")
    changes_per_year: float = param(
        3.0, "Rate of major export-rule changes", ge=0, le=52,
        source="calibration.md §2 rate of rule change: ≈1/yr 2022–24, 3–4/yr 2025; Poisson 2–4/yr defensible")
    jurisdictions: Mapping[str, Jurisdiction] = param(_default_jurisdictions(), "Foreign jurisdictions by code")
    embargo_persistence: float = param(
        0.8, "Chance that a rule change concerning an embargoing jurisdiction keeps (tightens) the embargo", ge=0,
        le=1, source="calibration.md §2: controls on China tightened in every revision Oct 2022–Apr 2025 and were "
                     "only partly relaxed (Aug and Dec 2025)")
    schedule: Mapping[str, ScheduledChange] = param({}, "Rule changes on fixed dates, by name")
    cap_h100_eq: float = param(
        49_901.0, "GPU cap of a 'capped' regime over its window, in H100-equivalents", ge=0,
        source="calibration.md §2: Tier-2 country cap ≈49,901 H100-eq for 2025–27")
    cap_window_years: float = param(3.0, "Window of the cap", gt=0, le=50,
                                    source="calibration.md §2: the cap covers 2025–27")
    licence_delay_days: float = param(
        90.0, "Extra delay of an order through a 'licensed' jurisdiction", ge=0, le=3650,
        source="assumption; calibration.md §2 Oct 2023: licences and a 25-day notification window")
    order_patience_days: float = param(
        365.0, "Days a blocked order waits before it is cancelled", ge=0, le=3650, source="assumption")
    refund_fraction: float = param(
        0.5, "Share of a cancelled order's price refunded", ge=0, le=1,
        source="assumption: deposits and restocking fees lost")


@dataclass(frozen=True)
class Deployment(Section):
    """From pilot to production: demand, serving replicas, latency and cost per token against an alternative API."""

    pilot_requests_per_day: float = param(
        2_000.0, "Requests a day while the service is a pilot (a few hundred civil servants)", ge=0,
        source="assumption: a pilot in a few ministries; no published figure")
    production_max_requests_per_day: float = param(
        3_000_000.0, "Requests a day at full adoption in production (the logistic's ceiling)", gt=0,
        source="assumption: ≈300k public servants of a mid-size country × 10 requests a day")
    adoption_growth_per_year: float = param(
        2.0, "Rate of the logistic adoption curve in production, per year", gt=0, le=50,
        source="assumption: from a tenth to nine tenths of the ceiling in about two years")
    adoption_midpoint_years: float = param(
        0.5, "Years of production at which adoption reaches half its ceiling", ge=0, le=50,
        source="assumption: the service launches to the ministries that ran the pilot (27% of the ceiling at "
               "launch)")
    stale_adoption_loss: float = param(
        1.0, "Years of adoption lost per year while the model trails the alternative or the service is back in "
             "pilot", ge=0, le=50,
        source="assumption: users drift to other tools as fast as they came")
    demand_volatility: float = param(
        0.2, "Month-to-month spread of demand (σ of a mean-one lognormal factor)", ge=0, le=3,
        source="assumption: budget cycles, campaigns and holidays move demand about ±20%")
    tokens_per_request: float = param(
        2_000.0, "Tokens processed per request (prompt, retrieved context and answer)", gt=0, le=1e7,
        source="assumption: a public-sector assistant with retrieved documents in its prompt")
    serving_share: float = param(
        0.2, "Share of the owned fleet that serves (with no owned GPUs: the most an elastic inference contract at "
             "the same provider may rent, as a share of the rented GPUs; it is sized to the busy hour at 80% "
             "utilisation and billed monthly)", ge=0, le=1,
        source="assumption: the fifth of the cluster that training leaves free (model.training_share = 0.8)")
    gpus_per_replica: int = param(
        0, "GPUs that together serve one replica (tensor parallel; 0: the fewest whose memory holds the weights "
           "and the KV cache)", ge=0, le=1024,
        source="calibration.md §10 GPU memory: an 8B model in BF16 (16 GB) fits one 80 GB H100")
    output_token_share: float = param(
        0.25, "Share of a request's tokens that are the answer (the rest is prompt and retrieved context)", gt=0,
        lt=1, source="calibration.md §10 blended prices: 3:1 input to output tokens")
    tokens_per_request_growth_per_year: float = param(
        0.1, "Yearly growth of the tokens per request (longer contexts, agents)", ge=0, le=10,
        source="calibration.md §10 demand growth: tokens per request grow with context and agentic use")
    tpot_target_s: float = param(
        0.05, "Time per output token a stream must get (sets the batch a replica runs)", gt=0, le=10,
        source="calibration.md §10 latency: 20 tokens a second per stream, faster than reading")
    max_batch: int = param(256, "Most streams a replica batches at once", ge=1, le=100_000,
                           source="calibration.md §10: vLLM max_num_seqs default 256")
    busy_hour_factor: float = param(
        2.5, "Arrival rate in the busiest hour as a multiple of the daily mean rate", ge=1, le=24,
        source="assumption: public-sector demand concentrated in office hours (24 h / ≈10 h)")
    residency_share: float = param(
        0.4, "Share of demand whose data may not leave the country: served only on domestic soil (owned GPUs, a "
             "domestic cloud or allocation), never by a foreign-cloud tenant", ge=0, le=1,
        source="assumption: personal, health, tax and classified data in public-sector use (calibration.md §14); "
               "sampled 0.2–0.6")
    output_steering: float = param(
        0.0, "How far outputs are steered toward the state's preferred narrative (0 none, 1 fully; a lever); "
             "see [trust]", ge=0, le=1, source="assumption: a policy lever, no default steering")
    p95_latency_target_s: float = param(
        2.5, "p95 time to first token (wait for a batch slot + prefill) that production must meet at the busy hour",
        gt=0, source="calibration.md §7 latency targets: p95 total 2–3 s")
    serving_gpus_per_fte: float = param(
        100.0, "Serving GPUs one operator runs: the serving team's marginal size, counted at the team's mean pay",
        gt=0, source="assumption: a budget office counts the operators a service adds, not a share of the "
                     "research payroll (calibration.md §10)")
    alternative_usd_per_mtok: float = param(
        0.0, "Price per million tokens of a foreign API as capable as the national model at the start of its "
             "release (0: the listed price of an open-weights model of the same size at the date)", ge=0,
        source="calibration.md §10 API prices by model size")
    alternative_size_decline_per_year: float = param(
        1.1, "Yearly fall of the listed API price of a model of a given size", ge=1, le=100,
        source="calibration.md §10 API prices by model size, 2024 → 2025")
    alternative_decline_per_year: float = param(
        10.0, "Yearly fall of the alternative price at fixed capability: the national model competes with an API "
              "priced this much lower for every year its capability has been open", ge=1, le=1000,
        source="calibration.md §7 inference price at fixed capability: ≈10×/yr (a16z), 9–900×/yr (Epoch)")
    sovereignty_premium: float = param(
        0.6, "How much more than the alternative the country accepts to pay per token (1 = up to twice)", ge=0,
        le=100, source="assumption: a ministry pays up to 60% more for control over its data and model (cloud "
                       "sovereign premium of calibration.md §1: $3.5 vs $2.35 per GPU-hour, ≈50%)")
    rollback_grace_months: float = param(
        6.0, "Months a production service may fail the bar before it is rolled back to pilot", ge=0, le=120,
        source="assumption: as model.stale_grace_months")
    max_pilot_years: float = param(
        3.0, "Years the service may stay out of production (from the start, or from a rollback) before the "
             "programme is a vanity pilot", gt=0, le=50,
        source="assumption: a three-year pilot outlives a parliamentary term's patience")


@dataclass(frozen=True)
class Scenario(Section):
    """One sovereign-AI programme and the world around it."""

    name: str = param("midsize-nation", "Short name of the scenario")
    description: str = param("", "One line on what the scenario represents")
    calendar: Calendar = param(Calendar(), "Start date and horizon")
    treasury: Treasury = param(Treasury(), "Money")
    staff: Staff = param(Staff(), "The team")
    frontier: Frontier = param(Frontier(), "The moving frontier")
    model: ModelPlan = param(ModelPlan(), "The national model and its release cycles")
    compute: Compute = param(Compute(), "Where the compute comes from")
    energy: Energy = param(Energy(), "Electricity")
    supply: Supply = param(Supply(), "The supplier dependency graph")
    export: Export = param(Export(), "Export-control regimes toward the country")
    deployment: Deployment = param(Deployment(), "From pilot to production")
    allocation: Allocation = param(Allocation(), "Awards on a shared supercomputer (compute.strategy = allocation)")
    governance: Governance = param(Governance(), "Approval and conformity work before releases and launch")
    trust: Trust = param(Trust(), "Public trust and the response to output steering")
    budget: Budget = param(Budget(), "The yearly budget request beyond running costs")
    data: Data = param(Data(), "The local-language corpus")
    open_weights: OpenWeights = param(OpenWeights(), "The foreign open-weights supply")

    def check(self) -> None:
        check_supply(self)
