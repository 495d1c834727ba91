"""Q8 Museums: do programmes end as a museum kept by a skeleton crew of consultants, or hollowed out?

    python experiments/q8_museums.py [--quick] [--out DIR] [--engine local|dask|slurm] [--workers N]

Runs ``q8_museums.toml`` (three salary premiums × three consultant ceilings, budget fixed) and
``q8_funded_premium.toml`` (the same premiums with the appropriation topped up to pay for them), both on
the same sampled scenarios and seed, so every comparison is paired. A future is ``hollowed`` when its
effective own staff (ramped-up employees; consultants keep no know-how) stays below the minimum crew for
half a year; it is a ``museum`` when it is alive, paid and serving but has released nothing for
``staff.museum_months`` while consultants hold at least ``staff.museum_knowhow_share`` of the pipeline
know-how (``sovsim/model/knowhow.py``: consultants learn on the job, transfer part of it to the staff, and
their contracts reward keeping it). The know-how lost is counted as quits (each takes a ramped-up person's
know-how) and as the mean effective staff over the months lived.

Writes summary.md, q8_museums.csv, q8_hollowed_causes.csv and q8_museums.png/.svg to DIR.
"""

from __future__ import annotations

from collections.abc import Sequence

import common
import numpy as np
import pandas as pd

import sovsim

SIZES = {"tiny": 2, "quick": 10, "full": 120}
TEAM_TARGET_FTE = 36.0  #: the preset's four roles at target (10 + 12 + 8 + 6)
CAUSES = ("budget freeze", "quits outpaced hiring", "poaching wave")
CAUSE_COLORS = {"budget freeze": "#7f8c8d", "quits outpaced hiring": "#c0392b", "poaching wave": "#8e44ad"}


def cause_of(root: pd.Series) -> pd.Series:
    """Kind of a hollowed root cause: a budget freeze (cut or deficit), the pay gap, or a poaching wave."""
    text = root.fillna("")
    kind = np.where(text.str.contains("poaching"), "poaching wave",
                    np.where(text.str.contains("below market"), "quits outpaced hiring", "budget freeze"))
    return pd.Series(kind, index=root.index)


def summarise(g: pd.DataFrame) -> dict[str, float]:
    quits = sovsim.stats.bootstrap_interval(g["quits"].to_numpy(float), np.mean, seed=5)
    fte = sovsim.stats.bootstrap_interval(g["mean_effective_fte"].to_numpy(float), np.mean, seed=5)
    knowhow = sovsim.stats.bootstrap_interval(g["max_consultant_knowhow_share"].to_numpy(float), np.mean, seed=5)
    return {"futures": len(g), **common.estimate_row(common.share(g["verdict"] == "hollowed"), "p_hollowed"),
            **common.estimate_row(common.share(g["verdict"] == "museum"), "p_museum"),
            **common.estimate_row(knowhow, "max_consultant_knowhow_mean"),
            **common.estimate_row(common.share(g["max_consultant_knowhow_share"].astype(float) >= 0.5),
                                  "p_consultants_hold_half"),
            **common.estimate_row(common.share(g["verdict"] == "defunded"), "p_defunded"),
            **common.estimate_row(common.share(g["verdict"] == "alive"), "p_alive_10y"),
            **common.estimate_row(quits, "quits_mean"), **common.estimate_row(fte, "effective_fte_mean"),
            "effective_share_of_target": fte.value / TEAM_TARGET_FTE,
            "median_total_cost_usd": float(g["total_cost_usd"].median())}


def flags(frame: pd.DataFrame, mask: pd.Series, column: str = "verdict", value: str = "hollowed") -> pd.Series:
    g = frame[mask]
    return (g[column] == value).astype(float).set_axis(g["scenario_index"])


def paired(a: pd.Series, b: pd.Series) -> object:
    index = a.index.intersection(b.index)
    return sovsim.stats.paired_difference(a[index].to_numpy(), b[index].to_numpy(), seed=5)


