"""Real programme cases: a scenario per programme plus what was observed, each fact with its public source.

A case file (``sovsim/cases/<id>.toml``) is a scenario file with one extra table, ``[case]``, that the scenario
loader never sees: the programme's name, country, start and cutoff dates (the cutoff is the date of the last
fact found), ``[case.sources]`` (scenario field path → URL, ``calibration.md`` row or ``assumption: why``),
``[case.unknown]`` (field path → ``[low, high]``, sampled per future), ``[case.observed]`` (release dates and
outcomes; a missing key is unknown) and ``[case.observed_sources]``.
"""

from __future__ import annotations

import datetime as dt
import math
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from sovsim.model.records import DAYS_PER_MONTH
from sovsim.scenario.fields import ScenarioError
from sovsim.scenario.loader import flatten_paths, scenario_from_dict
from sovsim.scenario.schema import Scenario

__all__ = ["Case", "OUTCOMES", "BINARY_OUTCOMES", "WINDOW_MONTHS", "case_from_row", "case_ids", "frontier_log10_at",
           "load_case", "load_cases",
           "months_between", "uncited_values"]

#: The observables compared with the simulation (``first_release_months`` is a number, the rest yes/no).
OUTCOMES = ("first_release_months", "second_release_within_24m", "pivoted", "production_service", "ended")
BINARY_OUTCOMES = OUTCOMES[1:]
WINDOW_MONTHS = 24.0  #: a second release counts if it comes within this many months of the first
_NOT_SCENARIO = ("case",)
FRONTIER_REFERENCE_DATE = dt.date(2024, 7, 23)  #: calibration.md §7 reference compute: Llama 3.1-405B
FRONTIER_REFERENCE_FLOP = 3.8e25  #: calibration.md §7 reference compute: Llama 3.1-405B 3.8e25 FLOP
FRONTIER_GROWTH_PER_YEAR = 4.6  #: calibration.md §7 frontier training compute growth (4.6× notable models)


def _cases_dir() -> Any:
    return resources.files("sovsim").joinpath("cases")


def case_ids() -> list[str]:
    """Ids of the cases shipped with sovsim, sorted."""
    return sorted(e.name[:-5] for e in _cases_dir().iterdir() if e.name.endswith(".toml"))


def frontier_log10_at(date: dt.date) -> float:
    """Frontier training compute at ``date``, log10 FLOP: Llama 3.1-405B's 3.8e25 (July 2024) moved 4.6×/yr.

    calibration.md §7: reference compute (Llama 3.1-405B 3.8e25 FLOP) and frontier growth 4–5×/yr (4.6× notable).
    """
    years = (date - FRONTIER_REFERENCE_DATE).days / 365.25
    return math.log10(FRONTIER_REFERENCE_FLOP) + years * math.log10(FRONTIER_GROWTH_PER_YEAR)


def months_between(start: dt.date, end: dt.date) -> float:
    """Months (of 365.25/12 days) from ``start`` to ``end``."""
    return (end - start).days / DAYS_PER_MONTH


@dataclass(frozen=True)
class Case:
    """One real programme: its scenario (tables as read), what was observed, and where each fact comes from."""

    id: str
    name: str
    country: str
    languages: str
    start_date: dt.date
    cutoff_date: dt.date
    tables: Mapping[str, Any] = field(repr=False)  #: the scenario tables, without [case]
    sources: Mapping[str, str] = field(repr=False)
    unknown: Mapping[str, tuple[float, float]] = field(repr=False)  #: ints in both bounds: an integer field
    facts: Mapping[str, Any] = field(repr=False)  #: [case.observed] as written
    fact_sources: Mapping[str, str] = field(repr=False)

    @property
    def horizon_years(self) -> float:
        """Years from the start to the cutoff: how long a hindcast future runs."""
        return (self.cutoff_date - self.start_date).days / 365.25

    @property
    def run_settings(self) -> dict[str, Any]:
        """Fields every hindcast of the case sets: the horizon (to the cutoff) and the frontier at the start date."""
        settings: dict[str, Any] = {"calendar.horizon_years": self.horizon_years}
        if "frontier_log10_flop_at_start" not in self.tables.get("frontier", {}):
            settings["frontier.frontier_log10_flop_at_start"] = round(frontier_log10_at(self.start_date), 3)
        return settings

    def scenario(self, overrides: Mapping[str, Any] | None = None) -> Scenario:
        """The case's scenario, run up to the cutoff (unknown inputs at their written middle values)."""
        return scenario_from_dict(self.tables, {**self.run_settings, **dict(overrides or {})})

    @property
    def observed(self) -> dict[str, Any]:
        """Each outcome as observed by the cutoff; None where unknown or where its window had not closed."""
        first, second = self.facts.get("first_release_date"), self.facts.get("second_release_date")
        months = months_between(self.start_date, first) if first is not None and first <= self.cutoff_date else None
        within: bool | None = None
        if months is not None and first is not None:
            if second is not None and second <= self.cutoff_date:
                within = months_between(first, second) <= WINDOW_MONTHS
            elif months_between(first, self.cutoff_date) >= WINDOW_MONTHS:
                within = False  # the window closed with no second release
        out: dict[str, Any] = {"first_release_months": None if months is None else round(months, 1),
                               "second_release_within_24m": within}
        for key in ("pivoted", "production_service", "ended"):
            value = self.facts.get(key)
            out[key] = None if value is None else bool(value)
        return out


