"""Run cases as sweeps: each case from its start date to its cutoff, unknown inputs sampled per future.

Each case becomes a sweep spec whose base is the case's scenario (written beside the results) and whose
uncertainties are the case's unknown ranges, plus any extra ranges (a calibration's prior or posterior; those
win over a case's own range for the same field). The futures run on any sweep engine.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
import tempfile
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd
import tomli_w

from sovsim.hindcast.cases import OUTCOMES, Case, load_case, load_cases
from sovsim.hindcast.skill import forecast, skill
from sovsim.sweep.spec import SpecError, read_toml, spec_from_dict

__all__ = ["hindcast", "simulate_case", "read_ranges", "case_spec", "case_record", "resolve_cases"]


def read_ranges(path: str | Path) -> list[dict[str, Any]]:
    """The ``[[uncertainties]]`` of a ranges file (as written by ``sovsim calibrate``; a sweep spec can name it)."""
    data = read_toml(Path(path), "--ranges", "a ranges TOML file with [[uncertainties]] tables")
    items = data.get("uncertainties", [])
    if not isinstance(items, list) or not all(isinstance(u, dict) and "path" in u for u in items):
        raise SpecError("--ranges", str(path), "[[uncertainties]] tables, each with a path", "malformed:")
    return [dict(u) for u in items]


def _uncertainty(path: str, low: Any, high: Any) -> dict[str, Any]:
    if isinstance(low, int) and isinstance(high, int) and not isinstance(low, bool):
        return {"path": path, "kind": "integer", "low": low, "high": high}
    return {"path": path, "kind": "real", "low": float(low), "high": float(high)}


def case_spec(case: Case, base_file: Path, futures: int, seed: int, ranges: Sequence[Mapping[str, Any]] = (),
              shard_size: int | None = None) -> dict[str, Any]:
    """The sweep spec (as a dict) that runs ``futures`` futures of ``case`` up to its cutoff."""
    extra = [dict(u) for u in ranges]
    taken = {u["path"] for u in extra}
    own = [_uncertainty(p, lo, hi) for p, (lo, hi) in case.unknown.items() if p not in taken]
    size = shard_size or max(1, math.ceil(futures / 4))
    return {"sweep": {"name": f"hindcast-{case.id}", "base": str(base_file), "scenarios": futures,
                      "sampler": "lhs", "seed": seed, "shard_size": size,
                      "set": case.run_settings},
            "uncertainties": own + extra}


def _plain(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {k: _plain(v) for k, v in value.items()}
    return value


def simulate_case(case: Case, futures: int, seed: int, out: str | Path, *, ranges: Sequence[Mapping[str, Any]] = (),
                  workers: int | None = None, engine: str | None = None, shard_size: int | None = None
                  ) -> pd.DataFrame:
    """Run ``futures`` futures of ``case`` into ``out/futures/<case id>-<digest>/``; return its futures table."""
    from sovsim.sweep import load_results, sweep

    root = Path(out)
    base_file = root / "scenarios" / f"{case.id}.toml"
    base_file.parent.mkdir(parents=True, exist_ok=True)
    base_file.write_text(tomli_w.dumps(_plain(case.tables)), encoding="utf-8")
    spec = spec_from_dict(case_spec(case, base_file, futures, seed, ranges, shard_size))
    # one folder per distinct run: the same options again resume (nothing to redo), others start their own
    digest = hashlib.sha256(f"{spec.hash}{base_file.read_text(encoding='utf-8')}".encode()).hexdigest()[:10]
    folder = root / "futures" / f"{case.id}-{digest}"
    sweep(spec, folder, workers=workers, engine=engine)
    return load_results(folder)


def case_record(case: Case, rows: pd.DataFrame, weights: Any = None) -> dict[str, Any]:
    """One entry of the ``cases`` list of the hindcast JSON (futures weighted by ``weights`` if given)."""
    predicted = forecast(rows, weights)
    return {"case": case.id, "name": case.name, "country": case.country,
            "start_date": case.start_date.isoformat(), "cutoff_date": case.cutoff_date.isoformat(),
            "observed": {k: case.observed[k] for k in OUTCOMES}, "predicted": predicted}


def resolve_cases(cases: Sequence[str | Case] = ()) -> list[Case]:
    """Case objects for ids, paths or cases (all shipped cases when empty)."""
    if not cases:
        return load_cases()
    return [c if isinstance(c, Case) else load_case(c) for c in cases]


def hindcast(case_ids: Sequence[str | Case] = (), *, futures: int = 100, seed: int = 0, out: str | Path | None = None,
             ranges: Sequence[Mapping[str, Any]] = (), workers: int | None = None, engine: str | None = None,
             progress: Callable[[Case], None] | None = None) -> dict[str, Any]:
    """Hindcast the named cases (all shipped cases by default); the result is the ``--json`` object."""
    cases = resolve_cases(case_ids)
    began = dt.datetime.now()
    with tempfile.TemporaryDirectory(prefix="sovsim-hindcast-") as scratch:
        root = Path(out) if out is not None else Path(scratch)
        records = []
        for case in cases:
            if progress is not None:
                progress(case)
            rows = simulate_case(case, futures, seed, root, ranges=ranges, workers=workers, engine=engine)
            records.append(case_record(case, rows))
    minutes = (dt.datetime.now() - began).total_seconds() / 60
    return {"cases": records, "skill": skill(records), "futures_per_case": futures, "seed": seed,
            "ranges": [dict(u) for u in ranges], "cost": {"futures": futures * len(cases),
                                                          "minutes": round(minutes, 2)}}
