"""Q0 Where they die: which few conditions together make death before year 5 likely?

    python experiments/q0_where_they_die.py [--quick] [--out DIR] [--engine local|dask|slurm] [--workers N]

Runs ``q0_where_they_die.toml`` (fourteen uncertainties, Saltelli design) and hands the results to
``sovsim.analyze`` with the outcome "died before year 5" (``verdict != 'alive' and death_time_years < 5``):
PRIM finds the first box (selected at its suggested step: the most coverage times lift among steps whose
limits are significant), then a second box among the futures outside the first; the Sobol indices (first
order S1 and total ST, with 95% confidence) rank the uncertainties. The full analysis report (survival,
causes, CART, every plot) goes to DIR/report/.

Writes summary.md, q0_prim_boxes.csv, q0_prim_trajectory.csv, q0_sensitivity.csv and
q0_where_they_die.png/.svg to DIR.
"""

from __future__ import annotations

from collections.abc import Sequence

import common
import numpy as np
import pandas as pd

import sovsim

SIZES = {"tiny": 4, "quick": 8, "full": 128}
OUTCOME = "verdict != 'alive' and death_time_years < 5"


def short(name: str) -> str:
    return name.split(".", 1)[-1]


def value(x: float) -> str:
    return f"{x:,.0f}" if abs(x) >= 1000 else f"{x:.3g}"


def describe_limits(limits: pd.DataFrame) -> str:
    parts = []
    for _, r in limits.iterrows():
        if r["kind"] == "categorical":
            parts.append(f"{short(r['name'])} ∈ {{{r['values']}}}")
            continue
        low_cut, high_cut = r["lower"] > r["min"], r["upper"] < r["max"]
        if low_cut and high_cut:
            parts.append(f"{value(r['lower'])} ≤ {short(r['name'])} ≤ {value(r['upper'])}")
        elif low_cut:
            parts.append(f"{short(r['name'])} ≥ {value(r['lower'])}")
        else:
            parts.append(f"{short(r['name'])} ≤ {value(r['upper'])}")
    return " and ".join(parts) if parts else "(no restriction)"


