"""Training-run estimates and the published tables the accounting must reproduce.

:func:`estimate` answers "what does this run cost in GPU-hours, energy, carbon and money?" through the
same kernel that bills the simulated fleets; with ``failures`` it also simulates interruptions. Defaults are
the scenario's (``midsize-nation``): PUE, server overhead, electricity price, grid carbon, rent; pass
``pue=1, server_overhead=1`` to reproduce published per-GPU figures.
:func:`validation_report` recomputes the tables shipped in ``sovsim/validation/``.
"""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass
from importlib import resources
from typing import Any

import numpy as np

from sovsim.checkpointing import plan
from sovsim.kernels.accounting import OUTPUTS, integrate, prefix_sum
from sovsim.kernels.reliability import interrupted_runs
from sovsim.model.gpus import GPUS
from sovsim.queueing import erlang_c
from sovsim.scenario.schema import Compute, Energy
from sovsim.serving import ACCELERATORS, performance

__all__ = ["estimate", "serve_estimate", "EstimateError", "ValidationRow", "validation_report", "DEFAULTS"]

_E, _C = Energy(), Compute()

#: Defaults of :func:`estimate`, each the scenario's default (``midsize-nation``) with its source in
#: docs/calibration.md.
DEFAULTS = {
    "pue": (_E.pue, "energy.pue: calibration.md §3"),
    "server_overhead": (_C.server_power_factor, "compute.server_power_factor: calibration.md §1 (DGX H100 1.82×)"),
    "carbon_g_per_kwh": (_E.grid_carbon_g_per_kwh, "energy.grid_carbon_g_per_kwh: calibration.md §3"),
    "price_usd_per_kwh": (_E.price_usd_per_kwh, "energy.price_usd_per_kwh: calibration.md §3"),
    "rent_usd_per_gpu_hour": (_C.rent_usd_per_gpu_hour, "compute.rent_usd_per_gpu_hour: calibration.md §11"),
    "failures_per_gpu_year": (_C.failures_per_gpu_year, "compute.failures_per_gpu_year: calibration.md §4"),
    "checkpoint_hours": (_C.checkpoint_hours, "compute.checkpoint_hours (0: Young/Daly): calibration.md §11"),
    "restart_minutes": (_C.restart_minutes, "compute.restart_minutes: calibration.md §11"),
    "checkpoint_write_minutes": (_C.checkpoint_write_minutes,
                                 "compute.checkpoint_write_minutes (0: from size and bandwidth): calibration.md §11"),
    "storage_bytes_per_s_per_gpu": (_C.storage_bytes_per_s_per_gpu, "compute.storage_bytes_per_s_per_gpu: "
                                                                    "calibration.md §11"),
}


class EstimateError(ValueError):
    """Arguments of an estimate that are missing, inconsistent or out of range."""

    def __init__(self, field: str, value: Any, allowed: str) -> None:
        self.field, self.value, self.allowed = field, value, allowed
        super().__init__(f"{field}: got {value!r}; allowed: {allowed}")


def _positive(name: str, value: float | None) -> None:
    if value is not None and not (math.isfinite(value) and value > 0):
        raise EstimateError(name, value, "a number > 0")


