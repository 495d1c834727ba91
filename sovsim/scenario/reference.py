"""The scenario and records reference pages, generated from the declarations so they cannot drift."""

from __future__ import annotations

import dataclasses
import datetime as dt
import typing
from collections.abc import Mapping
from typing import Any

from sovsim.model.gpus import GPUS
from sovsim.model.records import EVENT_FIELDS, ROW_FIELDS, TIMELINE_FIELDS
from sovsim.scenario.fields import allowed_text, section_fields
from sovsim.scenario.schema import Scenario

__all__ = ["scenario_reference", "records_reference"]


def _default_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return f"{value:g}" if abs(value) < 1e5 or value == 0 else f"{value:.4g}"
    if isinstance(value, str):
        return f'"{value}"'
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def _section(cls: type, path: str, lines: list[str]) -> None:
    doc = (cls.__doc__ or "").strip().splitlines()[0]
    lines += [f"## `[{path}]`" if path else "## Top level", "", doc, "",
              "| field | default | allowed | description | source |", "|---|---|---|---|---|"]
    nested: list[tuple[str, Any]] = []
    defaults = cls()
    for f, hint in section_fields(cls):
        meta = f.metadata
        full = f"{path}.{f.name}" if path else f.name
        if dataclasses.is_dataclass(hint):
            nested.append((full, hint))
            continue
        if typing.get_origin(hint) in (dict, Mapping):
            inner = typing.get_args(hint)[1]
            names = ", ".join(getattr(defaults, f.name))
            lines.append(f"| `{full}` | {names} | {allowed_text(hint, meta, f.name)} | {meta['doc']} | |")
            nested.append((f"{full}.<name>", inner))
            continue
        default = _default_text(getattr(defaults, f.name))
        source = (meta.get("source") or "").replace("|", "/")
        lines.append(f"| `{full}` | {default} | {allowed_text(hint, meta, f.name)} | {meta['doc']} | {source} |")
    lines.append("")
    for sub_path, sub in nested:
        _section(sub, sub_path, lines)


def scenario_reference() -> str:
    """Markdown reference of every scenario field: default, allowed values, description, source."""
    lines = ["# Scenario reference", "",
             "Generated from the field declarations in `sovsim/scenario/schema.py` by `sovsim reference "
             "scenario`; do not edit by hand. A scenario is a TOML file with these tables; every field is "
             "optional and defaults to the `midsize-nation` value shown. Override any field on the command "
             "line with `--set PATH=VALUE` (repeatable), e.g. `--set staff.salary_premium=1.2`. Sources "
             "point to `docs/calibration.md` (section and row); *assumption* marks a modelling choice.", "",
             "GPU generations (`compute.gpu`): " + "; ".join(f"`{g.name}` {g.peak_flops / 1e12:,.0f} TFLOP/s, "
                                                            f"{g.power_w:g} W, ${g.price_usd:,.0f} ({g.source})"
                                                            for g in GPUS.values()), ""]
    _section(Scenario, "", lines)
    return "\n".join(lines).rstrip() + "\n"


def records_reference() -> str:
    """Markdown reference of the event log, the monthly timeline and the result row."""
    lines = ["# Records reference", "",
             "Generated from `sovsim/model/records.py` by `sovsim reference records`; do not edit by hand.", ""]
    for title, fields in (("Event log (`FutureResult.events`)", EVENT_FIELDS),
                          ("Monthly timeline (`FutureResult.timeline`, `sovsim run --timeline`)", TIMELINE_FIELDS),
                          ("Result row (`FutureResult.row`, `sovsim run --json`)", ROW_FIELDS)):
        lines += [f"## {title}", "", "| field | description |", "|---|---|"]
        lines += [f"| `{name}` | {doc} |" for name, doc in fields.items()]
        if fields is TIMELINE_FIELDS:
            lines.append("| `staff_<role>` | Headcount of each role, one column per role of the scenario |")
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"
