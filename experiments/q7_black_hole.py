"""Q3 The maintenance tax: what does it cost each year to keep the national model current, and does it grow?

    python experiments/q3_maintenance_tax.py [--quick] [--out DIR] [--engine local|dask|slurm] [--workers N]

Runs ``q3_maintenance_tax.toml`` (owned cluster and rented GPUs, on common random numbers) with monthly
timelines. Each year's cost by kind (capex, staff, consultants, energy, cloud) is the difference of the
timeline's cumulative spending columns a year apart. The cohort is the futures alive at the ten-year
horizon: programmes that did keep their model current (the dead stop paying, which would fake a falling
cost). Growth is the slope of log(mean yearly cost) over years 2–10 (year 1 buys the first cluster), with
a bootstrap interval over the cohort's futures.

Writes summary.md, q3_yearly_cost.csv, q3_growth.csv and q3_maintenance_tax.png/.svg to DIR.
"""

from __future__ import annotations

from collections.abc import Sequence

import common
import numpy as np
import pandas as pd

import sovsim

SIZES = {"tiny": 20, "quick": 120, "full": 1500}
KINDS = {"capex": "paid_capex_usd", "staff": "paid_staff_usd", "consultants": "paid_consultants_usd",
         "energy": "paid_energy_usd", "cloud": "paid_cloud_usd"}
KIND_COLORS = {"capex": "#7f8c8d", "staff": "#2471a3", "consultants": "#85c1e9", "energy": "#f39c12",
               "cloud": "#c0392b"}
YEARS = 10
DAYS_PER_YEAR = 365.25
FIT_FROM = 2  #: first year of the growth fit (year 1 buys the first cluster)


def yearly_costs(timelines: pd.DataFrame, futures: list[int]) -> np.ndarray:
    """Array (future, year, kind) of spending in each programme year, from the cumulative columns."""
    tl = timelines[timelines["future"].isin(futures)]
    out = np.zeros((len(futures), YEARS, len(KINDS)))
    position = {f: i for i, f in enumerate(futures)}
    for future, g in tl.groupby("future", sort=False):
        days = g["time_days"].to_numpy()
        cumulative = g[list(KINDS.values())].to_numpy()
        picks = [int(np.argmin(np.abs(days - DAYS_PER_YEAR * k))) for k in range(1, YEARS + 1)]
        at = cumulative[picks]
        out[position[future]] = np.diff(np.vstack([np.zeros(len(KINDS)), at]), axis=0)
    return out


def growth(per_year: np.ndarray) -> float:
    """Yearly growth rate of ``per_year`` (mean yearly cost, years 1..10) fitted over years FIT_FROM..10."""
    years = np.arange(FIT_FROM, YEARS + 1)
    values = per_year[FIT_FROM - 1:]
    if np.any(values <= 0):
        return float("nan")
    slope = np.polyfit(years, np.log(values), 1)[0]
    return float(np.expm1(slope))


def growth_interval(costs: np.ndarray, kinds: list[int]) -> object:
    """Growth of the cohort's mean yearly cost over ``kinds``, with a bootstrap interval over futures."""
    totals = costs[:, :, kinds].sum(axis=2)

    def statistic(index: np.ndarray) -> float:
        return growth(totals[index.astype(int)].mean(axis=0))

    return sovsim.stats.bootstrap_interval(np.arange(len(totals), dtype=float), statistic, seed=3, resamples=1000)


