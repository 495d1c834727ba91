"""Loading scenarios: presets shipped in the package, TOML files, and ``key=value`` overrides."""

from __future__ import annotations

import copy
import dataclasses
import difflib
import tomllib
import typing
from collections.abc import Iterable, Mapping
from importlib import resources
from pathlib import Path
from typing import Any

from sovsim.scenario.fields import ScenarioError, build, section_fields, to_plain, unknown_field
from sovsim.scenario.schema import Scenario

__all__ = ["load_scenario", "scenario_from_dict", "presets", "parse_override", "check_override_path",
           "read_scenario_source", "read_toml_file", "to_dict", "DEFAULT_PRESET"]

DEFAULT_PRESET = "midsize-nation"


def _presets_dir() -> Any:
    """The presets folder inside the installed package (a data folder, not a module)."""
    return resources.files("sovsim").joinpath("presets")


def presets() -> dict[str, str]:
    """Preset names shipped with sovsim, each with its one-line description."""
    out = {}
    for entry in sorted(_presets_dir().iterdir(), key=lambda p: p.name):
        if entry.name.endswith(".toml"):
            data = tomllib.loads(entry.read_text(encoding="utf-8"))
            out[entry.name[:-5]] = str(data.get("description", ""))
    return out


def read_scenario_source(name_or_path: str | Path) -> tuple[dict[str, Any], str]:
    """The raw TOML tables of a preset or scenario file, and its name (preset name or file stem)."""
    text_name = str(name_or_path)
    preset = _presets_dir().joinpath(f"{text_name}.toml")
    if not text_name.endswith(".toml") and preset.is_file():
        return tomllib.loads(preset.read_text(encoding="utf-8")), text_name
    path = Path(name_or_path)
    if not path.is_file():
        close = difflib.get_close_matches(text_name, list(presets()), n=1, cutoff=0.6)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        raise ScenarioError("scenario", text_name, "a preset (" + ", ".join(presets()) + ") or a TOML file path",
                            f"no such preset or file{hint}:")
    return read_toml_file(path, "scenario", ScenarioError), path.stem


#: Largest TOML file read (a scenario or spec is a few kilobytes).
MAX_TOML_BYTES = 8 * 2**20


def read_toml_file(path: Path, option: str, error: type[ScenarioError]) -> dict[str, Any]:
    """The tables of TOML file ``path``; an unreadable, oversized, non-UTF-8 or unparsable file is ``error``."""
    try:
        size = path.stat().st_size
        if size > MAX_TOML_BYTES:
            raise error(option, str(path), f"a TOML file of at most {MAX_TOML_BYTES // 2**20} MiB", "too large:")
        with open(path, "rb") as handle:
            raw = handle.read(MAX_TOML_BYTES + 1)
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise error(option, str(path), "a UTF-8 text file (TOML)", f"not UTF-8 text (byte {exc.start}):") from None
    except OSError as exc:
        raise error(option, str(path), "a readable TOML file", f"cannot read ({exc.strerror}):") from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise error(option, str(path), f"valid TOML ({exc})", "cannot parse") from None
    except RecursionError:
        raise error(option, str(path), "TOML nested less deeply", "cannot parse") from None


def load_scenario(
    name_or_path: str | Path = DEFAULT_PRESET,
    overrides: Mapping[str, Any] | Iterable[str] | None = None,
) -> Scenario:
    """Load a preset by name or a TOML file by path, apply overrides, and validate the result.

    ``overrides`` is a mapping of dotted field paths to values (``{"staff.salary_premium": 1.2}``) or a
    sequence of ``"path=value"`` strings as given on the command line (values parsed as TOML, else kept as
    strings). Raises :class:`ScenarioError` naming the field, the value and what is allowed.
    """
    data, stem = read_scenario_source(name_or_path)
    data.setdefault("name", stem)
    return scenario_from_dict(data, overrides)