def main(argv: Sequence[str] | None = None) -> None:
    args = common.parse_args(0, __doc__, argv)
    run = common.run_spec("q0_where_they_die", args, SIZES)
    result = sovsim.analyze(run.directory, OUTCOME, out=args.out / "report")
    died = result.outcome.to_numpy(dtype=bool)
    base = common.share(died)
    n = len(died)

    boxes, limit_rows, trajectories = [], [], []
    box = result.prim
    for number in (1, 2):
        if box is None:
            break
        limits = box.limits()
        inside = box.inside_rows()
        boxes.append({"box": number, "coverage": box.coverage, "density": box.density, "mass": box.mass,
                      "res_dim": box.res_dim, "futures_inside": int(inside.sum()),
                      "deaths_inside": int(round(box.density * inside.sum())),
                      **common.estimate_row(common.share(np.asarray(result.outcome)[box.rows][inside]),
                                            "density_ci"),
                      "conditions": describe_limits(limits)})
        limit_rows.append(limits.assign(box=number))
        trajectories.append(box.trajectory.assign(box=number, selected=lambda t, b=box: t["id"] == b.selected))
        if number == 1:
            try:
                nxt = box.prim.find_box()
                nxt.select(nxt.suggest())
                box = nxt
            except ValueError as exc:  # PRIM found nothing more (no rows or no cases left)
                run.notes.append(f"no second PRIM box: {exc}")
                box = None
    box_table = pd.DataFrame(boxes)
    limits_table = pd.concat(limit_rows, ignore_index=True) if limit_rows else pd.DataFrame()
    if len(limits_table):
        limits_table = limits_table.merge(box_table[["box", "coverage", "density", "mass", "res_dim"]], on="box")
    limits_table.to_csv(args.out / "q0_prim_boxes.csv", index=False)
    pd.concat(trajectories, ignore_index=True).to_csv(args.out / "q0_prim_trajectory.csv", index=False)
    sens = result.sensitivity
    sens_table = sens.table.copy() if sens is not None else pd.DataFrame()
    if sens is not None and sens.method == "sobol":
        sens_table = sens_table.sort_values("ST", ascending=False).reset_index(drop=True)
    sens_table.to_csv(args.out / "q0_sensitivity.csv", index=False)

    fig, axes = common.figure(13.0, 4.8, ncols=2)
    ax = axes[0][0]
    for traj, color in zip(trajectories, ("#2471a3", "#c0392b")):
        number = int(traj["box"].iloc[0])
        ax.plot(traj["coverage"] * 100, traj["density"] * 100, "-o", ms=3, color=color, label=f"box {number} peeling")
        chosen = traj[traj["selected"]]
        ax.plot(chosen["coverage"] * 100, chosen["density"] * 100, "*", ms=16, color=color,
                label=f"box {number} chosen ({int(chosen['res_dim'].iloc[0])} dimensions)")
    ax.axhline(base.value * 100, color="black", ls="--", lw=0.8, label=f"all futures ({100 * base.value:.0f}%)")
    ax.set_xlabel("coverage: share of all deaths before year 5 inside the box, %")
    ax.set_ylabel("density: share of the box's futures dead before year 5, %")
    ax.set_title("PRIM: coverage against density")
    ax.set_xlim(-2, 102)
    ax.set_ylim(0, 102)
    ax.legend(fontsize=7)
    ax = axes[0][1]
    if sens is not None and sens.method == "sobol" and len(sens_table):
        t = sens_table.iloc[::-1]
        y = np.arange(len(t))
        ax.barh(y + 0.2, t["ST"], 0.4, xerr=t["ST_conf"], color="#c0392b", label="total (ST)", capsize=2)
        ax.barh(y - 0.2, t["S1"], 0.4, xerr=t["S1_conf"], color="#2471a3", label="first order (S1)", capsize=2)
        ax.set_yticks(y, [short(u) for u in t["uncertainty"]], fontsize=8)
        ax.set_xlabel("Sobol index of 'died before year 5' (±95% confidence)")
    elif len(sens_table):
        t = sens_table.iloc[::-1]
        ax.barh(np.arange(len(t)), t["score"], color="#2471a3", label="extra-trees score")
        ax.set_yticks(np.arange(len(t)), [short(u) for u in t["uncertainty"]], fontsize=8)
        ax.set_xlabel("extra-trees importance (sums to 1)")
    ax.set_title("Which uncertainties move death before year 5")
    ax.legend(fontsize=8)
    common.save_figure(fig, args.out, "q0_where_they_die", f"{n:,} futures, seed {run.seed}")

    def box_text(row: pd.Series) -> str:
        return (f"{row['conditions']} — {100 * row['coverage']:.0f}% of the early deaths in {100 * row['mass']:.0f}% "
                f"of the futures, {common.pct_of(row, 'density_ci')} of them dead ({int(row['res_dim'])} restricted "
                f"dimension{'' if int(row['res_dim']) == 1 else 's'})")

    if sens is not None and sens.method == "sobol" and len(sens_table):
        top = sens_table.head(3)
        ranking = ", ".join(f"{short(r['uncertainty'])} (S1 {r['S1']:.2f} ± {r['S1_conf']:.2f}, ST {r['ST']:.2f} ± "
                            f"{r['ST_conf']:.2f})" for _, r in top.iterrows())
    elif len(sens_table):
        ranking = ", ".join(f"{short(r['uncertainty'])} ({r['score']:.2f})" for _, r in sens_table.head(3).iterrows())
    else:
        ranking = "none (the outcome does not vary)"
    verdicts = result.futures.loc[died, "verdict"].value_counts(normalize=True)
    mix = ", ".join(f"{v} {100 * s:.0f}%" for v, s in verdicts.items())
    answer = f"{common.pct(base)} of programmes die before year 5 ({mix})."
    if len(box_table):
        answer += f" Where: {box_text(box_table.iloc[0])}."
        if len(box_table) > 1:
            answer += f" A second box: {box_text(box_table.iloc[1])}."
    answer += f" The uncertainties that move it most: {ranking}."
    details = [
        "PRIM peels the uncertainty space towards the futures that died before year 5; the box chosen on each "
        "trajectory is the step with the most coverage × lift whose limits all have quasi-p ≤ 0.05 "
        "(limits and quasi-p-values in q0_prim_boxes.csv).",
        "Sobol indices come from the Saltelli design; ST − S1 is the part of an uncertainty's effect that "
        "works only together with others. For a yes/no outcome that most futures meet, every uncertainty has a "
        "large ST (death is a threshold crossed by many causes together), so the ranking, and S1, say more than "
        "the size of ST.",
        "The full report (Kaplan–Meier survival, cumulative incidence per verdict, root causes, CART) is in "
        "report/report.html next to this summary when the script has been run.",
    ]
    common.write_summary(
        args, title="Where they die", answer=answer, runs=[run], details=details, figures=["q0_where_they_die"],
        tables=["q0_prim_boxes.csv", "q0_prim_trajectory.csv", "q0_sensitivity.csv"],
        key={"name": "P(died before year 5), default programme over the uncertainty space", "value": base.value,
             "low": base.low, "high": base.high, "unit": "share"},
        facts={"box1_coverage": float(box_table["coverage"].iloc[0]) if len(box_table) else None,
               "box1_density": float(box_table["density"].iloc[0]) if len(box_table) else None,
               "top_uncertainty": short(str(sens_table["uncertainty"].iloc[0])) if len(sens_table) else None})


if __name__ == "__main__":
    main()
