"""The key tables of an analysis as display strings, for the terminal (rich) and the HTML report alike."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import pandas as pd
from rich.markup import escape

if TYPE_CHECKING:
    from rich.console import Console

    from sovsim.analysis.result import AnalysisResult

__all__ = ["survival_table", "verdict_table", "incidence_table", "root_table", "prim_summary", "prim_table",
           "cart_table", "sensitivity_table", "render", "percent", "years", "by_policy"]


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def percent(value: Any, digits: int = 0) -> str:
    return "—" if _missing(value) else f"{100 * float(value):.{digits}f}%"


def years(value: Any) -> str:
    if _missing(value):
        return "—"
    return "not reached" if math.isinf(float(value)) else f"{float(value):.2f}"


def _band(value: Any, lower: Any, upper: Any) -> str:
    if _missing(value):
        return "—"
    return f"{percent(value)} ({percent(lower)}–{percent(upper)})"


def survival_table(result: AnalysisResult) -> pd.DataFrame:
    """Per policy: futures, deaths, median survival and P(alive) at 1, 3, 5, 10 years with 95% bands."""
    rows = []
    for r in result.survival.table.to_dict("records"):
        row = {"policy": r["policy"], "futures": f"{r['futures']:,}", "deaths": f"{r['deaths']:,}",
               "median survival (years)": years(r["median_years"])}
        for key in r:
            if key.startswith("p_alive_") and not key.endswith(("_lower", "_upper")):
                label = "P(alive) at " + key.removeprefix("p_alive_").replace("y", " y")
                row[label] = _band(r[key], r[key + "_lower"], r[key + "_upper"])
        rows.append(row)
    return pd.DataFrame(rows)


def verdict_table(result: AnalysisResult) -> pd.DataFrame:
    """Policy × verdict: futures and share of the policy's futures."""
    shares = result.causes.shares
    verdicts = ["alive"] + sorted(v for v in shares["verdict"].unique() if v != "alive")
    rows = []
    for policy, group in shares.groupby("policy", sort=False):
        cells = {r["verdict"]: f"{r['futures']:,} ({percent(r['share'])})" for r in group.to_dict("records")}
        rows.append({"policy": policy, **{v: cells.get(v, "0") for v in verdicts}})
    return pd.DataFrame(rows)


def incidence_table(result: AnalysisResult) -> pd.DataFrame:
    """Policy × verdict: cumulative incidence (95% band) by the end of the follow-up."""
    table = result.causes.table
    rows = []
    for policy, group in table.groupby("policy", sort=False):
        row = {"policy": policy, "by (years)": f"{group['by_years'].max():g}"}
        for r in group.to_dict("records"):
            row[r["verdict"]] = _band(r["incidence"], r["lower"], r["upper"])
        rows.append(row)
    return pd.DataFrame(rows)


def root_table(result: AnalysisResult) -> pd.DataFrame:
    """The most common root events per verdict."""
    roots = result.causes.roots
    return pd.DataFrame({"verdict": roots["verdict"], "root event (numbers as #)": roots["root_cause"],
                         "futures": roots["futures"].map(lambda n: f"{n:,}"),
                         "share of verdict": roots["share_of_verdict"].map(percent)})


def prim_summary(result: AnalysisResult) -> str:
    box = result.prim
    if box is None:
        return "no PRIM box"
    cases = int(result.outcome.sum())
    return (f"box {box.selected} of the peeling trajectory (0–{len(box) - 1}): coverage {percent(box.coverage)} of the "
            f"{cases:,} futures of interest, density {percent(box.density)} (all futures: "
            f"{percent(cases / len(result.outcome))}), mass {percent(box.mass)}, {box.res_dim} restricted "
            f"dimension{'' if box.res_dim == 1 else 's'}")


def _number(value: float) -> str:
    return f"{value:.4g}"


def prim_table(result: AnalysisResult) -> pd.DataFrame:
    """The selected PRIM box: each restricted dimension, its limits, the full range and the quasi-p-values."""
    box = result.prim
    columns = ["uncertainty", "box", "full range", "quasi-p (lower / upper)"]
    if box is None:
        return pd.DataFrame(columns=columns)
    rows = []
    for r in box.limits().to_dict("records"):
        qp = " / ".join("—" if _missing(v) else f"{v:.2g}" for v in (r["qp_lower"], r["qp_upper"]))
        if r["kind"] == "categorical":
            limits, full = "{" + r["values"] + "}", "all categories"
        else:
            limits = f"{_number(r['lower'])} … {_number(r['upper'])}"
            full = f"{_number(r['min'])} … {_number(r['max'])}"
        rows.append({"uncertainty": r["name"], "box": limits, "full range": full, "quasi-p (lower / upper)": qp})
    return pd.DataFrame(rows, columns=columns)


