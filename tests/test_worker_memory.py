"""A worker's memory does not grow with the futures it runs.

A sweep's worker runs thousands of futures in one process; anything kept per future (a cache keyed by
something each future builds anew, garbage frozen out of the collector) grows it without bound. Here the
futures of one process are run shard by shard, as a worker runs them, over uncertainties that give every
scenario its own supply graph (the chain of routes is built once per graph and shared through a bounded
cache), and the traced heap after 80 and after 240 futures is compared.
"""

from __future__ import annotations

import gc
import tracemalloc
from pathlib import Path

from sovsim.model.supply import SupplyChain
from sovsim.sweep import load_spec
from sovsim.sweep.design import make_design
from sovsim.sweep.runner import ShardRunner
from sovsim.sweep.store import Store

SPEC = """[sweep]
base = "midsize-nation"
scenarios = 260
shard_size = 20
seed = 11

[[uncertainties]]
path = "supply.nodes.nvidia.lead_time_weeks_max"
low = 40.0
high = 60.0

[[uncertainties]]
path = "staff.attrition_per_year"
low = 0.06
high = 0.2
"""

#: Allowed growth of the traced heap per future between the two readings. Before the fix each supply graph
#: kept its chain alive through a cache on a method (about 12 kB a chain with one GPU kind routed, more with
#: several), that is more than 10 kB a future here, where every future has a graph of its own.
PER_FUTURE_BYTES = 1_000


def _settled(runner: ShardRunner) -> int:
    """The traced heap with the bounded caches (built scenarios, shared supply chains) emptied."""
    runner._scenarios.clear()
    SupplyChain._shared.clear()
    gc.collect()
    return tracemalloc.get_traced_memory()[0]


def test_the_heap_of_a_worker_does_not_grow_with_its_futures(tmp_path: Path) -> None:
    path = tmp_path / "spec.toml"
    path.write_text(SPEC, encoding="utf-8")
    spec = load_spec(path)
    design = make_design(spec)
    Store(tmp_path / "out").open(spec, design.futures, design.scenarios)
    runner = ShardRunner(spec, tmp_path / "out")
    runner.run_shard(0)  # warm: compiled kernels, import-time caches
    _settled(runner)
    tracemalloc.start()
    try:
        start = tracemalloc.get_traced_memory()[0]
        for shard in range(1, 5):  # futures 20 … 99: 80 futures
            runner.run_shard(shard)
        after_80 = _settled(runner) - start
        for shard in range(5, 13):  # 160 more: 240 in all
            runner.run_shard(shard)
        after_240 = _settled(runner) - start
    finally:
        tracemalloc.stop()
    per_future = (after_240 - after_80) / 160
    assert per_future < PER_FUTURE_BYTES, f"{per_future:,.0f} bytes a future ({after_80:,} after 80, " \
                                          f"{after_240:,} after 240)"
