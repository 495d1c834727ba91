"""Q2 Tenant or owner: how many months of each future can the country update its own weights on its own soil?

    python experiments/q2_tenant_or_owner.py [--quick] [--out DIR] [--engine local|dask|slurm] [--workers N]

Runs ``q2_tenant_or_owner.toml``: own / rent / sovereign_cloud / hybrid compute, each at six export-shock
hazards (major export-rule changes a year), on common random numbers. Per future it reads
``sovereign_months`` (months in which the country could run a training run on compute it controls on its
own soil; months after death count as none) and whether the programme died ``starved`` (no usable training
compute, and none on its way, for longer than the grace).

It also runs ``q2_open_weights.toml``, the other dependency: each model strategy under four what-ifs of the
foreign open-weights supply (none; US families stop publishing in 2029; the same with Chinese families excluded
by the programme's licence filter; every family stops), reading P(alive at year 10), P(stale) and the pivots.

Writes summary.md, q2_tenant_or_owner.csv, q2_open_weights.csv and q2_tenant_or_owner.png/.svg to DIR.
"""

from __future__ import annotations

from collections.abc import Sequence

import common
import numpy as np
import pandas as pd

import sovsim

SIZES = {"tiny": 2, "quick": 8, "full": 80}
STRATEGIES = ("own", "rent", "sovereign_cloud", "hybrid")
REFERENCE_HAZARD = 3.0  #: calibration.md §2: 3–4 rule changes a year since 2025


def table(futures: pd.DataFrame) -> pd.DataFrame:
    rows = []
    for (strategy, hazard), g in futures.groupby(["strategy", "hazard"], sort=True):
        months = sovsim.stats.bootstrap_interval(g["sovereign_months"].to_numpy(float), np.mean, seed=2)
        update = sovsim.stats.bootstrap_interval(g["update_capable_months"].to_numpy(float), np.mean, seed=2)
        rows.append({"strategy": strategy, "export_changes_per_year": hazard, "futures": len(g),
                     **common.estimate_row(months, "sovereign_months_mean"),
                     "sovereign_months_median": float(g["sovereign_months"].median()),
                     **common.estimate_row(update, "update_capable_months_mean"),
                     **common.estimate_row(common.share(g["verdict"] == "starved"), "p_starved"),
                     **common.estimate_row(common.share(g["verdict"] == "alive"), "p_alive_10y"),
                     "median_total_cost_usd": float(g["total_cost_usd"].median())})
    return pd.DataFrame(rows)


def paired_starved(futures: pd.DataFrame, a: str, b: str, hazard: float) -> object:
    """P(starved) under ``b`` minus under ``a`` at one hazard, paired over the same sampled scenarios."""
    def flags(strategy: str) -> pd.Series:
        g = futures[(futures["strategy"] == strategy) & (futures["hazard"] == hazard)]
        return (g["verdict"] == "starved").astype(float).set_axis(g["scenario_index"])
    left, right = flags(a), flags(b)
    index = left.index.intersection(right.index)
    return sovsim.stats.paired_difference(left[index].to_numpy(), right[index].to_numpy(), seed=2)


def weights_table(f: pd.DataFrame) -> pd.DataFrame:
    rows = []
    for (supply, strategy), g in f.groupby(["supply", "strategy"], sort=True):
        rows.append({"supply": supply, "strategy": strategy, "futures": len(g),
                     **common.estimate_row(common.share(common.alive_at(g, 10.0)), "p_alive_10y"),
                     **common.estimate_row(common.share(common.current_at(g, 5.0)), "p_current_5y"),
                     **common.estimate_row(common.share(g["verdict"] == "stale"), "p_stale"),
                     **common.estimate_row(common.share(g["pivots"].astype(float) > 0), "p_pivoted"),
                     **common.estimate_row(common.share(g["base_supply_stopped"].astype(bool)), "p_base_stopped")})
    return pd.DataFrame(rows)


def plot(t: pd.DataFrame, args: object, note: str) -> None:
    fig, axes = common.figure(11.0, 4.4, ncols=2)
    for strategy in STRATEGIES:
        s = t[t["strategy"] == strategy].sort_values("export_changes_per_year")
        common.band(axes[0][0], s["export_changes_per_year"], s, "sovereign_months_mean", strategy,
                    common.COLORS[strategy], scale=1.0)
        common.band(axes[0][1], s["export_changes_per_year"], s, "p_starved", strategy, common.COLORS[strategy])
    ax = axes[0][0]
    ax.set_xlabel("export-shock hazard (major export-rule changes a year)")
    ax.set_ylabel("months of 120 with own compute at home (mean, 95% CI)")
    ax.set_title("Months the country can update its own weights at home")
    ax.set_ylim(bottom=-2)
    ax.legend(fontsize=8)
    ax = axes[0][1]
    ax.set_xlabel("export-shock hazard (major export-rule changes a year)")
    ax.set_ylabel("P(dead as starved within 10 years), % (95% CI)")
    ax.set_title("Starved of compute")
    ax.set_ylim(bottom=-1)
    ax.legend(fontsize=8)
    common.save_figure(fig, args.out, "q2_tenant_or_owner", note)  # type: ignore[attr-defined]


