"""Shared helpers of the experiment scripts: the command line, running a spec, intervals, figures, summaries.

An analyst's helper file: it uses sovsim's public API only (``sovsim.sweep``, ``sovsim.load_results``,
``sovsim.stats``). Every script ``experiments/qN_*.py`` runs one or more sweep specs (``qN_*.toml`` beside
it) and writes to its output directory (default ``experiments/results/qN/``):

- ``summary.md``: the answer in two or three sentences with numbers and intervals, the futures and the seed;
- ``summary.json``: the same facts as data (the key number, for the README and the caveat runs);
- the tables behind the answer (CSV) and the figures (PNG and SVG).

The raw sweeps go under ``DIR/sweeps/`` (Parquet, not published). Running a script again continues a
matching sweep there (nothing to redo) and starts afresh when the spec or the size changed, or with
``--fresh`` (after a change to the model, which the manifest cannot see).
"""

from __future__ import annotations

import argparse
import json
import math
import shutil
import sys
import time
import tomllib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import matplotlib
import numpy as np
import pandas as pd

import sovsim

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402 - after choosing the headless backend

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results"
SIZES = ("tiny", "quick", "full")
COLORS = {"scratch": "#c0392b", "continue": "#2471a3", "finetune": "#229954", "own": "#2471a3",
          "rent": "#c0392b", "sovereign_cloud": "#229954", "hybrid": "#8e44ad"}


# -- command line --------------------------------------------------------------------------------------