def scenario_from_dict(
    data: Mapping[str, Any], overrides: Mapping[str, Any] | Iterable[str] | None = None
) -> Scenario:
    """Validate a plain nested dict (as read from TOML) with optional overrides into a :class:`Scenario`."""
    if not isinstance(data, Mapping):
        raise ScenarioError("", data, "a table of Scenario fields", "expected a table, got")
    merged = _deep_copy(data)
    for path, value in _override_items(overrides):
        check_override_path(path, value)
        _assign(merged, path, copy.deepcopy(value))
    return typing.cast(Scenario, build(Scenario, merged))


def to_dict(scenario: Scenario) -> dict[str, Any]:
    """A scenario as the nested dict that :func:`scenario_from_dict` accepts (round-trips exactly)."""
    return typing.cast(dict[str, Any], to_plain(scenario))


def parse_override(text: str) -> tuple[str, Any]:
    """Split ``"path=value"``; the value is read as a TOML value, or kept as a bare string."""
    path, sep, raw = text.partition("=")
    path = path.strip()
    if not sep or not path:
        raise ScenarioError("--set", text, "PATH=VALUE, e.g. staff.salary_premium=1.2", "malformed override")
    raw = raw.strip()
    try:
        value = tomllib.loads(f"v = {raw}")["v"]
    except (tomllib.TOMLDecodeError, RecursionError):
        value = raw
    return path, value


def _override_items(overrides: Mapping[str, Any] | Iterable[str] | None) -> list[tuple[str, Any]]:
    if overrides is None:
        return []
    if isinstance(overrides, Mapping):
        return [(str(k), v) for k, v in overrides.items()]
    if isinstance(overrides, str):
        overrides = [overrides]
    return [parse_override(item) for item in overrides]


def check_override_path(path: str, value: Any) -> None:
    """Refuse an override whose path does not name a declared field, naming the whole path."""
    section: Any = Scenario
    parts = path.split(".")
    for i, part in enumerate(parts):
        if section is None:
            raise ScenarioError(path, value, f"{'.'.join(parts[:i])} is a value, not a table", "no such field:")
        if isinstance(section, tuple):  # inside a mapping of named tables: any name is a new entry
            section = section[1]
            continue
        declared = {f.name: hint for f, hint in section_fields(section)}
        if part not in declared:
            raise unknown_field(path, value, list(declared), part)
        hint = declared[part]
        if isinstance(hint, type) and dataclasses.is_dataclass(hint):
            section = hint
        elif typing.get_origin(hint) in (dict, Mapping):
            section = ("mapping", typing.get_args(hint)[1])
        else:
            section = None


def flatten_paths(table: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """Nested tables and dotted keys both become {"a.b.c": value}: the field paths of a scenario table."""
    out: dict[str, Any] = {}
    for key, value in table.items():
        path = f"{prefix}.{key}" if prefix else str(key)
        if isinstance(value, Mapping):
            out.update(flatten_paths(value, path))
        else:
            out[path] = value
    return out


def _assign(data: dict[str, Any], path: str, value: Any) -> None:
    """Set ``path`` in the nested dict; a table of named entries missing from it starts from its default."""
    parts = path.split(".")
    node = data
    section: Any = Scenario
    for part in parts[:-1]:
        field = None
        if isinstance(section, type) and dataclasses.is_dataclass(section):
            field = next(f for f, _ in section_fields(section) if f.name == part)
        child = node.get(part)
        if not isinstance(child, dict):
            fresh = field.default_factory() if field is not None and callable(field.default_factory) else None
            child = to_plain(fresh) if isinstance(fresh, Mapping) else {}
            node[part] = child
        node = child
        section = _child_section(section, part)
    node[parts[-1]] = value


def _child_section(section: Any, part: str) -> Any:
    if not (isinstance(section, type) and dataclasses.is_dataclass(section)):
        return typing.get_args(section)[1] if typing.get_origin(section) in (dict, Mapping) else None
    hint = {f.name: h for f, h in section_fields(section)}[part]
    return hint if dataclasses.is_dataclass(hint) or typing.get_origin(hint) in (dict, Mapping) else None


def _deep_copy(data: Mapping[str, Any]) -> dict[str, Any]:
    return {k: _deep_copy(v) if isinstance(v, Mapping) else v for k, v in data.items()}