def estimate(*, gpu_hours: float | None = None, power_w: float | None = None, pue: float | None = None,
             server_overhead: float | None = None, carbon_g_per_kwh: float | None = None,
             price_usd_per_kwh: float | None = None, params: float | None = None, tokens: float | None = None,
             gpu: str | None = None, gpus: int | None = None, mfu: float | None = None, failures: bool = False,
             failures_per_gpu_year: float | None = None, checkpoint_hours: float | None = None,
             restart_minutes: float | None = None, checkpoint_write_minutes: float | None = None, runs: int = 200,
             seed: int = 0, rent_usd_per_gpu_hour: float | None = None) -> dict[str, Any]:
    """Energy, carbon and cost of a training run, from GPU-hours and power or from a model and a cluster.

    Give either ``gpu_hours`` and ``power_w``, or ``params``, ``tokens``, ``gpu``, ``gpus`` and ``mfu``
    (then FLOPs = 6·params·tokens and the run takes FLOPs / (gpus · peak · mfu); ``power_w`` defaults to
    the GPU's board power). ``failures`` simulates interruptions over ``runs`` Monte Carlo runs (needs a
    cluster) and reports their mean.
    """
    pue = DEFAULTS["pue"][0] if pue is None else pue
    overhead = DEFAULTS["server_overhead"][0] if server_overhead is None else server_overhead
    carbon = DEFAULTS["carbon_g_per_kwh"][0] if carbon_g_per_kwh is None else carbon_g_per_kwh
    price = DEFAULTS["price_usd_per_kwh"][0] if price_usd_per_kwh is None else price_usd_per_kwh
    rent = DEFAULTS["rent_usd_per_gpu_hour"][0] if rent_usd_per_gpu_hour is None else rent_usd_per_gpu_hour
    for name, value in (("gpu_hours", gpu_hours), ("power_w", power_w), ("params", params), ("tokens", tokens),
                        ("mfu", mfu)):
        _positive(name, value)
    if pue < 1 or not math.isfinite(pue):
        raise EstimateError("pue", pue, "a number ≥ 1")
    if overhead < 1 or not math.isfinite(overhead):
        raise EstimateError("server_overhead", overhead, "a number ≥ 1")
    for name, value in (("carbon_g_per_kwh", carbon), ("price_usd_per_kwh", price), ("rent_usd_per_gpu_hour", rent)):
        if value < 0 or not math.isfinite(value):
            raise EstimateError(name, value, "a number ≥ 0")
    if mfu is not None and mfu > 1:
        raise EstimateError("mfu", mfu, "a number > 0 and ≤ 1")
    out: dict[str, Any] = {}
    cluster = (params, tokens, gpu, gpus, mfu)
    if any(v is not None for v in cluster):
        missing = [n for n, v in zip(("params", "tokens", "gpu", "gpus", "mfu"), cluster) if v is None]
        if missing:
            raise EstimateError(missing[0], None, "all of --params, --tokens, --gpu, --gpus and --mfu together")
        if gpu_hours is not None:
            raise EstimateError("gpu_hours", gpu_hours, "either --gpu-hours or a model and cluster, not both")
        if gpu not in GPUS:
            raise EstimateError("gpu", gpu, "one of " + ", ".join(GPUS))
        if not isinstance(gpus, int) or gpus < 1:
            raise EstimateError("gpus", gpus, "an integer ≥ 1")
        spec = GPUS[gpu]
        flops = 6.0 * params * tokens  # type: ignore[operator]
        hours = flops / (gpus * spec.peak_flops * mfu) / 3600.0  # type: ignore[operator]
        gpu_hours = gpus * hours
        power_w = spec.power_w if power_w is None else power_w
        out.update(flops=flops, days=hours / 24.0, gpu=gpu, gpus=gpus, mfu=mfu)
    elif gpu_hours is None or power_w is None:
        raise EstimateError("gpu_hours" if gpu_hours is None else "power_w", None,
                            "--gpu-hours with --power-w, or --params --tokens --gpu --gpus --mfu")
    assert power_w is not None
    # One segment of gpu_hours GPUs for one hour against a flat profile: the kernel's closed form.
    flat = np.ones(1)
    totals = integrate(np.zeros(1), 1.0, np.array([[gpu_hours]]), np.array([float(power_w)]), np.ones(1),
                       np.zeros(1), np.ones(1), np.zeros(1), overhead, pue, 1.0, 1.0, flat, prefix_sum(flat),
                       flat, prefix_sum(flat), price, carbon)
    result = dict(zip(OUTPUTS, totals.tolist()))
    compute_usd = result["gpu_hours"] * rent
    out = {"gpu_hours": result["gpu_hours"], "energy_kwh": result["kwh"], "energy_mwh": result["kwh"] / 1e3,
           "co2_t": result["kg_co2"] / 1e3, "energy_cost_usd": result["usd"], "compute_cost_usd": compute_usd,
           **out, "power_w": power_w, "pue": pue, "server_overhead": overhead, "carbon_g_per_kwh": carbon,
           "price_usd_per_kwh": price, "rent_usd_per_gpu_hour": rent}
    if failures:
        if "days" not in out:
            raise EstimateError("failures", True, "a model and cluster (--params --tokens --gpu --gpus --mfu)")
        out.update(_failures(out["days"] * 24.0, out["gpus"], params, failures_per_gpu_year,  # type: ignore[arg-type]
                             checkpoint_hours, restart_minutes, checkpoint_write_minutes, runs, seed))
    return out


