"""Q9 Compute-rich luxury: above which budget is P(alive and current at year 5) at least 50%, per strategy?

    python experiments/q9_compute_rich.py [--quick] [--out DIR] [--engine local|dask|slurm] [--workers N]

Runs ``q9_compute_rich.toml``: nine budget levels (money and fleet scaled together, five-year budget
$13.75M to $3.5B) × three model strategies × two release cadences (6 and 9 months), on common random
numbers, over five years with monthly timelines. A future is *alive and current* at year 5 when it has
not died and its model, with its local edge, is not behind the best open weights on the last day (the
timeline's final row). The threshold is the budget above which the curve stays at or over 50%
(interpolated on log budget between levels); its interval bootstraps the sampled scenarios (all budget
levels of a scenario together, keeping the pairing).

It also runs ``q9_compute_rich_preset.toml``: the compute-rich preset itself (a state fund of $1.93B over
five years, 16,384 B200, a team that is hard to hire), drawn on the curve as a star per strategy.

Writes summary.md, q9_curve.csv, q9_threshold.csv, q9_verdicts.csv, q9_compute_rich_preset.csv and
q9_compute_rich.png/.svg to DIR.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import common
import numpy as np
import pandas as pd

import sovsim

SIZES = {"tiny": 2, "quick": 6, "full": 60}
STRATEGIES = ("scratch", "continue", "finetune")
FIVE_YEAR_BUDGET_USD = 55e6  #: budget level 1: $25M launch cash + 5 × $6M appropriation
VERDICTS = ("alive", "defunded", "hollowed", "stale", "starved", "vanity_pilot")
VERDICT_COLORS = {"alive": "#229954", "defunded": "#7f8c8d", "hollowed": "#2471a3", "stale": "#f39c12",
                  "starved": "#c0392b", "vanity_pilot": "#8e44ad"}


def current_at_end(futures: pd.DataFrame, timelines: pd.DataFrame, years: float | None = None) -> pd.Series:
    """True where the future is alive at ``years`` (default: the horizon) with its model not behind the
    alternative in the country's languages on the last monthly row by then (the stale test's comparison)."""
    rows = timelines if years is None else timelines[timelines["time_days"] <= years * 365.25 + 1.0]
    last = rows.sort_values(["future", "time_days"]).groupby("future").tail(1).set_index("future")
    national = futures["future"].map(last["national_local_log10"])
    alternative = futures["future"].map(last["open_local_log10"])
    alive = (futures["verdict"] == "alive") if years is None else common.alive_at(futures, years)
    return alive & (national >= alternative)


def crossing(budgets: np.ndarray, p: np.ndarray, level: float = 0.5) -> float:
    """The budget above which ``p`` stays at or over ``level`` (interpolated on log budget); inf if none.

    It is the last upward crossing: every budget level above the threshold has ``p ≥ level``.
    """
    below = np.flatnonzero(p < level)
    if len(below) == 0:
        return float(budgets[0])
    i = int(below[-1])
    if i == len(p) - 1:
        return math.inf
    x0, x1 = math.log(budgets[i]), math.log(budgets[i + 1])
    y0, y1 = p[i], p[i + 1]
    return float(math.exp(x0 + (level - y0) / (y1 - y0) * (x1 - x0)))


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
    args = common.parse_args(9, __doc__, argv)
    run = common.run_spec("q9_compute_rich", args, SIZES, timelines=True)
    assert run.timelines is not None
    futures = run.futures.copy()
    futures["level"] = common.policy_base(futures).str.removeprefix("budget-x").astype(float)
    futures["budget_usd"] = futures["level"] * FIVE_YEAR_BUDGET_USD
    futures["strategy"] = common.policy_values(futures, "model.strategy")
    futures["cadence"] = common.policy_values(futures, "model.release_interval_months")
    cadences = sorted(futures["cadence"].unique())
    futures["good"] = current_at_end(futures, run.timelines, 5.0)
    futures["good10"] = current_at_end(futures, run.timelines, 10.0)
    budgets = np.sort(futures["budget_usd"].unique())

    preset_run = common.run_spec("q9_compute_rich_preset", args, SIZES, timelines=True)
    assert preset_run.timelines is not None
    archetype = preset_run.futures.copy()
    archetype["strategy"] = common.policy_values(archetype, "model.strategy")
    preset = preset_run.spec.base_scenario()
    archetype["good"] = current_at_end(archetype, preset_run.timelines)
    preset_budget = preset.treasury.initial_cash_usd + 5 * preset.treasury.appropriation_usd_per_year
    preset_rows = [{"preset": preset.name, "strategy": strategy, "cadence_months": preset.model.release_interval_months,
                    "five_year_budget_usd": preset_budget, "gpus": preset.compute.gpu_count, "gpu": preset.compute.gpu,
                    "futures": len(g), **common.estimate_row(common.share(g["good"]), "p_alive_current_5y"),
                    **common.estimate_row(common.share(g["verdict"] == "alive"), "p_alive_5y"),
                    **{f"share_{v}": float((g["verdict"] == v).mean()) for v in VERDICTS}}
                   for strategy, g in archetype.groupby("strategy", sort=True)]
    archetypes = pd.DataFrame(preset_rows)
    archetypes.to_csv(args.out / "q9_compute_rich_preset.csv", index=False)

    curve_rows, verdict_rows, threshold_rows = [], [], []
    for (strategy, cadence, budget), g in futures.groupby(["strategy", "cadence", "budget_usd"], sort=True):
        curve_rows.append({"strategy": strategy, "cadence_months": cadence, "five_year_budget_usd": budget,
                           "futures": len(g),
                           "gpus": int(round(512 * budget / FIVE_YEAR_BUDGET_USD)),
                           **common.estimate_row(common.share(g["good"]), "p_alive_current_5y"),
                           **common.estimate_row(common.share(g["good10"]), "p_alive_current_10y"),
                           **common.estimate_row(common.share(common.alive_at(g, 5.0)), "p_alive_5y")})
        for v in VERDICTS:
            verdict_rows.append({"strategy": strategy, "cadence_months": cadence, "five_year_budget_usd": budget,
                                 "verdict": v,
                                 "share": float((g["verdict"] == v).mean())})
    curve = pd.DataFrame(curve_rows)
    for strategy, cadence in ((s, c) for s in STRATEGIES for c in cadences):
        s = futures[(futures["strategy"] == strategy) & (futures["cadence"] == cadence)]
        matrix = s.pivot_table(index="scenario_index", columns="budget_usd", values="good", aggfunc="first")
        matrix = matrix.reindex(columns=budgets).dropna().astype(float).to_numpy()

        est = threshold_interval(budgets, matrix)
        matrix10 = s.pivot_table(index="scenario_index", columns="budget_usd", values="good10", aggfunc="first")
        matrix10 = matrix10.reindex(columns=budgets).dropna().astype(float).to_numpy()
        est10 = threshold_interval(budgets, matrix10)
        threshold_rows.append({"strategy": strategy, "cadence_months": cadence, "scenarios": len(matrix),
                               **common.estimate_row(est, "threshold_five_year_budget_usd"),
                               "max_p_alive_current_5y": float(matrix.mean(axis=0).max()) if len(matrix) else 0.0,
                               **common.estimate_row(est10, "threshold10_five_year_budget_usd"),
                               "max_p_alive_current_10y": float(matrix10.mean(axis=0).max()) if len(matrix10)
                               else 0.0})
    thresholds = pd.DataFrame(threshold_rows)
    curve.to_csv(args.out / "q9_curve.csv", index=False)
    thresholds.to_csv(args.out / "q9_threshold.csv", index=False)
    pd.DataFrame(verdict_rows).to_csv(args.out / "q9_verdicts.csv", index=False)

    fig, axes = common.figure(12.5, 4.6, ncols=2)
    ax = axes[0][0]
    for strategy, cadence in ((s, c) for s in STRATEGIES for c in cadences):
        s = curve[(curve["strategy"] == strategy) & (curve["cadence_months"] == cadence)]
        s = s.sort_values("five_year_budget_usd")
        line = "-" if cadence == min(cadences) else "--"
        ax.plot(s["five_year_budget_usd"] / 1e6, s["p_alive_current_5y"] * 100, line, marker="o", ms=3,
                color=common.COLORS[strategy], label=f"{strategy}, {cadence:g}-month cadence")
        ax.fill_between(s["five_year_budget_usd"] / 1e6, s["p_alive_current_5y_low"] * 100,
                        s["p_alive_current_5y_high"] * 100, color=common.COLORS[strategy], alpha=0.12, linewidth=0)
        t = thresholds[(thresholds["strategy"] == strategy) & (thresholds["cadence_months"] == cadence)].iloc[0]
        if math.isfinite(t["threshold_five_year_budget_usd"]):
            high = t["threshold_five_year_budget_usd_high"]
            high = high if math.isfinite(high) else budgets[-1]
            ax.errorbar(t["threshold_five_year_budget_usd"] / 1e6, 50,
                        xerr=[[max(0.0, t["threshold_five_year_budget_usd"] - t["threshold_five_year_budget_usd_low"])
                               / 1e6], [max(0.0, high - t["threshold_five_year_budget_usd"]) / 1e6]],
                        fmt="D", color=common.COLORS[strategy], capsize=4, ms=6)
    for _, r in archetypes.iterrows():
        ax.errorbar(r["five_year_budget_usd"] / 1e6, 100 * r["p_alive_current_5y"],
                    yerr=[[100 * (r["p_alive_current_5y"] - r["p_alive_current_5y_low"])],
                          [100 * (r["p_alive_current_5y_high"] - r["p_alive_current_5y"])]],
                    fmt="*", ms=13, color=common.COLORS[r["strategy"]], mec="black", capsize=3,
                    label="compute-rich preset" if r["strategy"] == "continue" else None)
    ax.axhline(50, color="black", lw=0.8, ls="--")
    ax.set_xscale("log")
    ticks = [b / 1e6 for b in budgets]
    ax.set_xticks(ticks, [common.money(b) for b in budgets], rotation=45, fontsize=8)
    ax.minorticks_off()
    ax.set_xlabel("five-year budget (log scale; 512 H100 per $55M)")
    ax.set_ylabel("P(alive and current at year 5), % (95% CI)")
    ax.set_title("Alive and current at year 5 against the budget (◆: 50% reached)")
    ax.set_ylim(-2, 102)
    ax.legend(fontsize=8)
    ax = axes[0][1]
    v = pd.DataFrame(verdict_rows)
    slow = max(cadences)
    v = v[(v["strategy"] == "continue") & (v["cadence_months"] == slow)]
    bottom = np.zeros(len(budgets))
    x = np.arange(len(budgets))
    for verdict in VERDICTS:
        values = v[v["verdict"] == verdict].set_index("five_year_budget_usd").reindex(budgets)["share"].fillna(0)
        ax.bar(x, values.to_numpy() * 100, bottom=bottom, color=VERDICT_COLORS[verdict], label=verdict)
        bottom += values.to_numpy() * 100
    ax.set_xticks(x, [common.money(b) for b in budgets], rotation=45, fontsize=8)
    ax.set_xlabel("five-year budget")
    ax.set_ylabel("share of futures at year 5, %")
    ax.set_title(f"Continued pre-training, {slow:g}-month cadence: how the five years end")
    ax.legend(fontsize=7, ncols=2)
    common.save_figure(fig, args.out, "q9_compute_rich", f"{len(futures):,} futures, seed {run.seed}")

    th = thresholds.set_index(["strategy", "cadence_months"])
    fast, slow = min(cadences), max(cadences)

    def threshold(strategy: str, cadence: float) -> str:
        r = th.loc[(strategy, cadence)]
        if not math.isfinite(r["threshold_five_year_budget_usd"]):
            return (f"{strategy} never within {common.money(budgets[-1])} (at best "
                    f"{100 * r['max_p_alive_current_5y']:.0f}%)")
        high = r["threshold_five_year_budget_usd_high"]
        high_text = common.money(high) if math.isfinite(high) else f"above {common.money(budgets[-1])}"
        return (f"{strategy} {common.money(r['threshold_five_year_budget_usd'])} (95% CI "
                f"{common.money(r['threshold_five_year_budget_usd_low'])}–{high_text})")

    def threshold10(strategy: str, cadence: float) -> str:
        r = th.loc[(strategy, cadence)]
        if not math.isfinite(r["threshold10_five_year_budget_usd"]):
            return (f"{strategy} never within {common.money(budgets[-1])} (at best "
                    f"{100 * r['max_p_alive_current_10y']:.0f}%)")
        return f"{strategy} {common.money(r['threshold10_five_year_budget_usd'])}"

    c = curve.set_index(["strategy", "cadence_months", "five_year_budget_usd"])
    top = budgets[-1]
    reference = budgets[len(budgets) // 2 - 2] if len(budgets) > 4 else budgets[0]
    finite = {k: math.isfinite(th.loc[k, "threshold_five_year_budget_usd"]) for k in th.index}
    if finite[("continue", fast)] and not finite[("continue", slow)]:
        lead = "Cadence, not money, decides"
    elif not any(finite.values()):
        lead = "No budget in the range makes it likely"
    elif finite[("scratch", fast)] or finite[("scratch", slow)]:
        lead = "Money can buy a current model, at a price"
    else:
        lead = "A modest budget suffices for open-weight strategies and none for scratch"
    answer = (
        f"{lead}: the five-year budget above which "
        f"P(alive and current at year 5) reaches 50% is, at midsize-nation's {slow:g}-month cadence, "
        f"{threshold('continue', slow)}, {threshold('finetune', slow)} and {threshold('scratch', slow)}; at a "
        f"{fast:g}-month cadence, {threshold('continue', fast)}, {threshold('finetune', fast)} and "
        f"{threshold('scratch', fast)}. Continuing open weights at {slow:g} months, the probability is "
        f"{common.pct_of(c.loc[('continue', slow, reference)], 'p_alive_current_5y')} at "
        f"{common.money(reference)} and {common.pct_of(c.loc[('continue', slow, top)], 'p_alive_current_5y')} at "
        f"{common.money(top)} ({int(round(512 * top / FIVE_YEAR_BUDGET_USD)):,} H100); from scratch it is "
        f"{common.pct_of(c.loc[('scratch', slow, top)], 'p_alive_current_5y')} there. At year 10 the same "
        f"level needs, at a {fast:g}-month cadence, {threshold10('continue', fast)}, "
        f"{threshold10('finetune', fast)} and {threshold10('scratch', fast)} (the budget still named by its "
        "first five years; the appropriation runs on at the same rate).")
    if "continue" in set(archetypes["strategy"]):
        a = archetypes.set_index("strategy").loc["continue"]
        killer = max(VERDICTS[1:], key=lambda v: a[f"share_{v}"])
        answer += (f" The compute-rich archetype ({common.money(preset_budget)} over five years, "
                   f"{preset.compute.gpu_count:,} {preset.compute.gpu.upper()}, a release every "
                   f"{preset.model.release_interval_months:g} months, a team that is hard to hire) reaches "
                   f"{common.pct_of(a, 'p_alive_current_5y')}; its commonest death is {killer} "
                   f"({100 * a[f'share_{killer}']:.0f}%).")
    verdict_table = pd.DataFrame(verdict_rows).set_index(["strategy", "cadence_months", "five_year_budget_usd",
                                                          "verdict"])["share"]

    def mix(budget: float) -> str:
        return ", ".join(f"{v} {100 * verdict_table.loc[('continue', slow, budget, v)]:.0f}%" for v in VERDICTS
                         if verdict_table.loc[("continue", slow, budget, v)] > 0)

    details = [
        "Continued pre-training and fine-tuning inherit the open weights, so they are current whenever they are "
        f"alive and recently released. Continuing every {slow:g} months, year 5 ends at {common.money(reference)} "
        f"with {mix(reference)}; at {common.money(top)} with {mix(top)}.",
        "A from-scratch model must out-train the open frontier, which grows about 1.1 decades of effective "
        "compute a year; a fleet bought once grows only with algorithmic efficiency (≈0.5 decades a year), so "
        "even tens of thousands of GPUs fall behind within a few years.",
        "'Current' is judged on the last monthly row of year 5 (and of year 10): a model between releases may be "
        "briefly behind, so the curve of P(alive at year 5) is in q9_curve.csv beside it.",
    ]
    key = c.loc[("continue", fast, reference)]
    common.write_summary(
        args, title="Compute-rich luxury", answer=answer, runs=[run, preset_run], details=details,
        figures=["q9_compute_rich"], tables=["q9_curve.csv", "q9_threshold.csv", "q9_verdicts.csv",
                                            "q9_compute_rich_preset.csv"],
        key=common.key_of(f"P(alive and current at year 5), continued pre-training every {fast:g} months, "
                          f"{common.money(reference)} over five years", key, "p_alive_current_5y"),
        facts={**{f"{s}_{c:g}": float(th.loc[(s, c), "threshold_five_year_budget_usd"]) for s, c in th.index},
               **{f"best_{s}_{c:g}": float(th.loc[(s, c), "max_p_alive_current_5y"]) for s, c in th.index},
               "top_budget_usd": float(top), "reference_budget_usd": float(reference),
               "p_continue_slow_reference": float(c.loc[("continue", slow, reference), "p_alive_current_5y"]),
               "p_continue_slow_top": float(c.loc[("continue", slow, top), "p_alive_current_5y"]),
               **{f"{s}_{c:g}_10y": float(th.loc[(s, c), "threshold10_five_year_budget_usd"]) for s, c in th.index},
               **{f"best_{s}_{c:g}_10y": float(th.loc[(s, c), "max_p_alive_current_10y"]) for s, c in th.index}})


if __name__ == "__main__":
    main()
