"""The model's fast paths agree exactly with the straightforward computations they replace.

Each test keeps the plain version (a bisection, a recount, a recomputation) next to the fast one and checks
that the two give the same numbers bit for bit: the fast paths must not move any future's results.
"""

from __future__ import annotations

import math

from hypothesis import given
from hypothesis import strategies as st

from sovsim.serving import _ARCH, ACCELERATORS, gpus_for, kv_bytes_per_token, operating_concurrency, performance


def _kv_bytes_reference(params: float, bytes_per_value: float = 2.0) -> float:
    sizes = [a[0] for a in _ARCH]
    per = [2.0 * layers * heads * dim * bytes_per_value for _, layers, heads, dim in _ARCH]
    if params <= sizes[0]:
        return per[0] * (params / sizes[0]) ** 0.5
    if params >= sizes[-1]:
        return per[-1] * (params / sizes[-1]) ** 0.5
    for k in range(len(sizes) - 1):
        if params <= sizes[k + 1]:
            t = math.log(params / sizes[k]) / math.log(sizes[k + 1] / sizes[k])
            return math.exp(math.log(per[k]) + t * math.log(per[k + 1] / per[k]))
    raise AssertionError("unreachable")


def _operating_reference(params: float, gpu: str, gpus: int, prompt: float, answer: float, target_s: float,
                         cap: int) -> int:
    """The batch a bisection over :func:`performance` finds: the last within the target."""
    best = performance(params, gpu, 1, prompt, answer, gpus)
    hi = min(cap, best.max_concurrency)
    if best.tpot_s > target_s or hi <= 1:
        return 1
    lo = 1
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if performance(params, gpu, mid, prompt, answer, gpus).tpot_s <= target_s:
            lo = mid
        else:
            hi = mid - 1
    return lo


@given(st.floats(1e8, 2e12), st.sampled_from([1.0, 2.0, 0.5]))
def test_kv_bytes_per_token_is_the_plain_interpolation(params: float, bytes_per_value: float) -> None:
    assert kv_bytes_per_token(params, bytes_per_value) == _kv_bytes_reference(params, bytes_per_value)


@given(st.sampled_from(sorted(ACCELERATORS)), st.floats(1e9, 5e11), st.floats(16, 16_384), st.floats(16, 4096),
       st.floats(1e-3, 0.2), st.integers(1, 1024), st.integers(0, 3))
def test_operating_batch_is_the_bisections(gpu: str, params: float, prompt: float, answer: float, target_s: float,
                                           cap: int, extra_doublings: int) -> None:
    try:
        gpus = gpus_for(params, gpu, context_tokens=prompt + answer) * 2 ** extra_doublings
    except ValueError:
        return  # too large for 1,024 GPUs
    fast = operating_concurrency(params, gpu, gpus, prompt, answer, target_s, cap)
    assert fast.concurrency == _operating_reference(params, gpu, gpus, prompt, answer, target_s, cap)
    assert fast == performance(params, gpu, fast.concurrency, prompt, answer, gpus)


def test_operating_batch_at_the_edges() -> None:
    # a target met only by the lone stream, one met by every batch, and a target exactly at a batch's tpot
    for gpu in ACCELERATORS:
        gpus = gpus_for(8.03e9, gpu)
        one = performance(8.03e9, gpu, 1, 1000, 250, gpus)
        assert operating_concurrency(8.03e9, gpu, gpus, 1000, 250, one.tpot_s / 2, 256).concurrency == 1
        assert operating_concurrency(8.03e9, gpu, gpus, 1000, 250, 1e9, 256).concurrency == min(256,
                                                                                              one.max_concurrency)
        exact = performance(8.03e9, gpu, 37, 1000, 250, gpus).tpot_s
        assert operating_concurrency(8.03e9, gpu, gpus, 1000, 250, exact, 256).concurrency == \
            _operating_reference(8.03e9, gpu, gpus, 1000, 250, exact, 256)
