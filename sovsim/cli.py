"""The ``sovsim`` command: parses arguments and calls the library; no model logic lives here."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import click
import tomli_w
from rich.console import Console
from rich.markup import escape
from rich.table import Table

import sovsim
from sovsim.model.gpus import GPUS
from sovsim.scenario import DEFAULT_PRESET, ScenarioError, load_scenario, presets, to_dict
from sovsim.serving import ACCELERATORS, ServeError

__all__ = ["main"]

VERDICT_STYLE = {"alive": "bold green", "defunded": "bold red", "hollowed": "bold magenta", "stale": "bold yellow",
                 "starved": "bold cyan", "vanity_pilot": "bold blue", "museum": "bold bright_black"}


def _fail(message: str) -> None:
    Console(stderr=True, soft_wrap=True).print(f"[bold red]error:[/] {escape(message)}", highlight=False, markup=True)
    raise SystemExit(2)


def _scenario(source: str, sets: tuple[str, ...]) -> sovsim.Scenario:
    try:
        return load_scenario(source, list(sets))
    except ScenarioError as exc:
        _fail(str(exc))
        raise  # unreachable


allow_damaged_option = click.option("--allow-damaged", is_flag=True,
                                    help="Read a results directory that fails `sovsim sweep --verify` anyway.")
set_option = click.option("--set", "sets", multiple=True, metavar="PATH=VALUE",
                          help="Override a scenario field, e.g. staff.salary_premium=1.2 (repeatable).")


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(sovsim.__version__, prog_name="sovsim")
def main() -> None:
    """Simulate futures of a national AI model programme and see where and why it dies."""


@main.command("presets")
def presets_command() -> None:
    """List the scenario presets shipped with sovsim."""
    table = Table(title="sovsim presets", show_lines=False)
    table.add_column("preset", style="bold cyan")
    table.add_column("description")
    for name, description in presets().items():
        table.add_row(name + (" (default)" if name == DEFAULT_PRESET else ""), description)
    Console().print(table)


@main.command("compile")
@click.option("--status", "show_status", is_flag=True, help="Only say whether this process runs compiled.")
def compile_command(show_status: bool) -> None:
    """Compile the simulation core with mypyc (optional; about 1.7× faster futures, the same results).

    The build is kept in $SOVSIM_COMPILED_DIR (default ~/.cache/sovsim/compiled) under a hash of the sources and
    is used by every later sovsim process, workers included, until a source file changes. SOVSIM_COMPILED=0
    turns it off.
    """
    from sovsim import compiled

    console = Console()
    if show_status:
        console.print(f"simulation core: {compiled.status()}; builds in {compiled.cache_dir()}", highlight=False)
        return
    try:
        with console.status(f"compiling {len(compiled.MODULES)} modules with mypyc (one to three minutes)"):
            target = compiled.build()
    except compiled.CompileError as exc:
        _fail(str(exc))
    manifest = json.loads((target / compiled.MANIFEST).read_text(encoding="utf-8"))
    console.print(f"compiled {len(manifest['modules'])} modules into {target}; later sovsim processes use them "
                  "(SOVSIM_COMPILED=0 turns them off)", highlight=False)


@main.command("scenario")
@click.argument("source", default=DEFAULT_PRESET, metavar="[PRESET|FILE]")
@set_option
def scenario_command(source: str, sets: tuple[str, ...]) -> None:
    """Print the fully resolved scenario as TOML (after defaults and overrides)."""
    click.echo(tomli_w.dumps(to_dict(_scenario(source, sets))), nl=False)


@main.command("reference")
@click.argument("page", type=click.Choice(["scenario", "records"]), default="scenario")
def reference_command(page: str) -> None:
    """Print the generated reference page of scenario fields or of the records (Markdown)."""
    from sovsim.scenario.reference import records_reference, scenario_reference

    click.echo(scenario_reference() if page == "scenario" else records_reference(), nl=False)


@main.command("run")
@click.argument("source", default=DEFAULT_PRESET, metavar="[PRESET|FILE]")
@click.option("--seed", type=click.IntRange(0, 2**63 - 1), default=0, show_default=True, help="Base seed.")
@click.option("--future", type=click.IntRange(0, 2**63 - 1), default=0, show_default=True, help="Future index.")
@set_option
@click.option("--json", "as_json", is_flag=True, help="Print exactly one JSON object (the result row).")
@click.option("--timeline", "timeline_path", type=click.Path(dir_okay=False, path_type=Path),
              help="Write the monthly timeline to FILE.parquet or FILE.csv.")
def run_command(source: str, seed: int, future: int, sets: tuple[str, ...], as_json: bool,
                timeline_path: Path | None) -> None:
    """Simulate one future: a dated narrative of the key events, the verdict and its root cause."""
    if timeline_path is not None and timeline_path.suffix.lower() not in (".parquet", ".csv"):
        _fail(f"--timeline: unsupported file {str(timeline_path)!r}; allowed: a path ending in .parquet or .csv")
    scenario = _scenario(source, sets)
    result = sovsim.run(scenario, seed=seed, future=future)
    if timeline_path is not None:
        frame = result.timeline
        if timeline_path.suffix.lower() == ".csv":
            frame.to_csv(timeline_path, index=False)
        else:
            frame.to_parquet(timeline_path, index=False)
    if as_json:
        click.echo(json.dumps(_json_safe(result.row), allow_nan=False))
        return
    _narrate(result, seed, future, timeline_path, sets)


def _json_safe(row: dict[str, Any]) -> dict[str, Any]:
    return {k: (None if isinstance(v, float) and not math.isfinite(v) else v) for k, v in row.items()}


def _narrate(result: sovsim.FutureResult, seed: int, future: int, timeline_path: Path | None,
             sets: tuple[str, ...] = ()) -> None:
    console = Console(highlight=False)
    row = result.row
    console.rule(f"[bold]{escape(str(row['scenario']))}[/] · seed {seed} · future {future}")
    if sets:
        console.print("overrides: " + escape(", ".join(s.strip() for s in sets)), style="bold yellow")
    events = result.events
    story = Table.grid(padding=(0, 2))
    story.add_column(style="dim", no_wrap=True)
    story.add_column(style="cyan", no_wrap=True)
    story.add_column(overflow="fold")
    for event in events[events["key"]].itertuples():
        story.add_row(event.date, event.process, event.details)
    console.print(story)
    verdict = row["verdict"]
    style = VERDICT_STYLE.get(verdict, "bold")
    console.print()
    if verdict == "alive":
        console.print(f"Verdict: [{style}]ALIVE[/] at the {row['horizon_years']:g}-year horizon")
    else:
        console.print(f"Verdict: [{style}]{verdict.upper()}[/] on {row['death_date']} "
                      f"({row['death_time_years']:.2f} years)")
        when = f" ({row['root_event_date']})" if row["root_event_date"] else ""
        console.print(f"Root cause: {row['root_cause']}{when}")
    table = Table(title="Summary", show_header=False, box=None, pad_edge=False)
    table.add_column(style="bold")
    table.add_column(justify="right")
    gap, local_gap = row["mean_gap_months"], row["mean_open_gap_months"]
    for label, value in (
        ("releases", f"{row['releases']}"),
        ("mean months behind frontier", "—" if gap is None else f"{gap:.1f}"),
        ("mean months behind the alternative (local)", "—" if local_gap is None else f"{local_gap:+.1f}"),
        ("pivots / final strategy", f"{row['pivots']} / {row['final_strategy']}"
                                    + (" (base supply stopped)" if row["base_supply_stopped"] else "")),
        ("total cost", f"${row['total_cost_usd'] / 1e6:,.1f}M"),
        ("  capex / staff / consultants / energy",
         " / ".join(f"${row[k] / 1e6:,.1f}M"
                    for k in ("capex_usd", "staff_usd", "consultants_usd", "energy_cost_usd"))),
        ("  cloud rent / colocation", f"${row['cloud_usd'] / 1e6:,.1f}M / ${row['facility_usd'] / 1e6:,.1f}M"),
        ("requested / granted", f"${row['requested_usd'] / 1e6:,.1f}M / ${row['granted_usd'] / 1e6:,.1f}M"),
        ("appropriations received", f"${row['appropriations_usd'] / 1e6:,.1f}M"),
        ("final cash", f"${row['final_cash_usd'] / 1e6:,.1f}M"),
        ("hires / quits", f"{row['hires']} / {row['quits']}"),
        ("staff turnover", f"{row['staff_turnover']:.1%} a year"),
        ("training GPU-hours", f"{row['training_gpu_hours']:,.0f}"),
        ("interruptions / goodput", f"{row['interruptions']:,} / "
                                    + ("—" if row["goodput"] is None else f"{row['goodput']:.1%}")),
        ("orders / blocked", f"{row['orders']} / {row['orders_blocked']}"),
        ("months on sovereign compute", f"{row['sovereign_months']}"),
        ("years in production / tokens served", f"{row['years_in_production']:.1f} / {row['tokens_served']:,.3g}"),
        ("cost per M tokens / p95 latency", " / ".join(
            "—" if v is None else f"{prefix}{v:,.2f}{suffix}"
            for v, prefix, suffix in ((row["cost_per_mtok_usd"], "$", ""), (row["p95_latency_s"], "", " s")))),
        ("energy", f"{row['energy_mwh']:,.0f} MWh, {row['co2_t']:,.0f} t CO2e"),
    ):
        table.add_row(label, value)
    console.print()
    console.print(table)
    if timeline_path is not None:
        console.print(f"\nTimeline written to {timeline_path}")


@main.command("sweep")
@click.argument("spec_path", required=False, type=click.Path(dir_okay=False, path_type=Path), metavar="[SPEC]")
@click.option("--out", "out", type=click.Path(file_okay=False, path_type=Path), help="Results directory.")
@click.option("--resume", "resume_dir", type=click.Path(file_okay=False, path_type=Path),
              help="Continue the sweep in this results directory: only the missing shards run.")
@click.option("--workers", type=click.IntRange(min=1), default=None, help="Worker processes [default: cores].")
@click.option("--scenarios", type=click.IntRange(min=1), default=None,
              help="Override the spec's number of scenarios (for quick trials).")
@click.option("--quiet", is_flag=True, help="No progress bar.")
@click.option("--engine", type=click.Choice(["local", "dask", "slurm"]), default="local", show_default=True,
              help="Where shards run: a local process pool, a Dask cluster, or a Slurm job array submitted from "
                   "here and waited for (--workers: array tasks at once).")
@click.option("--scheduler", default=None, metavar="ADDRESS",
              help="With --engine dask: a running scheduler, e.g. tcp://127.0.0.1:8786 [default: a LocalCluster "
                   "of --workers processes].")
@click.option("--cluster", "cluster", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="With --engine dask: a TOML file with a [cluster] table; workers run as Slurm or PBS jobs.")
@click.option("--allow-large", is_flag=True,
              help="Run a sweep above 2,000,000 futures or 2 GiB of estimated design memory (refused otherwise).")
@click.option("--verify", "verify_dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Check every part of this results directory against its record and the manifest; report "
                   "each problem (exit 1 if any); runs nothing.")
def sweep_command(spec_path: Path | None, out: Path | None, resume_dir: Path | None, workers: int | None,
                  scenarios: int | None, quiet: bool, engine: str, scheduler: str | None, cluster: Path | None,
                  allow_large: bool, verify_dir: Path | None) -> None:
    """Run thousands of futures from a sweep spec into a results directory (resumable)."""
    from sovsim.sweep import LocalEngine, resume, sweep
    from sovsim.sweep.progress import SweepProgress

    if verify_dir is not None:
        if spec_path is not None or resume_dir is not None:
            _fail("--verify: given with a SPEC or --resume; allowed: --verify DIR alone")
        _verify(verify_dir)
        return
    if (resume_dir is None) == (spec_path is None):
        _fail("give a SPEC with --out DIR, or --resume DIR, or --verify DIR")
    if spec_path is not None and out is None:
        _fail("--out: missing; allowed: the results directory for this sweep")
    if engine != "dask" and (scheduler is not None or cluster is not None):
        _fail(f"{'--scheduler' if scheduler is not None else '--cluster'}: given with --engine {engine}; "
              "allowed: only with --engine dask")
    from sovsim.sweep.hygiene import Interrupted, stop_on_signals

    console = Console(stderr=True)
    options: dict[str, Any] = {"workers": workers, "engine": engine, "scheduler": scheduler, "cluster": cluster}
    try:
        with stop_on_signals(), SweepProgress(console, enabled=not quiet) as bar:
            if engine == "local" and not quiet:  # the bar moves per future, not per shard
                options.update(engine=LocalEngine(workers, on_future=bar.tick), workers=None)
            if resume_dir is not None:
                report = resume(resume_dir, progress=bar.update, start=bar.start, **options)
            else:
                assert spec_path is not None and out is not None
                report = sweep(spec_path, out, scenarios=scenarios, progress=bar.update, start=bar.start,
                               allow_large=allow_large, **options)
    except ScenarioError as exc:
        _fail(str(exc))
        return
    except (Interrupted, KeyboardInterrupt) as exc:
        import shlex

        status = exc.exit_status if isinstance(exc, Interrupted) else 130
        where = resume_dir if resume_dir is not None else out
        Console(stderr=True, soft_wrap=True, highlight=False).print(
            f"interrupted ({exc if isinstance(exc, Interrupted) else 'SIGINT'}): the workers are stopped and the "
            f"finished shards kept; resume with:\n  sovsim sweep --resume {shlex.quote(str(where))}", markup=False)
        raise SystemExit(status) from None
    _sweep_summary(Console(), report)


def _verify(root: Path) -> None:
    from sovsim.sweep.verify import shard_ranges, verify

    try:
        found = verify(root)
    except ScenarioError as exc:
        _fail(str(exc))
        return
    console = Console(highlight=False, soft_wrap=True)
    done_futures = found.futures - found.missing_futures
    console.print(f"{found.root}: {found.finished:,} of {found.shards:,} shards finished "
                  f"({done_futures:,} of {found.futures:,} futures); {found.errors:,} futures stored as errors")
    if found.missing:
        console.print(f"missing {len(found.missing):,} shards: {shard_ranges(found.missing)}")
    if found.damaged:
        console.print(f"damaged {len(found.damaged):,} shards (a resume deletes and runs them again): "
                      f"{shard_ranges(found.damaged)}")
    shown = [p for p in found.problems if p.kind != "missing"]
    for problem in shown[:200]:
        console.print(f"  {problem}", markup=False)
    if len(shown) > 200:
        console.print(f"  … and {len(shown) - 200:,} more problems")
    if any(p.kind == "stale" for p in found.problems):
        console.print("the manifest does not match its own spec: these parts cannot be trusted; run the sweep again "
                      "into a new --out directory")
        raise SystemExit(1)
    if not found.ok:
        console.print(f"run them: sovsim slurm --resume {found.root} --submit   or   "
                      f"sovsim sweep --resume {found.root}")
        raise SystemExit(1)
    console.print("complete")


@main.command("slurm")
@click.argument("spec_path", required=False, type=click.Path(dir_okay=False, path_type=Path), metavar="[SPEC]")
@click.option("--out", "out", type=click.Path(file_okay=False, path_type=Path), help="Results directory.")
@click.option("--resume", "resume_dir", type=click.Path(file_okay=False, path_type=Path),
              help="A new array over only the missing shards of this results directory.")
@click.option("--array", "array", type=int, default=None,
              help="Array tasks; each runs a range of shards [default with --resume: as the previous array].")
@click.option("--throttle", type=int, default=None, help="At most this many array tasks running at once.")
@click.option("--partition", default=None, help="Slurm partition [default: the cluster's default].")
@click.option("--time", "walltime", default=None, metavar="HH:MM:SS", help="Wall-time limit of each array task.")
@click.option("--cpus-per-task", type=int, default=1, show_default=True,
              help="Cores (worker processes) per array task.")
@click.option("--submit", is_flag=True, help="Submit the script with sbatch (else only write it).")
def slurm_command(spec_path: Path | None, out: Path | None, resume_dir: Path | None, array: int | None,
                  throttle: int | None, partition: str | None, walltime: str | None, cpus_per_task: int,
                  submit: bool) -> None:
    """Write (and --submit) a Slurm job array whose tasks each run a range of a sweep's shards."""
    from sovsim.sweep import slurm

    if (resume_dir is None) == (spec_path is None):
        _fail("give a SPEC with --out DIR and --array N, or --resume DIR")
    options: dict[str, Any] = {"throttle": throttle, "partition": partition, "time": walltime,
                               "cpus_per_task": cpus_per_task}
    try:
        if resume_dir is not None:
            if submit and (still := slurm.queued(resume_dir)):
                _fail(f"--resume: jobs {', '.join(still)} of {resume_dir} are still queued or running; allowed: "
                      "resume once they have ended (squeue), or scancel them first")
            job = slurm.prepare_resume(resume_dir, array, **options)
            if job is None:
                Console().print(f"{resume_dir}: no shard is missing; nothing to submit")
                return
        else:
            if out is None:
                _fail("--out: missing; allowed: the results directory for this sweep")
            if array is None:
                _fail("--array: missing; allowed: the number of array tasks, e.g. --array 100")
            assert spec_path is not None and out is not None and array is not None
            job = slurm.prepare(spec_path, out, array, **options)
        if submit:
            job = slurm.submit(job)
    except (ScenarioError, slurm.SlurmError) as exc:
        _fail(str(exc))
        return
    console = Console(highlight=False, soft_wrap=True)
    console.print(f"wrote {job.script}: {len(job.shards):,} shards in {job.tasks:,} array tasks "
                  f"(MaxArraySize {job.max_array_size:,})")
    if job.job_id is not None:
        console.print(f"submitted job array {job.job_id}; check: sovsim sweep --verify {job.root}")
    else:
        console.print(f"submit it: sbatch {job.script}")