def parse_args(question: int, doc: str, argv: Sequence[str] | None = None) -> argparse.Namespace:
    """The common options of every experiment script; the output folder is created."""
    parser = argparse.ArgumentParser(description=doc.strip().splitlines()[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true",
                        help="a smaller run (about a tenth of the published size); the default is the published one")
    parser.add_argument("--out", type=Path, default=RESULTS / f"q{question}",
                        help=f"output directory (default experiments/results/q{question}/)")
    parser.add_argument("--engine", default="local", choices=("local", "dask", "slurm"),
                        help="where the shards run: local (a process pool, default), dask (a LocalCluster, or "
                             "--scheduler / --cluster) or slurm (a job array submitted from here and waited for; "
                             "--workers: array tasks at once)")
    parser.add_argument("--scheduler", default=None, help="dask: address of a running scheduler")
    parser.add_argument("--cluster", default=None, help="dask: a Slurm/PBS cluster configuration file")
    parser.add_argument("--workers", type=int, default=None, help="worker processes (default: all cores)")
    parser.add_argument("--seed", type=int, default=None, help="base seed (default: the spec's)")
    parser.add_argument("--set", dest="sets", action="append", default=[], metavar="PATH=VALUE",
                        help="fix a scenario field in every future (an uncertainty on that field is dropped); "
                             "repeatable; used by caveats.py")
    parser.add_argument("--scenarios", type=int, default=None,
                        help="sampled scenarios per spec, overriding the size (tests use a tiny number)")
    parser.add_argument("--tiny", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--fresh", action="store_true",
                        help="delete this script's earlier sweeps first (after a change to the model; by default a "
                             "matching sweep in DIR/sweeps/ is continued, which redoes nothing)")
    parser.add_argument("--quiet", action="store_true", help="no progress lines")
    args = parser.parse_args(argv)
    args.size = ("tiny" if args.tiny else "quick" if args.quick else "full") if args.scenarios is None else "custom"
    args.question = question
    args.out.mkdir(parents=True, exist_ok=True)
    return args


def parse_sets(sets: Iterable[str]) -> dict[str, Any]:
    """``PATH=VALUE`` strings to a dict; values are read as TOML (numbers, booleans, quoted strings), else text."""
    out: dict[str, Any] = {}
    for item in sets:
        path, sep, text = item.partition("=")
        if not sep or not path:
            raise SystemExit(f"--set: {item!r} is not PATH=VALUE")
        try:
            value = tomllib.loads(f"v = {text}")["v"]
        except tomllib.TOMLDecodeError:
            value = text
        out[path.strip()] = value
    return out


# -- specs and sweeps ----------------------------------------------------------------------------------

@dataclass
class Run:
    """One spec run by a script: its futures (ok rows only), and how it was made."""

    name: str
    spec: Any
    futures: pd.DataFrame
    directory: Path
    wall_s: float
    errors: int
    timelines: pd.DataFrame | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def seed(self) -> int:
        return int(self.spec.seed)

    @property
    def scenarios(self) -> int:
        return int(self.spec.scenarios)


def load_spec(name: str, args: argparse.Namespace, sizes: dict[str, int]) -> Any:
    """The spec ``experiments/<name>.toml`` at the size asked for, with ``--seed`` and ``--set`` applied.

    ``[sweep] ranges = "calibrated_ranges.toml"`` adds the ranges calibrated on the real programme cases (the
    hindcast's posterior) as uncertainties, except where the spec samples the same field itself.
    """
    path = HERE / f"{name}.toml"
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    ranges = data["sweep"].pop("ranges", None)
    if ranges is not None:  # the calibrated ranges of the hindcast; the spec's own uncertainties win
        extra = tomllib.loads((HERE / ranges).read_text(encoding="utf-8")).get("uncertainties", [])
        own = {u["path"] for u in data.get("uncertainties", [])}
        data["uncertainties"] = list(data.get("uncertainties", [])) + [u for u in extra if u["path"] not in own]
    data["sweep"].setdefault("name", name)
    data["sweep"]["scenarios"] = args.scenarios if args.scenarios is not None else sizes[args.size]
    if args.seed is not None:
        data["sweep"]["seed"] = args.seed
    fixed = parse_sets(args.sets)
    if fixed:
        data["sweep"].setdefault("set", {}).update(fixed)
        data["uncertainties"] = [u for u in data.get("uncertainties", []) if u["path"] not in fixed]
    return sovsim.sweep.spec_from_dict(data)


def _engine_options(args: argparse.Namespace) -> dict[str, Any]:
    """The engine keywords of ``sovsim.sweep``: workers for the local pool, scheduler/cluster for Dask."""
    options: dict[str, Any] = {"engine": args.engine}
    if args.workers is not None:
        options["workers"] = args.workers
    if args.engine == "dask":
        options.update({k: v for k, v in (("scheduler", args.scheduler), ("cluster", args.cluster)) if v})
    return options


def run_spec(name: str, args: argparse.Namespace, sizes: dict[str, int], *, timelines: bool = False) -> Run:
    """Run (or continue) the spec into ``DIR/sweeps/<name>/`` and load its futures (and timelines)."""
    spec = load_spec(name, args, sizes)
    directory = args.out / "sweeps" / name
    manifest = directory / "manifest.json"
    if args.fresh and directory.exists():
        shutil.rmtree(directory)
    if manifest.is_file():
        found = json.loads(manifest.read_text(encoding="utf-8"))
        if found.get("spec_hash") != spec.hash or found.get("sovsim_version") != sovsim.__version__:
            shutil.rmtree(directory)
    elif directory.exists():
        shutil.rmtree(directory)
    directory.parent.mkdir(parents=True, exist_ok=True)
    total = [0]

    def start(futures: int, done: int) -> None:
        total[0] = futures
        if not args.quiet:
            print(f"{name}: {futures:,} futures ({done:,} already done), seed {spec.seed}", flush=True)

    step = [0.0]

    def progress(summary: Any, report: Any) -> None:
        done = report.futures_run
        if not args.quiet and total[0] and done / total[0] >= step[0] + 0.25:
            step[0] = math.floor(done / total[0] * 4) / 4
            print(f"  {name}: {done:,} run", flush=True)

    began = time.perf_counter()
    sovsim.sweep(spec, directory, progress=progress, start=start, **_engine_options(args))
    wall = time.perf_counter() - began
    frame = sovsim.load_results(directory)
    errors = int((frame["status"] != "ok").sum())
    if errors:
        first = frame.loc[frame["status"] != "ok", "error"].iloc[0]
        raise SystemExit(f"{name}: {errors} of {len(frame)} futures raised, so no answer is written (the sweep is "
                         f"kept in {directory}; rerun with --fresh once fixed). The first:\n{first}")
    ok = frame[frame["status"] == "ok"].reset_index(drop=True)
    tl = sovsim.load_results(directory, "timelines") if timelines else None
    return Run(name, spec, ok, directory, wall, errors, tl)


# -- numbers -------------------------------------------------------------------------------------------

def share(flags: Any) -> Any:
    """A share of futures with its Wilson 95% interval (``sovsim.stats.share``)."""
    return sovsim.stats.share(np.asarray(flags, dtype=bool))


def pct(estimate: Any, digits: int = 0) -> str:
    """``42% (95% CI 37–47%)``."""
    f = f"{{:.{digits}f}}"
    return (f"{f.format(100 * estimate.value)}% (95% CI {f.format(100 * estimate.low)}–"
            f"{f.format(100 * estimate.high)}%)")


def num(estimate: Any, digits: int = 1, unit: str = "") -> str:
    """``4.2 (95% CI 3.9–4.6)`` with an optional unit after the value and the interval."""
    f = f"{{:,.{digits}f}}"
    return (f"{f.format(estimate.value)}{unit} (95% CI {f.format(estimate.low)}–{f.format(estimate.high)}{unit})")


def estimate_row(estimate: Any, prefix: str) -> dict[str, float]:
    """``{prefix: value, prefix_low: low, prefix_high: high}`` for a table."""
    return {prefix: estimate.value, f"{prefix}_low": estimate.low, f"{prefix}_high": estimate.high}


def pct_of(row: Any, column: str, digits: int = 0) -> str:
    """:func:`pct` of a table row holding ``column``, ``column_low`` and ``column_high``."""
    return pct(sovsim.stats.Estimate(float(row[column]), float(row[f"{column}_low"]),
                                     float(row[f"{column}_high"]), 0), digits)


def key_of(name: str, row: Any, column: str, unit: str = "share") -> dict[str, Any]:
    """The key number of a summary: ``column`` of a table row with its ``_low`` and ``_high`` bounds."""
    return {"name": name, "value": float(row[column]), "low": float(row[f"{column}_low"]),
            "high": float(row[f"{column}_high"]), "unit": unit}


def num_of(row: Any, column: str, digits: int = 1, unit: str = "") -> str:
    """:func:`num` of a table row holding ``column``, ``column_low`` and ``column_high``."""
    return num(sovsim.stats.Estimate(float(row[column]), float(row[f"{column}_low"]),
                                     float(row[f"{column}_high"]), 0), digits, unit)


def money(usd: float) -> str:
    """``$1.2B``, ``$45M`` or ``$340k``."""
    if abs(usd) >= 1e9:
        return f"${usd / 1e9:,.1f}B"
    if abs(usd) >= 1e6:
        return f"${usd / 1e6:,.1f}M" if abs(usd) < 1e8 else f"${usd / 1e6:,.0f}M"
    return f"${usd / 1e3:,.0f}k"


def policy_values(frame: pd.DataFrame, path: str) -> pd.Series:
    """The value of lever ``path`` in each row's policy name (``name|path=value|...``), as float when possible."""
    prefix = f"{path}="

    def pick(name: str) -> Any:
        for part in name.split("|"):
            if part.startswith(prefix):
                text = part[len(prefix):]
                try:
                    return float(text)
                except ValueError:
                    return text
        return None

    return frame["policy"].map(pick)


def policy_base(frame: pd.DataFrame) -> pd.Series:
    """The named policy of each row (before the lever values)."""
    return frame["policy"].str.split("|").str[0]


# -- figures -------------------------------------------------------------------------------------------

def figure(width: float = 7.5, height: float = 4.5, ncols: int = 1) -> tuple[Any, Any]:
    """A figure with ``ncols`` panels side by side; the axes come as a 1 × ncols array."""
    plt.rcParams.update({"font.size": 10, "axes.titlesize": 11, "axes.grid": True, "grid.alpha": 0.3})
    return plt.subplots(1, ncols, figsize=(width, height), squeeze=False)


def save_figure(fig: Any, out: Path, stem: str, note: str) -> list[Path]:
    """Write ``stem.png`` and ``stem.svg`` with ``note`` (futures and seed) in the corner; return the paths."""
    fig.text(0.995, 0.005, note, ha="right", va="bottom", fontsize=7, color="#555555")
    fig.tight_layout(rect=(0, 0.03, 1, 1))
    paths = [out / f"{stem}.png", out / f"{stem}.svg"]
    fig.savefig(paths[0], dpi=130)
    fig.savefig(paths[1])
    plt.close(fig)
    return paths


def band(ax: Any, x: Any, table: pd.DataFrame, column: str, label: str, color: str | None = None,
         scale: float = 100.0, marker: str = "o") -> None:
    """A line of ``column`` with its ``_low``/``_high`` interval as a shaded band."""
    line = ax.plot(x, table[column] * scale, marker=marker, ms=4, label=label, color=color)[0]
    ax.fill_between(x, table[f"{column}_low"] * scale, table[f"{column}_high"] * scale, alpha=0.2,
                    color=line.get_color(), linewidth=0)


# -- summaries -----------------------------------------------------------------------------------------

def describe_runs(runs: Sequence[Run], args: argparse.Namespace) -> str:
    """``6,300 futures (300 scenarios × 21 policies of q1_snapshot.toml), seed 20270101``."""
    parts = []
    for r in runs:
        policies = len(r.spec.policies)
        parts.append(f"{len(r.futures):,} futures ({r.scenarios:,} sampled scenarios × {policies} "
                     f"polic{'y' if policies == 1 else 'ies'} of `{r.name}.toml`, seed {r.seed})")
    text = "; ".join(parts)
    if args.sets:
        text += "; fixed: " + ", ".join(f"`{s}`" for s in args.sets)
    return text


def write_summary(args: argparse.Namespace, *, title: str, answer: str, runs: Sequence[Run],
                  details: Sequence[str] = (), figures: Sequence[str] = (), tables: Sequence[str] = (),
                  key: dict[str, Any] | None = None, facts: dict[str, Any] | None = None) -> Path:
    """Write ``summary.md`` and ``summary.json`` in ``args.out``; return the Markdown path."""
    out: Path = args.out
    futures = sum(len(r.futures) for r in runs)
    seeds = sorted({r.seed for r in runs})
    command = f"python experiments/{Path(sys.argv[0]).name}" + (" --quick" if args.size == "quick" else "")
    command += f" --scenarios {args.scenarios}" if args.scenarios is not None else ""
    command += "".join(f" --set {s}" for s in args.sets)
    lines = [f"# Q{args.question}. {title}", "", answer.strip(), "",
             f"*Futures:* {describe_runs(runs, args)}. *Size:* {args.size}. *Regenerate:* `{command}`.", ""]
    if details:
        lines += ["What drives it:", ""] + [f"- {d}" for d in details] + [""]
    notes = [n for r in runs for n in r.notes]
    if notes:
        lines += ["Notes: " + "; ".join(notes) + ".", ""]
    for name in figures:
        lines += [f"![{title}]({name}.png)", ""]
    if tables:
        lines += ["Tables: " + ", ".join(f"[`{t}`]({t})" for t in tables) + ".", ""]
    path = out / "summary.md"
    path.write_text("\n".join(lines).rstrip() + "\n", encoding="utf-8")
    data = {"question": args.question, "title": title, "answer": answer.strip(), "futures": futures,
            "seeds": seeds, "size": args.size, "sets": list(args.sets), "key": key or {}, "facts": facts or {},
            "figures": list(figures), "tables": list(tables),
            "wall_s": round(sum(r.wall_s for r in runs), 1)}
    (out / "summary.json").write_text(json.dumps(data, indent=2, default=float) + "\n", encoding="utf-8")
    if not args.quiet:
        print(path.read_text(encoding="utf-8"))
    return path



# -- outcomes shared by several questions ----------------------------------------------------------------

def alive_at(frame: pd.DataFrame, years: float) -> pd.Series:
    """Whether each future's programme is still alive ``years`` after its start (museums count as dead)."""
    death = pd.to_numeric(frame["death_time_years"], errors="coerce")
    return death.isna() | (death > years)


def current_at(frame: pd.DataFrame, years: float, gap_months: float = 6.0) -> pd.Series:
    """Alive at ``years`` and, on average over its life, at most ``gap_months`` of frontier progress behind the
    free alternative in the country's languages (``mean_open_gap_months``; a future with no model is not current)."""
    gap = pd.to_numeric(frame["mean_open_gap_months"], errors="coerce")
    return alive_at(frame, years) & gap.notna() & (gap <= gap_months)


def paired(futures: pd.DataFrame, column: str, a: Any, b: Any, outcome: pd.Series,
           by: str = "scenario_index") -> Any:
    """Mean of ``outcome`` where ``column == b`` minus where ``column == a``, paired over the same ``by``."""
    def side(value: Any) -> pd.Series:
        mask = futures[column] == value
        return outcome[mask].astype(float).set_axis(futures.loc[mask, by]).groupby(level=0).mean()
    left, right = side(a), side(b)
    index = left.index.intersection(right.index)
    return sovsim.stats.paired_difference(left[index].to_numpy(), right[index].to_numpy(), seed=2)


def points(estimate: Any) -> str:
    """``+8.8 points (paired 95% CI +5.6 to +12.4)`` of a difference of shares."""
    return (f"{100 * estimate.value:+.1f} points (paired 95% CI {100 * estimate.low:+.1f} to "
            f"{100 * estimate.high:+.1f})")