def main(argv: Sequence[str] | None = None) -> None:
    args = common.parse_args(3, __doc__, argv)
    run = common.run_spec("q3_maintenance_tax", args, SIZES, timelines=True)
    futures = run.futures.copy()
    futures["strategy"] = common.policy_base(futures)
    assert run.timelines is not None
    rows, growth_rows, cohorts = [], [], {}
    names = list(KINDS)
    for strategy, g in futures.groupby("strategy", sort=False):
        alive = g[g["verdict"] == "alive"]["future"].tolist()
        cohorts[strategy] = (len(alive), len(g))
        costs = yearly_costs(run.timelines, alive)
        if not alive:
            continue
        for year in range(YEARS):
            total = sovsim.stats.bootstrap_interval(costs[:, year, :].sum(axis=1), np.mean, seed=3)
            rows.append({"strategy": strategy, "year": year + 1, "cohort_futures": len(alive),
                         **{f"{k}_usd": float(costs[:, year, i].mean()) for i, k in enumerate(names)},
                         **common.estimate_row(total, "total_usd")})
        for label, kinds in (("total", list(range(len(names)))),
                             ("running (no capex)", [i for i, k in enumerate(names) if k != "capex"]),
                             *((k, [i]) for i, k in enumerate(names) if k != "capex")):
            est = growth_interval(costs, kinds)
            share = costs[:, FIT_FROM - 1:, kinds].sum() / max(costs[:, FIT_FROM - 1:, :].sum(), 1e-9)
            growth_rows.append({"strategy": strategy, "cost": label, "cohort_futures": len(alive),
                                "share_of_cost_years_2_10": float(share),
                                **common.estimate_row(est, "growth_per_year")})
    yearly = pd.DataFrame(rows)
    grown = pd.DataFrame(growth_rows)
    yearly.to_csv(args.out / "q3_yearly_cost.csv", index=False)
    grown.to_csv(args.out / "q3_growth.csv", index=False)

    strategies = [s for s in ("own", "rent") if s in set(yearly.get("strategy", []))]
    fig, axes = common.figure(11.0, 4.6, ncols=max(1, len(strategies)))
    top = float(yearly["total_usd_high"].max()) / 1e6 * 1.08 if len(yearly) else 1.0
    for ax, strategy in zip(axes[0], strategies):
        t = yearly[yearly["strategy"] == strategy]
        bottom = np.zeros(len(t))
        for k in names:
            values = t[f"{k}_usd"].to_numpy() / 1e6
            if values.any():
                ax.bar(t["year"], values, bottom=bottom, color=KIND_COLORS[k], label=k, width=0.75)
            bottom += values
        ax.errorbar(t["year"], t["total_usd"] / 1e6, yerr=[(t["total_usd"] - t["total_usd_low"]) / 1e6,
                                                            (t["total_usd_high"] - t["total_usd"]) / 1e6],
                    fmt="none", ecolor="black", capsize=3, label="total, 95% CI")
        g = grown[(grown["strategy"] == strategy) & (grown["cost"] == "running (no capex)")].iloc[0]
        ax.set_title(f"{strategy}: running cost grows {100 * g['growth_per_year']:+.1f}%/yr "
                     f"[{100 * g['growth_per_year_low']:+.1f}, {100 * g['growth_per_year_high']:+.1f}]")
        ax.set_xlabel(f"programme year (mean of {cohorts[strategy][0]} futures alive at year 10)")
        ax.set_ylabel("spending per year, million USD")
        ax.set_xticks(range(1, YEARS + 1))
        ax.set_ylim(0, top)
        ax.legend(fontsize=8, ncols=2)
    common.save_figure(fig, args.out, "q3_maintenance_tax", f"{len(futures):,} futures, seed {run.seed}")

    if any(cohorts.get(k, (0, 0))[0] < 2 for k in ("own", "rent")):
        common.write_summary(
            args, title="The maintenance tax", runs=[run], figures=["q3_maintenance_tax"],
            tables=["q3_yearly_cost.csv", "q3_growth.csv"],
            answer=(f"Too few programmes lived ten years in this run to measure the tax (alive at year {YEARS}: "
                    + ", ".join(f"{k} {a} of {n}" for k, (a, n) in cohorts.items()) + "); run a larger size."),
            key={"name": "yearly growth of the running cost (owned cluster, years 2–10)", "value": float("nan"),
                 "low": float("nan"), "high": float("nan"), "unit": "per year"})
        return

    def g(strategy: str, cost: str) -> pd.Series:
        return grown[(grown["strategy"] == strategy) & (grown["cost"] == cost)].iloc[0]

    def rate(row: pd.Series) -> str:
        return (f"{100 * row['growth_per_year']:+.1f}% a year (95% CI {100 * row['growth_per_year_low']:+.1f} to "
                f"{100 * row['growth_per_year_high']:+.1f})")

    own = yearly[yearly["strategy"] == "own"].set_index("year")
    refresh_share = own.loc[4:6, "capex_usd"].sum() / max(float(own.loc[1, "capex_usd"]), 1.0)
    rent = yearly[yearly["strategy"] == "rent"].set_index("year")
    staff_share = g("own", "staff")["share_of_cost_years_2_10"] + g("own", "consultants")["share_of_cost_years_2_10"]
    running = g("own", "running (no capex)")
    verdict = ("keeps growing" if running["growth_per_year_low"] > 0 else
               "shrinks" if running["growth_per_year_high"] < 0 else "does not clearly grow")
    answer = (
        f"The tax is {'mostly people' if staff_share > 0.5 else 'mostly hardware and energy'} and it {verdict}: "
        f"a programme that stays current spends "
        f"{common.money(own.loc[2, 'total_usd'])} in year 2 and {common.money(own.loc[YEARS, 'total_usd'])} in "
        f"year {YEARS} with its own cluster (mean of the {cohorts['own'][0]} of {cohorts['own'][1]} futures alive "
        f"at year {YEARS}), staff and consultants being {100 * staff_share:.0f}% of years 2–{YEARS}; its running "
        f"cost grows {rate(g('own', 'running (no capex)'))} and the total, with the cluster refresh, "
        f"{rate(g('own', 'total'))}. Renting ({cohorts['rent'][0]} of {cohorts['rent'][1]} alive) costs "
        f"{common.money(rent.loc[YEARS, 'total_usd'])} in year {YEARS}, growing "
        f"{rate(g('rent', 'total'))}.")
    details = [
        f"By kind, with an owned cluster: staff {rate(g('own', 'staff'))}, consultants "
        f"{rate(g('own', 'consultants'))}, energy {rate(g('own', 'energy'))}; renting, cloud "
        f"{rate(g('rent', 'cloud'))} as the inference contract follows adoption. The public pay scale rises "
        "1–3% a year; a team below its target keeps the payroll flatter and fills vacancies with consultants.",
        "Energy and training rent are small because a continued pre-training run of an 8B model on 200B tokens "
        "takes about a day on 400 GPUs.",
        f"The owned cluster is bought in year 1 and refreshed about a year before it retires (five-year life), as "
        f"far as the cash above a year of running costs allows: the survivors' capex in years 4–6 is "
        f"{100 * refresh_share:.0f}% of year 1's, so the refreshed fleet is smaller and its electricity falls "
        "with it — the hardware part of the tax is not paid in full.",
        "The model's training compute per cycle is fixed: the tax does not include scaling the national model "
        "with the frontier, which a from-scratch programme would need (see Q1 and Q6).",
    ]
    common.write_summary(
        args, title="The maintenance tax", answer=answer, runs=[run], details=details,
        figures=["q3_maintenance_tax"], tables=["q3_yearly_cost.csv", "q3_growth.csv"],
        key={"name": "yearly growth of the running cost (owned cluster, years 2–10)",
             "value": float(g("own", "running (no capex)")["growth_per_year"]),
             "low": float(g("own", "running (no capex)")["growth_per_year_low"]),
             "high": float(g("own", "running (no capex)")["growth_per_year_high"]), "unit": "per year"},
        facts={"own_staff_share": float(staff_share),
               "own_year10_total_usd": float(own.loc[YEARS, "total_usd"]),
               "own_year2_total_usd": float(own.loc[2, "total_usd"])})


if __name__ == "__main__":
    main()
