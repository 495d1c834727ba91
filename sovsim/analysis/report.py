"""The self-contained HTML report of an analysis, and its plots as PNG and SVG beside it.

One file holds the plots (embedded), the tables, and the sweep's spec and manifest.

The page needs nothing from outside: no scripts, fonts, styles or images from any address.
"""

from __future__ import annotations

import base64
import datetime as dt
import html
import json
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from sovsim._version import __version__
from sovsim.analysis import findings, tables

if TYPE_CHECKING:
    from sovsim.analysis.result import AnalysisResult

__all__ = ["write_report", "render_html", "REPORT"]

REPORT = "report.html"

_CSS = """
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #1d2330; margin: 0;
       background: #f6f7f9; }
main { max-width: 1100px; margin: 0 auto; padding: 24px 28px 60px; background: #fff; }
h1 { font-size: 26px; margin: 0 0 4px; } h2 { font-size: 20px; margin: 36px 0 8px; border-bottom: 2px solid #e3e6ec;
  padding-bottom: 4px; } h3 { font-size: 15px; margin: 20px 0 6px; }
.lead { color: #4a5468; margin: 0 0 14px; } .note { background: #fff8e1; border-left: 4px solid #f0b400;
  padding: 6px 10px; margin: 8px 0; }
table { border-collapse: collapse; margin: 8px 0 14px; font-size: 13px; }
th, td { border-bottom: 1px solid #e3e6ec; padding: 4px 10px; text-align: left; vertical-align: top; }
th { background: #f0f2f6; font-weight: 600; } td.num { text-align: right; font-variant-numeric: tabular-nums; }
figure { margin: 12px 0 18px; } figure img { max-width: 100%; height: auto; border: 1px solid #eceef2; }
figcaption { color: #5b6478; font-size: 12px; } pre { background: #f4f5f8; padding: 10px; overflow-x: auto;
  font-size: 12px; } details { margin: 8px 0; } summary { cursor: pointer; color: #2a4d8f; }
dl.facts { display: grid; grid-template-columns: max-content auto; gap: 2px 14px; margin: 10px 0; }
dl.facts dt { color: #5b6478; } dl.facts dd { margin: 0; }
#findings h2 { margin-top: 18px; } ul.findings { margin: 6px 0 10px; padding-left: 20px; }
ul.findings li { margin: 3px 0; }
"""


