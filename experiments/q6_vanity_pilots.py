"""Q6 Vanity pilots: how often does a programme stay stuck in pilot, and is it latency or cost per token?

    python experiments/q6_vanity_pilots.py [--quick] [--out DIR] [--engine local|dask|slurm] [--workers N]

Runs ``q6_vanity_pilots.toml``: every sampled world under five p95 latency targets × six cost tolerances
(the sovereignty premium: how much more than the alternative API per token the country accepts), on common
random numbers. A future is a vanity pilot when its service never reaches production within the maximum
pilot years. The bar that binds is the one the coroner names in the root cause ("never in production ...:
latency — ..." or "cost — ..." or "staleness — ..."): the bar that failed the most monthly reviews.

Writes summary.md, q6_vanity_grid.csv, q6_binding_bar.csv and q6_vanity_pilots.png/.svg to DIR.
"""

from __future__ import annotations

from collections.abc import Sequence

import common
import numpy as np
import pandas as pd

import sovsim

SIZES = {"tiny": 2, "quick": 8, "full": 96}
BARS = ("latency", "cost", "staleness")
NAMES = {"latency": "latency", "cost": "cost per token", "staleness": "a stale model"}
BAR_COLORS = {"latency": "#8e44ad", "cost": "#c0392b", "staleness": "#7f8c8d"}
LATENCY = "deployment.p95_latency_target_s"
PREMIUM = "deployment.sovereignty_premium"
DEFAULT = (2.0, 0.6)  #: nearest grid point to the preset's 2.5 s target and 60% premium


def binding_bar(root_cause: pd.Series) -> pd.Series:
    return root_cause.str.extract(r": (latency|cost|staleness) —", expand=False)


def grid(futures: pd.DataFrame) -> pd.DataFrame:
    rows = []
    for (target, premium), g in futures.groupby(["target", "premium"], sort=True):
        vanity = g["verdict"] == "vanity_pilot"
        bars = g.loc[vanity, "bar"].value_counts()
        rows.append({"p95_latency_target_s": target, "sovereignty_premium": premium, "futures": len(g),
                     **common.estimate_row(common.share(vanity), "p_vanity"),
                     **{f"vanity_by_{b}": int(bars.get(b, 0)) for b in BARS},
                     **common.estimate_row(common.share(g["years_in_production"] > 0), "p_ever_in_production")})
    return pd.DataFrame(rows)


def bars_by(futures: pd.DataFrame, column: str) -> pd.DataFrame:
    rows = []
    vanity = futures[futures["verdict"] == "vanity_pilot"]
    for value, g in vanity.groupby(column, sort=True):
        for b in BARS:
            rows.append({"by": column, "value": value, "bar": b, "vanity_futures": len(g),
                         **common.estimate_row(common.share(g["bar"] == b), "share")})
    for b in BARS:
        rows.append({"by": "all", "value": np.nan, "bar": b, "vanity_futures": len(vanity),
                     **common.estimate_row(common.share(vanity["bar"] == b), "share")})
    return pd.DataFrame(rows)


def paired(futures: pd.DataFrame, a: tuple[float, float], b: tuple[float, float]) -> object:
    def flags(key: tuple[float, float]) -> pd.Series:
        g = futures[(futures["target"] == key[0]) & (futures["premium"] == key[1])]
        return (g["verdict"] == "vanity_pilot").astype(float).set_axis(g["scenario_index"])
    left, right = flags(a), flags(b)
    index = left.index.intersection(right.index)
    return sovsim.stats.paired_difference(left[index].to_numpy(), right[index].to_numpy(), seed=4)


