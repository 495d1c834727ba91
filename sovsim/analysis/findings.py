"""What an analysis found, in a few sentences: survival, the leading causes of death and the PRIM box in words.

The same sentences open the terminal output and the HTML report. When scenario discovery finds nothing a
reader can act on — no box, a box whose limits are not significant (quasi-p > 0.05), a box that only picks
a policy while every further peel is insignificant, or feature scores that are all about an even share —
:func:`discovery_advice` says so and what to change: another outcome, more futures, other uncertainties.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sovsim.analysis.result import AnalysisResult

__all__ = ["findings", "box_in_words", "discovery_advice", "SIGNIFICANCE", "FLAT_SCORE_RATIO"]

SIGNIFICANCE = 0.05  #: a PRIM limit with a quasi-p-value above this is not taken as a finding
#: extra-trees scores are "flat" when the largest is under this multiple of an even share (1 / uncertainties)
FLAT_SCORE_RATIO = 1.5


def _pct(value: float) -> str:
    return f"{100 * value:.0f}%"


def _num(value: float) -> str:
    return f"{value:.3g}"


def _survival(result: AnalysisResult) -> list[str]:
    out = []
    for r in result.survival.table.to_dict("records"):
        keys = [k for k in r if k.startswith("p_alive_") and not k.endswith(("_lower", "_upper"))
                and not _missing(r[k])]
        five = "p_alive_5y" if "p_alive_5y" in keys else (keys[-1] if keys else None)
        median = r["median_years"]
        when = "more than half live to the horizon" if math.isinf(median) else f"median survival {median:.1f} years"
        if five is None:
            out.append(f"{r['policy']}: {r['deaths']:,} of {r['futures']:,} futures die; {when}.")
            continue
        years = five.removeprefix("p_alive_").removesuffix("y")
        out.append(f"{r['policy']}: {_pct(r[five])} alive at {years} years "
                   f"({_pct(r[five + '_lower'])}–{_pct(r[five + '_upper'])}); {when}.")
    return out


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def _causes(result: AnalysisResult) -> str | None:
    shares = result.causes.shares
    dead = shares[shares["verdict"] != "alive"].groupby("verdict")["futures"].sum().sort_values(ascending=False)
    total = int(shares["futures"].sum())
    if dead.empty or total == 0:
        return None
    roots = result.causes.roots
    parts = []
    for verdict, n in dead.head(3).items():
        part = f"{verdict} {_pct(n / total)} of futures"
        top = roots[roots["verdict"] == verdict].head(1)
        if not top.empty:
            example = _short(str(top["example"].iloc[0] if "example" in top else top["root_cause"].iloc[0]))
            part += f" (most often after “{example}”, {_pct(float(top['share_of_verdict'].iloc[0]))} of them)"
        parts.append(part)
    return "Leading causes of death: " + "; ".join(parts) + "."


def _short(text: str, width: int = 60) -> str:
    """``text`` cut at a word boundary to about ``width`` characters."""
    if len(text) <= width:
        return text
    return text[:width].rsplit(" ", 1)[0].rstrip(",;:(") + " …"


def box_in_words(result: AnalysisResult) -> str | None:
    """The suggested PRIM box as a sentence: its conditions, coverage and density."""
    box = result.prim
    if box is None:
        return None
    conditions = []
    for r in box.limits().to_dict("records"):
        if r["kind"] == "categorical":
            conditions.append(f"{r['name']} in {{{r['values']}}}")
            continue
        low = r["lower"] > r["min"]
        high = r["upper"] < r["max"]
        if low and high:
            conditions.append(f"{_num(r['lower'])} ≤ {r['name']} ≤ {_num(r['upper'])}")
        elif low:
            conditions.append(f"{r['name']} ≥ {_num(r['lower'])}")
        elif high:
            conditions.append(f"{r['name']} ≤ {_num(r['upper'])}")
    share = float(result.outcome.mean())
    where = " and ".join(conditions) or "the whole space"
    return (f"Scenario discovery: where {where}, {_pct(box.density)} of futures meet the outcome (all futures: "
            f"{_pct(share)}); the box holds {_pct(box.coverage)} of the futures of interest.")


def _flat_scores(result: AnalysisResult) -> tuple[bool, float]:
    s = result.sensitivity
    if s is None or s.method == "sobol" or s.table.empty:
        return False, math.nan
    ratio = float(s.table["score"].max()) * len(s.table)
    return ratio < FLAT_SCORE_RATIO, ratio


def discovery_advice(result: AnalysisResult) -> str | None:
    """Why scenario discovery found nothing significant, and what to try; None when it found something."""
    box = result.prim
    reasons = []
    if box is None:
        reasons.append("PRIM found no box")
    else:
        limits = box.limits()
        qp = limits[["qp_lower", "qp_upper"]].min(axis=1, skipna=True)
        if limits.empty or not (qp <= SIGNIFICANCE).any():
            reasons.append(f"no limit of the suggested box is significant (every quasi-p > {SIGNIFICANCE:g})")
        elif set(limits["name"]) == {"policy"}:
            later = box.trajectory.iloc[box.selected + 1:]
            if "max_qp" in later and len(later) and (later["max_qp"] > SIGNIFICANCE).all():
                reasons.append("the suggested box only picks a policy, and every further peel restricts an "
                               f"uncertainty with a quasi-p of at least {later['max_qp'].min():.2f}")
    flat, ratio = _flat_scores(result)
    if flat:
        reasons.append(f"the extra-trees scores are flat (the largest is {ratio:.1f}× an even share)")
    if not reasons:
        return None
    futures = len(result.outcome)
    dead = result.causes.shares
    dead = dead[dead["verdict"] != "alive"].groupby("verdict")["futures"].sum().sort_values(ascending=False)
    unused = [str(v) for v in dead.index if str(v) not in result.outcome_expression]
    other = f", e.g. --outcome \"verdict = '{unused[0]}'\"" if unused else ""
    return ("No uncertainty stands out: " + "; ".join(reasons) + ". Try another outcome (one verdict"
            f"{other}), more futures ({futures:,} now: quasi-p-values shrink as the sample grows), or other or "
            "wider uncertainties in the spec's [[uncertainties]].")


def findings(result: AnalysisResult) -> list[str]:
    """The summary at the top: survival per policy, the leading causes, the box in words, and any advice."""
    out = _survival(result)
    for sentence in (_causes(result), box_in_words(result), discovery_advice(result)):
        if sentence:
            out.append(sentence)
    return out