@main.command("sweep-shards", hidden=True)
@click.argument("results", type=click.Path(file_okay=False, path_type=Path), metavar="DIR")
@click.option("--plan", type=click.Path(dir_okay=False, path_type=Path), required=True)
@click.option("--task", type=click.IntRange(min=0), required=True)
@click.option("--workers", type=click.IntRange(min=1), default=1, show_default=True)
def sweep_shards_command(results: Path, plan: Path, task: int, workers: int) -> None:
    """Run one array task's shards of a sweep (what the job array script of ``sovsim slurm`` calls)."""
    from sovsim.sweep.slurm import run_task
    from sovsim.sweep.verify import shard_ranges

    try:
        summaries, skipped = run_task(results, plan, task, workers)
    except ScenarioError as exc:
        _fail(str(exc))
        return
    ran = [s.shard for s in summaries]
    errors = sum(s.errors for s in summaries)
    click.echo(f"task {task}: ran {len(ran)} shards ({sum(s.futures for s in summaries)} futures, {errors} errors)"
               f"{': ' + shard_ranges(ran) if ran else ''}; {skipped} already written")


def _sweep_summary(console: Console, report: Any) -> None:
    done = report.futures_run
    console.print(f"[bold]{report.root}[/]: {report.futures:,} futures in {report.shards:,} shards; "
                  f"ran {report.shards_run:,} shards ({done:,} futures) in {report.wall_s:.1f} s"
                  + (f", {report.shards_skipped:,} already done" if report.shards_skipped else "")
                  + (f", removed {report.debris_removed} temporary files" if report.debris_removed else "")
                  + (f", deleted {report.rejected_removed} files the store check rejected (run again)"
                     if getattr(report, "rejected_removed", 0) else ""))
    if done:
        table = Table(title="verdicts of the futures run now")
        table.add_column("verdict")
        table.add_column("futures", justify="right")
        table.add_column("share", justify="right")
        for verdict, n in sorted(report.verdicts.items(), key=lambda kv: -kv[1]):
            table.add_row(verdict, f"{n:,}", f"{n / done:.1%}")
        console.print(table)
    console.print(f'Query it: sovsim query {report.root} "SELECT policy, verdict, count(*) FROM futures '
                  'GROUP BY ALL ORDER BY ALL"', soft_wrap=True)


