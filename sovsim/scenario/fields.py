"""Declared scenario fields and the one validator that turns TOML tables into frozen objects.

A field is a dataclass field made with :func:`param`: its default, a one-line description, its unit (also
in its name), its allowed range or choices, and the ``docs/calibration.md`` line it comes from. :func:`build`
checks a table against the declaration once, at the boundary, and raises :class:`ScenarioError` naming
the full field path, the bad value and what is allowed.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import difflib
import functools
import math
import re
import types
import typing
from collections.abc import Mapping
from typing import Any

__all__ = ["ScenarioError", "Section", "param", "build", "allowed_text", "to_plain", "section_fields", "ceiling",
           "DATE_RANGE"]

_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_-]*")

#: Upper bounds of numeric fields that declare none, by the unit in their name (first match wins). Every
#: number a scenario holds is finite and bounded, so nothing overflows where it is converted (dollars to
#: integer cents, days to dates, counts to int64). assumption: each ceiling is far above any real programme
#: (1e13 USD is above any government's yearly budget and keeps 50 years of cents inside int64).
CEILINGS: tuple[tuple[re.Pattern[str], float], ...] = (
    (re.compile(r"_usd(_|$)"), 1e13),
    (re.compile(r"_days$"), 36_500.0),
    (re.compile(r"_weeks(_|$)"), 5_200.0),
    (re.compile(r"_months$"), 1_200.0),
    (re.compile(r"_years$"), 1_000.0),
    (re.compile(r"_fte$"), 1e7),
    (re.compile(r"_s$"), 1e7),
    (re.compile(r"_tokens$"), 1e18),
    (re.compile(r""), 1e15),
)
#: Dates a scenario may hold. assumption: far outside any programme's life, and inside Python's calendar
#: after the longest horizon (50 years) and any schedule offset are added.
DATE_RANGE = (dt.date(1900, 1, 1), dt.date(2200, 12, 31))


def ceiling(name: str, meta: Mapping[str, Any]) -> float | None:
    """The implicit upper bound of numeric field ``name`` (None when it declares ``le`` or ``lt``)."""
    if meta.get("le") is not None or meta.get("lt") is not None:
        return None
    return next(limit for pattern, limit in CEILINGS if pattern.search(name))


class ScenarioError(ValueError):
    """A scenario value that is unknown, of the wrong type or out of range.

    ``path`` is the dotted field path (``staff.attrition_per_year``), ``value`` the bad value and
    ``allowed`` a phrase saying what would be accepted.
    """

    def __init__(self, path: str, value: Any, allowed: str, problem: str = "invalid value") -> None:
        self.path = path
        self.value = value
        self.allowed = allowed
        self.problem = problem
        shown = "(missing)" if value is _MISSING_VALUE else repr(value)
        super().__init__(f"{path or '<scenario>'}: {problem} {shown}; allowed: {allowed}")

    def under(self, prefix: str) -> ScenarioError:
        """The same error for a field inside the section at ``prefix``."""
        return type(self)(_join(prefix, self.path), self.value, self.allowed, self.problem)


_MISSING_VALUE = object()


class Section:
    """Base of the scenario sections: every construction checks every field and the cross-field rules.

    So a variant made with ``dataclasses.replace`` is validated again, like one read from TOML. Errors
    name the field relative to the section; :func:`build` prefixes the section's path.
    """

    def __post_init__(self) -> None:
        cls: Any = type(self)
        for f, hint in section_fields(cls):
            _check_stored(hint, getattr(self, f.name), f.name, f.metadata)
        self.check()

    def check(self) -> None:
        """Cross-field rules of the section (none by default)."""


def param(
    default: Any,
    doc: str,
    *,
    ge: float | None = None,
    le: float | None = None,
    gt: float | None = None,
    lt: float | None = None,
    choices: tuple[str, ...] | None = None,
    source: str | None = None,
) -> Any:
    """Declare a scenario field: default, one-line description, bounds or choices, and its source."""
    meta = {"doc": doc, "ge": ge, "le": le, "gt": gt, "lt": lt, "choices": choices, "source": source}
    if dataclasses.is_dataclass(default) or isinstance(default, Mapping):
        factory = (lambda d=default: types.MappingProxyType(dict(d))) if isinstance(default, Mapping) else type(default)
        return dataclasses.field(default_factory=factory, metadata=meta)
    return dataclasses.field(default=default, metadata=meta)


@functools.cache
def section_fields(cls: Any) -> tuple[tuple[dataclasses.Field[Any], Any], ...]:
    """The declared fields of a section with their resolved type hints, in declaration order."""
    hints = typing.get_type_hints(cls)
    return tuple((f, hints[f.name]) for f in dataclasses.fields(cls))


def allowed_text(hint: Any, meta: Mapping[str, Any], name: str | None = None) -> str:
    """A phrase saying which values a field accepts, used in errors and the reference page.

    With the field's ``name``, the implicit ceiling of a number without a declared upper bound is shown.
    """
    if meta.get("choices"):
        return "one of " + ", ".join(repr(c) for c in meta["choices"])
    if hint is bool:
        return "true or false"
    if hint is dt.date:
        return f"a date (YYYY-MM-DD) from {DATE_RANGE[0]} to {DATE_RANGE[1]}"
    if hint is str:
        return "a string"
    if isinstance(hint, type) and dataclasses.is_dataclass(hint):
        return f"a table of {hint.__name__} fields"
    if typing.get_origin(hint) is tuple:
        return "an array of strings"
    if typing.get_origin(hint) in (dict, Mapping):
        inner = typing.get_args(hint)[1]
        return f"a table of named {inner.__name__} tables (names: letters, digits, _ and -)"
    kind = "an integer" if hint is int else "a number"
    lo = [f"≥ {_num(meta['ge'])}" if meta.get("ge") is not None else None,
          f"> {_num(meta['gt'])}" if meta.get("gt") is not None else None]
    hi = [f"≤ {_num(meta['le'])}" if meta.get("le") is not None else None,
          f"< {_num(meta['lt'])}" if meta.get("lt") is not None else None]
    top = ceiling(name, meta) if name is not None else None
    if top is not None:
        hi.append(f"≤ {_num(top)}")
    bounds = [b for b in lo + hi if b]
    return kind + (" " + " and ".join(bounds) if bounds else "")


def _num(x: float) -> str:
    return f"{x:g}"


def build(cls: type, data: Any, path: str = "") -> Any:
    """Validate ``data`` (a TOML table) against section ``cls`` and return the frozen instance."""
    if not isinstance(data, Mapping):
        raise ScenarioError(path, data, f"a table of {cls.__name__} fields", "expected a table, got")
    declared = section_fields(cls)
    names = [f.name for f, _ in declared]
    for key in data:
        if key not in names:
            raise unknown_field(_join(path, str(key)), data[key], names)
    kwargs = {}
    for f, hint in declared:
        if f.name in data:
            kwargs[f.name] = convert(hint, data[f.name], _join(path, f.name), f.metadata)
    try:
        return cls(**kwargs)
    except ScenarioError as exc:
        raise exc.under(path) from None


def unknown_field(path: str, value: Any, names: list[str], name: str | None = None) -> ScenarioError:
    """The error for a key that the section does not declare, with a suggestion when one is close.

    ``name`` is the unknown key itself when it is not the last part of ``path``.
    """
    close = difflib.get_close_matches(name or path.rsplit(".", 1)[-1], names, n=1)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    return ScenarioError(path, value, "one of " + ", ".join(names) + hint, "unknown field, given")


def convert(hint: Any, value: Any, path: str, meta: Mapping[str, Any]) -> Any:
    """Check one value's type and return it in canonical form; bounds are checked by :class:`Section`."""
    if hint is float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise _bad(hint, meta, path, value, "expected a number, got")
        try:
            return float(value)
        except OverflowError:  # an integer beyond any float
            raise _bad(hint, meta, path, value, "out of range:") from None
    if hint is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise _bad(hint, meta, path, value, "expected an integer, got")
        return value
    if hint is str:
        if not isinstance(value, str):
            raise _bad(hint, meta, path, value, "expected a string, got")
        if meta.get("choices") and value not in meta["choices"]:
            raise _bad(hint, meta, path, value, "not a known choice:")
        return value
    if hint is bool:
        if not isinstance(value, bool):
            raise _bad(hint, meta, path, value, "expected true or false, got")
        return value
    if hint is dt.date:
        if isinstance(value, dt.datetime) or not isinstance(value, (dt.date, str)):
            raise _bad(hint, meta, path, value, "expected a date, got")
        if isinstance(value, str):
            try:
                value = dt.date.fromisoformat(value)
            except ValueError:
                raise _bad(hint, meta, path, value, "not a date:") from None
        return value
    if isinstance(hint, type) and dataclasses.is_dataclass(hint):
        return build(hint, value, path)
    if typing.get_origin(hint) is tuple:
        if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) for v in value):
            raise _bad(hint, meta, path, value, "expected an array of strings, got")
        return tuple(value)
    if typing.get_origin(hint) in (dict, Mapping):
        inner = typing.get_args(hint)[1]
        if not isinstance(value, Mapping):
            raise _bad(hint, meta, path, value, "expected a table, got")
        out = {}
        for key, sub in value.items():
            if not _NAME.fullmatch(str(key)):
                raise ScenarioError(_join(path, str(key)), key,
                                    "a name of letters, digits, _ and - (starting with a letter)", "bad name")
            out[str(key)] = build(inner, sub, _join(path, str(key)))
        return types.MappingProxyType(out)
    raise TypeError(f"{path}: unsupported field type {hint!r}")  # a declaration error, not a user error


