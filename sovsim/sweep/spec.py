"""Sweep specs: what to vary (uncertainties), which policies to compare (levers), and how to sample.

A spec is a TOML file::

    [sweep]
    base = "midsize-nation"        # a preset, or a scenario file (relative to the spec)
    scenarios = 1000               # sampled scenarios; every policy runs on each of them
    sampler = "lhs"                # lhs | sobol | saltelli | mc
    seed = 42
    shard_size = 50
    timelines = false

    ranges = "posterior.toml"      # optional: [[uncertainties]] from a ranges file (sovsim calibrate)

    [sweep.set]                    # fixed overrides of the base scenario
    "calendar.horizon_years" = 10.0

    [[uncertainties]]
    path = "staff.attrition_per_year"
    kind = "real"                  # real | integer | categorical
    low = 0.06
    high = 0.2

    [policies.pay-premium]         # named policies: overrides of scenario fields
    "staff.salary_premium" = 1.5

    [[levers]]                     # lever ranges: full factorial with each other and the policies
    path = "model.release_interval_months"
    values = [6.0, 9.0, 12.0]

Everything is checked before any future runs; an error names the spec path (``uncertainties[2].path``),
the bad value and what is allowed.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import math
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sovsim.scenario.fields import ScenarioError
from sovsim.scenario.loader import (
    check_override_path,
    flatten_paths,
    load_scenario,
    read_toml_file,
    scenario_from_dict,
    to_dict,
)
from sovsim.scenario.schema import Scenario

__all__ = ["SpecError", "SweepSpec", "Uncertainty", "Policy", "load_spec", "spec_from_dict", "check_size",
           "SAMPLERS", "KINDS", "DISTRIBUTIONS"]

#: Largest seed: seeds are stored in int64 columns (pyarrow) and fed to NumPy's SeedSequence (any int ≥ 0).
MAX_SEED = 2**63 - 1
#: Largest ``scenarios`` a spec may ask for; the sweep's memory is checked as well (:func:`check_size`).
MAX_SCENARIOS = 10**9
#: Largest shard: a shard's rows are held in memory until its part is written.
MAX_SHARD_SIZE = 100_000
SAMPLERS = ("lhs", "sobol", "saltelli", "mc")
KINDS = ("real", "integer", "categorical")
DISTRIBUTIONS = ("uniform", "triangular", "normal", "loguniform")


class SpecError(ScenarioError):
    """A sweep spec that names an unknown field, or has a value of the wrong type or out of range."""


@dataclass(frozen=True)
class Uncertainty:
    """One uncertain scenario field and the distribution its values are sampled from."""

    path: str
    kind: str
    low: float | None = None
    high: float | None = None
    values: tuple[Any, ...] = ()
    distribution: str = "uniform"
    mode: float | None = None  #: triangular
    mean: float | None = None  #: normal
    sd: float | None = None  #: normal


@dataclass(frozen=True)
class Policy:
    """A named policy: overrides of scenario fields (levers) applied on top of every sampled scenario."""

    name: str
    overrides: Mapping[str, Any]


@dataclass(frozen=True)
class SweepSpec:
    """A validated sweep: base scenario, uncertainties, policies, sampler and sizes."""

    name: str
    base: str
    base_set: Mapping[str, Any]
    uncertainties: tuple[Uncertainty, ...]
    policies: tuple[Policy, ...]
    sampler: str
    scenarios: int
    seed: int
    shard_size: int
    timelines: bool
    second_order: bool
    raw: Mapping[str, Any] = field(repr=False, compare=False)

    @property
    def hash(self) -> str:
        """SHA-256 of the spec as given (sizes included; order kept: it decides the future indices)."""
        text = json.dumps(self.raw, default=str)
        return hashlib.sha256(text.encode()).hexdigest()

    def base_scenario(self) -> Scenario:
        return load_scenario(self.base, dict(self.base_set))

    def with_scenarios(self, scenarios: int) -> SweepSpec:
        """The same spec with another number of scenarios (``--scenarios``), validated again."""
        raw = json.loads(json.dumps(self.raw, default=str))
        raw["sweep"]["scenarios"] = scenarios
        return spec_from_dict(raw)


#: Sweeps above either size need ``allow_large`` (``sovsim sweep --allow-large``).
LARGE_FUTURES = 2_000_000
LARGE_BYTES = 2 * 2**30
#: Bytes of the design per sampled row: the row's tuple and, per uncertainty, a value and its share of the
#: sample arrays (measured with tracemalloc: 169 bytes a row with 3 uncertainties at 200,000 rows).
DESIGN_BYTES_PER_ROW = 64
DESIGN_BYTES_PER_VALUE = 40


def design_rows(spec: SweepSpec) -> int:
    """Rows of the design: ``scenarios``, or for Saltelli N·(2d+2) (second order) or N·(d+2)."""
    d = len(spec.uncertainties)
    if spec.sampler == "saltelli":
        return spec.scenarios * (2 * d + 2 if spec.second_order else d + 2)
    return spec.scenarios


def estimated_bytes(spec: SweepSpec, workers: int = 1) -> int:
    """Peak memory of the design held by the driver and by each of ``workers`` worker processes."""
    per_process = design_rows(spec) * (DESIGN_BYTES_PER_ROW + DESIGN_BYTES_PER_VALUE * len(spec.uncertainties))
    return per_process * (1 + (workers if workers > 1 else 0))


def _physical_bytes() -> int | None:
    try:
        return int(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES"))
    except (ValueError, OSError, AttributeError):  # pragma: no cover - not POSIX
        return None


def check_size(spec: SweepSpec, *, workers: int = 1, allow_large: bool = False) -> None:
    """Refuse a sweep too large to run, before anything is written.

    Above :data:`LARGE_FUTURES` futures or :data:`LARGE_BYTES` of estimated memory a sweep needs
    ``allow_large``; one whose estimate exceeds this machine's physical memory is refused in any case.
    """
    futures = design_rows(spec) * len(spec.policies)
    need = estimated_bytes(spec, workers)
    shown = f"{futures:,} futures, about {need / 2**30:,.2f} GiB for the design ({workers} worker(s))"
    physical = _physical_bytes()
    if physical is not None and need > physical:
        raise SpecError("sweep.scenarios", spec.scenarios, f"a sweep whose estimate fits in this machine's "
                        f"{physical / 2**30:,.1f} GiB (fewer scenarios or workers, or split it)",
                        f"too large ({shown}):")
    if not allow_large and (futures > LARGE_FUTURES or need > LARGE_BYTES):
        raise SpecError("sweep.scenarios", spec.scenarios, f"at most {LARGE_FUTURES:,} futures and "
                        f"{LARGE_BYTES / 2**30:g} GiB, or --allow-large (allow_large=True) to go on",
                        f"large sweep ({shown}):")


def read_toml(path: Path, option: str, what: str) -> dict[str, Any]:
    """The tables of TOML file ``path``; a missing or unparsable file is a :class:`SpecError` naming ``option``."""
    if not path.is_file():
        raise SpecError(option, str(path), what, "no such file:")
    return read_toml_file(path, option, SpecError)


def load_spec(path: str | Path) -> SweepSpec:
    """Read and validate a sweep spec TOML file; a relative ``base`` file is resolved beside the spec."""
    path = Path(path)
    data = read_toml(path, "spec", "a sweep spec TOML file")
    sweep = data.get("sweep")
    if isinstance(sweep, dict) and isinstance(sweep.get("base"), str) and sweep["base"].endswith(".toml"):
        base = Path(sweep["base"])
        if not base.is_absolute():
            sweep["base"] = str((path.parent / base).resolve())
    if isinstance(sweep, dict) and "ranges" in sweep:  # a ranges file (e.g. from `sovsim calibrate`)
        data["uncertainties"] = _with_ranges(data.get("uncertainties", []), sweep.pop("ranges"), path.parent)
    data.setdefault("sweep", {}).setdefault("name", path.stem)
    return spec_from_dict(data)


def _with_ranges(own: Any, ranges: Any, folder: Path) -> list[Any]:
    """The spec's uncertainties plus those of the ranges file named by ``sweep.ranges`` (the spec's own win)."""
    if not isinstance(ranges, str):
        raise SpecError("sweep.ranges", ranges, "the path of a ranges TOML file", "expected a string, got")
    file = Path(ranges) if Path(ranges).is_absolute() else folder / ranges
    extra = _list_of_tables(read_toml(file, "sweep.ranges", "a ranges TOML file").get("uncertainties", []),
                            "sweep.ranges.uncertainties")
    mine = _list_of_tables(own, "uncertainties")
    paths = {u.get("path") for u in mine}
    return list(mine) + [dict(u) for u in extra if u.get("path") not in paths]


def _expect(table: Mapping[str, Any], path: str, allowed: set[str]) -> None:
    for key in table:
        if key not in allowed:
            raise SpecError(f"{path}.{key}" if path else key, table[key], "one of " + ", ".join(sorted(allowed)),
                            "unknown field, given")


def _number(value: Any, path: str, allowed: str = "a number") -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise SpecError(path, value, allowed, "expected a number, got")
    try:
        number = float(value)
    except OverflowError:
        raise SpecError(path, value, allowed, "out of range:") from None
    if not math.isfinite(number):
        raise SpecError(path, value, allowed, "expected a number, got")
    return number


def _integer(value: Any, path: str, low: int, allowed: str, high: int | None = None) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < low or (high is not None and value > high):
        raise SpecError(path, value, allowed, "invalid value")
    return value


def spec_from_dict(data: Mapping[str, Any]) -> SweepSpec:  # noqa: C901 - one linear pass of checks
    """Validate a spec given as nested dicts (as read from TOML)."""
    _expect(data, "", {"sweep", "uncertainties", "policies", "levers"})
    sweep = data.get("sweep", {})
    if not isinstance(sweep, Mapping):
        raise SpecError("sweep", sweep, "a table", "expected a table, got")
    _expect(sweep, "sweep", {"name", "base", "set", "scenarios", "sampler", "seed", "shard_size", "timelines",
                             "second_order"})
    base = sweep.get("base", "midsize-nation")
    if not isinstance(base, str):
        raise SpecError("sweep.base", base, "a preset name or a scenario file path", "expected a string, got")
    base_set = sweep.get("set", {})
    if not isinstance(base_set, Mapping):
        raise SpecError("sweep.set", base_set, "a table of scenario field paths and values", "expected a table, got")
    sampler = sweep.get("sampler", "lhs")
    if sampler not in SAMPLERS:
        raise SpecError("sweep.sampler", sampler, "one of " + ", ".join(SAMPLERS), "unknown sampler")
    scenarios = _integer(sweep.get("scenarios", 100), "sweep.scenarios", 1, f"an integer from 1 to {MAX_SCENARIOS:,}",
                         MAX_SCENARIOS)
    seed = _integer(sweep.get("seed", 0), "sweep.seed", 0, f"an integer from 0 to {MAX_SEED} (2**63 - 1)", MAX_SEED)
    shard_size = _integer(sweep.get("shard_size", 50), "sweep.shard_size", 1,
                          f"an integer from 1 to {MAX_SHARD_SIZE:,}", MAX_SHARD_SIZE)
    timelines = sweep.get("timelines", False)
    second_order = sweep.get("second_order", False)
    for key, flag in (("timelines", timelines), ("second_order", second_order)):
        if not isinstance(flag, bool):
            raise SpecError(f"sweep.{key}", flag, "true or false", "expected true or false, got")
    name = str(sweep.get("name", "sweep"))
    try:
        base_scenario = load_scenario(base, dict(base_set))
    except ScenarioError as exc:
        where = "sweep.base" if exc.path == "scenario" else f"sweep.set.{exc.path}"
        raise SpecError(where, exc.value, exc.allowed, exc.problem) from None
    base_dict = to_dict(base_scenario)

    uncertainties = tuple(_uncertainty(u, f"uncertainties[{i}]", base_dict)
                          for i, u in enumerate(_list_of_tables(data.get("uncertainties", []), "uncertainties")))
    paths = [u.path for u in uncertainties]
    for i, p in enumerate(paths):
        if p in paths[:i]:
            raise SpecError(f"uncertainties[{i}].path", p, "each field at most once", "duplicate path")
    policies = _policies(data, base_dict, set(paths))
    if sampler == "saltelli" and not uncertainties:
        raise SpecError("sweep.sampler", sampler, "lhs, sobol or mc when there are no uncertainties",
                        "saltelli needs uncertainties:")
    return SweepSpec(name, base, dict(base_set), uncertainties, policies, sampler, scenarios, seed, shard_size,
                     timelines, second_order, _canonical(data))


def _canonical(data: Mapping[str, Any]) -> dict[str, Any]:
    """The spec as plain JSON data, in the order given (dates become ISO strings)."""
    return dict(json.loads(json.dumps(data, default=str)))


def _list_of_tables(value: Any, path: str) -> list[Mapping[str, Any]]:
    if not isinstance(value, list) or not all(isinstance(v, Mapping) for v in value):
        raise SpecError(path, value, "an array of tables ([[" + path + "]])", "expected an array of tables, got")
    return value


def _try_value(base_dict: Mapping[str, Any], path: str, value: Any, where: str) -> None:
    """Check that ``value`` is acceptable for scenario field ``path`` by validating the base with it."""
    try:
        scenario_from_dict(base_dict, {path: value})
    except ScenarioError as exc:
        raise SpecError(where, value, f"{exc.allowed} (for {exc.path})", exc.problem) from None


def _uncertainty(u: Mapping[str, Any], where: str, base_dict: Mapping[str, Any]) -> Uncertainty:
    _expect(u, where, {"path", "kind", "low", "high", "values", "distribution", "mode", "mean", "sd"})
    path = u.get("path")
    if not isinstance(path, str):
        raise SpecError(f"{where}.path", path, "a scenario field path such as staff.attrition_per_year",
                        "expected a string, got")
    try:
        check_override_path(path, None)
    except ScenarioError as exc:
        raise SpecError(f"{where}.path", path, exc.allowed, "not a scenario field:") from None
    kind = u.get("kind", "real")
    if kind not in KINDS:
        raise SpecError(f"{where}.kind", kind, "one of " + ", ".join(KINDS), "unknown kind")
    if kind == "categorical":
        values = u.get("values")
        if not isinstance(values, list) or not values:
            raise SpecError(f"{where}.values", values, "a non-empty array of values", "invalid value")
        for j, v in enumerate(values):
            _try_value(base_dict, path, v, f"{where}.values[{j}]")
        return Uncertainty(path, kind, values=tuple(values))
    distribution = u.get("distribution", "uniform")
    if distribution not in DISTRIBUTIONS or (kind == "integer" and distribution != "uniform"):
        allowed = "uniform" if kind == "integer" else "one of " + ", ".join(DISTRIBUTIONS)
        raise SpecError(f"{where}.distribution", distribution, allowed, "unknown distribution")
    mean: float | None = None
    sd: float | None = None
    low: float | None
    high: float | None
    if distribution == "normal":
        mean, sd = _number(u.get("mean"), f"{where}.mean"), _number(u.get("sd"), f"{where}.sd", "a number > 0")
        if sd <= 0:
            raise SpecError(f"{where}.sd", sd, "a number > 0", "out of range:")
        low = _number(u["low"], f"{where}.low") if "low" in u else None
        high = _number(u["high"], f"{where}.high") if "high" in u else None
    else:
        low, high = _number(u.get("low"), f"{where}.low"), _number(u.get("high"), f"{where}.high")
    if low is not None and high is not None and low > high:
        raise SpecError(f"{where}.low", low, f"a number ≤ high ({high:g})", "larger than high:")
    if distribution == "loguniform" and (low is None or low <= 0):
        raise SpecError(f"{where}.low", low, "a number > 0 for a loguniform distribution", "out of range:")
    mode = None
    if distribution == "triangular":
        mode = _number(u.get("mode"), f"{where}.mode")
        if not (low is not None and high is not None and low <= mode <= high):
            raise SpecError(f"{where}.mode", mode, f"a number between low and high ({low:g}–{high:g})",
                            "out of range:")
    if kind == "integer":
        for key in ("low", "high"):
            if not float(u[key]).is_integer():
                raise SpecError(f"{where}.{key}", u[key], "an integer", "expected an integer, got")
    for key, bound in (("low", low), ("high", high)):
        if bound is not None:
            _try_value(base_dict, path, int(bound) if kind == "integer" else bound, f"{where}.{key}")
    return Uncertainty(path, kind, low, high, (), distribution, mode, mean, sd)


def _policies(data: Mapping[str, Any], base_dict: Mapping[str, Any], uncertain: set[str]) -> tuple[Policy, ...]:
    named = data.get("policies", {})
    if not isinstance(named, Mapping):
        raise SpecError("policies", named, "a table of named policies", "expected a table, got")
    base_policies: list[Policy] = []
    for pname, overrides in named.items():
        if not isinstance(overrides, Mapping):
            raise SpecError(f"policies.{pname}", overrides, "a table of scenario field paths and values",
                            "expected a table, got")
        flat = flatten_paths(overrides)
        for path, value in flat.items():
            if path in uncertain:
                raise SpecError(f"policies.{pname}.{path}", value, "a field that is not also an uncertainty",
                                "lever and uncertainty on the same field:")
            _try_value(base_dict, path, value, f"policies.{pname}.{path}")
        base_policies.append(Policy(str(pname), flat))
    if not base_policies:
        base_policies = [Policy("base", {})]
    levers = _list_of_tables(data.get("levers", []), "levers")
    axes: list[list[tuple[str, Any]]] = []
    for i, lever in enumerate(levers):
        where = f"levers[{i}]"
        _expect(lever, where, {"path", "values"})
        lever_path, values = lever.get("path"), lever.get("values")
        if not isinstance(lever_path, str):
            raise SpecError(f"{where}.path", lever_path, "a scenario field path", "expected a string, got")
        path = lever_path
        try:
            check_override_path(path, None)
        except ScenarioError as exc:
            raise SpecError(f"{where}.path", path, exc.allowed, "not a scenario field:") from None
        if path in uncertain:
            raise SpecError(f"{where}.path", path, "a field that is not also an uncertainty",
                            "lever and uncertainty on the same field:")
        if not isinstance(values, list) or not values:
            raise SpecError(f"{where}.values", values, "a non-empty array of values", "invalid value")
        for j, v in enumerate(values):
            _try_value(base_dict, path, v, f"{where}.values[{j}]")
        axes.append([(path, v) for v in values])
    policies = []
    for policy in base_policies:
        for combo in itertools.product(*axes):
            name = "|".join([policy.name] + [f"{p}={v}" for p, v in combo]) if combo else policy.name
            policies.append(Policy(name, {**policy.overrides, **dict(combo)}))
    return tuple(policies)

