"""Random streams: one independent generator per process kind, derived from (seed, future, stream).

``SeedSequence(seed, spawn_key=(future, stream_id))`` gives every future its own streams, and every
process kind its own stream within the future, so a change in one process never reshuffles the draws of
another, and scenario *k* sees the same draws under every policy (common random numbers).
"""

from __future__ import annotations

import numpy as np

__all__ = ["STREAMS", "stream"]

#: Stream ids are part of the reproducibility contract: never renumber, only append.
STREAMS = {
    "treasury": 0,
    "workforce": 1,
    "frontier": 2,
    "lifecycle": 3,
    "compute": 4,
    "procurement": 5,
    "export": 6,
    "deployment": 7,
    "billing": 8,
    "energy": 9,
    # sovereignty mechanisms (allocations on shared supercomputers, governance reviews, trust incidents)
    "allocation": 10,
    "governance": 11,
    "trust": 12,
    "openweights": 13,
}


def stream(seed: int, future: int, name: str) -> np.random.Generator:
    """The generator of process kind ``name`` in future ``future`` of base seed ``seed``."""
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence(seed, spawn_key=(future, STREAMS[name]))))