def _bad(hint: Any, meta: Mapping[str, Any], path: str, value: Any, problem: str) -> ScenarioError:
    return ScenarioError(path, value, allowed_text(hint, meta, path.rsplit(".", 1)[-1]), problem)


def _check_stored(hint: Any, value: Any, name: str, meta: Mapping[str, Any]) -> None:
    """Check a value held by a section: its type, and its bounds or choices."""
    if hint is float or hint is int:
        if isinstance(value, bool) or not isinstance(value, (int, float) if hint is float else int):
            raise _bad(hint, meta, name, value, "expected a number, got" if hint is float else
                       "expected an integer, got")
        if isinstance(value, float) and not math.isfinite(value):
            raise _bad(hint, meta, name, value, "expected a finite number, got")
        ge, le, gt, lt = meta["ge"], meta["le"], meta["gt"], meta["lt"]
        top = ceiling(name, meta)
        le = top if top is not None else le
        if ((ge is not None and value < ge) or (le is not None and value > le) or (gt is not None and value <= gt)
                or (lt is not None and value >= lt)):
            raise _bad(hint, meta, name, value, "out of range:")
    elif hint is str:
        if not isinstance(value, str):
            raise _bad(hint, meta, name, value, "expected a string, got")
        if meta.get("choices") and value not in meta["choices"]:
            raise _bad(hint, meta, name, value, "not a known choice:")
    elif hint is bool:
        if not isinstance(value, bool):
            raise _bad(hint, meta, name, value, "expected true or false, got")
    elif hint is dt.date:
        if isinstance(value, dt.datetime) or not isinstance(value, dt.date):
            raise _bad(hint, meta, name, value, "expected a date, got")
        if not DATE_RANGE[0] <= value <= DATE_RANGE[1]:
            raise _bad(hint, meta, name, value, "out of range:")
    elif isinstance(hint, type) and dataclasses.is_dataclass(hint):
        if not isinstance(value, hint):
            raise _bad(hint, meta, name, value, "expected a table, got")
    elif typing.get_origin(hint) is tuple:
        if not isinstance(value, tuple) or not all(isinstance(v, str) for v in value):
            raise _bad(hint, meta, name, value, "expected an array of strings, got")
    elif typing.get_origin(hint) in (dict, Mapping):
        inner = typing.get_args(hint)[1]
        if not isinstance(value, Mapping) or not all(isinstance(v, inner) for v in value.values()):
            raise _bad(hint, meta, name, value, "expected a table, got")


def to_plain(obj: Any) -> Any:
    """A frozen section as nested plain dicts, ready for TOML or JSON (dates stay ``datetime.date``)."""
    if dataclasses.is_dataclass(obj):
        return {f.name: to_plain(getattr(obj, f.name)) for f in dataclasses.fields(obj)}
    if isinstance(obj, Mapping):
        return {k: to_plain(v) for k, v in obj.items()}
    if isinstance(obj, tuple):
        return list(obj)
    return obj


def _join(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name