@main.command("query")
@click.argument("results", type=click.Path(file_okay=False, path_type=Path), metavar="DIR")
@click.argument("sql")
@click.option("--csv", "as_csv", is_flag=True, help="Print CSV.")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array of row objects.")
@click.option("--columns", "columns", default=None, metavar="A,B,...",
              help="Show only these columns of the answer, in this order (comma-separated).")
@click.option("--limit", "limit", type=click.IntRange(min=0), default=None, help="Show at most this many rows.")
@allow_damaged_option
def query_command(results: Path, sql: str, as_csv: bool, as_json: bool, columns: str | None,
                  limit: int | None, allow_damaged: bool) -> None:
    """Run one read-only SQL statement (DuckDB) over a sweep's results: views `futures` and `timelines`.

    Quote column names with dots: "staff.attrition_per_year". Rows too wide for the terminal are shown one
    field a line.
    """
    import duckdb

    from sovsim.sweep import query

    try:
        frame = query(results, sql, allow_damaged=allow_damaged)
    except ScenarioError as exc:
        _fail(str(exc))
        return
    except duckdb.CatalogException as exc:
        _fail(_missing_table(results, sql) or f"SQL: {exc}")
        return
    except duckdb.Error as exc:
        _fail(f"SQL: {exc}")
        return
    if columns is not None:
        wanted = [c.strip() for c in columns.split(",") if c.strip()]
        unknown = [c for c in wanted if c not in frame.columns]
        if unknown or not wanted:
            _fail(f"--columns: unknown column {', '.join(unknown) or repr(columns)}; allowed: "
                  + ", ".join(map(str, frame.columns)))
        frame = frame[wanted]
    if limit is not None:
        frame = frame.head(limit)
    if as_csv:
        click.echo(frame.to_csv(index=False), nl=False)
    elif as_json:
        click.echo(frame.to_json(orient="records", date_format="iso"))
    else:
        from sovsim.terminal import humanize, print_table

        names = [str(c) for c in frame.columns]
        rows = [[humanize(v, name) for v, name in zip(row, names, strict=True)]
                for row in frame.itertuples(index=False)]
        right = [n for n in names if frame[n].dtype.kind in "iuf"]
        print_table(Console(highlight=False), names, rows, right=right,
                    caption=f"{len(frame):,} row{'s' if len(frame) != 1 else ''}")


