"""HTML reports of a hindcast (per-case table, reliability plot, months to first release) and of a calibration."""

from __future__ import annotations

import base64
import html
import io
import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from sovsim.hindcast.cases import BINARY_OUTCOMES

__all__ = ["write_hindcast_report", "write_calibration_report", "reliability"]

_STYLE = ("body{font-family:sans-serif;max-width:1100px;margin:2em auto}table{border-collapse:collapse}"
          "td,th{border:1px solid #ccc;padding:3px 7px;text-align:right}th{background:#eee}"
          "td.l{text-align:left}.miss{background:#fdd}")


def _png(fig: Any) -> str:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110, bbox_inches="tight")
    return "<img src='data:image/png;base64," + base64.b64encode(buf.getvalue()).decode() + "'/>"


def reliability(cases: Sequence[Mapping[str, Any]], bins: int = 5) -> list[dict[str, Any]]:
    """Pooled over the yes/no outcomes: per bin of forecast probability, mean forecast and observed share."""
    pairs = [(c["predicted"][o], float(c["observed"][o])) for c in cases for o in BINARY_OUTCOMES
             if c["predicted"].get(o) is not None and c["observed"].get(o) is not None]
    out = []
    for b in range(bins):
        low, high = b / bins, (b + 1) / bins
        inside = [(p, y) for p, y in pairs if low <= p < high or (b == bins - 1 and p == 1.0)]
        if inside:
            out.append({"bin": [low, high], "n": len(inside), "forecast": sum(p for p, _ in inside) / len(inside),
                        "observed": sum(y for _, y in inside) / len(inside)})
    return out


def _reliability_plot(cases: Sequence[Mapping[str, Any]]) -> str:
    from matplotlib.figure import Figure

    fig = Figure(figsize=(4.5, 4.5))
    ax = fig.add_subplot()
    ax.plot([0, 1], [0, 1], color="#999", lw=1, label="perfect")
    points = reliability(cases)
    ax.plot([p["forecast"] for p in points], [p["observed"] for p in points], "o-", label="sovsim")
    for p in points:
        ax.annotate(str(p["n"]), (p["forecast"], p["observed"]), textcoords="offset points", xytext=(4, 4))
    ax.set_xlabel("forecast probability")
    ax.set_ylabel("observed share")
    ax.set_title("Reliability (all yes/no outcomes)")
    ax.legend(loc="upper left")
    return _png(fig)


def _months_plot(cases: Sequence[Mapping[str, Any]]) -> str:
    from matplotlib.figure import Figure

    fig = Figure(figsize=(8, 0.35 * len(cases) + 1.2))
    ax = fig.add_subplot()
    for i, c in enumerate(cases):
        q = c["predicted"].get("first_release_months") or {}
        cap = max([v for v in q.values() if v is not None] + [c["observed"]["first_release_months"] or 0, 1]) * 1.1
        low, high = q.get("p10"), q.get("p90")
        if low is not None:
            ax.plot([low, high if high is not None else cap], [i, i], color="#4a7", lw=6, alpha=0.6)
        if q.get("p50") is not None:
            ax.plot(q["p50"], i, "|", color="#163", ms=12)
        if c["observed"]["first_release_months"] is not None:
            ax.plot(c["observed"]["first_release_months"], i, "kD")
    ax.set_yticks(range(len(cases)), [c["case"] for c in cases])
    ax.set_xlabel("months from start to first release (bar: simulated 80 % band, |: median, ◆: observed)")
    return _png(fig)


def _fmt(v: Any) -> str:
    if v is None:
        return "—"
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, float):
        return f"{v:.2f}"
    return html.escape(str(v))


def _case_table(cases: Sequence[Mapping[str, Any]]) -> str:
    head = ["case", "country", "start", "cutoff", "months obs.", "months p10–p50–p90"]
    for o in BINARY_OUTCOMES:
        head += [f"{o} obs.", "p"]
    rows = ["<tr>" + "".join(f"<th>{h}</th>" for h in head) + "</tr>"]
    for c in cases:
        q = c["predicted"].get("first_release_months") or {}
        cells = [f"<td class=l>{html.escape(c['name'])}</td>", f"<td class=l>{html.escape(c['country'])}</td>",
                 f"<td>{c['start_date']}</td>", f"<td>{c['cutoff_date']}</td>",
                 f"<td>{_fmt(c['observed']['first_release_months'])}</td>",
                 f"<td>{_fmt(q.get('p10'))} – {_fmt(q.get('p50'))} – {_fmt(q.get('p90'))}</td>"]
        for o in BINARY_OUTCOMES:
            y, p = c["observed"].get(o), c["predicted"].get(o)
            miss = y is not None and p is not None and abs(p - float(y)) >= 0.7
            cls = " class=miss" if miss else ""
            cells += [f"<td{cls}>{_fmt(y)}</td>", f"<td{cls}>{_fmt(p)}</td>"]
        rows.append("<tr>" + "".join(cells) + "</tr>")
    return "<table>" + "".join(rows) + "</table>"


