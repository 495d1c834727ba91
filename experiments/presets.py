"""The presets side by side: the default against its three alternatives, paired, and every preset's verdict mix.

    python experiments/presets.py [--quick] [--out DIR] [--workers N]

Runs ``sovsim.compare`` of midsize-nation against compute-rich, rented-cloud and finetune-lean (300 paired
futures, seed 7: the same as ``sovsim compare midsize-nation B --futures 300 --seed 7``) and each preset's
futures 0–199 of seed 0 (as ``python experiments/verdict_mix.py PRESET``). Writes DIR/pairs.csv,
DIR/verdict_mix.csv and DIR/summary.md (default DIR: experiments/results/presets/).
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import pandas as pd

import sovsim

HERE = Path(__file__).resolve().parent
PAIRS = ("compute-rich", "rented-cloud", "finetune-lean")
PRESETS = ("midsize-nation", "apertus-like", "rented-cloud", "compute-rich", "finetune-lean", "vanity-pilot")
VERDICTS = ("alive", "stale", "defunded", "starved", "hollowed", "vanity_pilot", "museum")
#: the real programmes each preset resembles (docs/cases.md and the preset files' headers)
RESEMBLES = {
    "midsize-nation": "Latam-GPT (Chile) and Sahabat-AI (Indonesia): a model continued from open weights on a few "
                      "hundred owned GPUs; PLLuM (Poland) continues open weights on public compute",
    "apertus-like": "Apertus (Switzerland) on Alps; ALIA (Spain), Minerva (Italy), LLM-jp (Japan), EuroLLM, "
                    "Teuken-7B (Germany), Poro (Finland): from scratch on an allocation of a national supercomputer",
    "rented-cloud": "SEA-LION (Singapore): trained on rented cloud GPUs",
    "compute-rich": "Korea's national GPU project, IndiaAI, Saudi Arabia's HUMAIN (calibration.md §5; none is a "
                    "case yet); Jais (UAE), trained on its parent group's Condor Galaxy machine, is the nearest "
                    "case",
    "finetune-lean": "Sahabat-AI (Indonesia) and SEA-LION's later releases, built on Llama and Gemma by small "
                     "teams",
    "vanity-pilot": "ALIA (Spain), GPT-SW3 (Sweden), GPT-NL (Netherlands), Latam-GPT (Chile): released, but no "
                    "production service by the last known fact",
}
DEFAULT_SEED = 7


def ci(values: Sequence[float]) -> str:
    return f"[{100 * values[0]:.1f}, {100 * values[1]:.1f}]"


def run_future(job: tuple[str, int, int]) -> dict[str, Any]:
    preset, seed, future = job
    return dict(sovsim.run(sovsim.load_scenario(preset), seed=seed, future=future).row)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.strip().splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="60 paired futures and 40 per preset")
    parser.add_argument("--out", type=Path, default=HERE / "results" / "presets")
    parser.add_argument("--workers", type=int, default=None)
    args, _ = parser.parse_known_args(argv)
    pairs_n, mix_n = (60, 40) if args.quick else (300, 200)
    args.out.mkdir(parents=True, exist_ok=True)
    rows = []
    for other in PAIRS:
        c = sovsim.compare("midsize-nation", other, futures=pairs_n, seed=DEFAULT_SEED, workers=args.workers).as_dict()
        for side, name in (("a", "midsize-nation"), ("b", other)):
            s = c[side]
            rows.append({"pair": f"midsize-nation vs {other}", "scenario": name, "futures": pairs_n,
                         "seed": DEFAULT_SEED, "p_alive_5y": s["p_alive_5y"], "p_alive_5y_low": s["p_alive_5y_ci"][0],
                         "p_alive_5y_high": s["p_alive_5y_ci"][1], "p_starved": s["verdicts"]["starved"],
                         "p_starved_low": s["verdicts_ci"]["starved"][0],
                         "p_starved_high": s["verdicts_ci"]["starved"][1],
                         "median_total_cost_usd": s["median_total_cost_usd"],
                         "median_total_cost_low": s["median_total_cost_usd_ci"][0],
                         "median_total_cost_high": s["median_total_cost_usd_ci"][1]})
        d = c["difference"]
        rows.append({"pair": f"midsize-nation vs {other}", "scenario": "difference (b − a, paired)",
                     "futures": pairs_n, "seed": DEFAULT_SEED, "p_alive_5y": d["p_alive_5y"],
                     "p_alive_5y_low": d["p_alive_5y_ci"][0], "p_alive_5y_high": d["p_alive_5y_ci"][1],
                     "p_starved": d["verdicts"]["starved"], "p_starved_low": d["verdicts_ci"]["starved"][0],
                     "p_starved_high": d["verdicts_ci"]["starved"][1],
                     "median_total_cost_usd": d.get("median_total_cost_usd", float("nan")),
                     "median_total_cost_low": (d.get("median_total_cost_usd_ci") or [float("nan")] * 2)[0],
                     "median_total_cost_high": (d.get("median_total_cost_usd_ci") or [float("nan")] * 2)[1]})
    pairs = pd.DataFrame(rows)
    pairs.to_csv(args.out / "pairs.csv", index=False)
    jobs = [(p, 0, i) for p in PRESETS for i in range(mix_n)]
    with ProcessPoolExecutor(max_workers=args.workers) as pool:
        futures = pd.DataFrame(list(pool.map(run_future, jobs, chunksize=8)))
    futures["preset"] = [p for p, _, _ in jobs]
    mix = []
    for preset in PRESETS:
        g = futures[futures["preset"] == preset]
        for verdict in VERDICTS:
            e = sovsim.stats.share((g["verdict"] == verdict).to_numpy())
            mix.append({"preset": preset, "verdict": verdict, "futures": len(g), "share": e.value,
                        "share_low": e.low, "share_high": e.high})
    mix_t = pd.DataFrame(mix)
    mix_t.to_csv(args.out / "verdict_mix.csv", index=False)

    lines = ["# The presets", "",
             f"`sovsim compare midsize-nation B --futures {pairs_n} --seed {DEFAULT_SEED}` for each alternative B "
             "(paired futures; 95% intervals: Wilson for the shares, bootstrap for the median cost and the paired "
             "differences):", "",
             "| pair | scenario | P(alive at 5 years) | P(starved) | median total cost, $M |", "|---|---|---|---|---|"]
    for _, r in pairs.iterrows():
        diff = r["scenario"].startswith("difference")
        unit = " pts" if diff else "%"
        cost = (f"{r['median_total_cost_usd'] / 1e6:+,.1f}" if diff else f"{r['median_total_cost_usd'] / 1e6:,.1f}")
        cost_ci = f"[{r['median_total_cost_low'] / 1e6:,.1f}, {r['median_total_cost_high'] / 1e6:,.1f}]"
        sign = "+" if diff else ""
        lines.append(f"| {r['pair']} | {r['scenario']} | {100 * r['p_alive_5y']:{sign}.1f}{unit} "
                     f"{ci((r['p_alive_5y_low'], r['p_alive_5y_high']))} | {100 * r['p_starved']:{sign}.1f}{unit} "
                     f"{ci((r['p_starved_low'], r['p_starved_high']))} | {cost} {cost_ci} |")
    lines += ["", f"How futures 0–{mix_n - 1} of seed 0 of each preset end (`python experiments/verdict_mix.py "
              f"PRESET --futures {mix_n}`), and the real programmes each resembles:", "",
              "| preset | resembles | verdict mix |", "|---|---|---|"]
    for preset in PRESETS:
        m = mix_t[(mix_t["preset"] == preset) & (mix_t["share"] >= 0.005)].sort_values("share", ascending=False)
        text = ", ".join(f"{v.replace('_', ' ')} {100 * s:.0f}%" for v, s in zip(m["verdict"], m["share"]))
        lines.append(f"| `{preset}` | {RESEMBLES[preset]} | {text} |")
    size = "quick" if args.quick else "full"
    lines += ["", f"*Size:* {size}. *Regenerate:* `python experiments/presets.py{' --quick' if args.quick else ''}`.",
              ""]
    (args.out / "summary.md").write_text("\n".join(lines), encoding="utf-8")
    print(f"wrote {args.out / 'summary.md'}")


if __name__ == "__main__":
    main()