def _missing_table(results: Path, sql: str) -> str | None:
    """A message for a query on the ``timelines`` table of a sweep that stored none (else None)."""
    import re

    if re.search(r"\btimelines\b", sql, re.IGNORECASE) and not any((results / "timelines").glob("part-*.parquet")):
        return (f"timelines: no monthly timelines are stored in {results} (its sweep ran with timelines = false); "
                "allowed: the futures table, or run the sweep again with timelines = true in the spec's [sweep] "
                "table")
    return None


@main.command("estimate")
@click.option("--gpu-hours", type=float, help="GPU-hours of the run.")
@click.option("--power-w", type=float, help="Power per GPU in watts [default with --gpu: its board power].")
@click.option("--pue", type=float, help="Power usage effectiveness [default: the scenario's, 1.25].")
@click.option("--server-overhead", type=float, help="Server power per GPU as a multiple of GPU power [default: the "
                                                    "scenario's, 1.82].")
@click.option("--carbon-g-per-kwh", type=float, help="Grid carbon intensity [default: the scenario's, 381].")
@click.option("--price-usd-per-kwh", type=float, help="Electricity price [default: the scenario's, 0.20].")
@click.option("--rent-usd-per-gpu-hour", type=float, help="Price of a GPU-hour for compute_cost_usd [default: the "
                                                          "scenario's contract price, 2.35].")
