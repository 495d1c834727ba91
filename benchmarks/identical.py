"""Check that an optimisation leaves every future's results bit-identical.

    python benchmarks/identical.py dump BEFORE.json      # before the change
    python benchmarks/identical.py check BEFORE.json     # after it: exits 1 on the first difference

Dumps the result row of every preset × futures 0–29 (seed 7) run as a sweep runs them (no timeline), and
the row, timeline, staff counts and event log of futures 0–3 run with the timeline kept, as JSON (floats
written with ``repr``, so they round-trip exactly); ``check`` recomputes them and compares exactly (NaN
equals NaN). Not part of the test suite.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from typing import Any

import sovsim
from sovsim.model.world import World

SEED = 7
FUTURES = range(30)
DETAILED = range(4)


def snapshot(futures: range = FUTURES, detailed: range = DETAILED) -> dict[str, Any]:
    """Rows of every preset's futures, and the full records of the first few."""
    out: dict[str, Any] = {}
    for name in sovsim.presets():
        scenario = sovsim.load_scenario(name)
        for future in futures:
            entry: dict[str, Any] = {"row": World(scenario, SEED, future, timeline=False).run().row()}
            if future in detailed:  # and with the timeline kept: the same row, and the timeline
                world = World(scenario, SEED, future).run()
                entry["row_with_timeline"] = world.row()
                entry["timeline"] = [list(r) for r in world.timeline]
                entry["staff_by_role"] = [list(r) for r in world.staff_by_role]
                entry["events"] = [list(e) for e in world.log.events]
            out[f"{name}/{future}"] = entry
    return json.loads(json.dumps(out))  # the same types as a file read back


def same(a: Any, b: Any) -> bool:
    """Exact equality, NaN equal to NaN, floats and ints kept apart."""
    if isinstance(a, float) and isinstance(b, float):
        return a == b or (math.isnan(a) and math.isnan(b))
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    return bool(a == b)


def first_difference(a: dict[str, Any], b: dict[str, Any]) -> str | None:
    for key in a:
        if key not in b:
            return f"{key}: missing"
        for part in a[key]:
            x, y = a[key][part], b[key].get(part)
            if not same(x, y):
                if isinstance(x, dict) and isinstance(y, dict):
                    fields = [f for f in x if not same(x[f], y.get(f))]
                    return f"{key} {part}: " + ", ".join(f"{f} {x[f]!r} → {y.get(f)!r}" for f in fields[:5])
                if isinstance(x, list) and isinstance(y, list):
                    rows = [i for i, (p, q) in enumerate(zip(x, y)) if not same(p, q)]
                    where = f"first at row {rows[0]}: {x[rows[0]]!r} → {y[rows[0]]!r}" if rows else "lengths differ"
                    return f"{key} {part}: {len(x)} → {len(y)} rows, {where}"
                return f"{key} {part} differs"
    return None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("action", choices=["dump", "check"])
    parser.add_argument("path")
    args = parser.parse_args()
    now = snapshot()
    if args.action == "dump":
        with open(args.path, "w") as f:
            json.dump(now, f)
        print(f"wrote {len(now)} futures to {args.path}")
        return
    with open(args.path) as f:
        before = json.load(f)
    difference = first_difference(before, now)
    if difference is None and before.keys() == now.keys():
        print(f"identical: {len(now)} futures")
        return
    print(f"DIFFERENT: {difference or 'different futures'}")
    sys.exit(1)


if __name__ == "__main__":
    main()
