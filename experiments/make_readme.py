"""Rebuild experiments/README.md (the findings) from the experiments' summaries, so it cannot drift.

    python experiments/make_readme.py [--results DIR] [--readme PATH] [--check]

Reads DIR/qN/summary.md and summary.json (N = 0..9), DIR/hindcast/summary.md, DIR/presets/summary.md and
DIR/caveats/caveats.md (default DIR: experiments/results/), and experiments/previous_findings.toml, and writes
the README: the claim table (claim → mechanism → experiment → answer with its key number), one section per
question (the summary itself, its figure and tables, links made relative to the README), the overview of where
programmes die (Q0), the hindcast, the presets, what changed since the previous model and why, the caveat runs
and the structural caveats, and the size of the published and the quick runs. ``--check`` exits 1
when the README on disk differs from what the summaries give.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import re
import sys
import tomllib
from collections.abc import Sequence
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
QUESTIONS = range(0, 10)

STRUCTURAL_CAVEATS = (
    "A continued or fine-tuned model inherits the open weights of the day its training run begins "
    "(`sovsim/model/lifecycle.py`): the team is assumed to switch to the newest base at no cost when it "
    "starts training, so Q1's shelf life and the stale deaths elsewhere are the optimistic end for a "
    "team that must redo data work or evaluations on each new base.",
    "A continued model's general capability is its base's plus a Chinchilla gain from its own tokens that "
    "saturates, so its own training compute hardly matters: money and GPUs do not make a continued model more "
    "current (Q4, Q9). Its edge is local: the open models' deficit in the country's languages "
    "(`data.open_local_deficit_log10`), which erodes over time; the size of that deficit is an assumption "
    "with no published measure.",
    "The domestic sovereign cloud is outside the export regimes (its own GPU supply is not modelled), which "
    "makes it look immune to export shocks in Q2.",
    "A programme is declared dead stale only once its service's adoption has run down behind the free "
    "alternative and the grace has passed (`deployment.stale_adoption_loss`, `model.stale_grace_months`); the "
    "grace (4.3–35 months) and the lag a country accepts (`model.accepted_lag_months`, 1–23 months) are "
    "sampled over calibrated ranges that the cases hardly narrow, so the stale shares move with them (see the "
    "Q0 caveat).",
    "Consultants hold know-how and hand part of it to the staff (`sovsim/model/knowhow.py`), but the rates of "
    "transfer and lock-in are assumptions sampled over wide ranges (calibration.md §14 has no measured rate): "
    "read the museum shares of Q8 as the model's, not the world's.",
    "Trust, steering and their incidents (Q5) are assumptions with no measured rate: the direction of the "
    "answer is the mechanism's, the size is not calibrated.",
    "Each future is one programme with one team; no learning between programmes, no international pooling "
    "(e.g. EuroHPC factories shared by several countries) and no second chances after a death.",
)


def load(results: Path) -> dict[int, dict[str, Any]]:
    out = {}
    for n in QUESTIONS:
        folder = results / f"q{n}"
        if not (folder / "summary.json").is_file():
            continue
        summary = json.loads((folder / "summary.json").read_text(encoding="utf-8"))
        summary["markdown"] = (folder / "summary.md").read_text(encoding="utf-8")
        summary["folder"] = folder
        out[n] = summary
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


def _share(key: dict[str, Any], digits: int = 0) -> str:
    f = f"{{:.{digits}f}}"
    return (f"{f.format(100 * key['value'])}% (95% CI {f.format(100 * key['low'])}–"
            f"{f.format(100 * key['high'])}%)")


def _points(value: float, low: float, high: float) -> str:
    return f"{100 * value:+.0f} points (paired 95% CI {100 * low:+.0f} to {100 * high:+.0f})"


def _money(usd: float | None) -> str:
    if usd is None or math.isnan(usd):
        return "n/a"
    if math.isinf(usd):
        return "no budget in the range"
    return f"${usd / 1e9:.1f}B" if usd >= 1e9 else f"${usd / 1e6:,.0f}M"


def _gpus(n: float | None) -> str:
    if n is None or math.isnan(n):
        return "n/a"
    return "none in the range" if math.isinf(n) else f"{n:,.0f}"


def _excludes_zero_below(value: float, high: float) -> bool:
    return high < 0


Claim = tuple[str, str, str, str, str]  #: claim, mechanism, experiment, answer, key number


def claims(s: dict[int, dict[str, Any]]) -> list[Claim]:  # noqa: C901 - one rule per question, in order
    """One row per essay question: the claim, the mechanism that answers it, the experiment, the answer."""
    rows: list[Claim] = []
    if 1 in s:
        f = s[1]["facts"].get("continue_p_stale_5y_by_cadence", {})
        never = f.get("120", f.get(max(f, key=float)) if f else None)
        fast = f.get("6")
        if never is not None and fast is not None:
            answer = ("supported" if never - fast >= 0.15 else
                      "contradicted" if never < 0.15 else "depends on `model.stale_grace_months`")
            key = (f"P(dead stale by year 5) {100 * never:.0f}% never retrained vs {100 * fast:.0f}% at a 6-month "
                   f"cadence; shelf life {s[1]['key']['value']:.1f} months (95% CI {s[1]['key']['low']:.1f}–"
                   f"{s[1]['key']['high']:.1f})")
        else:
            answer, key = "see Q1", ""
        rows.append(("Programmes die in the gap between having the weights and being able to update them",
                     "capability from what was trained on an open base (`model/capability.py`, `builder.py`); stale "
                     "death once the users are gone (`model/deployment.py`, `coroner.py`)",
                     "[Q1](#q1-snapshot-or-living-process)", answer, key))
    if 2 in s:
        k, f = s[2]["key"], s[2]["facts"]
        own = f.get("p_starved_own_high_hazard", float("nan"))
        hw = k["low"] > own
        stop = "weights_all_stop_continue_alive_diff"
        d, lo, hi = f.get(stop, 0.0), f.get(f"{stop}_low", 0.0), f.get(f"{stop}_high", 0.0)
        ow = hi < 0
        answer = ("supported for both" if hw and ow else "supported for the hardware, not the weights" if hw else
                  "supported for the weights; the cloud tenant owns no compute but is rarely starved" if ow else
                  "depends on `export.changes_per_year`")
        key = (f"P(starved) renting at a crisis pace {_share(k)} vs owning {100 * own:.0f}%; every open family "
               f"stopping in 2029 moves P(alive at 10 years) of a continued model {_points(d, lo, hi)}")
        rows.append(("A programme on a rented foreign cloud is a tenant, and so is one that continues a foreign "
                     "lab's open weights", "export regimes and cloud contracts (`model/export.py`, `contracts.py`); "
                     "the open-weights supply with stops and pivots (`model/openweights.py`, `builder.py`)",
                     "[Q2](#q2-tenant-or-owner)", answer, key))
    if 3 in s:
        k, f = s[3]["key"], s[3]["facts"]
        slower = f.get("realised_fast_eu", 0.0) - f.get("realised_fast_none", 0.0)
        hi = f.get("eu_minus_none_current_5y_high", 0.0)
        answer = ("supported" if slower >= 1.0 and hi < 0 else
                  "partly: slower releases, no loss of currency" if slower >= 1.0 else "contradicted")
        key = (f"planning 3-month releases: one every {f.get('realised_fast_none', float('nan')):.1f} months without "
               f"review, {f.get('realised_fast_eu', float('nan')):.1f} under the EU AI Act; P(alive and current at "
               f"year 5) EU AI Act − none "
               f"{_points(f.get('eu_minus_none_current_5y', 0.0), f.get('eu_minus_none_current_5y_low', 0.0), hi)}")
        rows.append(("A government programme cannot iterate as fast as a venture-backed lab",
                     "governance reviews before each release and launch (`model/governance.py`) against the "
                     "frontier's pace (`model/frontier.py`)", "[Q3](#q3-iterate-fast)", answer, key))
    if 4 in s:
        f = s[4]["facts"]
        need_c, need_s = f.get("gpus_needed_continue", math.inf), f.get("gpus_needed_scratch", math.inf)
        no_gain = f.get("continue_gain_low", 0.0) <= 0 and f.get("scratch_gain_low", 0.0) <= 0
        answer = ("contradicted: the fleet's size does not decide it" if no_gain else
                  "supported" if math.isfinite(need_s) else
                  "depends on the strategy" if math.isfinite(need_c) else "contradicted: no fleet in the range does it")
        key = (f"GPUs for P(alive and current at year 5) ≥ 50%: continue {_gpus(need_c)}, finetune "
               f"{_gpus(f.get('gpus_needed_finetune', math.inf))}, scratch {_gpus(need_s)} (up to "
               f"{f.get('top_gpus', 0):,.0f} tried); from {f.get('small_gpus', 64):,.0f} to "
               f"{f.get('top_gpus', 0):,.0f} GPUs, continuing "
               f"{_points(*(f.get(x, 0.0) for x in ('continue_gain', 'continue_gain_low', 'continue_gain_high')))}; "
               f"scratch at the top: {_share(s[4]['key'])}")
        rows.append(("A number of H100s keeps a model from becoming a legacy artefact within six months",
                     "training compute to capability against a bounded frontier (`model/capability.py`, "
                     "`frontier.py`); GPU generations at refresh (`model/gpus.py`)", "[Q4](#q4-how-many-gpus)",
                     answer, key))
    if 5 in s:
        f = s[5]["facts"]
        light, full = f.get("light_tokens_diff_t", 0.0), f.get("full_tokens_diff_t", 0.0)
        full_hi = f.get("full_tokens_diff_high", 0.0)
        light_hi = f.get("light_tokens_diff_high", light)
        answer = ("supported" if light >= 0 and full_hi < 0 else
                  "contradicted: even light steering costs users, and trust falls with it" if light_hi < 0 else
                  "partly: full steering costs users" if full_hi < 0 else "not shown: steering changes little")
        key = (f"tokens served over the decade: light steering {light:+.1f} trillion, full steering {full:+.1f} "
               f"trillion (95% CI {f.get('full_tokens_diff_low', 0.0):+.1f} to {full_hi:+.1f}); trust at the end "
               f"{f.get('trust_none', float('nan')):.2f} → {f.get('trust_full', float('nan')):.2f}")
        rows.append(("Cultural alignment is worth it until steering becomes a controlled information environment "
                     "that costs trust", "trust and steering (`model/trust.py`); residency-bound demand "
                     "(`model/residency.py`)", "[Q5](#q5-cultural-alignment)", answer, key))
    if 6 in s:
        k, f = s[6]["key"], s[6]["facts"]
        cost = f.get("share_cost_binding_at_default", float("nan"))
        binds = "cost per token" if not math.isnan(cost) and cost >= 0.5 else "latency"
        answer = (f"supported: {binds} binds" if k["value"] >= 0.3 else
                  f"partly: about one in {max(1, round(1 / k['value'])):d} stays a pilot, held by {binds}"
                  if k["value"] >= 0.1 and not math.isnan(cost) else
                  "contradicted at the preset's bar: few stay pilots")
        key = f"P(vanity pilot) at the preset's bar {_share(k)}" + (
            f"; cost per token binds in {100 * cost:.0f}% of them" if not math.isnan(cost) else "")
        rows.append(("Vanity pilots never leave staging, for latency or token cost",
                     "serving from first principles (`serving.py`, `queueing.py`) against the free alternative's "
                     "price (`model/deployment.py`)", "[Q6](#q6-vanity-pilots)", answer, key))
    if 7 in s:
        k, f = s[7]["key"], s[7]["facts"]
        hole = {x: f.get(f"p_black_hole_{x}", float("nan")) for x in ("continue", "finetune", "scratch")}
        spread = max(hole.values()) - min(hole.values())
        answer = ("depends on the strategy" if spread >= 0.3 else "supported" if k["value"] >= 0.5 else
                  "contradicted" if k["value"] < 0.2 else "partly")
        key = (f"{_share(k)} of the 2030 cohort (continue {100 * hole['continue']:.0f}%, finetune "
               f"{100 * hole['finetune']:.0f}%, scratch {100 * hole['scratch']:.0f}%); the request grows "
               + ", ".join(f"{x} {100 * f.get(f'growth_{x}', math.nan):+.0f}% (95% CI "
                           f"{100 * f.get(f'growth_{x}_low', math.nan):+.0f} to "
                           f"{100 * f.get(f'growth_{x}_high', math.nan):+.0f})"
                           for x in ("continue", "finetune", "scratch")) + " a year")
        rows.append(("Keeping a custom model current is a budgetary black hole for mid-sized nations",
                     "budget rounds: requested vs granted by kind (`model/budget.py`, `treasury.py`)",
                     "[Q7](#q7-the-budgetary-black-hole)", answer, key))
    if 8 in s:
        k, f = s[8]["key"], s[8]["facts"]
        museum = {"value": f.get("p_museum_all", 0.0), "low": f.get("p_museum_all_low", 0.0),
                  "high": f.get("p_museum_all_high", 0.0)}
        many = f.get("p_museum_many_consultants", 0.0)
        answer = ("supported" if museum["value"] >= 0.2 else
                  "depends on how many consultants hold the know-how" if many >= 0.2 else
                  "contradicted: they die before they become museums" if museum["high"] < 0.05 else "rarely")
        key = (f"P(museum) {_share(museum, 1)} over all policies, {100 * many:.0f}% with up to 16 consultants at "
               f"public pay; P(museum or hollowed) there {_share(k)}")
        rows.append(("They end as museums kept by a skeleton crew of consultants",
                     "know-how held by staff and consultants, the museum verdict (`model/knowhow.py`, `coroner.py`)",
                     "[Q8](#q8-museums-and-skeleton-crews)", answer, key))
    if 9 in s:
        k, f = s[9]["key"], s[9]["facts"]
        cont, scratch = f.get("continue_6", math.inf), f.get("scratch_6", math.inf)
        never = not math.isfinite(cont) and not math.isfinite(scratch)
        never10 = not math.isfinite(f.get("continue_6_10y", math.inf)) and not math.isfinite(
            f.get("scratch_6_10y", math.inf))
        answer = ("contradicted at 5 years (a modest budget suffices); at 10 years no budget in the range does, so "
                  "it is not a matter of money" if math.isfinite(cont) and never10 else
                  "contradicted for open-weight strategies, supported for from-scratch" if math.isfinite(cont)
                  and not math.isfinite(scratch) else
                  "contradicted: no budget in the range buys it, so it is not a matter of money" if never else
                  "supported" if not math.isfinite(cont) else "contradicted")
        key = (f"five-year budget for P(alive and current) ≥ 50% at year 5: continue (6-month cadence) "
               f"{_money(cont)}, scratch {_money(scratch)} (up to {_money(f.get('top_budget_usd', math.nan))}); "
               f"at $55M continuing {_share(k)}, at best {100 * f.get('best_continue_6', math.nan):.0f}%; at year 10 "
               f"continue {_money(f.get('continue_6_10y', math.nan))}, scratch "
               f"{_money(f.get('scratch_6_10y', math.nan))} (at best "
               f"{100 * f.get('best_continue_6_10y', math.nan):.0f}% continuing)")
        rows.append(("Sovereignty is a luxury only the compute-rich can afford",
                     "money, fleet and cadence against the frontier (`model/treasury.py`, `budget.py`, "
                     "`capability.py`)", "[Q9](#q9-compute-rich-luxury)", answer, key))
    return rows


def intro(s: dict[int, dict[str, Any]]) -> list[str]:
    lines = ["A country that builds its own foundation model rarely loses it in one dramatic event. In the futures "
             "simulated here the programme fades or holds on for reasons a reader can follow: the model falls "
             "behind what is freely available and its users drift away, the service never leaves its pilot, the "
             "team thins out, or an election trims the budget until the bills win."]
    if 0 in s:
        lines[0] += (f" Over the calibrated uncertainty space of a mid-sized country's programme "
                     f"(`midsize-nation`), {_share(s[0]['key'])} of programmes are dead, or museums, before year 5 "
                     "(Q0).")
    return lines


def changed(s: dict[int, dict[str, Any]]) -> list[str]:
    path = HERE / "previous_findings.toml"
    if not path.is_file():
        return []
    rows = tomllib.loads(path.read_text(encoding="utf-8")).get("headline", [])
    lines = ["| headline | previous model | now | why it changed |", "|---|---|---|---|"]
    for r in rows:
        q = s.get(int(r["question"]))
        now = "not run"
        if q is not None:
            if r["now"] == "key":
                value = dict(q["key"])
            else:
                fact = r["now"]
                value = {"value": q["facts"].get(fact), "low": q["facts"].get(f"{fact}_low"),
                         "high": q["facts"].get(f"{fact}_high")}
            now = _fmt(value, r["unit"]) + f" [Q{r['question']}]"
        lines.append(f"| {r['what']} | {r['previous']} | {now} | {r['why']} |")
    return lines


def _fmt(value: dict[str, Any], unit: str) -> str:
    v, lo, hi = value.get("value"), value.get("low"), value.get("high")
    if v is None:
        return "n/a"
    if unit == "share":
        text = f"{100 * v:.0f}%"
        return text + (f" (95% CI {100 * lo:.0f}–{100 * hi:.0f}%)" if lo is not None and hi is not None else "")
    if unit == "per year":
        text = f"{100 * v:+.0f}% a year"
        return text + (f" (95% CI {100 * lo:+.0f} to {100 * hi:+.0f})" if lo is not None and hi is not None else "")
    text = f"{v:.1f}"
    return text + (f" (95% CI {lo:.1f}–{hi:.1f})" if lo is not None and hi is not None else "")


def build(results: Path, readme: Path) -> str:
    s = load(results)
    size = sorted({q["size"] for q in s.values()})
    lines = [
        "# Findings: where sovereign AI programmes quietly die",
        "",
        "<!-- Generated by `python experiments/make_readme.py` from experiments/results/*/summary.md; do not edit "
        "by hand. Regenerate everything (the experiments, the hindcast, the presets, the caveat runs and this page) "
        "with `python experiments/run_all.py`. -->",
        "",
        *intro(s),
        "",
        "## The claims",
        "",
        "Each question of the essay this project serves, the mechanism of the model that answers it, the "
        "experiment and the answer with its key number (95% intervals; paired differences on common random "
        "numbers):",
        "",
        "| # | claim | mechanism (module under `sovsim/`) | experiment | answer | key number |",
        "|---|---|---|---|---|---|",
    ]
    for i, (claim, mechanism, experiment, answer, key) in enumerate(claims(s), start=1):
        lines.append(f"| {i} | {claim} | {mechanism} | {experiment} | **{answer}** | {key} |")
    lines += [
        "",
        "Every number below comes from the scripts in this folder, run with the public Python API (`import "
        "sovsim`) on sweep specs beside them (`qN_*.toml`, each range citing `docs/calibration.md`). Every spec "
        "samples the ranges the hindcast calibrated on fifteen real programmes (`calibrated_ranges.toml`: election "
        "cuts, attrition, data preparation, the open models' local deficit and its halving, the stale grace, the "
        "lag a country accepts behind the free alternative, allocation renewals) beside its own; the cases "
        "constrain the data preparation and the local deficit, the others stay close to their priors and are "
        "sampled as stated uncertainty. Policies compared inside one experiment run on the same sampled "
        "futures with the same random streams (common random numbers), so their differences are paired; every "
        "probability carries a 95% interval (Wilson for shares, percentile bootstrap otherwise). Each section "
        "states its futures and seed and the command that regenerates it.",
        "",
        "| question | futures | seed(s) | size |",
        "|---|---|---|---|",
    ]
    order = [n for n in (*range(1, 10), 0) if n in s]
    for n in order:
        q = s[n]
        anchor = re.sub(r"[^a-z0-9 -]", "", f"q{n} {q['title']}".lower()).replace(" ", "-")
        lines.append(f"| [Q{n}. {q['title']}](#{anchor}) | {q['futures']:,} | "
                     f"{', '.join(str(x) for x in q['seeds'])} | {q['size']} |")
    lines.append("")
    for n in order:
        lines += [relink(s[n]["markdown"], s[n]["folder"], readme).rstrip(), ""]
    for name in ("hindcast", "presets"):
        path = results / name / "summary.md"
        if path.is_file():
            lines += [relink(path.read_text(encoding="utf-8"), path.parent, readme).rstrip(), ""]
    change = changed(s)
    if change:
        lines += ["## Changed since the previous model", "",
                  "The headline numbers of the previous findings (kept in `previous_findings.toml`) beside the same "
                  "quantities now:", "", *change, ""]
    lines += ["## Caveats", "",
              "The weakest calibrated values, each moved to the ends of its plausible range while everything "
              "else stays as in the experiment (`python experiments/caveats.py`):", ""]
    caveats = results / "caveats" / "caveats.md"
    if caveats.is_file():
        lines += [caveats.read_text(encoding="utf-8").rstrip(), ""]
    else:
        lines += ["(not run yet: `python experiments/caveats.py`)", ""]
    lines += ["Structural caveats of the model (not numbers one can move):", ""]
    lines += [f"- {c}" for c in STRUCTURAL_CAVEATS]
    total = sum(q["futures"] for q in s.values())
    wall = sum(float(q.get("wall_s", 0.0)) for q in s.values())
    lines += ["", "## Size and reproduction", "",
              f"The results on this page are of size {', '.join(size)}: {total:,} futures over the ten experiments, "
              f"whose sweeps took {wall / 60:.0f} minutes of wall time on 2 cores (the hindcast, the presets and "
              "the caveat runs come on top). The published size is what `run_all.py` runs without `--quick`; "
              "`--quick` runs about a tenth of it, in under 10 minutes on 2 cores. Every script takes "
              "`--scenarios N` for any other size.", "",
              "```bash",
              "python experiments/run_all.py              # every experiment, the hindcast, the presets, the "
              "caveats, this page",
              "python experiments/run_all.py --quick      # a smaller run of everything (under 10 minutes on 2 "
              "cores) into experiments/results-quick/",
              "python experiments/q6_vanity_pilots.py --quick --out /tmp/q6 --workers 2   # one experiment",
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
