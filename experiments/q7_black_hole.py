"""Q7 The budgetary black hole: of the mid-sized programmes that attempt production by 2030, how many find the
cost of keeping their model current a tax that never stops growing?

    python experiments/q7_black_hole.py [--quick] [--out DIR] [--engine local|dask|slurm] [--workers N]

Runs ``q7_black_hole.toml`` (continued pre-training, fine-tuning and training from scratch on an owned
cluster, on common random numbers) with monthly timelines. The cohort is every future whose first release
(the start of its rollout) comes by the start of 2030, three years in, whatever happens to it afterwards:
requested and granted money are read over all of them, dead or alive, up to their end. Each year's request
is what the budget round asked for (people, compute to keep the same distance behind the frontier, the
fleet's refresh, data and safety; ``sovsim/model/budget.py``) and each year's grant what it got.

A future of the cohort is a *black hole* when its yearly request at least doubled between its second year and
its last full year while the grant of that last year covered less than half of the request: a tax that keeps
growing and is no longer paid.

Writes summary.md, q7_cohort.csv, q7_yearly_request.csv and q7_black_hole.png/.svg to DIR.
"""

from __future__ import annotations

from collections.abc import Sequence

import common
import numpy as np
import pandas as pd

import sovsim

SIZES = {"tiny": 6, "quick": 40, "full": 300}
STRATEGIES = ("continue", "finetune", "scratch")
COHORT_YEARS = 3.0  #: first release by 2030-01-01 (the programmes start on 2027-01-01)
DOUBLED = 2.0
UNPAID = 0.5