@click.option("--params", type=float, help="Model parameters, e.g. 70e9.")
@click.option("--tokens", type=float, help="Training tokens, e.g. 15e12.")
@click.option("--gpu", type=click.Choice(sorted(set(GPUS) | set(ACCELERATORS))), help="GPU type.")
@click.option("--gpus", type=int, help="GPUs in the run (with --serve: per replica) [default with --serve: the "
                                       "fewest that hold the weights].")
@click.option("--mfu", type=float, help="Model FLOPs utilisation, e.g. 0.35.")
@click.option("--failures", is_flag=True, help="Simulate interruptions (needs a model and cluster).")
@click.option("--failures-per-gpu-year", type=float, help="Interruption rate per GPU [default: 0.17].")
@click.option("--checkpoint-hours", type=float, help="Hours between checkpoints [default: 0, Young/Daly for the run].")
@click.option("--restart-minutes", type=float, help="Minutes to restart after a failure [default: 10].")
@click.option("--checkpoint-write-minutes", type=float, help="Minutes each checkpoint stalls the run [default: 0, "
                                                             "from its size and the storage bandwidth].")
@click.option("--runs", type=click.IntRange(min=1), default=200, show_default=True, help="Monte Carlo runs.")
@click.option("--seed", type=click.IntRange(0, 2**63 - 1), default=0, show_default=True)
@click.option("--serve", is_flag=True, help="Estimate serving one replica instead (needs --params and --gpu).")
@click.option("--concurrency", type=int, default=1, show_default=True, help="Streams served at once (--serve).")
@click.option("--input-tokens", type=float, default=1000.0, show_default=True, help="Prompt tokens (--serve).")
@click.option("--output-tokens", type=float, default=1000.0, show_default=True, help="Answer tokens (--serve).")
@click.option("--json", "as_json", is_flag=True, help="Print exactly one JSON object.")
def estimate_command(as_json: bool, serve: bool, concurrency: int, input_tokens: float, output_tokens: float,
                     **kwargs: Any) -> None:
    """Energy, carbon and cost of a training run, or with --serve latency and throughput of a serving replica."""
    from sovsim.accounting import EstimateError, estimate, serve_estimate

    try:
        if serve:
            result = serve_estimate(kwargs, concurrency, input_tokens, output_tokens)
        else:
            result = estimate(**kwargs)
    except (EstimateError, ServeError) as exc:
        _fail(str(exc))
        return
    if as_json:
        click.echo(json.dumps(result, allow_nan=False))
        return
    from sovsim.terminal import humanize, print_table

    print_table(Console(highlight=False), ["quantity", "value"],
                [[key, humanize(value, key)] for key, value in result.items()],
                title="serving estimate" if serve else "training-run estimate",
                caption="--json prints the exact values", right=["value"])