def _skill_table(skill: Mapping[str, Any]) -> str:
    rows = ["<tr><th>outcome</th><th>cases</th><th>Brier, sovsim</th><th>Brier, base rate (LOO)</th>"
            "<th>skill</th></tr>"]
    for o, s in skill["brier"].items():
        rows.append(f"<tr><td class=l>{o}</td><td>{s['n']}</td><td>{_fmt(s['model'])}</td>"
                    f"<td>{_fmt(s['base_rate'])}</td><td>{_fmt(s['skill'])}</td></tr>")
    cov, med = skill["coverage"], skill["first_release_months_median"]
    return ("<table>" + "".join(rows) + "</table>"
            f"<p>Months to first release: {cov['n']} cases; observed inside the simulated 50 % interval in "
            f"{_fmt(cov['interval_50'])}, inside the 80 % interval in {_fmt(cov['interval_80'])} of them. Median "
            f"over the cases: simulated {_fmt(med['simulated'])}, observed {_fmt(med['observed'])} months.</p>")


def write_hindcast_report(result: Mapping[str, Any], out: str | Path) -> Path:
    """Write ``hindcast.json`` and ``hindcast.html`` into ``out``; returns the HTML path."""
    root = Path(out)
    root.mkdir(parents=True, exist_ok=True)
    (root / "hindcast.json").write_text(json.dumps(result, indent=1), encoding="utf-8")
    cases = result["cases"]
    body = (f"<h1>sovsim hindcast: {len(cases)} real programmes</h1>"
            f"<p>{result['futures_per_case']} futures per case, seed {result['seed']}; each case runs from its "
            "start to its cutoff (the date of the last fact found); unknown inputs are sampled per future.</p>"
            "<h2>Per case</h2>" + _case_table(cases) + "<h2>Skill</h2>" + _skill_table(result["skill"]) +
            "<h2>Reliability</h2>" + _reliability_plot(cases) + "<h2>Months to first release</h2>" +
            _months_plot(cases))
    path = root / "hindcast.html"
    path.write_text(f"<!doctype html><meta charset=utf-8><title>sovsim hindcast</title><style>{_STYLE}</style>"
                    + body, encoding="utf-8")
    return path


def _prior_posterior_plot(result: Mapping[str, Any]) -> str:
    from matplotlib.figure import Figure

    post = result["posterior"]
    fig = Figure(figsize=(7, 0.6 * len(post) + 1))
    ax = fig.add_subplot()
    for i, r in enumerate(post):
        width = r["prior"][1] - r["prior"][0]
        ax.plot([0, 1], [i + 0.15, i + 0.15], color="#bbb", lw=6, label="prior" if i == 0 else None)
        ax.plot([(r["low"] - r["prior"][0]) / width, (r["high"] - r["prior"][0]) / width], [i - 0.15, i - 0.15],
                color="#c52", lw=6, label="calibrated 5–95 %" if i == 0 else None)
    ax.set_yticks(range(len(post)), [r["path"] for r in post])
    ax.set_xlabel("position within the prior range")
    ax.legend(loc="lower right")
    return _png(fig)


def write_calibration_report(result: Mapping[str, Any], out: str | Path) -> Path:
    """Write ``calibration.json`` and ``calibration.html`` into ``out``; returns the HTML path."""
    root = Path(out)
    root.mkdir(parents=True, exist_ok=True)
    (root / "calibration.json").write_text(json.dumps(result, indent=1), encoding="utf-8")
    rows = ["<tr><th>field</th><th>prior</th><th>calibrated 5 %</th><th>median</th><th>95 %</th></tr>"]
    for r in result["posterior"]:
        rows.append(f"<tr><td class=l>{r['path']}</td><td>{r['prior'][0]:g} – {r['prior'][1]:g}</td>"
                    f"<td>{r['low']:g}</td><td>{r['median']:g}</td><td>{r['high']:g}</td></tr>")
    cost = result["cost"]
    body = (f"<h1>sovsim calibrate: history matching on {len(result['cases'])} cases</h1>"
            f"<p>{cost['futures']} futures ({cost['simulation_minutes']} min of simulation, {cost['minutes']} min "
            f"in all); {cost['candidates']} emulated candidates, {result['not_ruled_out']:.1%} not ruled out.</p>"
            "<h2>Prior and calibrated ranges</h2><table>" + "".join(rows) + "</table>" +
            _prior_posterior_plot(result) +
            "<h2>Skill with the prior ranges</h2>" + _skill_table(result["prior_predictive"]["skill"]))
    if "loo_posterior_predictive" in result:
        loo = result["loo_posterior_predictive"]
        body += ("<h2>Skill out of sample (each case forecast from ranges matched on the other cases)</h2>"
                 + _skill_table(loo["skill"]) + _case_table(loo["cases"]))
    path = root / "calibration.html"
    path.write_text(f"<!doctype html><meta charset=utf-8><title>sovsim calibrate</title><style>{_STYLE}</style>"
                    + body, encoding="utf-8")
    return path