def plot(t: pd.DataFrame, binding: pd.DataFrame, args: object, note: str) -> None:
    fig, axes = common.figure(15.0, 4.8, ncols=3)
    targets = sorted(t["p95_latency_target_s"].unique())
    premiums = sorted(t["sovereignty_premium"].unique())
    matrix = t.pivot(index="p95_latency_target_s", columns="sovereignty_premium", values="p_vanity")
    ax = axes[0][0]
    image = ax.imshow(matrix.to_numpy() * 100, origin="lower", cmap="Reds", vmin=0, vmax=100, aspect="auto")
    for i, target in enumerate(targets):
        for j, premium in enumerate(premiums):
            r = t[(t["p95_latency_target_s"] == target) & (t["sovereignty_premium"] == premium)].iloc[0]
            ax.text(j, i, f"{100 * r['p_vanity']:.0f}\n[{100 * r['p_vanity_low']:.0f}–{100 * r['p_vanity_high']:.0f}]",
                    ha="center", va="center", fontsize=7)
    ax.set_xticks(range(len(premiums)), [f"+{100 * p:.0f}%" for p in premiums])
    ax.set_yticks(range(len(targets)), [f"{x:g}" for x in targets])
    ax.set_xlabel("cost tolerance (premium over the API price)")
    ax.set_ylabel("p95 latency target (s)")
    ax.set_title("P(vanity pilot) in 10 years, % [95% CI]")
    ax.grid(False)
    fig.colorbar(image, ax=ax, label="%")
    ax = axes[0][1]
    shown = sorted({premiums[0], DEFAULT[1] if DEFAULT[1] in premiums else premiums[len(premiums) // 2],
                    premiums[-1]})
    for premium, color in zip(shown, ("#c0392b", "#2471a3", "#229954")):
        s = t[t["sovereignty_premium"] == premium].sort_values("p95_latency_target_s")
        common.band(ax, s["p95_latency_target_s"], s, "p_vanity", f"+{100 * premium:.0f}%", color)
    ax.set_xscale("log")
    ax.set_xticks(targets, [f"{x:g}" for x in targets])
    ax.minorticks_off()
    ax.set_xlabel("p95 latency target (s, log scale)")
    ax.set_ylabel("P(vanity pilot), % (95% CI)")
    ax.set_title("Against the latency target, per cost tolerance")
    ax.set_ylim(-2, 102)
    ax.legend(fontsize=7, title="premium", title_fontsize=7)
    ax = axes[0][2]
    by = binding[binding["by"] == "target"]
    width = 0.27
    for k, b in enumerate(BARS):
        s = by[by["bar"] == b].sort_values("value")
        x = np.arange(len(s)) + (k - 1) * width
        ax.bar(x, s["share"] * 100, width, color=BAR_COLORS[b], label=b,
               yerr=[(s["share"] - s["share_low"]) * 100, (s["share_high"] - s["share"]) * 100], capsize=2)
    s = by[by["bar"] == BARS[0]].sort_values("value")
    ax.set_xticks(range(len(s)), [f"{v:g} s\n(n={n})" for v, n in zip(s["value"], s["vanity_futures"])])
    ax.set_xlabel("p95 latency target (vanity pilots, all cost tolerances)")
    ax.set_ylabel("share of vanity pilots, % (95% CI)")
    ax.set_title("Which bar kept them in pilot")
    ax.set_ylim(0, 105)
    ax.legend(fontsize=8)
    common.save_figure(fig, args.out, "q6_vanity_pilots", note)  # type: ignore[attr-defined]


def main(argv: Sequence[str] | None = None) -> None:
    args = common.parse_args(6, __doc__, argv)
    run = common.run_spec("q6_vanity_pilots", args, SIZES)
    futures = run.futures.copy()
    futures["target"] = common.policy_values(futures, LATENCY)
    futures["premium"] = common.policy_values(futures, PREMIUM)
    futures["bar"] = binding_bar(futures["root_cause"].fillna(""))
    t = grid(futures)
    binding = pd.concat([bars_by(futures, "target"), bars_by(futures, "premium").query("by != 'all'")],
                        ignore_index=True)
    t.to_csv(args.out / "q6_vanity_grid.csv", index=False)
    binding.to_csv(args.out / "q6_binding_bar.csv", index=False)
    plot(t, binding, args, f"{len(futures):,} futures, seed {run.seed}")

    cell = t.set_index(["p95_latency_target_s", "sovereignty_premium"])
    targets = sorted(t["p95_latency_target_s"].unique())
    premiums = sorted(t["sovereignty_premium"].unique())
    default = DEFAULT if DEFAULT in cell.index else (targets[len(targets) // 2], premiums[len(premiums) // 2])
    strict, loose = (targets[0], default[1]), (targets[-1], default[1])
    cheap, rich = (default[0], premiums[0]), (default[0], premiums[-1])
    overall = binding[binding["by"] == "all"].set_index("bar")
    at_default = futures[(futures["target"] == default[0]) & (futures["premium"] == default[1])
                         & (futures["verdict"] == "vanity_pilot")]
    default_bars = {b: common.share(at_default["bar"] == b) for b in BARS}
    lead = max(BARS, key=lambda b: overall.loc[b, "share"])
    lead_default = max(BARS, key=lambda b: default_bars[b].value)
    latency_effect = paired(futures, strict, loose)
    cost_effect = paired(futures, cheap, rich)
    bound = futures[(futures["verdict"] == "vanity_pilot") & (futures["bar"] == lead)]
    at_strictest = float((bound["target"] == targets[0]).mean()) if len(bound) else 0.0
    strictest = f", {100 * at_strictest:.0f}% of them under the {targets[0]:g} s target" if lead == "latency" else ""
    others = ", ".join(f"{NAMES[b]} {100 * default_bars[b].value:.0f}%" for b in BARS if b != lead_default)
    why_default = (f"held back mostly by {NAMES[lead_default]}: {common.pct(default_bars[lead_default])} of those "
                   f"{len(at_default)} vanity pilots ({others})" if len(at_default) else "none of them a vanity pilot")
    answer = (
        f"Near the preset's production bar (p95 ≤ {default[0]:g} s, paying at most {100 * default[1]:.0f}% above "
        f"the alternative API) {common.pct_of(cell.loc[default], 'p_vanity')} of programmes never leave pilot, "
        f"{why_default}. Over all {len(t)} bars tried, {NAMES[lead]} binds most "
        f"often ({common.pct_of(overall.loc[lead], 'share')} of {int(overall['vanity_futures'].iloc[0]):,} vanity "
        f"pilots{strictest}). Tolerating {100 * premiums[-1]:.0f}% instead of "
        f"{100 * premiums[0]:.0f}% above the alternative price moves P(vanity pilot) from "
        f"{common.pct_of(cell.loc[cheap], 'p_vanity')} to {common.pct_of(cell.loc[rich], 'p_vanity')} (paired "
        f"difference {100 * cost_effect.value:+.0f} points, 95% CI {100 * cost_effect.low:+.0f} to "
        f"{100 * cost_effect.high:+.0f}); relaxing the latency target from {strict[0]:g} s to {loose[0]:g} s "
        f"moves it {100 * latency_effect.value:+.0f} points (95% CI {100 * latency_effect.low:+.0f} to "
        f"{100 * latency_effect.high:+.0f}).")
    details = [
        "Cost per token is the serving GPUs' amortisation, colocation and electricity (or rent) plus the operators "
        "they add, "
        "divided by the tokens served, judged at the load production would bring; against it stands the price "
        "of an API as useful as the national model, which falls 3–30× a year (sampled; calibration.md §7 gives "
        "9–900×) for every year open weights have outdone the national model.",
        "Latency fails when the time per output token cannot meet `tpot_target_s` (0.02–0.1 s sampled) even "
        "unbatched, or when the launch load would saturate the serving share of the cluster (Erlang C over "
        "the batch slots at the busy hour).",
        "Only futures that reach the pilot stage can be vanity pilots; the rest die or live for other reasons, "
        "so the shares are of all futures, competing risks included.",
    ]
    common.write_summary(
        args, title="Vanity pilots", answer=answer, runs=[run], details=details, figures=["q6_vanity_pilots"],
        tables=["q6_vanity_grid.csv", "q6_binding_bar.csv"],
        key=common.key_of(f"P(vanity pilot) at p95 ≤ {default[0]:g} s and +{100 * default[1]:.0f}% cost tolerance",
                          cell.loc[default], "p_vanity"),
        facts={"share_cost_binding_at_default": float(default_bars["cost"].value),
               "share_cost_binding": float(overall.loc["cost", "share"]),
               "share_latency_binding": float(overall.loc["latency", "share"])})


if __name__ == "__main__":
    main()
