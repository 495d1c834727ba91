"""Q4 How many GPUs keep a national model from becoming a legacy artefact within six months?

    python experiments/q4_gpus_current.py [--quick] [--out DIR] [--engine local|dask|slurm] [--workers N]

Runs ``q4_gpus_current.toml``: owned fleets of 64 to 16,384 H100-class GPUs (money scaled with the fleet)
under each model strategy, on common random numbers. Per future it reads how far the national model trailed
the free alternative in the country's languages (``mean_open_gap_months``, months of frontier progress) and
whether the programme was alive and within six months of it at years 5 and 10. The answer is the smallest
fleet at which P(alive and current at year 5) reaches 50%, per strategy.

Writes summary.md, q4_gpus_current.csv and q4_gpus_current.png/.svg to DIR.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import common
import numpy as np
import pandas as pd

import sovsim

SIZES = {"tiny": 2, "quick": 8, "full": 96}
STRATEGIES = ("scratch", "continue", "finetune")
LEVEL = 0.5


def table(f: pd.DataFrame) -> pd.DataFrame:
    rows = []
    for (strategy, gpus), g in f.groupby(["strategy", "gpus"], sort=True):
        gap = pd.to_numeric(g["mean_open_gap_months"], errors="coerce").dropna().to_numpy(float)
        rows.append({
            "strategy": strategy, "gpu_count": int(gpus), "futures": len(g),
            **common.estimate_row(sovsim.stats.bootstrap_interval(gap, np.median, seed=4) if len(gap) else
                                  sovsim.stats.Estimate(np.nan, np.nan, np.nan, 0), "open_gap_months_median"),
            **common.estimate_row(common.share(common.current_at(g, 5.0)), "p_current_5y"),
            **common.estimate_row(common.share(common.current_at(g, 10.0)), "p_current_10y"),
            **common.estimate_row(common.share(g["verdict"] == "stale"), "p_stale"),
            "median_total_cost_usd": float(g["total_cost_usd"].median())})
    return pd.DataFrame(rows)


def smallest(t: pd.DataFrame, strategy: str, column: str = "p_current_5y") -> float:
    s = t[(t["strategy"] == strategy) & (t[column] >= LEVEL)].sort_values("gpu_count")
    return float(s["gpu_count"].iloc[0]) if len(s) else math.inf


def plot(t: pd.DataFrame, args: object, note: str) -> None:
    fig, axes = common.figure(11.0, 4.4, ncols=2)
    for strategy in STRATEGIES:
        s = t[t["strategy"] == strategy].sort_values("gpu_count")
        common.band(axes[0][0], s["gpu_count"], s, "open_gap_months_median", strategy, common.COLORS[strategy],
                    scale=1.0)
        common.band(axes[0][1], s["gpu_count"], s, "p_current_5y", strategy, common.COLORS[strategy])
    for ax in axes[0]:
        ax.set_xscale("log", base=2)
        ax.set_xlabel("owned H100-class GPUs (money scaled with the fleet)")
        ax.legend(fontsize=8)
    axes[0][0].axhline(6.0, color="#888888", lw=0.8, ls="--")
    axes[0][0].set_ylabel("months behind the free alternative (median, 95% CI)")
    axes[0][0].set_title("How far the national model trails")
    axes[0][1].axhline(100 * LEVEL, color="#888888", lw=0.8, ls="--")
    axes[0][1].set_ylabel("P(alive and current at year 5), % (95% CI)")
    axes[0][1].set_title("Alive and within six months")
    common.save_figure(fig, args.out, "q4_gpus_current", note)  # type: ignore[attr-defined]


def main(argv: Sequence[str] | None = None) -> None:
    args = common.parse_args(4, __doc__, argv)
    run = common.run_spec("q4_gpus_current", args, SIZES)
    f = run.futures.copy()
    f["gpus"] = common.policy_base(f).str.lstrip("g").astype(int)
    f["strategy"] = common.policy_values(f, "model.strategy")
    t = table(f)
    t.to_csv(args.out / "q4_gpus_current.csv", index=False)
    plot(t, args, f"{len(f):,} futures, seed {run.seed}")
    at = t.set_index(["strategy", "gpu_count"])
    fleets = sorted(t["gpu_count"].unique())
    small, big = fleets[0], fleets[-1]
    need = {k: smallest(t, k) for k in STRATEGIES}

    def fleet(n: float) -> str:
        return f"{n:,.0f} GPUs" if math.isfinite(n) else f"no fleet up to {big:,}"

    f["cell"] = f["strategy"] + "|" + f["gpus"].astype(str)
    current5 = common.current_at(f, 5.0)
    scratch_gain = common.paired(f, "cell", f"scratch|{small}", f"scratch|{big}", current5)
    continue_gain = common.paired(f, "cell", f"continue|{small}", f"continue|{big}", current5)
    if continue_gain.low <= 0 and scratch_gain.low <= 0:
        lead = "The number of GPUs is not what keeps a model current"
    elif math.isfinite(need["scratch"]):
        lead = f"Enough GPUs keep even a from-scratch model current: {fleet(need['scratch'])} do it"
    else:
        lead = "More GPUs help, but no fleet in the range keeps a from-scratch model current"
    answer = (
        f"{lead}: P(alive and within six months of the free "
        f"alternative at year 5) reaches {100 * LEVEL:.0f}% with {fleet(need['continue'])} continuing open "
        f"weights, {fleet(need['finetune'])} fine-tuning and {fleet(need['scratch'])} training from scratch. "
        f"From {small:,} to {big:,} GPUs (money scaled with them) it moves by {common.points(continue_gain)} "
        f"continuing and {common.points(scratch_gain)} from scratch; at {big:,} GPUs a from-scratch model "
        f"trails by a median of {common.num_of(at.loc[('scratch', big)], 'open_gap_months_median', 1)} months, "
        f"a continued one by {common.num_of(at.loc[('continue', big)], 'open_gap_months_median', 1)}.")
    details = [
        "Mechanism: a continued or fine-tuned model's capability is its open base's plus what its own tokens add "
        "(`sovsim/model/capability.py`, `builder.py`), so its currency depends on the base it starts from and "
        "the cadence, not on its own compute; a from-scratch model's capability comes from its own training "
        "compute against a frontier that grows about 1.1 decades a year (bounded, `sovsim/model/frontier.py`), "
        "so a fleet bought once falls behind unless it grows at the frontier's pace.",
        "The fleet's launch cash ($8M + $45k per GPU) and appropriation ($6M + $5.5k per GPU a year) scale with "
        "its size, so a large fleet is bought and run without a structural deficit; the team is the preset's.",
        f"P(dead stale within 10 years) at {big:,} GPUs: scratch "
        f"{common.pct_of(at.loc[('scratch', big)], 'p_stale')}, continue "
        f"{common.pct_of(at.loc[('continue', big)], 'p_stale')}.",
    ]
    common.write_summary(
        args, title="How many GPUs", answer=answer, runs=[run], details=details, figures=["q4_gpus_current"],
        tables=["q4_gpus_current.csv"],
        key=common.key_of(f"P(alive and current at year 5), from scratch with {big:,} GPUs",
                          at.loc[("scratch", big)], "p_current_5y"),
        facts={**{f"gpus_needed_{k}": v for k, v in need.items()}, "top_gpus": big,
               "p_current_continue_small": float(at.loc[("continue", small), "p_current_5y"]),
               "p_current_continue_big": float(at.loc[("continue", big), "p_current_5y"]),
               "p_current_scratch_big": float(at.loc[("scratch", big), "p_current_5y"]),
               "continue_gain": continue_gain.value, "continue_gain_low": continue_gain.low,
               "continue_gain_high": continue_gain.high, "scratch_gain": scratch_gain.value,
               "scratch_gain_low": scratch_gain.low, "scratch_gain_high": scratch_gain.high, "small_gpus": small})


if __name__ == "__main__":
    main()
