"""Scenario sections of the capability mechanism: the local-language corpus and the open-weights supply."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

from sovsim.scenario.fields import ScenarioError, Section, param

__all__ = ["Data", "Family", "Cutoff", "OpenWeights", "PIVOT_TRIGGERS", "NO_CUTOFF"]

PIVOT_TRIGGERS = ("behind", "supply_stop", "budget_cut")
NO_CUTOFF = dt.date(9999, 12, 31)  #: the cutoff date that means "no cutoff"


@dataclass(frozen=True)
class Data(Section):
    """The local-language corpus: what continued pre-training and fine-tuning can teach about the country."""

    local_corpus_tokens: float = param(
        3e10, "Tokens of text in the country's languages on day 0 (before filtering)", ge=0,
        source="calibration.md §12 Finnish corpus: ≈32B tokens of Finnish in Poro's training data")
    corpus_growth_per_year: float = param(
        0.05, "Yearly growth of the local corpus (new text, new licences)", ge=0, le=10,
        source="assumption: calibration.md §12 corpus growth — national libraries and publishers add a few "
                "per cent a year")
    usable_share: float = param(
        0.7, "Share of the corpus licensed and clean enough to train on", gt=0, le=1,
        source="calibration.md §12 licensed data: GPT-NL trains only on licensed data; assumption: 70% passes")
    max_epochs: float = param(
        4.0, "Passes over the local corpus that still teach as much as new text", ge=1, le=100,
        source="calibration.md §12 repeated epochs: up to ≈4 epochs of repeated data are worth nearly as "
                "much as unique data")
    half_tokens: float = param(
        1e10, "Local tokens that halve a model's local deficit (the saturation scale of local learning)", gt=0,
        source="calibration.md §12 continued pre-training: Swallow and Poro 2 gain their target-language skill "
               "within 100–165B tokens; assumption: half of it in the first 10B")
    scratch_local_share: float = param(
        0.1, "Share of a from-scratch run's tokens in the country's languages (as far as the corpus allows)",
        ge=0, le=1, source="calibration.md §12 language mix: Apertus 40% non-English over many languages; "
                "assumption: 10%")
    continue_local_share: float = param(
        0.5, "Share of a continued pre-training run's tokens in the country's languages (the rest is replay)",
        ge=0, le=1, source="calibration.md §12 continued pre-training: local text mixed with replayed English")
    finetune_token_weight: float = param(
        10.0, "Local worth of a curated fine-tuning token relative to a raw corpus token", ge=0, le=1000,
        source="assumption: calibration.md §12 fine-tuning data — curated instruction data teaches far more per token")
    no_local_deficit_log10: float = param(
        2.0, "Local deficit of a model that saw none of the country's text, decades of effective compute",
        ge=0, le=10, source="assumption: calibration.md §12 local deficit — low-resource languages score "
                "far below English")
    open_local_deficit_log10: float = param(
        1.1, "Local deficit of the open models on day 0, decades of effective compute", ge=0, le=10,
        source="assumption: calibration.md §12 local deficit — the gap of open models in mid-resource "
               "languages (the former constant local edge)")
    open_deficit_halving_years: float = param(
        8.0, "Years in which open models halve their local deficit as their multilingual share grows", gt=0,
        le=100, source="calibration.md §12 multilingual share: open models 2023→2025 (Llama 2, Llama 3, "
                       "Qwen3 119 languages); assumption: coverage widens fast, quality in mid-resource "
                       "languages slowly — halving every eight years")


@dataclass(frozen=True)
class Family(Section):
    """One foreign open-weights family: where it comes from, how often and in which sizes it releases."""

    jurisdiction: str = param("US", "Jurisdiction of the lab (for licence filters, cutoffs and export controls)")
    cadence_months: float = param(12.0, "Months between generations", gt=0, le=120,
                                  source="calibration.md §9 release cadence of open families")
    small_parameters: float = param(8e9, "Parameters of the smallest size of a generation", gt=0)
    mid_parameters: float = param(70e9, "Parameters of the middle size", gt=0)
    large_parameters: float = param(405e9, "Parameters of the flagship", gt=0)
    offset_log10: float = param(0.0, "Flagship capability relative to the best open weights of its time, decades",
                                ge=-5, le=0, source="calibration.md §9 family offsets: smaller labs trail "
                                        "the leading open models")
    stop_per_year: float = param(
        0.1, "Yearly hazard that the family stops open releases to this country (goes closed or changes licence)",
        ge=0, le=10, source="calibration.md §9 stops and licences: labs moving frontier models to closed "
                "weights, restrictive licences")

    def check(self) -> None:
        if not self.small_parameters <= self.mid_parameters <= self.large_parameters:
            raise ScenarioError("small_parameters", self.small_parameters,
                                "small_parameters ≤ mid_parameters ≤ large_parameters", "sizes out of order:")


def _default_families() -> dict[str, Family]:
    # calibration.md §9: Llama 3 (8B/70B/405B, yearly), Gemma 3 (4B/12B/27B), Mistral (7B/24B/123B),
    # Qwen3 (8B/32B/235B, about every six months), DeepSeek (V3 671B and distilled 7B/70B), OLMo 2 (7B/13B/32B).
    return {
        "llama": Family("US", 12.0, 8e9, 70e9, 405e9, 0.0, 0.2),
        "gemma": Family("US", 12.0, 4e9, 12e9, 27e9, -0.4, 0.1),
        "mistral": Family("EU", 9.0, 7e9, 24e9, 123e9, -0.3, 0.15),
        "qwen": Family("CN", 6.0, 8e9, 32e9, 235e9, 0.0, 0.1),
        "deepseek": Family("CN", 9.0, 7e9, 70e9, 671e9, 0.0, 0.1),
        "olmo": Family("US", 12.0, 7e9, 13e9, 32e9, -0.7, 0.05),
    }


@dataclass(frozen=True)
class Cutoff(Section):
    """A what-if: every new open release stops on a date (from one jurisdiction, or all)."""

    date: dt.date = param(NO_CUTOFF, "From this date no new open weights are released (9999-12-31: no cutoff)")
    jurisdiction: str = param("", "Only families of this jurisdiction stop (empty: all)")


@dataclass(frozen=True)
class OpenWeights(Section):
    """The foreign open-weights supply a continued or fine-tuned national model builds on."""

    families: Mapping[str, Family] = param(_default_families(), "Open-weights families, by name")
    excluded_jurisdictions: tuple[str, ...] = param(
        (), "Jurisdictions whose weights the programme may not use (a licence or procurement filter)",
        source="assumption: a programme may exclude, e.g., CN families from public-sector use")
    lag_months_min: float = param(
        3.0, "Shortest lag of an open flagship behind the frontier", ge=0, le=120,
        source="calibration.md §9 open-weights lag: 3–4 months in 2025–26")
    lag_months_max: float = param(
        12.0, "Longest lag of an open flagship behind the frontier", ge=0, le=120,
        source="calibration.md §9 open-weights lag: about a year in 2024")
    tokens_at_start: float = param(
        3.6e13, "Training tokens of an open generation released on day 0", gt=0,
        source="calibration.md §9 tokens of open generations: Qwen3 36T (2025), Llama 3 15T (2024)")
    tokens_growth_per_year: float = param(
        1.5, "Yearly growth of open generations' training tokens", ge=1, le=10,
        source="calibration.md §9 tokens of open generations: Llama 2 2T (2023) → Llama 3 15T (2024) → "
                "Qwen3 36T (2025); assumption: slowing")
    tokens_max: float = param(
        4e14, "Most training tokens any generation uses (the stock of usable text)", gt=0,
        source="calibration.md §8 text stock: ≈300T tokens of public human text; 400T–20 quadrillion with "
                "multimodal data")
    weights_control_per_year: float = param(
        0.1, "Yearly hazard that the exporter of US families controls weights above a compute threshold "
             "(countries of tier 2 and 3)", ge=0, le=10,
        source="calibration.md §9 weights export control: the Jan 2025 diffusion rule controlled closed "
               "model weights above 1e26 operations (rescinded May 2025)")
    weights_control_log10_flop: float = param(
        26.0, "Training compute above which controlled weights may not be exported, log10 FLOP", ge=20, le=35,
        source="calibration.md §9 weights export control: 1e26 operations in the Jan 2025 rule")
    cutoff: Cutoff = param(Cutoff(), "What-if: a date after which no new open weights appear")

    def check(self) -> None:
        if self.lag_months_min > self.lag_months_max:
            raise ScenarioError("lag_months_min", self.lag_months_min,
                                f"a number ≤ lag_months_max ({self.lag_months_max:g})", "larger than the maximum:")
