"""The ``cases``, ``hindcast`` and ``calibrate`` commands: parse options, call the library, print."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click
from rich.console import Console
from rich.table import Table

from sovsim.scenario.fields import ScenarioError

__all__ = ["register"]

_ENGINES = click.Choice(["local", "dask", "slurm"])


def _yes_no(value: Any) -> str:
    return "—" if value is None else ("yes" if value is True else "no" if value is False else f"{value:.2f}")


def _short(observed: Any, predicted: Any) -> str:
    obs = "—" if observed is None else ("y" if observed else "n")
    return f"{obs} {'—' if predicted is None else f'{predicted:.2f}'}"


def _cases_table(records: list[dict[str, Any]], title: str) -> Table:
    table = Table(title=title, caption="outcome columns: observed (y/n/— unknown) and simulated probability")
    for name in ("case", "months", "sim p10–p50–p90", "2nd<24m", "pivot", "prod.", "ended"):
        table.add_column(name, justify="left" if name == "case" else "right", no_wrap=True)
    for c in records:
        q = c["predicted"].get("first_release_months") or {}
        band = "–".join("∞" if q.get(k) is None else f"{q[k]:.0f}" for k in ("p10", "p50", "p90"))
        cells = [_short(c["observed"][o], c["predicted"].get(o))
                 for o in ("second_release_within_24m", "pivoted", "production_service", "ended")]
        obs = c["observed"]["first_release_months"]
        table.add_row(c["case"], "—" if obs is None else f"{obs:.0f}", band, *cells)
    return table


def _print_skill(console: Console, skill: dict[str, Any]) -> None:
    table = Table(title="skill (Brier: lower is better; base rate: leave-one-case-out share of the other cases)")
    for name in ("outcome", "cases", "Brier sovsim", "Brier base rate", "skill"):
        table.add_column(name, justify="left" if name == "outcome" else "right")
    for o, s in skill["brier"].items():
        table.add_row(o, str(s["n"]), *("—" if s[k] is None else f"{s[k]:.3f}" for k in ("model", "base_rate",
                                                                                            "skill")))
    console.print(table)
    cov, med = skill["coverage"], skill["first_release_months_median"]
    console.print(f"months to first release ({cov['n']} cases): inside the 50 % interval {cov['interval_50']}, "
                  f"inside the 80 % interval {cov['interval_80']}; median simulated {med['simulated']} vs "
                  f"observed {med['observed']}")


def register(main: click.Group, fail: Callable[[str], None]) -> None:
    """Add the three commands to the ``sovsim`` group."""

    @main.command("cases")
    @click.option("--json", "as_json", is_flag=True, help="Print exactly one JSON object.")
    @click.option("--markdown", is_flag=True, help="Print the cases document (docs/cases.md).")
    def cases_command(as_json: bool, markdown: bool) -> None:
        """List the real programme cases shipped with sovsim and what was observed."""
        from sovsim.hindcast.cases import load_cases
        from sovsim.hindcast.document import cases_markdown

        if markdown:
            click.echo(cases_markdown(), nl=False)
            return
        cases = load_cases()
        if as_json:
            click.echo(json.dumps({"cases": [{"case": c.id, "name": c.name, "country": c.country,
                                              "start_date": c.start_date.isoformat(),
                                              "cutoff_date": c.cutoff_date.isoformat(), "observed": c.observed}
                                             for c in cases]}))
            return
        table = Table(title=f"sovsim cases ({len(cases)} real programmes; observed by the cutoff, — unknown)")
        for name in ("case", "start", "cutoff", "1st release, months", "2nd<24m", "pivot", "prod.", "ended"):
            table.add_column(name, no_wrap=name in ("case", "start", "cutoff"))
        for c in cases:
            o = c.observed
            table.add_row(c.id, c.start_date.isoformat(), c.cutoff_date.isoformat(),
                          "—" if o["first_release_months"] is None else f"{o['first_release_months']:.0f}",
                          *(_yes_no(o[k]) for k in ("second_release_within_24m", "pivoted", "production_service",
                                                    "ended")))
        Console().print(table)

    @main.command("hindcast")
    @click.argument("case_ids", nargs=-1, metavar="[CASE ...]")
    @click.option("--futures", type=click.IntRange(min=1), default=100, show_default=True, help="Futures per case.")
    @click.option("--seed", type=click.IntRange(min=0), default=0, show_default=True, help="Base seed.")
    @click.option("--json", "as_json", is_flag=True, help="Print exactly one JSON object.")
    @click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=None,
                  help="Keep the futures there and write hindcast.html and hindcast.json.")
    @click.option("--ranges", "ranges_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
                  help="A ranges file (from `sovsim calibrate`) sampled on top of each case's unknowns.")
    @click.option("--workers", type=click.IntRange(min=1), default=None, help="Worker processes [default: cores].")
    @click.option("--engine", type=_ENGINES, default="local", show_default=True, help="Sweep engine.")
    def hindcast_command(case_ids: tuple[str, ...], futures: int, seed: int, as_json: bool, out: Path | None,
                         ranges_path: Path | None, workers: int | None, engine: str) -> None:
        """Run real programme cases from their start to their last known fact and compare with what happened."""
        from sovsim.hindcast.report import write_hindcast_report
        from sovsim.hindcast.run import hindcast, read_ranges

        err = Console(stderr=True)
        try:
            ranges = read_ranges(ranges_path) if ranges_path is not None else []
            result = hindcast(case_ids, futures=futures, seed=seed, out=out, ranges=ranges, workers=workers,
                              engine=engine, progress=None if as_json else lambda c: err.print(f"hindcast {c.id}"))
        except ScenarioError as exc:
            fail(str(exc))
            return
        if out is not None:
            write_hindcast_report(result, out)
        if as_json:
            click.echo(json.dumps(result, allow_nan=False))
            return
        console = Console()
        console.print(_cases_table(result["cases"], f"hindcast: observed / simulated ({futures} futures a case)"))
        _print_skill(console, result["skill"])
        if out is not None:
            console.print(f"report: {out / 'hindcast.html'}")

    @main.command("calibrate")
    @click.argument("case_ids", nargs=-1, metavar="[CASE ...]")
    @click.option("--futures", type=click.IntRange(min=10), default=120, show_default=True,
                  help="Futures (particles) per case.")
    @click.option("--candidates", type=click.IntRange(min=100), default=4000, show_default=True,
                  help="Emulated candidate parameter sets.")
    @click.option("--seed", type=click.IntRange(min=0), default=0, show_default=True, help="Base seed.")
    @click.option("--out", type=click.Path(file_okay=False, path_type=Path), required=True,
                  help="Folder for the futures, posterior.toml and calibration.html.")
    @click.option("--prior", "prior_texts", multiple=True, metavar="PATH=LOW,HIGH",
                  help="Calibrate this field over this prior range (repeatable; replaces the default set).")
    @click.option("--no-loo", is_flag=True, help="Skip the leave-one-case-out skill.")
    @click.option("--json", "as_json", is_flag=True, help="Print exactly one JSON object.")
    @click.option("--workers", type=click.IntRange(min=1), default=None, help="Worker processes [default: cores].")
    @click.option("--engine", type=_ENGINES, default="local", show_default=True, help="Sweep engine.")
    def calibrate_command(case_ids: tuple[str, ...], futures: int, candidates: int, seed: int, out: Path,
                          prior_texts: tuple[str, ...], no_loo: bool, as_json: bool, workers: int | None,
                          engine: str) -> None:
        """Calibrate the weakest assumptions on the cases (history matching, GP emulators); write ranges."""
        from sovsim.hindcast.calibrate import DEFAULT_PRIORS, calibrate, parse_prior, ranges_toml
        from sovsim.hindcast.report import write_calibration_report

        try:
            priors = [parse_prior(t) for t in prior_texts] or list(DEFAULT_PRIORS)
            result = calibrate(case_ids, priors=priors, futures_per_case=futures, seed=seed, candidates=candidates,
                               out=out, workers=workers, engine=engine, loo=not no_loo)
        except ScenarioError as exc:
            fail(str(exc))
            return
        (out / "posterior.toml").write_text(ranges_toml(result), encoding="utf-8")
        write_calibration_report(result, out)
        if as_json:
            click.echo(json.dumps(result, allow_nan=False))
            return
        console = Console()
        table = Table(title=f"calibrated ranges ({result['not_ruled_out']:.1%} of candidates not ruled out)")
        for name in ("field", "prior", "5 %", "median", "95 %"):
            table.add_column(name, justify="left" if name == "field" else "right")
        for r in result["posterior"]:
            table.add_row(r["path"], f"{r['prior'][0]:g} – {r['prior'][1]:g}", f"{r['low']:g}", f"{r['median']:g}",
                          f"{r['high']:g}")
        console.print(table)
        console.print("prior ranges:")
        _print_skill(console, result["prior_predictive"]["skill"])
        if "loo_posterior_predictive" in result:
            console.print("calibrated, leave-one-case-out:")
            _print_skill(console, result["loo_posterior_predictive"]["skill"])
        cost = result["cost"]
        console.print(f"cost: {cost['futures']} futures, {cost['minutes']} minutes; ranges: {out / 'posterior.toml'}")
