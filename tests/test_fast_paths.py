"""The model's fast paths agree exactly with the straightforward computations they replace.

Each test keeps the plain version (a bisection, a recount, a recomputation) next to the fast one and checks
that the two give the same numbers bit for bit: the fast paths must not move any future's results.
"""

from __future__ import annotations

import math

from hypothesis import given
from hypothesis import strategies as st
from strategies import futures, scenarios, seeds

from sovsim.model.records import DAYS_PER_YEAR
from sovsim.model.world import World
from sovsim.scenario.schema import Scenario
from sovsim.serving import (
    _ARCH,
    ACCELERATORS,
    DEFAULTS,
    gpus_for,
    kv_bytes_per_token,
    max_concurrency,
    operating_concurrency,
    operating_point,
    performance,
)


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


def _performance_reference(params: float, gpu: str, concurrency: int, input_tokens: float, output_tokens: float,
                           gpus: int) -> tuple[float, ...]:
    """performance's numbers computed term by term, as written before its terms were computed once."""
    acc = ACCELERATORS[gpu]
    hbm, pre, bpp = DEFAULTS["hbm_efficiency"][0], DEFAULTS["prefill_efficiency"][0], DEFAULTS["bytes_per_param"][0]
    fits = max_concurrency(params, gpu, gpus, input_tokens + output_tokens, bpp, DEFAULTS["memory_fraction"][0])
    tp_eff = DEFAULTS["tensor_parallel_efficiency"][0] ** math.log2(gpus) if gpus > 1 else 1.0
    read_s = params * bpp / (gpus * acc.bandwidth_bytes_per_s * hbm * tp_eff)
    prefill_s = max(2.0 * params * input_tokens / (gpus * acc.peak_flops * pre), read_s)
    bandwidth = gpus * acc.bandwidth_bytes_per_s * hbm * tp_eff
    context = input_tokens + 0.5 * output_tokens
    memory_s = (params * bpp + kv_bytes_per_token(params) * context * concurrency) / bandwidth
    step_s = max(memory_s, 2.0 * params * concurrency / (gpus * acc.peak_flops * pre))
    mixed_s = 2.0 * params * concurrency * (1.0 + input_tokens / output_tokens) / (gpus * acc.peak_flops * pre)
    requests_per_s = concurrency / (output_tokens * max(step_s, mixed_s))
    return (fits, prefill_s, step_s, requests_per_s * output_tokens, requests_per_s,
            prefill_s + output_tokens * step_s)


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


@given(st.sampled_from(sorted(ACCELERATORS)), st.floats(1e9, 5e11), st.integers(1, 512), st.floats(0, 16_384),
       st.floats(16, 4096))
def test_performance_is_the_plain_formula(gpu: str, params: float, concurrency: int, prompt: float,
                                          answer: float) -> None:
    try:
        gpus = gpus_for(params, gpu, context_tokens=prompt + answer)
        p = performance(params, gpu, concurrency, prompt, answer, gpus)
    except ValueError:
        return  # too large for 1,024 GPUs
    assert (p.max_concurrency, p.ttft_s, p.tpot_s, p.throughput_tokens_per_s, p.requests_per_s, p.request_s) == \
        _performance_reference(params, gpu, concurrency, prompt, answer, gpus)


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
    assert operating_point(params, gpu, gpus, prompt, answer, target_s, cap) == (
        fast.concurrency, fast.requests_per_s, fast.ttft_s, fast.tpot_s)


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


def _same(a: object, b: object) -> bool:
    return a == b or (isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b))


def _monthly_from_timeline(world: World) -> dict[str, object]:
    """The row's monthly figures recounted from the full timeline, as the row was computed before."""
    end, s = world.env.now, world.scenario
    years = end / DAYS_PER_YEAR
    per_month = world.curve.trend_log10_per_month
    timeline = world.timeline
    gaps = [(r.frontier_log10 - r.national_log10) / per_month for r in timeline
            if per_month > 0 and not math.isnan(r.national_log10)]
    open_gaps = [(r.open_local_log10 - r.national_local_log10) / per_month for r in timeline
                 if per_month > 0 and not math.isnan(r.national_log10)]
    lived = sum(1 for r in timeline if r.time_days < end)
    part = timeline[:lived] if lived else timeline[-1:]
    mean_headcount = sum(r.headcount for r in part) / len(part)
    sovereign = [r.sovereign for r in timeline[:lived]]
    return {
        "mean_gap_months": sum(gaps) / len(gaps) if gaps else None,
        "max_gap_months": max(gaps) if gaps else None,
        "mean_open_gap_months": sum(open_gaps) / len(open_gaps) if open_gaps else None,
        "staff_turnover": world.team.quits / years / mean_headcount if years > 0 and mean_headcount > 0 else 0.0,
        "mean_effective_fte": sum(r.effective_fte for r in part) / len(part),
        "sovereign_months": sum(sovereign),
        "update_capable_months": sum(1 for r in timeline[:lived]
                                     if r.sovereign and r.effective_fte >= s.staff.minimum_crew_fte),
    }


@given(scenarios(), seeds, futures)
def test_monthly_figures_without_a_timeline_are_the_timelines(scenario: Scenario, seed: int, future: int) -> None:
    full = World(scenario, seed, future).run()
    bare = World(scenario, seed, future, timeline=False).run()
    assert bare.timeline == [] and bare.staff_by_role == []
    assert len(bare.months.time_days) == len(full.timeline)
    recount = _monthly_from_timeline(full)
    row, bare_row = full.row(), bare.row()
    assert {k: row[k] for k in recount} == recount
    assert row.keys() == bare_row.keys()
    assert all(_same(row[k], bare_row[k]) for k in row), [k for k in row if not _same(row[k], bare_row[k])]
    assert bare.log.events == full.log.events


@given(scenarios(), seeds, futures)
def test_the_alternative_asked_again_in_a_month_is_computed_afresh(scenario: Scenario, seed: int,
                                                                    future: int) -> None:
    world = World(scenario, seed, future)  # the timeline asks for it every month
    builder = world.builder
    cached = builder._alternative
    asked: list[float] = []

    def checked(now: float) -> tuple[float, float]:
        value = cached(now)
        assert value == builder._alternative_now(now) or all(math.isnan(v) for v in value)
        asked.append(now)
        return value

    builder._alternative = checked  # type: ignore[method-assign]
    world.run()
    assert len(asked) >= len(world.timeline)