def main(argv: Sequence[str] | None = None) -> None:
    args = common.parse_args(2, __doc__, argv)
    run = common.run_spec("q2_tenant_or_owner", args, SIZES)
    futures = run.futures.copy()
    futures["strategy"] = common.policy_base(futures)
    futures["hazard"] = common.policy_values(futures, "export.changes_per_year")
    t = table(futures)
    t.to_csv(args.out / "q2_tenant_or_owner.csv", index=False)
    plot(t, args, f"{len(futures):,} futures, seed {run.seed}")

    hazards = sorted(futures["hazard"].unique())
    ref = REFERENCE_HAZARD if REFERENCE_HAZARD in hazards else hazards[len(hazards) // 2]
    low, high = hazards[0], hazards[-1]
    at = t.set_index(["strategy", "export_changes_per_year"])

    def months(strategy: str, hazard: float) -> str:
        return common.num_of(at.loc[(strategy, hazard)], "sovereign_months_mean", 0)

    def starved(strategy: str, hazard: float) -> str:
        return common.pct_of(at.loc[(strategy, hazard)], "p_starved")

    diff = paired_starved(futures, "own", "rent", ref)
    weights_run = common.run_spec("q2_open_weights", args, SIZES)
    w = weights_run.futures.copy()
    w["supply"] = common.policy_base(w)
    w["strategy"] = common.policy_values(w, "model.strategy")
    wt = weights_table(w)
    wt.to_csv(args.out / "q2_open_weights.csv", index=False)
    wat = wt.set_index(["supply", "strategy"])
    w["cell"] = w["supply"] + "|" + w["strategy"]
    alive10 = common.alive_at(w, 10.0)
    stop_cost = common.paired(w, "cell", "open|continue", "all_stop|continue", alive10)
    us_cost = common.paired(w, "cell", "open|continue", "us_stop_no_cn|continue", alive10)
    scratch_cost = common.paired(w, "cell", "open|scratch", "all_stop|scratch", alive10)
    names = {"own": "an owned cluster", "sovereign_cloud": "a domestic sovereign cloud", "hybrid": "hybrid",
             "rent": "renting abroad"}
    ranked = sorted(STRATEGIES, key=lambda k: -at.loc[(k, ref), "sovereign_months_mean"])
    listing = ", ".join(f"{months(k, ref)} with {names[k]}" for k in ranked)
    rent_hi, own_hi = at.loc[("rent", high)], at.loc[("own", high)]
    shocks = ("Export shocks turn into starvation for the tenant" if rent_hi["p_starved_low"] > own_hi["p_starved_high"]
              else "Export shocks rarely starve the tenant before something else ends the programme")
    answer = (
        f"Only compute on home soil counts, so the tenant gets none: at {ref:g} export-rule changes a year (the "
        f"2025 pace) a future offers on average {listing}, of 120 months. {shocks}: P(starved) renting goes "
        f"from {starved('rent', low)} at {low:g} changes a year to "
        f"{starved('rent', high)} at {high:g}, against {starved('own', low)} → {starved('own', high)} owning "
        f"(rent minus own at {ref:g}/yr on the same futures: {100 * diff.value:+.1f} points, paired 95% CI "
        f"{100 * diff.low:+.1f} to {100 * diff.high:+.1f}). The weights are the second tenancy: continuing "
        f"open weights, P(alive at year 10) is {common.pct_of(wat.loc[('open', 'continue')], 'p_alive_10y')} "
        f"with the supply as it is; if US labs stop publishing in 2029 and the programme may not use Chinese "
        f"weights it moves {common.points(us_cost)}, and if every family stops {common.points(stop_cost)} "
        f"(it changes strategy in {common.pct_of(wat.loc[('all_stop', 'continue')], 'p_pivoted')} of them); "
        f"a from-scratch programme, which owns its weights, moves {common.points(scratch_cost)}.")
    details = [
        f"An owned cluster only counts once delivered (lead times of 8–52 weeks through the supplier graph) and "
        f"stops counting when the programme dies: even at {low:g} export-rule changes a year it gives "
        f"{months('own', low)} months, so delivery and death, not embargoes, make most of the gap to 120.",
        "A rented contract with a foreign hyperscaler is revoked overnight when its jurisdiction embargoes the "
        "country; the programme is starved once no compute is usable or on its way for six months.",
        "Mechanism of the weights: `sovsim/model/openweights.py` releases open generations by family and "
        "jurisdiction; a cutoff stops a family's releases and a licence filter removes a jurisdiction. A continued "
        "model picks the best licensed open base on the day each run starts, so a stopped supply ages its base; "
        "`sovsim/model/builder.py` sends it back to training from scratch when its family has stopped and no "
        "newer base exists (`model.pivot_on`).",
        "The domestic sovereign cloud is modelled as immune to export shocks (its own GPU supply is not in the "
        "graph), which flatters it: read its line as an upper bound.",
    ]
    common.write_summary(
        args, title="Tenant or owner", answer=answer, runs=[run, weights_run], details=details,
        figures=["q2_tenant_or_owner"], tables=["q2_tenant_or_owner.csv", "q2_open_weights.csv"],
        key=common.key_of(f"P(starved) renting abroad at {high:g} export-rule changes a year",
                          at.loc[("rent", high)], "p_starved"),
        facts={"own_sovereign_months_reference_hazard": float(at.loc[("own", ref), "sovereign_months_mean"]),
               "sovereign_cloud_sovereign_months_reference_hazard":
                   float(at.loc[("sovereign_cloud", ref), "sovereign_months_mean"]),
               "p_starved_own_high_hazard": float(at.loc[("own", high), "p_starved"]),
               "weights_all_stop_continue_alive_diff": stop_cost.value,
               "weights_all_stop_continue_alive_diff_low": stop_cost.low,
               "weights_all_stop_continue_alive_diff_high": stop_cost.high,
               "weights_us_stop_continue_alive_diff": us_cost.value,
               "p_alive_continue_open": float(wat.loc[("open", "continue"), "p_alive_10y"])})


if __name__ == "__main__":
    main()