def _failures(work_h: float, gpus: int, params: float, rate: float | None, checkpoint_h: float | None,
              restart_min: float | None, write_min: float | None, runs: int, seed: int) -> dict[str, Any]:
    rate = DEFAULTS["failures_per_gpu_year"][0] if rate is None else rate
    checkpoint_h = DEFAULTS["checkpoint_hours"][0] if checkpoint_h is None else checkpoint_h
    restart_min = DEFAULTS["restart_minutes"][0] if restart_min is None else restart_min
    write_min = DEFAULTS["checkpoint_write_minutes"][0] if write_min is None else write_min
    for name, value in (("failures_per_gpu_year", rate), ("runs", runs)):
        _positive(name, value)
    for name, value in (("checkpoint_hours", checkpoint_h), ("restart_minutes", restart_min),
                        ("checkpoint_write_minutes", write_min)):
        if not (math.isfinite(value) and value >= 0):
            raise EstimateError(name, value, "a number ≥ 0 (0: derived from the run's scale)")
    ckpt = plan(params, gpus, rate, DEFAULTS["storage_bytes_per_s_per_gpu"][0], restart_min, checkpoint_h, write_min)
    per_hour = gpus * rate / (365.25 * 24.0)
    rng = np.random.default_rng(np.random.SeedSequence(seed))
    width = int(per_hour * work_h * 3 + 32)
    while True:
        gaps = rng.exponential(1.0 / per_hour, size=(runs, width))
        wall, interruptions, used = interrupted_runs(work_h, gaps, ckpt.checkpoint_h, ckpt.restart_h, ckpt.write_h)
        if (used <= width).all():
            break
        width *= 2
    return {"interruptions": float(interruptions.mean()), "goodput": float((work_h / wall).mean()),
            "wall_days": float(wall.mean() / 24.0), "failures_per_gpu_year": rate,
            "checkpoint_hours": ckpt.checkpoint_h, "restart_minutes": restart_min,
            "checkpoint_write_minutes": ckpt.write_h * 60.0, "runs": runs}


def serve_estimate(options: dict[str, Any], concurrency: int, input_tokens: float,
                   output_tokens: float) -> dict[str, Any]:
    """Latency and throughput of one serving replica (``sovsim estimate --serve``): :func:`sovsim.serving.performance`.

    ``options`` are the estimate's other options: ``params`` and ``gpu`` are needed, ``gpus`` (per replica)
    may be given; training-only options are refused.
    """
    params, gpu, gpus = options.get("params"), options.get("gpu"), options.get("gpus")
    if params is None or gpu is None:
        raise EstimateError("params" if params is None else "gpu", None, "--serve needs --params and --gpu")
    if gpu not in ACCELERATORS:
        raise EstimateError("gpu", gpu, "one of " + ", ".join(ACCELERATORS))
    for name in ("gpu_hours", "tokens", "mfu"):
        if options.get(name) is not None:
            raise EstimateError(name, options[name], "nothing with --serve (a training-run option)")
    return performance(params, gpu, concurrency, input_tokens, output_tokens, gpus).as_dict()


@dataclass(frozen=True)
class ValidationRow:
    """One published figure, what sovsim computes for it, and the relative error."""

    table: str
    case: str
    published: float
    computed: float
    tolerance: float

    @property
    def error(self) -> float:
        return abs(self.computed - self.published) / abs(self.published)

    @property
    def ok(self) -> bool:
        return self.error <= self.tolerance


def _csv_rows(name: str) -> list[dict[str, str]]:
    text = resources.files("sovsim").joinpath("validation", name).read_text(encoding="utf-8")
    return list(csv.DictReader(line for line in text.splitlines() if line and not line.startswith("#")))


def validation_report() -> list[ValidationRow]:
    """Recompute every shipped published table.

    Llama 2 pretraining CO2 at 423.5 g/kWh and PUE 1.0 to ±0.5%; M/M/c queues by Erlang C to 1e-5 relative.
    """
    out = []
    total_hours = total_t = 0.0
    for r in _csv_rows("llama2_pretraining_co2.csv"):
        e = estimate(gpu_hours=float(r["gpu_hours"]), power_w=float(r["power_w"]), carbon_g_per_kwh=423.5, pue=1.0,
                     server_overhead=1.0)
        total_hours += e["gpu_hours"]
        total_t += e["co2_t"]
        out.append(ValidationRow("llama2 CO2 (t)", r["model"], float(r["tco2eq"]), e["co2_t"], 0.005))
    out.append(ValidationRow("llama2 total GPU-hours", "all", 3_311_616.0, total_hours, 0.005))
    out.append(ValidationRow("llama2 total CO2 (t)", "all", 539.00, total_t, 0.005))
    for r in _csv_rows("mmc_queues.csv"):
        q = erlang_c(float(r["lam"]), float(r["mu"]), int(r["c"]))._asdict()
        case = f"λ={r['lam']} μ={r['mu']} c={r['c']}"
        out += [ValidationRow(f"M/M/c {name}", case, float(r[name]), q[name], 1e-5) for name in q]
    return out