def _table(frame: pd.DataFrame, caption: str | None = None) -> str:
    if frame.empty:
        return "<p class='lead'>(nothing to show)</p>"
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in frame.columns)
    body = []
    for row in frame.itertuples(index=False):
        cells = []
        for value in row:
            text = "" if value is None else str(value)
            numeric = text.replace(",", "").replace("%", "").replace(".", "", 1).lstrip("-").isdigit()
            cells.append(f"<td{' class=num' if numeric else ''}>{html.escape(text)}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    cap = f"<caption>{html.escape(caption)}</caption>" if caption else ""
    return f"<table>{cap}<thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def _figure(name: str, png: Path | None, alt: str, caption: str) -> str:
    if png is None:
        return ""
    data = base64.b64encode(png.read_bytes()).decode("ascii")
    return (f"<figure id='plot-{name}'><img src='data:image/png;base64,{data}' alt='{html.escape(alt)}'>"
            f"<figcaption>{html.escape(caption)} Also written as {name}.png and {name}.svg.</figcaption></figure>")


def _trajectory(result: AnalysisResult) -> pd.DataFrame:
    assert result.prim is not None
    frame = result.prim.trajectory
    return pd.DataFrame({"box": frame["id"], "coverage": frame["coverage"].map(tables.percent),
                         "density": frame["density"].map(tables.percent), "mass": frame["mass"].map(tables.percent),
                         "restricted": frame["res_dim"],
                         "largest quasi-p": frame.get("max_qp", pd.Series(dtype=float)).map(
                             lambda v: "—" if pd.isna(v) else f"{v:.2g}")})


def spec_toml(spec: Mapping[str, Any]) -> str:
    """The sweep spec as the TOML a user writes (empty values left out; what TOML cannot hold as text)."""
    import tomli_w

    def plain(value: Any) -> Any:
        if isinstance(value, Mapping):
            return {str(k): plain(v) for k, v in value.items() if v is not None and plain(v) != {}}
        if isinstance(value, list | tuple):
            return [plain(v) for v in value if v is not None]
        if value is None or isinstance(value, str | int | float | bool | dt.date | dt.datetime):
            return value
        return str(value)

    try:
        return tomli_w.dumps(plain(spec))
    except (TypeError, ValueError):  # a value TOML has no form for: show the spec as JSON instead
        return json.dumps(spec, indent=2, default=str)


def _findings(result: AnalysisResult) -> str:
    """The summary that opens the report; advice on scenario discovery stands out as a note."""
    sentences = findings.findings(result)
    advice = findings.discovery_advice(result)
    items = "".join(f"<li>{html.escape(s)}</li>" for s in sentences if s != advice)
    note = f"<p class='note'>{html.escape(advice)}</p>" if advice else ""
    return f"<section id='findings'><h2>Findings</h2><ul class='findings'>{items}</ul>{note}</section>"


def render_html(result: AnalysisResult, plots: dict[str, tuple[Path, Path]]) -> str:
    """The report page as a string (``plots``: name → (PNG, SVG) already written)."""
    r = result.results
    spec = r.manifest.get("spec", {})
    png = {name: paths[0] for name, paths in plots.items()}
    cases = int(result.outcome.sum())
    facts = {
        "results": str(r.root), "sweep": r.name, "sampler": r.sampler,
        "futures": f"{len(r.all_futures):,} ({r.errors:,} errors left out)",
        "policies": ", ".join(r.policies), "uncertainties": ", ".join(u.path for u in r.uncertainties) or "none",
        "outcome of interest": f"{result.outcome_expression} — {cases:,} futures "
                               f"({tables.percent(cases / len(result.outcome), 1)})",
        "sovsim": f"{r.manifest.get('sovsim_version', '?')} (sweep), {__version__} (analysis)",
    }
    parts = [
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>",
        "<meta name='viewport' content='width=device-width, initial-scale=1'>",
        f"<title>sovsim analysis — {html.escape(r.name)}</title><style>{_CSS}</style></head><body><main>",
        f"<h1>Where programmes die: {html.escape(r.name)}</h1>",
        f"<p class='lead'>sovsim analysis of {len(r.futures):,} simulated futures, written "
        f"{dt.datetime.now(dt.UTC).strftime('%Y-%m-%d %H:%M UTC')}.</p>",
        _findings(result),
        "<dl class='facts'>" + "".join(f"<dt>{html.escape(k)}</dt><dd>{html.escape(v)}</dd>" for k, v in facts.items())
        + "</dl>",
        *(f"<p class='note'>{html.escape(n)}</p>" for n in result.notes),
        "<h2 id='survival'>How long programmes live</h2>",
        "<p class='lead'>Kaplan–Meier estimate of the time to death (any verdict), right-censored at the horizon; "
        "95% bands from Greenwood's variance on the log(−log) scale. In the table, P(alive) at a year that every "
        "future reached is the share of futures alive then, with its Wilson interval (as <code>sovsim compare"
        "</code> gives it).</p>",
        _figure("survival", png.get("survival"), "Survival curves per policy", "Survival per policy."),
        _table(tables.survival_table(result)),
        "<h2 id='causes'>What kills them</h2>",
        _figure("verdicts", png.get("verdicts"), "Verdict shares per policy", "Verdict shares per policy."),
        _table(tables.verdict_table(result)),
        "<p class='lead'>Cumulative incidence of each verdict (Aalen–Johansen, competing risks): the chance of dying "
        "of that cause by a given year; together with survival they add up to one.</p>",
        _figure("incidence", png.get("incidence"), "Cumulative incidence per verdict", "Cumulative incidence."),
        _table(tables.incidence_table(result)),
        "<h3>Most common root events per verdict</h3>",
        _table(tables.root_table(result)),
        "<h2 id='discovery'>Under which conditions (scenario discovery)</h2>",
    ]
    if result.prim is not None:
        parts += [
            f"<p class='lead'>PRIM on the uncertainties{' and the policy' if len(r.policies) > 1 else ''} for the "
            f"outcome <code>{html.escape(result.outcome_expression)}</code>. "
            f"{html.escape(tables.prim_summary(result))}.</p>",
            _figure("prim_tradeoff", png.get("prim_tradeoff"), "PRIM coverage–density trade-off",
                    "Each point is a box on the peeling trajectory; the ringed one is shown below."),
            _figure("prim_box", png.get("prim_box"), "The selected PRIM box", "The selected box within the ranges."),
            _table(tables.prim_table(result)),
            "<details><summary>Peeling trajectory</summary>" + _table(_trajectory(result)) + "</details>",
        ]
    if result.cart is not None:
        parts += [f"<h3>A second view: classification tree (CART, depth {result.cart.depth}, accuracy "
                  f"{tables.percent(result.cart.accuracy)})</h3>", _table(tables.cart_table(result)),
                  f"<details><summary>The tree</summary><pre>{html.escape(result.cart.text)}</pre></details>"]
    if result.sensitivity is not None:
        method = result.sensitivity.method
        parts += ["<h2 id='sensitivity'>Which uncertainties matter</h2>",
                  "<p class='lead'>" + ("Sobol indices of the outcome (SALib, Saltelli design): S1 is the share of "
                                        "its variance due to one uncertainty alone, ST with all its interactions."
                                        if method == "sobol" else
                                        "Extra-trees feature scores of the outcome (the sweep's design is not a "
                                        "Saltelli design, so no Sobol indices).") + "</p>",
                  *(f"<p class='note'>{html.escape(n)}</p>" for n in result.sensitivity.notes),
                  _figure("sensitivity", png.get("sensitivity"), "Sensitivity bars", "Sensitivity."),
                  _table(tables.sensitivity_table(result))]
    parts += [
        "<h2 id='spec'>The sweep</h2>",
        f"<details open><summary>Spec (TOML)</summary><pre>{html.escape(spec_toml(spec))}</pre></details>",
        "<details><summary>Manifest</summary><pre>"
        f"{html.escape(json.dumps(dict(r.manifest), indent=2, default=str))}</pre></details>",
        "</main></body></html>",
    ]
    return "\n".join(p for p in parts if p)


def write_report(result: AnalysisResult, out: Path) -> tuple[Path, dict[str, tuple[Path, Path]]]:
    """Write the plots (PNG and SVG) and ``report.html`` into ``out``; return the report and the plot paths."""
    from sovsim.analysis import plots as drawing

    out.mkdir(parents=True, exist_ok=True)
    written = {name: drawing.save(fig, out, name) for name, fig in drawing.all_plots(result).items()}
    report = out / REPORT
    report.write_text(render_html(result, written), encoding="utf-8")
    return report, written
