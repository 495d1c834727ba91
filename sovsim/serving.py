"""Serving a dense transformer from first principles: memory, batching, time to first token, time per token.

The model of one replica (``gpus`` GPUs in tensor parallel) serving ``concurrency`` streams by continuous
batching, each stream with ``input_tokens`` of prompt and ``output_tokens`` of answer:

- **weights** take ``params × bytes_per_param`` bytes; the replica needs the fewest GPUs (a power of two)
  whose memory holds them with room for the KV cache (:func:`gpus_for`);
- **KV cache**: every token in context keeps ``2 × layers × kv_heads × head_dim × 2`` bytes; the layer and
  KV-head counts of the Llama 3 family are interpolated in size (:func:`kv_bytes_per_token`); the streams a
  replica can batch are what fits in the memory the weights leave (:func:`max_concurrency`);
- **prefill** is compute-bound: ``2·N·input_tokens`` FLOPs at ``prefill_efficiency`` of peak (but never faster
  than one read of the weights); it sets the time to first token;
- **decode** is memory-bandwidth-bound: each step reads the weights once and the KV cache of every stream,
  ``(weights + KV bytes × streams) / (HBM bandwidth × hbm_efficiency)`` (but never faster than its FLOPs);
  one step gives every stream one token, so it is the time per output token;
- in steady state (chunked prefill, as vLLM schedules it) every step carries the batch's decode tokens and
  its share of arriving prompts, ``B × (1 + input/output)`` tokens; a generation of ``B`` requests takes
  ``output_tokens × max(step, compute of those tokens)``, which gives the replica's throughput.

The simulation's service (:mod:`sovsim.model.deployment`) and ``sovsim estimate --serve`` both call
:func:`performance`. Figures: ``calibration.md`` §10.
"""

from __future__ import annotations

import functools
import math
from dataclasses import asdict, dataclass
from typing import Any

__all__ = ["Accelerator", "ACCELERATORS", "Performance", "ServeError", "kv_bytes_per_token", "gpus_for",
           "max_concurrency", "performance", "operating_concurrency", "operating_point", "api_price_usd_per_mtok",
           "DEFAULTS"]

GB = 1e9


@dataclass(frozen=True)
class Accelerator:
    """What serving needs to know of a GPU: memory, its bandwidth, and dense BF16 peak."""

    name: str
    memory_bytes: float
    bandwidth_bytes_per_s: float
    peak_flops: float
    source: str


ACCELERATORS: dict[str, Accelerator] = {
    "a100-40gb": Accelerator("a100-40gb", 40 * GB, 1.555e12, 312e12,
                             "calibration.md §10: A100 40 GB SXM, 1,555 GB/s HBM2 (NVIDIA A100 datasheet)"),
    "a100": Accelerator("a100", 80 * GB, 2.039e12, 312e12,
                        "calibration.md §10: A100 80 GB SXM, 2,039 GB/s HBM2e (NVIDIA A100 datasheet)"),
    "h100": Accelerator("h100", 80 * GB, 3.35e12, 989e12,
                        "calibration.md §10: H100 SXM 80 GB, 3.35 TB/s HBM3 (NVIDIA H100 datasheet)"),
    "h200": Accelerator("h200", 141 * GB, 4.8e12, 989e12,
                        "calibration.md §10: H200 SXM 141 GB, 4.8 TB/s HBM3e (NVIDIA H200 page)"),
    "b200": Accelerator("b200", 192 * GB, 8.0e12, 2.25e15,
                        "calibration.md §10: B200 192 GB, 8 TB/s HBM3e (NVIDIA DGX B200)"),
    "gh200": Accelerator("gh200", 96 * GB, 4.0e12, 989e12,
                         "calibration.md §10: GH200 96 GB HBM3, 4 TB/s (NVIDIA GH200 datasheet)"),
    "domestic": Accelerator("domestic", 64 * GB, 1.6e12, 320e12,
                            "assumption: an A100-class domestic accelerator (calibration.md §1) with 64 GB at "
                            "1.6 TB/s (Ascend 910B-class HBM2e)"),
}