@main.command("validate")
def validate_command() -> None:
    """Recompute the published tables shipped with sovsim; exit 1 if any figure is off its tolerance."""
    from sovsim.accounting import validation_report
    from sovsim.terminal import exact, print_table

    rows = validation_report()
    columns = ["table", "case", "published", "computed", "error (%)", "tolerance (%)", "ok"]
    cells = [[r.table, r.case, exact(r.published), exact(r.computed), f"{100 * r.error:.2g}",
              f"{100 * r.tolerance:.2g}", "yes" if r.ok else "NO"] for r in rows]
    print_table(Console(highlight=False), columns, cells, title="sovsim validate: published vs computed",
                caption="error and tolerance: relative to the published figure, in percent",
                right=columns[2:6])
    failed = [r for r in rows if not r.ok]
    if failed:
        Console(stderr=True).print(f"[bold red]{len(failed)} figure(s) off their tolerance[/]")
        raise SystemExit(1)


@main.command("analyze")
@click.argument("results", type=click.Path(file_okay=False, path_type=Path), metavar="DIR")
@click.option("--out", "out", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Report directory for report.html and the plots [default: DIR/report].")
@click.option("--outcome", "outcome", default=None, metavar="EXPR",
              help="The outcome of interest: a boolean expression over the futures columns; quote a name "
                   "with dots as in query (\"staff.attrition_per_year\" > 0.15) "
                   "[default: \"verdict != 'alive' and death_time_years < 5\"].")
@allow_damaged_option
def analyze_command(results: Path, out: Path | None, outcome: str | None, allow_damaged: bool) -> None:
    """Analyse a sweep: survival, causes of death, scenario discovery (PRIM, CART), sensitivity, HTML report."""
    from sovsim.analysis import AnalysisError
    from sovsim.analysis.tables import render

    try:
        result = sovsim.analyze(results, outcome=outcome, out=out if out is not None else results / "report",
                                allow_damaged=allow_damaged)
    except AnalysisError as exc:
        _fail(str(exc))
        return
    render(result, Console())


@main.command("compare")
@click.argument("a", metavar="A")
@click.argument("b", metavar="B")
@click.option("--futures", type=click.IntRange(min=1), default=200, show_default=True,
              help="Futures of each scenario (the same indices for both).")
@click.option("--seed", type=click.IntRange(0, 2**63 - 1), default=0, show_default=True, help="Base seed of both.")
@click.option("--set-a", "set_a", multiple=True, metavar="PATH=VALUE", help="Override a field of A (repeatable).")
@click.option("--set-b", "set_b", multiple=True, metavar="PATH=VALUE", help="Override a field of B (repeatable).")
@click.option("--workers", type=click.IntRange(min=1), default=None, help="Worker processes [default: cores].")
@click.option("--json", "as_json", is_flag=True, help="Print exactly one JSON object {a, b, difference}.")
@click.option("--quiet", is_flag=True, help="No progress bar.")
def compare_command(a: str, b: str, futures: int, seed: int, set_a: tuple[str, ...], set_b: tuple[str, ...],
                    workers: int | None, as_json: bool, quiet: bool) -> None:
    """Two scenarios (presets or TOML files) on the same futures: survival, verdicts, cost and B − A, paired."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    from sovsim.comparison import compare

    for label, option, source, sets in (("A", "--set-a", a, set_a), ("B", "--set-b", b, set_b)):
        for where, overrides in ((label, ()), (option, sets)):
            try:
                load_scenario(source, list(overrides))
            except ScenarioError as exc:
                _fail(f"{where}: {str(exc).removeprefix('--set: ')}")
    bar = Progress(TextColumn("[bold]compare"), BarColumn(), MofNCompleteColumn(), TextColumn("futures"),
                   TextColumn("ETA"), TimeRemainingColumn(), console=Console(stderr=True), disable=quiet)
    with bar:
        task = bar.add_task("compare", total=futures)
        result = compare(a, b, futures=futures, seed=seed, set_a=list(set_a), set_b=list(set_b), workers=workers,
                         progress=lambda done, total: bar.update(task, completed=done))
    if as_json:
        click.echo(json.dumps(result.as_dict(), allow_nan=False))
        return
    _comparison_table(result)


def _comparison_table(result: Any) -> None:
    from sovsim.comparison import ALIVE_AT_YEARS
    from sovsim.model.records import VERDICTS

    a, b, d = result.a, result.b, result.difference

    def share(s: dict[str, Any], key: str) -> str:
        value, (low, high) = s[key], s[f"{key}_ci"]
        if value is None or math.isnan(value):
            return "beyond horizon"
        return f"{value:.1%} [{100 * low:.1f}, {100 * high:.1f}]"

    def points(key: str) -> str:
        value, (low, high) = d[key], d[f"{key}_ci"]
        if value is None or math.isnan(value):
            return "beyond horizon"
        return f"{100 * value:+.1f} pts [{100 * low:+.1f}, {100 * high:+.1f}]"

    def number(s: dict[str, Any], key: str, scale: float, fmt: str, signed: bool = False) -> str:
        value, (low, high) = s[key], s[f"{key}_ci"]
        if value is None or math.isnan(value):
            return "—"
        sign = "+" if signed else ""
        return f"{value / scale:{sign}{fmt}} [{low / scale:{sign}{fmt}}, {high / scale:{sign}{fmt}}]"

    from sovsim.terminal import print_table

    title = (f"{a['scenario']} (A) vs {b['scenario']} (B): {a['futures']:,} paired futures, seed {a['seed']}, "
             "95% intervals")
    columns = ["", f"A: {a['scenario']}", f"B: {b['scenario']}", "B − A (paired)"]
    rows: list[list[str]] = []
    for years in ALIVE_AT_YEARS:
        key = f"p_alive_{years}y"
        rows.append([f"P(alive) at {years} year{'s' if years > 1 else ''}", share(a, key), share(b, key),
                     points(key)])
    for verdict in VERDICTS:
        row = [f"{s['verdicts'][verdict]:.1%} [{100 * s['verdicts_ci'][verdict][0]:.1f}, "
               f"{100 * s['verdicts_ci'][verdict][1]:.1f}]" for s in (a, b)]
        low, high = d["verdicts_ci"][verdict]
        rows.append([f"  {verdict}", *row, f"{100 * d['verdicts'][verdict]:+.1f} pts [{100 * low:+.1f}, "
                                         f"{100 * high:+.1f}]"])
    rows.append(["pivoted (≥ 1 change of strategy)", share(a, "pivoted"), share(b, "pivoted"), points("pivoted")])
    rows.append(["stale or pivoted", share(a, "stale_or_pivoted"), share(b, "stale_or_pivoted"),
                 points("stale_or_pivoted")])
    key = "median_death_years_among_dead"
    rows.append(["median death, years (among the dead)", *(number(s, key, 1.0, ".2f") + f" ({s['deaths']:,} died)"
                                                          for s in (a, b)), number(d, key, 1.0, ".2f", True)])
    key = "median_total_cost_usd"
    rows.append(["median total cost, $M", number(a, key, 1e6, ",.1f"), number(b, key, 1e6, ",.1f"),
                 number(d, key, 1e6, ",.1f", True)])
    key = "mean_tokens_served"
    rows.append(["mean tokens served, trillions", number(a, key, 1e12, ",.2f"), number(b, key, 1e12, ",.2f"),
                 number(d, key, 1e12, ",.2f", True)])
    print_table(Console(highlight=False), columns, rows, title=title, right=columns[1:])


# Real programme cases: `sovsim cases`, `sovsim hindcast`, `sovsim calibrate` (sovsim.hindcast.commands)
from sovsim.hindcast.commands import register as _register_hindcast  # noqa: E402

_register_hindcast(main, _fail)
