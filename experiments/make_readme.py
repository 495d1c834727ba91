"""Rebuild experiments/README.md (the findings) from the experiments' summaries, so it cannot drift.

    python experiments/make_readme.py [--results DIR] [--readme PATH] [--check]

Reads DIR/qN/summary.md and summary.json (N = 1..7) and DIR/caveats/caveats.md (default DIR:
experiments/results/) and writes the README: an introduction whose numbers come from the summaries, one
section per question (the summary itself, its figure and tables, links made relative to the README), the
caveats table and the structural caveats of the model, and what it took to compute. ``--check`` exits 1
when the README on disk differs from what the summaries give.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import re
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
QUESTIONS = range(1, 8)

STRUCTURAL_CAVEATS = (
    "A continued or fine-tuned model inherits the open weights of the day its training run begins "
    "(`sovsim/model/lifecycle.py`): the team is assumed to switch to the newest base at no cost when it "
    "starts training, so Q1's shelf life and the few stale deaths in Q6 and Q7 are the optimistic end for a "
    "team that must redo data work or evaluations on each new base.",
    "A continued model's capability adds its own compute to the open base's (log10 of the sum), so its own "
    "training compute hardly matters: money and GPUs do not make a continued model more current (Q6). The "
    "local edge (`model.local_edge_log10`) carries all the value of a national model; it is an assumption "
    "with no published measure.",
    "The domestic sovereign cloud is outside the export regimes (its own GPU supply is not modelled), which "
    "makes it look immune to export shocks in Q2.",
    "Consultants never count toward the effective crew (they 'keep no know-how'), so by construction they "
    "cannot keep a crew above its minimum (Q5); what they change is the cost, and through it other deaths.",
    "Each future is one programme with one team; no learning between programmes, no international pooling "
    "(e.g. EuroHPC factories shared by several countries) and no second chances after a death.",
)


def numeric_caveats(s: list[dict[str, Any]]) -> list[str]:
    """Structural caveats whose size the experiments measured."""
    q5 = s[4]["facts"]
    out = []
    if "p_vanity_funded_low" in q5:
        out.append(
            "The production bar's cost test charges a tenth of the team's cost to every token served and compares "
            "it with an API price that falls ten times a year once open weights overtake the national model, so "
            "the test is knife-edge: in Q5 a funded pay premium alone (1× → 2×) moves vanity pilots from "
            f"{100 * q5['p_vanity_funded_low']:.0f}% to {100 * q5['p_vanity_funded_high']:.0f}% of futures. "
            "Read the vanity-pilot shares (Q4, Q5, Q6) as sensitive to the serving-cost accounting.")
    out.append("The fleet refresh spends only the cash above a year of running costs, so owned clusters shrink at "
               "their first refresh (Q3); the maintenance tax on hardware is under-paid rather than paid.")
    return out


def load(results: Path) -> list[dict[str, Any]]:
    out = []
    for n in QUESTIONS:
        folder = results / f"q{n}"
        summary = json.loads((folder / "summary.json").read_text(encoding="utf-8"))
        summary["markdown"] = (folder / "summary.md").read_text(encoding="utf-8")
        summary["folder"] = folder
        out.append(summary)
    return out


def relink(markdown: str, folder: Path, readme: Path) -> str:
    """Demote headings two levels and make the relative links of a summary relative to the README."""
    prefix = Path(os.path.relpath(folder, readme.parent)).as_posix()

    def link(match: re.Match[str]) -> str:
        target = match.group(2)
        if "://" in target or target.startswith(("#", "/")):
            return match.group(0)
        return f"{match.group(1)}({prefix}/{target})"

    text = re.sub(r"(\]\s?)\(([^)]+)\)", link, markdown)
    return re.sub(r"^(#+) ", lambda m: "#" * (len(m.group(1)) + 1) + " ", text, flags=re.M)


def _share(key: dict[str, Any]) -> str:
    return f"{100 * key['value']:.0f}% (95% CI {100 * key['low']:.0f}–{100 * key['high']:.0f}%)"


def _money(usd: float) -> str:
    if usd is None or math.isnan(usd):
        return "n/a"
    if math.isinf(usd):
        return "no budget in the range"
    return f"${usd / 1e9:.1f}B" if usd >= 1e9 else f"${usd / 1e6:,.0f}M"


def intro(s: list[dict[str, Any]]) -> list[str]:
    q1, q2, q3, q4, q5, q6, q7 = s
    by_cadence = q1["facts"].get("continue_p_stale_5y_by_cadence", {})
    stale_fast, stale_slow = by_cadence.get("6"), by_cadence.get("12")
    thresholds = q6["facts"]
    growth = q3["key"]
    cost_share = q4["facts"].get("share_cost_binding_at_default", float("nan"))
    cost_binds = cost_share >= 0.5
    funded_helps = (q5["facts"].get("p_hollowed_rich_funded", 1.0) < q5["facts"].get("p_hollowed_rich_fixed", 0.0))
    continue_fails = math.isinf(thresholds.get("continue_9", 0.0))
    scratch_fails = math.isinf(thresholds.get("scratch_6", 0.0))
    q6_heading = ("Money is not currency" if continue_fails else
                  "Spend on cadence, not on scale" if scratch_fails else "Money buys time")
    q5f = q5["facts"]
    keeps_programme = q5f.get("p_alive_funded_high", 0.0) >= q5f.get("p_alive_funded_low", 0.0)
    q5_heading = ("Fund the pay premium" if funded_helps and keeps_programme else
                  "A funded pay premium keeps the crew, not the programme" if funded_helps else "Pay and consultants")
    top = _money(thresholds.get("top_budget_usd", float("nan")))
    if all(math.isinf(thresholds.get(k, math.inf)) for k in ("continue_6", "continue_9", "scratch_6")):
        q6_text = (f"no five-year budget up to {top} brings P(alive and current at year 5) to 50% for any "
                   f"strategy; continuing open weights peaks at "
                   f"{100 * thresholds.get('best_continue_6', float('nan')):.0f}% with a release every 6 months "
                   f"and {100 * thresholds.get('best_continue_9', float('nan')):.0f}% every 9, and from scratch at "
                   f"{100 * thresholds.get('best_scratch_6', float('nan')):.0f}%. Continuing every 9 months it is "
                   f"{100 * thresholds.get('p_continue_slow_reference', float('nan')):.0f}% at "
                   f"{_money(thresholds.get('reference_budget_usd', float('nan')))} and "
                   f"{100 * thresholds.get('p_continue_slow_top', float('nan')):.0f}% at {top}: what kills "
                   "programmes (a stale model, a pilot that never reaches production, cuts and quits) is not "
                   "bought with more GPUs.")
    else:
        q6_text = (f"P(alive and current at year 5) ≥ 50% needs a five-year budget of "
                   f"{_money(thresholds.get('continue_6', float('nan')))} continuing open weights every 6 months, "
                   f"{_money(thresholds.get('continue_9', float('nan')))} at 9 months, and "
                   f"{_money(thresholds.get('scratch_6', float('nan')))} training from scratch (up to {top} tried).")
    lines = [
        "A country that builds its own foundation model rarely loses it in one dramatic event. In the futures "
        "simulated here the programme usually fades: the model falls behind what is freely available, the "
        "service never leaves its pilot, the team thins out below the crew that knows how to retrain, or an "
        "election trims the budget until the bills win. Over the uncertainty space of a mid-sized country's "
        f"programme (`midsize-nation`), {_share(q7['key'])} of programmes are dead before year 5 (Q7).",
        "",
        "What the experiments say a government can do about it:",
        "",
        f"- **Treat the model as a living process, not a snapshot** (Q1). A release is a perishable good: a "
        f"continued model never retrained stays ahead of the free alternative for a median of "
        f"{q1['key']['value']:.1f} months after release (95% CI {q1['key']['low']:.1f}–{q1['key']['high']:.1f}), "
        f"the lead its local edge gives it over the open weights it was built on"
        + (f"; P(dead as stale by year 5) is {100 * stale_fast:.0f}% at a 6-month cadence against "
           f"{100 * stale_slow:.0f}% at 12 months" if stale_fast is not None and stale_slow is not None else "")
        + ".",
        f"- **Only compute at home is sovereign** (Q2): renting abroad gives no month of own compute on own soil, "
        f"and at a crisis-level export-shock hazard a tenant is starved in {_share(q2['key'])} of futures; "
        f"an owned cluster gives {q2['facts'].get('own_sovereign_months_reference_hazard', float('nan')):.0f} "
        "months of 120 at the 2025 pace of rule changes (delivery delays and deaths take the rest).",
        f"- **{'Budget for people' if q3['facts'].get('own_staff_share', 0) > 0.5 else 'Budget for the upkeep'}** "
        f"(Q3): keeping the model current costs "
        f"{_money(q3['facts'].get('own_year2_total_usd', float('nan')))} in year 2 and "
        f"{_money(q3['facts'].get('own_year10_total_usd', float('nan')))} in year 10, "
        f"{100 * q3['facts'].get('own_staff_share', float('nan')):.0f}% of it staff and consultants; the running "
        f"cost changes {100 * growth['value']:+.1f}% a year (95% CI {100 * growth['low']:+.1f} to "
        f"{100 * growth['high']:+.1f}).",
        f"- **Size the service for production and decide the price of control up front** (Q4): near the preset's "
        f"bar {_share(q4['key'])} of programmes stay vanity pilots; "
        + ("cost per token, not latency, " if cost_binds else "latency, not cost per token, ")
        + f"is what usually keeps them there ({100 * max(cost_share, 1 - cost_share):.0f}% of those).",
        f"- **{q5_heading}** (Q5): P(hollowed) is {_share(q5['key'])} at the public pay scale, "
        f"{100 * q5['facts'].get('p_hollowed_rich_fixed', float('nan')):.0f}% at twice the scale on the same "
        f"budget and {100 * q5['facts'].get('p_hollowed_rich_funded', float('nan')):.0f}% when the appropriation "
        f"pays for it; but with the premium funded P(alive at year 10) goes from "
        f"{100 * q5['facts'].get('p_alive_funded_low', float('nan')):.0f}% to "
        f"{100 * q5['facts'].get('p_alive_funded_high', float('nan')):.0f}%, as the dearer team pushes the "
        "service over its cost bar (see the caveats).",
        f"- **{q6_heading}** (Q6): " + q6_text,
    ]
    return lines


def build(results: Path, readme: Path) -> str:
    s = load(results)
    lines = [
        "# Findings: where sovereign AI programmes quietly die",
        "",
        "<!-- Generated by `python experiments/make_readme.py` from experiments/results/*/summary.md; do not edit "
        "by hand. Regenerate everything (the seven experiments, the caveat runs and this page) with "
        "`python experiments/run_all.py`. -->",
        "",
        *intro(s),
        "",
        "Every number below comes from the scripts in this folder, run with the public Python API (`import "
        "sovsim`) on sweep specs beside them (`qN_*.toml`, each range citing `docs/calibration.md`). Policies compared "
        "inside one experiment run on the same sampled futures with the same random streams (common random "
        "numbers), so their differences are paired; every probability carries a 95% interval (Wilson for "
        "shares, percentile bootstrap otherwise). Each section states its futures and seed and the command "
        "that regenerates it.",
        "",
        "| question | futures | seed(s) |",
        "|---|---|---|",
    ]
    for q in s:
        lines.append(f"| [Q{q['question']}. {q['title']}](#q{q['question']}-"
                     f"{q['title'].lower().replace(' ', '-')}) | {q['futures']:,} | "
                     f"{', '.join(str(x) for x in q['seeds'])} |")
    lines.append("")
    for q in s:
        lines += [relink(q["markdown"], q["folder"], readme).rstrip(), ""]
    lines += ["## Caveats", "",
              "The weakest calibrated values, each moved to the ends of its plausible range while everything "
              "else stays as in the experiment (`python experiments/caveats.py`):", ""]
    caveats = results / "caveats" / "caveats.md"
    if caveats.is_file():
        lines += [caveats.read_text(encoding="utf-8").rstrip(), ""]
    else:
        lines += ["(not run yet: `python experiments/caveats.py`)", ""]
    lines += ["Structural caveats of the model (not numbers one can move):", ""]
    lines += [f"- {c}" for c in (*STRUCTURAL_CAVEATS, *numeric_caveats(s))]
    lines += ["", "## Reproduce", "",
              "```bash",
              "python experiments/run_all.py              # the seven experiments, the caveats, this README",
              "python experiments/run_all.py --quick      # a smaller run of everything (under 10 minutes on 2 "
              "cores) into experiments/results-quick/",
              "python experiments/q4_vanity_pilots.py --quick --out /tmp/q4 --workers 2   # one experiment",
              "python experiments/make_readme.py --check  # is this page in step with the summaries?",
              "```", ""]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.strip().splitlines()[0])
    parser.add_argument("--results", type=Path, default=HERE / "results")
    parser.add_argument("--readme", type=Path, default=None, help="default: experiments/README.md for the "
                        "published results, else README.md inside --results")
    parser.add_argument("--check", action="store_true", help="exit 1 if the README differs from the summaries")
    args = parser.parse_args(argv)
    readme = args.readme or (HERE / "README.md" if args.results.resolve() == (HERE / "results").resolve()
                             else args.results / "README.md")
    text = build(args.results, readme)
    if args.check:
        current = readme.read_text(encoding="utf-8") if readme.is_file() else ""
        if current != text:
            print(f"{readme} is out of step with the summaries; run python experiments/make_readme.py",
                  file=sys.stderr)
            sys.exit(1)
        print(f"{readme} is in step with the summaries")
        return
    readme.write_text(text, encoding="utf-8")
    print(f"wrote {readme}")


if __name__ == "__main__":
    main()