#: Defaults, each with its source (the scenario's deployment fields use the same values).
DEFAULTS: dict[str, tuple[float, str]] = {
    "bytes_per_param": (2.0, "calibration.md §10: BF16 weights, 2 bytes per parameter"),
    "hbm_efficiency": (0.75, "calibration.md §10 decode bandwidth: measured decode reaches 70–80% of HBM bandwidth"),
    "prefill_efficiency": (0.5, "calibration.md §10 prefill: compute-bound at about half of dense peak"),
    "memory_fraction": (0.9, "calibration.md §10: vLLM gpu_memory_utilization default 0.9"),
    "max_concurrency": (256.0, "calibration.md §10: vLLM max_num_seqs default 256"),
    "tensor_parallel_efficiency": (0.9, "assumption: each doubling of tensor parallelism keeps 90% of the "
                                        "bandwidth (all-reduce per layer; calibration.md §10)"),
}

# Llama 3 family (calibration.md §10 Llama 3 architectures): parameters, layers, KV heads, head dimension.
_ARCH = ((1.24e9, 16, 8, 64), (3.21e9, 28, 8, 128), (8.03e9, 32, 8, 128), (70.6e9, 80, 8, 128),
         (405.9e9, 126, 8, 128))


class ServeError(ValueError):
    """Arguments of a serving estimate that are missing or out of range."""

    def __init__(self, field: str, value: Any = None, allowed: str = "") -> None:
        self.field, self.value, self.allowed = field, value, allowed
        super().__init__(f"{field}: got {value!r}; allowed: {allowed}" if allowed else field)


_SIZES = [a[0] for a in _ARCH]
_KV_BYTES = [2.0 * layers * heads * dim for _, layers, heads, dim in _ARCH]  #: per byte of value


@functools.lru_cache(maxsize=256)  # a model's size is asked for at every review of its service
def kv_bytes_per_token(params: float, bytes_per_value: float = 2.0) -> float:
    """KV-cache bytes per token in context: 2 (K and V) × layers × KV heads × head dim × bytes, log-interpolated."""
    sizes = _SIZES
    if params <= sizes[0]:
        return _KV_BYTES[0] * bytes_per_value * (params / sizes[0]) ** 0.5
    if params >= sizes[-1]:
        return _KV_BYTES[-1] * bytes_per_value * (params / sizes[-1]) ** 0.5
    for k in range(len(sizes) - 1):
        if params <= sizes[k + 1]:
            lo, hi = _KV_BYTES[k] * bytes_per_value, _KV_BYTES[k + 1] * bytes_per_value
            t = math.log(params / sizes[k]) / math.log(sizes[k + 1] / sizes[k])
            return math.exp(math.log(lo) + t * math.log(hi / lo))
    raise AssertionError("unreachable")  # pragma: no cover


def _accelerator(gpu: str) -> Accelerator:
    if gpu not in ACCELERATORS:
        raise ServeError("gpu", gpu, "one of " + ", ".join(ACCELERATORS))
    return ACCELERATORS[gpu]


def gpus_for(params: float, gpu: str, bytes_per_param: float = 2.0, memory_fraction: float = 0.9,
             context_tokens: float = 4096.0, streams: int = 8) -> int:
    """Fewest GPUs (a power of two) whose usable memory holds the weights and ``streams`` full contexts."""
    acc = _accelerator(gpu)
    need = params * bytes_per_param + kv_bytes_per_token(params) * context_tokens * streams
    n = 1
    while n * acc.memory_bytes * memory_fraction < need:
        n *= 2
        if n > 1024:
            raise ServeError("params", params, f"a model whose weights fit 1,024 {gpu} GPUs")
    return n


