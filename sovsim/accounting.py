"""Training-run estimates and the published tables the accounting must reproduce.

:func:`estimate` answers "what does this run cost in GPU-hours, energy, carbon and money?" through the
same kernel that bills the simulated fleets; with ``failures`` it also simulates interruptions. Defaults are
PUE 1.0 and no server overhead, so published per-GPU figures are reproduced exactly.
:func:`validation_report` recomputes the tables shipped in ``sovsim/validation/``.
"""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass
from importlib import resources
from typing import Any

import numpy as np

from sovsim.kernels.accounting import OUTPUTS, integrate, prefix_sum
from sovsim.kernels.reliability import interrupted_runs
from sovsim.model.gpus import GPUS
from sovsim.queueing import erlang_c

__all__ = ["estimate", "EstimateError", "ValidationRow", "validation_report", "DEFAULTS"]

#: Defaults of :func:`estimate`, each with its source in docs/calibration.md.
DEFAULTS = {
    "pue": (1.0, "none: report the IT energy; pass --pue for a facility (calibration.md §3: 1.1–1.6)"),
    "server_overhead": (1.0, "none: GPU board power only; DGX H100 is 1.82× (calibration.md §1)"),
    "carbon_g_per_kwh": (481.0, "calibration.md §3: world average grid carbon 481 g/kWh (2023)"),
    "price_usd_per_kwh": (0.0806, "calibration.md §3: US industrial electricity $0.0806/kWh (2023)"),
    "failures_per_gpu_year": (0.17, "calibration.md §4: all unexpected interruptions of Llama 3, per GPU-year"),
    "checkpoint_hours": (1.0, "assumption: hourly checkpoints"),
    "restart_minutes": (15.0, "calibration.md §4: 5–30 min per restart"),
    "checkpoint_write_minutes": (1.0, "assumption: a one-minute stall per checkpoint (calibration.md §4)"),
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
             seed: int = 0) -> dict[str, Any]:
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
    for name, value in (("gpu_hours", gpu_hours), ("power_w", power_w), ("params", params), ("tokens", tokens),
                        ("mfu", mfu)):
        _positive(name, value)
    if pue < 1 or not math.isfinite(pue):
        raise EstimateError("pue", pue, "a number ≥ 1")
    if overhead < 1 or not math.isfinite(overhead):
        raise EstimateError("server_overhead", overhead, "a number ≥ 1")
    for name, value in (("carbon_g_per_kwh", carbon), ("price_usd_per_kwh", price)):
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
    out = {"gpu_hours": result["gpu_hours"], "energy_kwh": result["kwh"], "energy_mwh": result["kwh"] / 1e3,
           "co2_t": result["kg_co2"] / 1e3, "cost_usd": result["usd"], **out, "power_w": power_w, "pue": pue,
           "server_overhead": overhead, "carbon_g_per_kwh": carbon, "price_usd_per_kwh": price}
    if failures:
        if "days" not in out:
            raise EstimateError("failures", True, "a model and cluster (--params --tokens --gpu --gpus --mfu)")
        out.update(_failures(out["days"] * 24.0, out["gpus"], failures_per_gpu_year, checkpoint_hours,
                             restart_minutes, checkpoint_write_minutes, runs, seed))
    return out


def _failures(work_h: float, gpus: int, rate: float | None, checkpoint_h: float | None,
              restart_min: float | None, write_min: float | None, runs: int, seed: int) -> dict[str, Any]:
    rate = DEFAULTS["failures_per_gpu_year"][0] if rate is None else rate
    checkpoint_h = DEFAULTS["checkpoint_hours"][0] if checkpoint_h is None else checkpoint_h
    restart_min = DEFAULTS["restart_minutes"][0] if restart_min is None else restart_min
    write_min = DEFAULTS["checkpoint_write_minutes"][0] if write_min is None else write_min
    for name, value in (("failures_per_gpu_year", rate), ("checkpoint_hours", checkpoint_h), ("runs", runs)):
        _positive(name, value)
    for name, value in (("restart_minutes", restart_min), ("checkpoint_write_minutes", write_min)):
        if not (math.isfinite(value) and value >= 0):
            raise EstimateError(name, value, "a number ≥ 0")
    per_hour = gpus * rate / (365.25 * 24.0)
    rng = np.random.default_rng(np.random.SeedSequence(seed))
    width = int(per_hour * work_h * 3 + 32)
    while True:
        gaps = rng.exponential(1.0 / per_hour, size=(runs, width))
        wall, interruptions, used = interrupted_runs(work_h, gaps, checkpoint_h, restart_min / 60.0, write_min / 60.0)
        if (used <= width).all():
            break
        width *= 2
    return {"interruptions": float(interruptions.mean()), "goodput": float((work_h / wall).mean()),
            "wall_days": float(wall.mean() / 24.0), "failures_per_gpu_year": rate, "checkpoint_hours": checkpoint_h,
            "restart_minutes": restart_min, "checkpoint_write_minutes": write_min, "runs": runs}


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
        e = estimate(gpu_hours=float(r["gpu_hours"]), power_w=float(r["power_w"]), carbon_g_per_kwh=423.5)
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