def main(argv: Sequence[str] | None = None) -> None:
    args = common.parse_args(8, __doc__, argv)
    grid_run = common.run_spec("q8_museums", args, SIZES)
    funded_run = common.run_spec("q8_funded_premium", args, SIZES)
    grid = grid_run.futures.copy()
    grid["premium"] = common.policy_values(grid, "staff.salary_premium")
    grid["consultants"] = common.policy_values(grid, "staff.consultant_max_fte")
    grid["budget"] = "fixed"
    funded = funded_run.futures.copy()
    funded["premium"] = common.policy_base(funded).str.removeprefix("funded-").astype(float)
    funded["consultants"] = float(funded_run.spec.base_scenario().staff.consultant_max_fte)
    funded["budget"] = "topped up"
    both = pd.concat([grid, funded], ignore_index=True)
    rows = [{"budget": b, "salary_premium": p, "consultant_max_fte": c,
             "consultant_share_of_team": c / TEAM_TARGET_FTE, **summarise(g)}
            for (b, p, c), g in both.groupby(["budget", "premium", "consultants"], sort=True)]
    t = pd.DataFrame(rows)
    hollowed = both[both["verdict"] == "hollowed"].assign(cause=lambda f: cause_of(f["root_cause"]))
    cause_rows = []
    for (b, p), g in hollowed.groupby(["budget", "premium"], sort=True):
        for c in CAUSES:
            cause_rows.append({"budget": b, "salary_premium": p, "cause": c, "hollowed_futures": len(g),
                               **common.estimate_row(common.share(g["cause"] == c), "share")})
    causes = pd.DataFrame(cause_rows, columns=["budget", "salary_premium", "cause", "hollowed_futures", "share",
                                               "share_low", "share_high"])
    t.to_csv(args.out / "q8_museums.csv", index=False)
    causes.to_csv(args.out / "q8_hollowed_causes.csv", index=False)

    premiums = sorted(grid["premium"].unique())
    ceilings = sorted(grid["consultants"].unique())
    base_c = funded["consultants"].iloc[0] if len(funded) else ceilings[0]
    fig, axes = common.figure(15.0, 4.6, ncols=3)
    ax = axes[0][0]
    palette = ("#85c1e9", "#2471a3", "#1a5276", "#0b2a3d")
    for c, color in zip(ceilings, palette):
        s = t[(t["budget"] == "fixed") & (t["consultant_max_fte"] == c)].sort_values("salary_premium")
        common.band(ax, s["salary_premium"], s, "p_hollowed", f"fixed budget, ≤{c:g} consultants "
                    f"({100 * c / TEAM_TARGET_FTE:.0f}%)", color)
    s = t[t["budget"] == "topped up"].sort_values("salary_premium")
    common.band(ax, s["salary_premium"], s, "p_hollowed", f"budget topped up, ≤{base_c:g} consultants",
                "#c0392b", marker="s")
    ax.set_xlabel("salary premium (multiple of the public pay scale)")
    ax.set_ylabel("P(hollowed within 10 years), % (95% CI)")
    ax.set_title("Hollowed against pay and consultants")
    ax.set_ylim(bottom=0)
    ax.legend(fontsize=7)
    ax = axes[0][1]
    for budget, color in (("fixed", "#2471a3"), ("topped up", "#c0392b")):
        s = t[(t["budget"] == budget) & (t["consultant_max_fte"] == base_c)].sort_values("salary_premium")
        common.band(ax, s["salary_premium"], s, "quits_mean", f"quits, budget {budget}", color, scale=1.0)
    ax.set_xlabel("salary premium (multiple of the public pay scale)")
    ax.set_ylabel("quits per future (mean, 95% CI)")
    ax.set_title(f"Know-how walking out (≤{base_c:g} consultants)")
    ax.set_ylim(bottom=0)
    ax.legend(fontsize=8)
    ax = axes[0][2]
    fixed_causes = causes[causes["budget"] == "fixed"]
    bottom = np.zeros(len(premiums))
    for c in CAUSES:
        s = fixed_causes[fixed_causes["cause"] == c].set_index("salary_premium").reindex(premiums)
        values = s["share"].astype(float).fillna(0.0).to_numpy() * 100
        ax.bar(range(len(premiums)), values, bottom=bottom, color=CAUSE_COLORS[c], label=c)
        bottom += values
    counts = fixed_causes.groupby("salary_premium")["hollowed_futures"].first().reindex(premiums)
    counts = counts.astype(float).fillna(0.0)
    ax.set_xticks(range(len(premiums)), [f"{p:g}×\n(n={int(n)})" for p, n in zip(premiums, counts)])
    ax.set_xlabel("salary premium, fixed budget (n: hollowed futures)")
    ax.set_ylabel("share of hollowed futures, %")
    ax.set_title("Root cause of the hollowing")
    ax.legend(fontsize=8)
    common.save_figure(fig, args.out, "q8_museums", f"{len(both):,} futures, seed {grid_run.seed}")

    at = t.set_index(["budget", "salary_premium", "consultant_max_fte"])
    lo, hi = premiums[0], premiums[-1]
    parity = at.loc[("fixed", lo, base_c)]
    rich_fixed = at.loc[("fixed", hi, base_c)]
    rich_funded = at.loc[("topped up", hi, base_c)]
    pay_fixed = paired(flags(grid, (grid["premium"] == lo) & (grid["consultants"] == base_c)),
                       flags(grid, (grid["premium"] == hi) & (grid["consultants"] == base_c)))
    pay_funded = paired(flags(funded, funded["premium"] == lo), flags(funded, funded["premium"] == hi))
    consult = paired(flags(grid, (grid["premium"] == lo) & (grid["consultants"] == ceilings[0])),
                     flags(grid, (grid["premium"] == lo) & (grid["consultants"] == ceilings[-1])))
    share_budget = causes[(causes["budget"] == "fixed") & (causes["salary_premium"] == hi)
                          & (causes["cause"] == "budget freeze")]
    budget_part = f"{100 * share_budget['share'].iloc[0]:.0f}%" if len(share_budget) else "none"
    def sign(est: object) -> int:
        """+1 / −1 when the paired interval excludes 0 upward / downward, else 0."""
        return 1 if est.low > 0 else -1 if est.high < 0 else 0  # type: ignore[attr-defined]

    if sign(pay_funded) < 0 and sign(pay_fixed) >= 0:
        verdict = "but it saves the crew only when the budget pays for it"
    elif sign(pay_fixed) < 0:
        verdict = "and it lowers the risk of a hollowed team even on a fixed budget"
    elif sign(pay_fixed) > 0:
        verdict = "yet on a fixed budget it makes a hollowed team more likely"
    else:
        verdict = "but its effect on a hollowed team is within the noise"
    many_c_all = grid[(grid["premium"] == lo) & (grid["consultants"] == ceilings[-1])]
    museum_many = common.share(many_c_all["verdict"] == "museum")
    museum_all = common.share(both["verdict"] == "museum")
    hold = at.loc[("fixed", lo, ceilings[-1])]
    museum_text = (
        f"{'Museums are rare' if museum_all.value < 0.05 else 'Museums are a common end'}: over every policy "
        f"tried {common.pct(museum_all, 1)} of futures end as a museum (alive and "
        f"serving, no release for a year, consultants holding half the know-how); with up to {ceilings[-1]:g} "
        f"consultants at the public scale {common.pct(museum_many, 1)}, although consultants come to hold half the "
        f"pipeline know-how at some point in {common.pct_of(hold, 'p_consultants_hold_half')} of those futures "
        f"(mean peak share {100 * hold['max_consultant_knowhow_mean']:.0f}%). "
        + ("The skeleton crew ends the programme by other routes first: " if museum_all.value < 0.05 else
           "Beside the museums, "))
    answer = museum_text + (
        f"paying more keeps the know-how ({parity['quits_mean']:.0f} quits per future at the public scale, "
        f"{rich_fixed['quits_mean']:.0f} at {hi:g}×), {verdict}: P(hollowed) is "
        f"{common.pct_of(parity, 'p_hollowed')} at the public scale, "
        f"{common.pct_of(rich_fixed, 'p_hollowed')} at {hi:g}× with the budget fixed (paired "
        f"{100 * pay_fixed.value:+.0f} points, 95% CI {100 * pay_fixed.low:+.0f} to {100 * pay_fixed.high:+.0f}; "
        f"{budget_part} of those hollowings start with a hiring freeze) and "
        f"{common.pct_of(rich_funded, 'p_hollowed')} at {hi:g}× with the appropriation topped up (paired "
        f"{100 * pay_funded.value:+.0f} points, 95% CI {100 * pay_funded.low:+.0f} to "
        f"{100 * pay_funded.high:+.0f}). Going from {ceilings[0]:g} to {ceilings[-1]:g} consultants at the public "
        f"scale changes P(hollowed) by {100 * consult.value:+.0f} points (95% CI {100 * consult.low:+.0f} to "
        f"{100 * consult.high:+.0f}).")
    skeleton = common.share(many_c_all["verdict"].isin(["museum", "hollowed"]))

    def verdict_share(frame: pd.DataFrame, verdict: str) -> object:
        return common.share(frame["verdict"] == verdict)

    low_f, high_f = funded[funded["premium"] == lo], funded[funded["premium"] == hi]
    no_c = grid[(grid["premium"] == lo) & (grid["consultants"] == ceilings[0])]
    many_c = grid[(grid["premium"] == lo) & (grid["consultants"] == ceilings[-1])]
    alive_lo, alive_hi = verdict_share(low_f, "alive"), verdict_share(high_f, "alive")
    vanity_lo, vanity_hi = verdict_share(low_f, "vanity_pilot"), verdict_share(high_f, "vanity_pilot")
    if alive_hi.high < alive_lo.low and vanity_hi.low > vanity_lo.high:
        answer += (f" Yet the programme does not live longer for it: with the premium funded, P(alive at year 10) "
                   f"goes from {common.pct(alive_lo)} to {common.pct(alive_hi)}, because vanity pilots rise from "
                   f"{common.pct(vanity_lo)} to {common.pct(vanity_hi)}: the team's cost charged to the tokens "
                   "served pushes the service over the cost bar.")
    else:
        answer += (f" With the premium funded, P(alive at year 10) goes from {common.pct(alive_lo)} to "
                   f"{common.pct(alive_hi)} (vanity pilots {common.pct(vanity_lo)} → {common.pct(vanity_hi)}).")
    details = [
        "Quit hazard = attrition × (1 + slope × salary gap); at the public scale the research gap to the market "
        "is about 50%, which roughly doubles attrition. A premium closes the gap but raises the payroll; on a "
        f"fixed appropriation the dearer payroll leaves less for hiring, so at {hi:g}× P(hollowed) is "
        f"{100 * rich_fixed['p_hollowed']:.0f}% against {100 * rich_funded['p_hollowed']:.0f}% when the "
        "premium is funded.",
        "Consultants fill vacancies at twice the market cost and count for nothing in the effective staff (they "
        f"keep no know-how). The {100 * consult.value:+.0f} points of P(hollowed) from {ceilings[0]:g} to "
        f"{ceilings[-1]:g} consultants come with vanity pilots going from "
        f"{common.pct(verdict_share(no_c, 'vanity_pilot'))} to {common.pct(verdict_share(many_c, 'vanity_pilot'))}"
        ": their fees raise the cost per token, so programmes die of something else first.",
        f"Effective staff at the public scale average {parity['effective_fte_mean']:.1f} of a 36-person target "
        f"({100 * parity['effective_share_of_target']:.0f}%).",
    ]
    details.insert(0, "Mechanism: `sovsim/model/knowhow.py` tracks who holds the pipeline know-how: consultants "
                   "hired to fill vacancies learn it, hand part of it to the staff each year "
                   "(`staff.knowhow_transfer_per_year`) and less the more they are relied on "
                   "(`staff.consultant_lockin_slope`); `sovsim/model/coroner.py` calls a programme a museum when "
                   "it still serves but has not released for `staff.museum_months` while consultants hold at "
                   "least `staff.museum_knowhow_share` of it. A consultant-held pipeline that keeps releasing is "
                   "alive; one that stops releasing usually goes stale first (the model falls behind the free "
                   "alternative while it waits), which is where the museums of the essay end here.")
    common.write_summary(
        args, title="Museums and skeleton crews", answer=answer, runs=[grid_run, funded_run], details=details,
        figures=["q8_museums"], tables=["q8_museums.csv", "q8_hollowed_causes.csv"],
        key={"name": f"P(museum or hollowed) at the public pay scale with ≤{ceilings[-1]:g} consultants",
             "value": skeleton.value, "low": skeleton.low, "high": skeleton.high, "unit": "share"},
        facts={"p_museum_all": museum_all.value, "p_museum_all_low": museum_all.low,
               "p_museum_all_high": museum_all.high, "p_museum_many_consultants": museum_many.value,
               "p_consultants_hold_half": float(hold["p_consultants_hold_half"]),
               "p_hollowed_public": float(parity["p_hollowed"]),
               "p_hollowed_public_low": float(parity["p_hollowed_low"]),
               "p_hollowed_public_high": float(parity["p_hollowed_high"]),
               "p_alive_funded_low": float(verdict_share(low_f, "alive").value),
               "p_alive_funded_high": float(verdict_share(high_f, "alive").value),
               "p_vanity_funded_low": float(verdict_share(low_f, "vanity_pilot").value),
               "p_vanity_funded_high": float(verdict_share(high_f, "vanity_pilot").value),
               "p_hollowed_rich_fixed": float(rich_fixed["p_hollowed"]),
               "p_hollowed_rich_funded": float(rich_funded["p_hollowed"])})


if __name__ == "__main__":
    main()
