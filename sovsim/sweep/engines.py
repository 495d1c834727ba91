"""The engine registry: where a sweep's shards can run, found by name.

Each engine is named by an entry point, ``"module:class"``, and its module is imported only when the engine
is asked for. The runner looks engines up here and never imports an engine module itself, so an engine may
build on the runner (the Dask and Slurm engines do) without a circular import. :func:`register` adds an
engine of one's own.
"""

from __future__ import annotations

import importlib

__all__ = ["ENGINES", "engine_class", "register"]

#: name → "module:class"; the class is called with the engine options its own documentation lists
_REGISTRY: dict[str, str] = {
    "local": "sovsim.sweep.runner:LocalEngine",
    "dask": "sovsim.sweep.dask_engine:DaskEngine",
    "slurm": "sovsim.sweep.slurm:SlurmEngine",
}

ENGINES = ("local", "dask", "slurm")  #: the engines that ship with sovsim


def register(name: str, entry_point: str) -> None:
    """Make ``engine=name`` find the class ``entry_point`` (``"package.module:Class"``)."""
    module, _, attribute = entry_point.partition(":")
    if not module or not attribute:
        raise ValueError(f"entry point {entry_point!r}: allowed: 'package.module:Class'")
    _REGISTRY[name] = entry_point


def names() -> tuple[str, ...]:
    """Every engine name that can be asked for."""
    return tuple(_REGISTRY)


def engine_class(name: str) -> type:
    """The engine class registered as ``name`` (its module is imported now); KeyError for an unknown name."""
    module, _, attribute = _REGISTRY[name].partition(":")
    found: type = getattr(importlib.import_module(module), attribute)
    return found