def load_case(name_or_path: str | Path) -> Case:
    """A shipped case by id, or a case file by path; its scenario is validated on the way."""
    text = str(name_or_path)
    shipped = _cases_dir().joinpath(f"{text}.toml")
    if not text.endswith(".toml") and shipped.is_file():
        raw, where = shipped.read_text(encoding="utf-8"), text
    else:
        path = Path(name_or_path)
        if not path.is_file():
            raise ScenarioError("case", text, "a case id (" + ", ".join(case_ids()) + ") or a case file path",
                                "no such case:")
        raw, where = path.read_text(encoding="utf-8"), path.stem
    try:
        data = tomllib.loads(raw)
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError("case", where, f"valid TOML ({exc})", "cannot parse") from None
    meta = data.get("case")
    if not isinstance(meta, dict):
        raise ScenarioError("case", where, "a [case] table with id, name, country, start_date, cutoff_date",
                            "missing table:")
    for key in ("id", "name", "country", "start_date", "cutoff_date"):
        if key not in meta:
            raise ScenarioError(f"case.{key}", None, "a value", f"{where}: missing")
    start, cutoff = meta["start_date"], meta["cutoff_date"]
    if not isinstance(start, dt.date) or not isinstance(cutoff, dt.date) or cutoff <= start:
        raise ScenarioError("case.cutoff_date", cutoff, f"a date after case.start_date ({start})", f"{where}:")
    tables = {k: v for k, v in data.items() if k not in _NOT_SCENARIO}
    unknown = {str(k): (v[0], v[1]) for k, v in dict(meta.get("unknown", {})).items()}
    for path_, (low, high) in unknown.items():
        if low > high:
            raise ScenarioError(f"case.unknown.{path_}", [low, high], "[low, high] with low ≤ high", f"{where}:")
    case = Case(str(meta["id"]), str(meta["name"]), str(meta["country"]), str(meta.get("languages", "")), start,
                cutoff, tables, dict(meta.get("sources", {})), unknown, dict(meta.get("observed", {})),
                dict(meta.get("observed_sources", {})))
    if case.scenario().calendar.start_date != start:
        raise ScenarioError("calendar.start_date", case.scenario().calendar.start_date,
                            f"the case's start_date ({start})", f"{where}: differs from")
    return case


def load_cases(ids: list[str] | tuple[str, ...] | None = None) -> list[Case]:
    """The named cases (all shipped cases when ``ids`` is empty)."""
    return [load_case(i) for i in (ids or case_ids())]


def uncited_values(case: Case) -> list[str]:
    """Scenario values of the case file with neither a source nor an unknown range (empty when all cite)."""
    leaves = flatten_paths(case.tables)
    return [p for p in leaves if p not in ("name", "description") and p not in case.sources
            and p not in case.unknown]


def case_from_row(case: Case, row: Mapping[str, Any], new_id: str) -> Case:
    """A synthetic case: ``case``'s inputs with the outcomes of one simulated future (``row``) as the record."""
    def date_after(years: Any) -> dt.date | None:
        if years is None or (isinstance(years, float) and math.isnan(years)):
            return None
        return case.start_date + dt.timedelta(days=round(float(years) * 365.25))

    facts: dict[str, Any] = {"ended": row["verdict"] != "alive",
                             "production_service": float(row.get("years_in_production") or 0.0) > 0}
    for key, column in (("first_release_date", "first_release_years"),
                        ("second_release_date", "second_release_years")):
        when = date_after(row.get(column))
        if when is not None:
            facts[key] = when
    if "pivots" in row and row["pivots"] is not None:  # as the forecast counts it (skill.pivoted_to_open_weights)
        facts["pivoted"] = int(row["pivots"]) > 0 and row.get("final_strategy", "continue") in ("continue", "finetune")
    return Case(new_id, f"{case.name} (synthetic {new_id})", case.country, case.languages, case.start_date,
                case.cutoff_date, case.tables, case.sources, case.unknown, facts, {})