def yearly(timelines: pd.DataFrame, futures: pd.DataFrame) -> pd.DataFrame:
    """Request and grant of each future in each full year of its life (year 1 = the first twelve months)."""
    tl = timelines[["future", "time_days", "requested_usd", "granted_usd"]].copy()
    tl["year"] = (tl["time_days"] // 365.25).astype(int) + 1
    end = tl.groupby(["future", "year"])[["requested_usd", "granted_usd"]].max().groupby(level=0).diff()
    first = tl.groupby(["future", "year"])[["requested_usd", "granted_usd"]].max()
    out = end.fillna(first).reset_index()
    life = pd.to_numeric(futures.set_index("future")["death_time_years"], errors="coerce")
    life = life.fillna(futures.set_index("future")["horizon_years"])
    out = out[out["year"] <= np.floor(out["future"].map(life).to_numpy() + 1e-9)]
    return out.merge(futures[["future", "strategy"]], on="future")


def per_future(y: pd.DataFrame) -> pd.DataFrame:
    rows = []
    for future, g in y.groupby("future"):
        g = g.sort_values("year")
        second = g[g["year"] == 2]
        last = g.iloc[-1]
        if second.empty or int(last["year"]) < 4:
            continue
        req2 = float(second["requested_usd"].iloc[0])
        growth = (float(last["requested_usd"]) / req2) ** (1.0 / (int(last["year"]) - 2)) - 1.0 if req2 > 0 else np.nan
        rows.append({"future": future, "strategy": last["strategy"], "last_year": int(last["year"]),
                     "requested_year2_usd": req2, "requested_last_usd": float(last["requested_usd"]),
                     "granted_last_usd": float(last["granted_usd"]), "request_growth_per_year": growth,
                     "black_hole": bool(float(last["requested_usd"]) >= DOUBLED * req2
                                        and float(last["granted_usd"]) < UNPAID * float(last["requested_usd"]))})
    return pd.DataFrame(rows)


def main(argv: Sequence[str] | None = None) -> None:
    args = common.parse_args(7, __doc__, argv)
    run = common.run_spec("q7_black_hole", args, SIZES, timelines=True)
    f = run.futures.copy()
    f["strategy"] = common.policy_base(f)
    first = pd.to_numeric(f["first_release_years"], errors="coerce")
    f["cohort"] = first.notna() & (first <= COHORT_YEARS)
    tl = run.timelines
    assert tl is not None
    y = yearly(tl[tl["future"].isin(f.loc[f["cohort"], "future"])], f[f["cohort"]])
    pf = per_future(y)
    rows = []
    for strategy in STRATEGIES:
        g = f[f["strategy"] == strategy]
        c = g[g["cohort"]]
        p = pf[pf["strategy"] == strategy]
        growth = p["request_growth_per_year"].dropna().to_numpy(float)
        req, gra = c["requested_usd"].astype(float), c["granted_usd"].astype(float)
        rows.append({"strategy": strategy, "futures": len(g), "cohort": len(c), "cohort_read": len(p),
                     **common.estimate_row(common.share(g["cohort"]), "p_in_cohort"),
                     **common.estimate_row(common.share(p["black_hole"]), "p_black_hole"),
                     **common.estimate_row(sovsim.stats.bootstrap_interval(growth, np.median, seed=7)
                                           if len(growth) else sovsim.stats.Estimate(np.nan, np.nan, np.nan, 0),
                                           "request_growth_median"),
                     "granted_share_of_requested": float(gra.sum() / req.sum()) if req.sum() > 0 else np.nan,
                     "compute_share_of_requested": float(c["requested_compute_usd"].astype(float).sum() / req.sum())
                     if req.sum() > 0 else np.nan,
                     "people_granted_share": float(c["granted_people_usd"].astype(float).sum()
                                                   / c["requested_people_usd"].astype(float).sum())
                     if c["requested_people_usd"].astype(float).sum() > 0 else np.nan,
                     **common.estimate_row(common.share(common.alive_at(c, 10.0)), "p_alive_10y")})
    t = pd.DataFrame(rows)
    t.to_csv(args.out / "q7_cohort.csv", index=False)
    by_year = (y.groupby(["strategy", "year"])[["requested_usd", "granted_usd"]].median()
               .join(y.groupby(["strategy", "year"]).size().rename("futures")).reset_index())
    by_year.to_csv(args.out / "q7_yearly_request.csv", index=False)

    fig, axes = common.figure(11.0, 4.4, ncols=2)
    for strategy in STRATEGIES:
        s = by_year[by_year["strategy"] == strategy]
        axes[0][0].plot(s["year"], s["requested_usd"] / 1e6, marker="o", ms=4, color=common.COLORS[strategy],
                        label=f"{strategy}: requested")
        axes[0][0].plot(s["year"], s["granted_usd"] / 1e6, ls="--", color=common.COLORS[strategy],
                        label=f"{strategy}: granted")
    axes[0][0].set_yscale("log")
    axes[0][0].set_xlabel("year of the programme")
    axes[0][0].set_ylabel("median yearly request and grant, $M (log)")
    axes[0][0].set_title("Requested against granted (the cohort, dead or alive)")
    axes[0][0].legend(fontsize=7)
    ax = axes[0][1]
    xs = np.arange(len(t))
    ax.bar(xs, 100 * t["p_black_hole"], color=[common.COLORS[k] for k in t["strategy"]])
    ax.errorbar(xs, 100 * t["p_black_hole"], yerr=[100 * (t["p_black_hole"] - t["p_black_hole_low"]),
                                                    100 * (t["p_black_hole_high"] - t["p_black_hole"])],
                fmt="none", ecolor="#333333", capsize=4)
    ax.set_xticks(xs, list(t["strategy"]))
    ax.set_ylabel("P(black hole) in the cohort, % (95% CI)")
    ax.set_title("Request doubled, less than half granted")
    common.save_figure(fig, args.out, "q7_black_hole", f"{len(f):,} futures, seed {run.seed}")

    at = t.set_index("strategy")
    flags = pf.set_index("future")["black_hole"]
    allc = common.share(flags)

    def growth(k: str) -> str:
        r = at.loc[k]
        return (f"{100 * r['request_growth_median']:+.0f}% a year (95% CI {100 * r['request_growth_median_low']:+.0f} "
                f"to {100 * r['request_growth_median_high']:+.0f})")

    answer = (
        f"Of the programmes that start their rollout by 2030 ({int(t['cohort'].sum()):,} of {len(f):,} futures; "
        f"continuing open weights {common.pct_of(at.loc['continue'], 'p_in_cohort')} of futures), "
        f"{common.pct(allc)} find keeping the model current a black hole — the yearly request at least doubles "
        f"and less than half of it is granted in the programme's last year — counting every future, dead or "
        f"alive: continuing open weights {common.pct_of(at.loc['continue'], 'p_black_hole')}, fine-tuning "
        f"{common.pct_of(at.loc['finetune'], 'p_black_hole')}, from scratch "
        f"{common.pct_of(at.loc['scratch'], 'p_black_hole')}. What is requested to stay current grows by a "
        f"median of {growth('continue')} continuing, {growth('finetune')} fine-tuning and {growth('scratch')} "
        f"from scratch, while the grant is a budget line that elections cut: over the decade the cohort was "
        f"granted {100 * at.loc['continue', 'granted_share_of_requested']:.0f}% of what it asked continuing, "
        f"{100 * at.loc['finetune', 'granted_share_of_requested']:.0f}% fine-tuning and "
        f"{100 * at.loc['scratch', 'granted_share_of_requested']:.0f}% from scratch.")
    details = [
        "Mechanism: each year's budget round (`sovsim/model/budget.py`) requests the people of the plan at "
        "market-drifting pay, the compute of next year's releases scaled with the frontier so as to stay the "
        "same distance behind it (`budget.frontier_relative`, cheaper by `budget.price_performance_per_year` a "
        "year), the fleet's refresh, data and safety; the treasury grants the appropriation, which elections cut "
        "(`sovsim/model/treasury.py`). Compute is "
        f"{100 * at.loc['continue', 'compute_share_of_requested']:.0f}% of the cohort's request continuing, "
        f"{100 * at.loc['finetune', 'compute_share_of_requested']:.0f}% fine-tuning and "
        f"{100 * at.loc['scratch', 'compute_share_of_requested']:.0f}% from scratch; the people are granted "
        f"{100 * at.loc['continue', 'people_granted_share']:.0f}% of their request continuing.",
        "The growth is the frontier's (compute ×3.6–6.1 a year, bounded, `sovsim/model/frontier.py`) less the "
        "fall of the price of a FLOP: a strategy whose compute need follows the frontier (scratch) asks for "
        "a multiple every year; fine-tuning asks mostly for people and the refresh.",
        "Over all futures, not survivors: a programme defunded in year 4 counts with its requests up to year "
        "4 (the median by year in q7_yearly_request.csv is over the futures still alive that year). "
        f"P(alive at year 10) in the cohort: continuing {common.pct_of(at.loc['continue'], 'p_alive_10y')}.",
    ]
    common.write_summary(
        args, title="The budgetary black hole", answer=answer, runs=[run], details=details,
        figures=["q7_black_hole"], tables=["q7_cohort.csv", "q7_yearly_request.csv"],
        key={"name": "P(black hole) in the 2030 rollout cohort, all strategies", "value": allc.value,
             "low": allc.low, "high": allc.high, "unit": "share"},
        facts={**{f"growth_{k}": float(at.loc[k, "request_growth_median"]) for k in STRATEGIES},
               **{f"growth_{k}_low": float(at.loc[k, "request_growth_median_low"]) for k in STRATEGIES},
               **{f"growth_{k}_high": float(at.loc[k, "request_growth_median_high"]) for k in STRATEGIES},
               **{f"p_black_hole_{k}": float(at.loc[k, "p_black_hole"]) for k in STRATEGIES},
               **{f"granted_share_{k}": float(at.loc[k, "granted_share_of_requested"]) for k in STRATEGIES},
               "cohort": int(t["cohort"].sum()), "futures": len(f)})


if __name__ == "__main__":
    main()