def cart_table(result: AnalysisResult, top: int = 8) -> pd.DataFrame:
    """The tree's leaves, densest first."""
    if result.cart is None:
        return pd.DataFrame(columns=["leaf", "futures", "density", "coverage"])
    leaves = result.cart.leaves.head(top)
    return pd.DataFrame({"leaf": leaves["rule"], "futures": leaves["futures"].map(lambda n: f"{n:,}"),
                         "density": leaves["density"].map(percent), "coverage": leaves["coverage"].map(percent)})


def sensitivity_table(result: AnalysisResult) -> pd.DataFrame:
    """Sobol indices (ST and S1 with 95% half-widths) per policy, or extra-trees scores."""
    s = result.sensitivity
    if s is None or s.table.empty:
        return pd.DataFrame(columns=["uncertainty"])
    if s.method == "sobol":
        return pd.DataFrame({"policy": s.table["policy"], "uncertainty": s.table["uncertainty"],
                             "ST (total)": [f"{v:.3f} ± {c:.3f}" for v, c in zip(s.table["ST"], s.table["ST_conf"])],
                             "S1 (first order)": [f"{v:.3f} ± {c:.3f}" for v, c in
                                                  zip(s.table["S1"], s.table["S1_conf"])]})
    return pd.DataFrame({"uncertainty": s.table["uncertainty"], "score": s.table["score"].map(lambda v: f"{v:.3f}")})


def by_policy(frame: pd.DataFrame, key: str = "policy") -> pd.DataFrame:
    """A per-policy table turned so that each policy is a column (narrow enough for a terminal)."""
    if frame.empty or key not in frame.columns:
        return frame
    turned = frame.set_index(key).T
    turned.insert(0, "", turned.index)
    return turned.reset_index(drop=True)


def render(result: AnalysisResult, console: Console) -> None:
    """Print the findings and the key tables to a rich console, each fitted to its width."""
    from sovsim.analysis.findings import findings
    from sovsim.terminal import print_table

    def show(title: str, frame: pd.DataFrame, caption: str | None = None) -> None:
        console.print()
        if frame.empty:
            console.print(f"[bold]{title}[/]: nothing to show", highlight=False)
            return
        right = [c for c in frame.columns if c not in ("", "policy", "verdict", "uncertainty", "leaf",
                                                          "root event (numbers as #)")]
        print_table(console, list(frame.columns), [list(r) for r in frame.itertuples(index=False)], title, caption,
                    right=right)

    r = result.results
    console.rule(f"[bold]{r.name}[/]: {len(r.futures):,} futures analysed")
    console.print(f"outcome of interest: [bold]{escape(result.outcome_expression)}[/] — {int(result.outcome.sum()):,} "
                  f"futures ({percent(result.outcome.mean(), 1)})", highlight=False)
    for note in result.notes:
        console.print(f"[yellow]note:[/] {escape(note)}", highlight=False)
    console.print()
    console.print("[bold]Findings[/]")
    for sentence in findings(result):
        console.print(f"• {escape(sentence)}", highlight=False)
    show("Survival (Kaplan–Meier; P(alive): share with Wilson 95% interval)", by_policy(survival_table(result)))
    show("Verdicts (futures and share of the policy)", by_policy(verdict_table(result)))
    show("Cumulative incidence by verdict (Aalen–Johansen, 95% bands)", by_policy(incidence_table(result)))
    show("Most common root events", root_table(result))
    if result.prim is not None:
        show("Scenario discovery (PRIM)", prim_table(result), prim_summary(result))
    if result.cart is not None:
        show(f"CART leaves (depth {result.cart.depth}, accuracy {percent(result.cart.accuracy)})", cart_table(result))
    if result.sensitivity is not None:
        title = "Sobol indices" if result.sensitivity.method == "sobol" else "Extra-trees feature scores"
        notes = "; ".join(result.sensitivity.notes) or None
        show(f"Sensitivity: {title}", sensitivity_table(result), notes)
    if result.report is not None:
        console.print(f"\nreport: {result.report}", highlight=False, soft_wrap=True)