def max_concurrency(params: float, gpu: str, gpus: int, context_tokens: float, bytes_per_param: float = 2.0,
                    memory_fraction: float = 0.9) -> int:
    """Streams whose KV cache fits in the memory the weights leave (0: the weights alone do not fit)."""
    acc = _accelerator(gpu)
    free = gpus * acc.memory_bytes * memory_fraction - params * bytes_per_param
    return max(0, int(free // (kv_bytes_per_token(params) * context_tokens)))


@dataclass(frozen=True)
class Performance:
    """One replica serving ``concurrency`` streams: latency per stream and throughput of the replica."""

    params: float
    gpu: str
    gpus_per_replica: int
    concurrency: int
    input_tokens: float
    output_tokens: float
    max_concurrency: int  #: streams whose KV cache fits
    weight_bytes: float
    kv_bytes_per_token: float
    ttft_s: float  #: time to first token (the prompt's prefill, alone)
    tpot_s: float  #: time per output token (one decode step of the whole batch)
    tokens_per_s_per_stream: float  #: 1 / tpot
    throughput_tokens_per_s: float  #: output tokens per second of the replica, prefills included
    requests_per_s: float  #: requests a second the replica completes at this concurrency
    request_s: float  #: time a request holds its slot (ttft + decode)

    @property
    def total_tokens_per_s(self) -> float:
        """Prompt and output tokens per second of the replica."""
        return self.requests_per_s * (self.input_tokens + self.output_tokens)

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "total_tokens_per_s": self.total_tokens_per_s}


_DEFAULT = {k: v[0] for k, v in DEFAULTS.items()}


class _Terms:
    """The request-independent terms of a checked replica (model, GPU, GPUs, efficiencies), computed once.

    A service's prompts grow every month while its model and GPUs stay: :func:`_terms` keeps these by their
    arguments, so a monthly replica computes only the terms that depend on the request.
    """

    __slots__ = ("params", "gpu", "gpus", "kv", "free_bytes", "weight_bytes", "bandwidth", "flops", "peak",
                 "read_s", "bpp")

    def __init__(self, params: float, gpu: str, gpus: int | None, hbm_efficiency: float | None,
                 prefill_efficiency: float | None, bytes_per_param: float | None, memory_fraction: float | None,
                 context: float) -> None:
        hbm = _DEFAULT["hbm_efficiency"] if hbm_efficiency is None else hbm_efficiency
        pre = _DEFAULT["prefill_efficiency"] if prefill_efficiency is None else prefill_efficiency
        bpp = _DEFAULT["bytes_per_param"] if bytes_per_param is None else bytes_per_param
        mem = _DEFAULT["memory_fraction"] if memory_fraction is None else memory_fraction
        for name, value in (("params", params), ("hbm_efficiency", hbm), ("prefill_efficiency", pre),
                            ("bytes_per_param", bpp), ("memory_fraction", mem)):
            if not (isinstance(value, (int, float)) and math.isfinite(value) and value > 0):
                raise ServeError(name, value, "a number > 0")
        for name, value in (("hbm_efficiency", hbm), ("prefill_efficiency", pre), ("memory_fraction", mem)):
            if value > 1:
                raise ServeError(name, value, "a number > 0 and ≤ 1")
        acc = _accelerator(gpu)
        if gpus is None:
            gpus = gpus_for(params, gpu, bpp, mem, context, 1)
        elif isinstance(gpus, bool) or not isinstance(gpus, int) or gpus < 1:
            raise ServeError("gpus", gpus, "an integer ≥ 1")
        tp_eff = _DEFAULT["tensor_parallel_efficiency"] ** math.log2(gpus) if gpus > 1 else 1.0
        self.params, self.gpu, self.gpus, self.bpp = params, gpu, gpus, bpp
        self.kv = kv_bytes_per_token(params)
        self.free_bytes = gpus * acc.memory_bytes * mem - params * bpp  #: memory the weights leave
        self.weight_bytes = params * bpp
        self.bandwidth = gpus * acc.bandwidth_bytes_per_s * hbm * tp_eff
        self.flops = 2.0 * params
        self.peak = gpus * acc.peak_flops * pre
        self.read_s = self.weight_bytes / self.bandwidth


def _terms(params: float, gpu: str, gpus: int | None, hbm_efficiency: float | None,
           prefill_efficiency: float | None, bytes_per_param: float | None, memory_fraction: float | None,
           context: float) -> _Terms:
    """The :class:`_Terms` of these arguments, computed once (a replica sized by its context is not kept)."""
    if gpus is None:
        return _Terms(params, gpu, gpus, hbm_efficiency, prefill_efficiency, bytes_per_param, memory_fraction,
                      context)
    return _sized_terms(params, gpu, gpus, hbm_efficiency, prefill_efficiency, bytes_per_param, memory_fraction)


@functools.lru_cache(maxsize=1024)  # a sweep's futures share a few replica sizes
def _sized_terms(params: float, gpu: str, gpus: int, hbm_efficiency: float | None, prefill_efficiency: float | None,
                 bytes_per_param: float | None, memory_fraction: float | None) -> _Terms:
    """The terms of a replica whose GPUs are given (its context is then not needed)."""
    return _Terms(params, gpu, gpus, hbm_efficiency, prefill_efficiency, bytes_per_param, memory_fraction, math.nan)


class _Replica:
    """A checked replica (model, GPU, GPUs, request shape, efficiencies) and the terms of its performance.

    Each term is computed once, in the order of operations :func:`performance` has always used, so that a batch
    evaluated here gives the same numbers bit for bit.
    """

    __slots__ = ("params", "gpu", "gpus", "input_tokens", "output_tokens", "fits", "weight_bytes", "kv",
                 "bandwidth", "kv_context", "flops", "peak", "prefill_s")

    def __init__(self, params: float, gpu: str, gpus: int | None, input_tokens: float, output_tokens: float,
                 hbm_efficiency: float | None, prefill_efficiency: float | None, bytes_per_param: float | None,
                 memory_fraction: float | None, concurrency: int = 1) -> None:
        if not (isinstance(output_tokens, (int, float)) and math.isfinite(output_tokens) and output_tokens > 0):
            raise ServeError("output_tokens", output_tokens, "a number > 0")
        if not (math.isfinite(input_tokens) and input_tokens >= 0):
            raise ServeError("input_tokens", input_tokens, "a number ≥ 0")
        if isinstance(concurrency, bool) or not isinstance(concurrency, int) or concurrency < 1:
            raise ServeError("concurrency", concurrency, "an integer ≥ 1")
        context = input_tokens + output_tokens
        t = _terms(params, gpu, gpus, hbm_efficiency, prefill_efficiency, bytes_per_param, memory_fraction, context)
        kv = t.kv
        # max_concurrency's streams, from the same expression
        fits = max(0, int(t.free_bytes // (kv * context)))
        if fits < 1:
            raise ServeError("gpus", t.gpus, f"enough {gpu} GPUs to hold {params * t.bpp / GB:,.0f} GB of weights "
                                             "and one context")
        self.params, self.gpu, self.gpus, self.fits, self.kv = params, gpu, t.gpus, fits, kv
        self.input_tokens, self.output_tokens = input_tokens, output_tokens
        self.weight_bytes, self.bandwidth, self.flops, self.peak = t.weight_bytes, t.bandwidth, t.flops, t.peak
        self.prefill_s = max(self.flops * input_tokens / self.peak, t.read_s)
        # the cache holds on average the prompt and half the answer
        self.kv_context = kv * (input_tokens + 0.5 * output_tokens)

    def tpot_s(self, streams: int) -> float:
        """A decode step of ``streams``: its memory traffic or its compute, whichever binds."""
        return max((self.weight_bytes + self.kv_context * streams) / self.bandwidth, self.flops * streams / self.peak)

    def rates(self, concurrency: int) -> tuple[float, float]:
        """(time per output token, requests a second) at ``concurrency`` streams."""
        step_s = self.tpot_s(concurrency)
        # Chunked prefill: the prompts of arriving requests ride in the decode steps, whose compute is idle while
        # they wait on memory; a step does the decode tokens and its share of prompt tokens, whichever bound binds.
        output = self.output_tokens
        mixed_s = self.flops * concurrency * (1.0 + self.input_tokens / output) / self.peak
        cycle_s = output * max(step_s, mixed_s)  # one generation of `concurrency` requests
        return step_s, concurrency / cycle_s

    def at(self, concurrency: int) -> Performance:
        step_s, requests_per_s = self.rates(concurrency)
        output = self.output_tokens
        return Performance(self.params, self.gpu, self.gpus, concurrency, self.input_tokens, output, self.fits,
                           self.weight_bytes, self.kv, self.prefill_s, step_s, 1.0 / step_s,
                           requests_per_s * output, requests_per_s, self.prefill_s + output * step_s)


def performance(params: float, gpu: str, concurrency: int = 1, input_tokens: float = 1000.0,
                output_tokens: float = 1000.0, gpus: int | None = None, *, hbm_efficiency: float | None = None,
                prefill_efficiency: float | None = None, bytes_per_param: float | None = None,
                memory_fraction: float | None = None) -> Performance:
    """Latency and throughput of one replica of a ``params`` model on ``gpu`` at ``concurrency`` streams."""
    return _Replica(params, gpu, gpus, input_tokens, output_tokens, hbm_efficiency, prefill_efficiency,
                    bytes_per_param, memory_fraction, concurrency).at(concurrency)


def operating_concurrency(params: float, gpu: str, gpus: int, input_tokens: float, output_tokens: float,
                          tpot_target_s: float, cap: int | None = None, *, hbm_efficiency: float | None = None,
                          prefill_efficiency: float | None = None, bytes_per_param: float | None = None,
                          memory_fraction: float | None = None) -> Performance:
    """The largest batch whose time per output token stays within ``tpot_target_s`` (at least one stream).

    The time per output token is the larger of two lines in the batch (a decode step's memory traffic and its
    compute), so the largest batch within the target is solved for directly, then checked against the very
    expression :func:`performance` evaluates (rounding moves the answer by a stream at most): the same batch a
    bisection over :func:`performance` finds, at a fraction of the cost.
    """
    r, batch = _operating(params, gpu, gpus, input_tokens, output_tokens, tpot_target_s, cap, hbm_efficiency,
                          prefill_efficiency, bytes_per_param, memory_fraction)
    return r.at(batch)


def operating_point(params: float, gpu: str, gpus: int, input_tokens: float, output_tokens: float,
                    tpot_target_s: float, cap: int | None = None) -> tuple[int, float, float, float]:
    """(batch, requests a second, time to first token, time per output token) of :func:`operating_concurrency`.

    The same numbers, for a caller that needs no more of the :class:`Performance` (the service reviews its
    replicas monthly).
    """
    r, batch = _operating(params, gpu, gpus, input_tokens, output_tokens, tpot_target_s, cap, None, None, None,
                          None)
    step_s, requests_per_s = r.rates(batch)
    return batch, requests_per_s, r.prefill_s, step_s


def _operating(params: float, gpu: str, gpus: int, input_tokens: float, output_tokens: float, tpot_target_s: float,
               cap: int | None, hbm_efficiency: float | None, prefill_efficiency: float | None,
               bytes_per_param: float | None, memory_fraction: float | None) -> tuple[_Replica, int]:
    cap = int(DEFAULTS["max_concurrency"][0]) if cap is None else cap
    r = _Replica(params, gpu, gpus, input_tokens, output_tokens, hbm_efficiency, prefill_efficiency,
                 bytes_per_param, memory_fraction)
    hi = min(cap, r.fits)
    if r.tpot_s(1) > tpot_target_s or hi <= 1:
        return r, 1
    # tpot(B) = max((weights + kv·B) / bandwidth, flops·B / peak): the batch where each line meets the target
    limit = min((tpot_target_s * r.bandwidth - r.weight_bytes) / r.kv_context, tpot_target_s * r.peak / r.flops)
    lo = max(1, min(hi, int(limit))) if math.isfinite(limit) else hi
    while lo < hi and r.tpot_s(lo + 1) <= tpot_target_s:
        lo += 1
    while lo > 1 and r.tpot_s(lo) > tpot_target_s:
        lo -= 1
    return r, lo


# Open-weights API prices by model size (USD per million tokens, blended 3:1 input:output), calibration.md §10
# API prices by size: ≈8B class $0.10, ≈70B $0.70, ≈405B $3.00 (2024–25 price tables).
_API_PRICES = ((8e9, 0.10), (70e9, 0.70), (405e9, 3.0))
API_PRICE_YEAR = 2025.0  #: the year the price table describes


def api_price_usd_per_mtok(params: float, year: float, decline_per_year: float = 1.0) -> float:
    """Blended API price of an open-weights model of ``params`` in ``year`` (log-log in size, falling yearly)."""
    return _size_price_usd_per_mtok(params) / decline_per_year ** (year - API_PRICE_YEAR)


@functools.lru_cache(maxsize=256)  # a service asks for its model's size class every month
def _size_price_usd_per_mtok(params: float) -> float:
    """The price table at :data:`API_PRICE_YEAR`, interpolated log-log in size."""
    sizes = [p for p, _ in _API_PRICES]
    prices = [c for _, c in _API_PRICES]
    k = 0 if params <= sizes[1] else 1
    slope = math.log(prices[k + 1] / prices[k]) / math.log(sizes[k + 1] / sizes[k])
    return prices[k] * (params / sizes[k]) ** slope
