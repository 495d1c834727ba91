"""Q6 Compute-rich luxury: above which budget is P(alive and current at year 5) at least 50%, per strategy?

    python experiments/q6_compute_rich.py [--quick] [--out DIR] [--engine local|dask] [--workers N]

Runs ``q6_compute_rich.toml``: nine budget levels (money and fleet scaled together, five-year budget
$13.75M to $3.5B) × three model strategies, on common random numbers, over five years with monthly
timelines. A future is *alive and current* at year 5 when it has not died and its model, with its local
edge, is not behind the best open weights on the last day (the timeline's final row). The threshold is the
first budget at which the curve reaches 50% (interpolated on log budget between levels); its interval
bootstraps the sampled scenarios (all budget levels of a scenario together, keeping the pairing).

Writes summary.md, q6_curve.csv, q6_threshold.csv, q6_verdicts.csv and q6_compute_rich.png/.svg to DIR.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import common
import numpy as np
import pandas as pd

import sovsim

SIZES = {"tiny": 2, "quick": 30, "full": 150}
STRATEGIES = ("scratch", "continue", "finetune")
FIVE_YEAR_BUDGET_USD = 55e6  #: budget level 1: $25M launch cash + 5 × $6M appropriation
VERDICTS = ("alive", "defunded", "hollowed", "stale", "starved", "vanity_pilot")
VERDICT_COLORS = {"alive": "#229954", "defunded": "#7f8c8d", "hollowed": "#2471a3", "stale": "#f39c12",
                  "starved": "#c0392b", "vanity_pilot": "#8e44ad"}


def current_at_end(futures: pd.DataFrame, timelines: pd.DataFrame, edge: float) -> pd.Series:
    """True where the future is alive at the horizon with its model (plus local edge) not behind open weights."""
    last = timelines.sort_values(["future", "time_days"]).groupby("future").tail(1).set_index("future")
    national = futures["future"].map(last["national_log10"])
    open_weights = futures["future"].map(last["open_log10"])
    edges = futures["model.local_edge_log10"] if "model.local_edge_log10" in futures else edge
    return (futures["verdict"] == "alive") & (national + edges >= open_weights)


def crossing(budgets: np.ndarray, p: np.ndarray, level: float = 0.5) -> float:
    """First budget where ``p`` reaches ``level``, interpolated on log budget; inf if it never does."""
    for i, value in enumerate(p):
        if value >= level:
            if i == 0:
                return float(budgets[0])
            x0, x1 = math.log(budgets[i - 1]), math.log(budgets[i])
            y0, y1 = p[i - 1], value
            return float(math.exp(x0 + (level - y0) / (y1 - y0) * (x1 - x0)))
    return math.inf


def threshold_interval(budgets: np.ndarray, matrix: np.ndarray, resamples: int = 1000, seed: int = 6) -> object:
    """The crossing of the mean curve of ``matrix`` (scenario × budget, 0/1), with a bootstrap over scenarios.

    Resamples that never reach 50% count as an infinite budget; the percentiles are taken without
    interpolation so that an infinite bound stays infinite.
    """
    point = crossing(budgets, matrix.mean(axis=0)) if len(matrix) else math.inf
    if not len(matrix):
        return sovsim.stats.Estimate(point, math.nan, math.nan, 0)
    rng = np.random.default_rng(seed)
    picks = rng.integers(0, len(matrix), size=(resamples, len(matrix)))
    draws = np.array([crossing(budgets, matrix[row].mean(axis=0)) for row in picks])
    low, high = np.quantile(draws, [0.025, 0.975], method="inverted_cdf")
    return sovsim.stats.Estimate(point, float(low), float(high), len(matrix))


def main(argv: Sequence[str] | None = None) -> None:
    args = common.parse_args(6, __doc__, argv)
    common.prepare(args)
    run = common.run_spec("q6_compute_rich", args, SIZES, timelines=True)
    assert run.timelines is not None
    futures = run.futures.copy()
    futures["level"] = common.policy_base(futures).str.removeprefix("budget-x").astype(float)
    futures["budget_usd"] = futures["level"] * FIVE_YEAR_BUDGET_USD
    futures["strategy"] = common.policy_values(futures, "model.strategy")
    edge = run.spec.base_scenario().model.local_edge_log10
    futures["good"] = current_at_end(futures, run.timelines, edge)
    budgets = np.sort(futures["budget_usd"].unique())

    curve_rows, verdict_rows, threshold_rows = [], [], []
    for (strategy, budget), g in futures.groupby(["strategy", "budget_usd"], sort=True):
        curve_rows.append({"strategy": strategy, "five_year_budget_usd": budget, "futures": len(g),
                           "gpus": int(round(512 * budget / FIVE_YEAR_BUDGET_USD)),
                           **common.estimate_row(common.share(g["good"]), "p_alive_current_5y"),
                           **common.estimate_row(common.share(g["verdict"] == "alive"), "p_alive_5y")})
        for v in VERDICTS:
            verdict_rows.append({"strategy": strategy, "five_year_budget_usd": budget, "verdict": v,
                                 "share": float((g["verdict"] == v).mean())})
    curve = pd.DataFrame(curve_rows)
    for strategy in STRATEGIES:
        s = futures[futures["strategy"] == strategy]
        matrix = s.pivot_table(index="scenario_index", columns="budget_usd", values="good", aggfunc="first")
        matrix = matrix.reindex(columns=budgets).dropna().astype(float).to_numpy()

        est = threshold_interval(budgets, matrix)
        threshold_rows.append({"strategy": strategy, "scenarios": len(matrix),
                               **common.estimate_row(est, "threshold_five_year_budget_usd"),
                               "max_p_alive_current_5y": float(matrix.mean(axis=0).max()) if len(matrix) else 0.0})
    thresholds = pd.DataFrame(threshold_rows)
    curve.to_csv(args.out / "q6_curve.csv", index=False)
    thresholds.to_csv(args.out / "q6_threshold.csv", index=False)
    pd.DataFrame(verdict_rows).to_csv(args.out / "q6_verdicts.csv", index=False)

    fig, axes = common.figure(12.5, 4.6, ncols=2)
    ax = axes[0][0]
    for strategy in STRATEGIES:
        s = curve[curve["strategy"] == strategy].sort_values("five_year_budget_usd")
        common.band(ax, s["five_year_budget_usd"] / 1e6, s, "p_alive_current_5y", strategy, common.COLORS[strategy])
        t = thresholds[thresholds["strategy"] == strategy].iloc[0]
        if math.isfinite(t["threshold_five_year_budget_usd"]):
            high = t["threshold_five_year_budget_usd_high"]
            high = high if math.isfinite(high) else budgets[-1]
            ax.errorbar(t["threshold_five_year_budget_usd"] / 1e6, 50,
                        xerr=[[(t["threshold_five_year_budget_usd"] - t["threshold_five_year_budget_usd_low"]) / 1e6],
                              [(high - t["threshold_five_year_budget_usd"]) / 1e6]],
                        fmt="D", color=common.COLORS[strategy], capsize=4, ms=6)
    ax.axhline(50, color="black", lw=0.8, ls="--")
    ax.set_xscale("log")
    ax.set_xlabel("five-year budget, million USD (log scale; 512 H100 per $55M)")
    ax.set_ylabel("P(alive and current at year 5), % (95% CI)")
    ax.set_title("Alive and current at year 5 against the budget (◆ 50% threshold, 95% CI)")
    ax.set_ylim(-2, 102)
    ax.legend(fontsize=8)
    ax = axes[0][1]
    v = pd.DataFrame(verdict_rows)
    v = v[v["strategy"] == "continue"]
    bottom = np.zeros(len(budgets))
    x = np.arange(len(budgets))
    for verdict in VERDICTS:
        values = v[v["verdict"] == verdict].set_index("five_year_budget_usd").reindex(budgets)["share"].fillna(0)
        ax.bar(x, values.to_numpy() * 100, bottom=bottom, color=VERDICT_COLORS[verdict], label=verdict)
        bottom += values.to_numpy() * 100
    ax.set_xticks(x, [common.money(b) for b in budgets], rotation=45, fontsize=8)
    ax.set_xlabel("five-year budget")
    ax.set_ylabel("share of futures at year 5, %")
    ax.set_title("Continued pre-training: how the five years end")
    ax.legend(fontsize=7, ncols=2)
    common.save_figure(fig, args.out, "q6_compute_rich", f"{len(futures):,} futures, seed {run.seed}")

    th = thresholds.set_index("strategy")

    def threshold(strategy: str) -> str:
        r = th.loc[strategy]
        if not math.isfinite(r["threshold_five_year_budget_usd"]):
            return (f"{strategy}: never within {common.money(budgets[-1])} (best "
                    f"{100 * r['max_p_alive_current_5y']:.0f}%)")
        high = r["threshold_five_year_budget_usd_high"]
        high_text = common.money(high) if math.isfinite(high) else f"above {common.money(budgets[-1])}"
        return (f"{strategy} {common.money(r['threshold_five_year_budget_usd'])} (95% CI "
                f"{common.money(r['threshold_five_year_budget_usd_low'])}–{high_text})")

    c = curve.set_index(["strategy", "five_year_budget_usd"])
    top = budgets[-1]
    answer = (
        f"Money buys survival, not currency: the five-year budget above which P(alive and current at year 5) "
        f"reaches 50% is {threshold('continue')}, {threshold('finetune')} and {threshold('scratch')}. At the "
        f"largest budget ({common.money(top)}, {int(round(512 * top / FIVE_YEAR_BUDGET_USD)):,} H100) the "
        f"probability is {common.pct_of(c.loc[('continue', top)], 'p_alive_current_5y')} continuing open "
        f"weights and {common.pct_of(c.loc[('scratch', top)], 'p_alive_current_5y')} from scratch.")
    if math.isfinite(th.loc["scratch", "threshold_five_year_budget_usd"]):
        answer = answer.replace("Money buys survival, not currency", "Money buys survival and, at a price, currency")
    details = [
        "Continued pre-training and fine-tuning inherit the open weights, so they are current whenever they are "
        "alive and recently released; below the threshold they die defunded or hollowed (the 36-person team's "
        "pay alone is about $4M a year), above it the remaining risks are budget cuts, attrition and pilots "
        "that never reach production.",
        "A from-scratch model must out-train the open frontier, which grows about 1.1 decades of effective "
        "compute a year; a fleet bought once grows only with algorithmic efficiency (≈0.5 decades a year), so "
        "even tens of thousands of GPUs fall behind within a few years.",
        "'Current' is judged on the last day of year 5: a model between releases may be briefly behind, so the "
        "curve of P(alive at year 5) is in q6_curve.csv beside it.",
    ]
    key = th.loc["continue"]
    common.write_summary(
        args, title="Compute-rich luxury", answer=answer, runs=[run], details=details,
        figures=["q6_compute_rich"], tables=["q6_curve.csv", "q6_threshold.csv", "q6_verdicts.csv"],
        key={"name": "five-year budget for P(alive and current at year 5) ≥ 50%, continued pre-training",
             "value": float(key["threshold_five_year_budget_usd"]),
             "low": float(key["threshold_five_year_budget_usd_low"]),
             "high": float(key["threshold_five_year_budget_usd_high"]), "unit": "USD"},
        facts={s: float(th.loc[s, "threshold_five_year_budget_usd"]) for s in STRATEGIES})


if __name__ == "__main__":
    main()
