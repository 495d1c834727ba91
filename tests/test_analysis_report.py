"""The analysis of a real (small) sweep: Python objects, plots, the self-contained report in headless
Chromium, the ``sovsim analyze`` command, and Sobol indices from a Saltelli sweep."""

from __future__ import annotations

import base64
import json
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

import sovsim
from sovsim.analysis import AnalysisError, OutcomeError
from sovsim.analysis.core import AnalysisResult
from sovsim.analysis.tables import render
from sovsim.cli import main
from sovsim.sweep import load_results, sweep

SPEC = """
[sweep]
base = "midsize-nation"
scenarios = {scenarios}
sampler = "{sampler}"
seed = 5
shard_size = 20

[sweep.set]
"calendar.horizon_years" = {horizon}

[[uncertainties]]
path = "staff.attrition_per_year"
low = 0.05
high = 0.4

[[uncertainties]]
path = "model.strategy"
kind = "categorical"
values = ["continue", "finetune", "scratch"]
{extra}
"""

# Two uncertainties whose draws sometimes contradict each other: those futures raise and become error rows.
ERRORS = """
[[uncertainties]]
path = "treasury.election_cut_fraction_min"
low = 0.1
high = 0.5

[[uncertainties]]
path = "treasury.election_cut_fraction_max"
low = 0.2
high = 0.6

[policies.status-quo]

[policies.pay-premium]
"staff.salary_premium" = 1.8
"""

PLOTS = ("survival", "incidence", "verdicts", "prim_tradeoff", "prim_box", "sensitivity")


def run_sweep(folder: Path, scenarios: int, sampler: str = "lhs", horizon: float = 6.0, extra: str = ERRORS) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    spec = folder / "spec.toml"
    spec.write_text(SPEC.format(scenarios=scenarios, sampler=sampler, horizon=horizon, extra=extra), encoding="utf-8")
    sweep(spec, folder / "out", workers=1)
    return folder / "out"


@pytest.fixture(scope="module")
def results_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return run_sweep(tmp_path_factory.mktemp("analysis"), scenarios=60)


@pytest.fixture(scope="module")
def analysed(results_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> AnalysisResult:
    return sovsim.analyze(results_dir, out=tmp_path_factory.mktemp("report"))


def test_analyze_returns_the_results_as_python_objects(results_dir: Path, analysed: AnalysisResult) -> None:
    table = load_results(results_dir)
    ok = table[table["status"] == "ok"]
    assert (table["status"] == "error").any()  # the fixture has error rows, and they are left out
    assert len(analysed.futures) == len(ok)
    assert any("error" in note for note in analysed.notes)
    expected = (ok["verdict"] != "alive") & (ok["death_time_years"] < 5)
    assert analysed.outcome.tolist() == expected.tolist()
    assert list(analysed.survival.curves) == ["status-quo", "pay-premium"]
    deaths = {p: int((g["verdict"] != "alive").sum()) for p, g in ok.groupby("policy")}
    assert analysed.survival.table.set_index("policy")["deaths"].to_dict() == deaths
    shares = analysed.causes.shares
    assert shares.groupby("policy")["share"].sum().tolist() == pytest.approx([1.0, 1.0])
    assert analysed.prim is not None
    assert set(analysed.prim.restricted()) <= {"staff.attrition_per_year", "model.strategy",
                                               "treasury.election_cut_fraction_min",
                                               "treasury.election_cut_fraction_max", "policy"}
    assert analysed.cart is not None and not analysed.cart.leaves.empty
    assert analysed.cart.leaves["futures"].sum() == len(ok)
    assert analysed.sensitivity is not None and analysed.sensitivity.method == "extra-trees"
    assert analysed.sensitivity.table["score"].sum() == pytest.approx(1.0)


def test_plots_are_written_as_png_and_svg(analysed: AnalysisResult) -> None:
    assert set(analysed.plots) == set(PLOTS)
    for png, svg in analysed.plots.values():
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        root = ET.parse(svg).getroot()
        assert root.tag.endswith("svg")


def test_report_is_self_contained(analysed: AnalysisResult) -> None:
    assert analysed.report is not None
    page = analysed.report.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>")
    images = re.findall(r"<figure id='plot-(\w+)'><img src='data:image/png;base64,([A-Za-z0-9+/=]+)'", page)
    assert sorted(name for name, _ in images) == sorted(PLOTS)
    for name, data in images:  # each plot embedded verbatim
        assert base64.b64decode(data) == analysed.plots[name][0].read_bytes()
    assert not re.search(r"https?://|src=['\"]//|<script|<link|@import|url\(", page, flags=re.IGNORECASE)
    for fragment in ("How long programmes live", "What kills them", "scenario discovery", "Which uncertainties matter",
                     "status-quo", "pay-premium", "staff.attrition_per_year", "&quot;base&quot;: &quot;midsize-nation",
                     "spec_hash"):
        assert fragment in page


CHROMIUM = shutil.which("chromium")
CHECK = """<script>
window.addEventListener('load', () => {
  const images = [...document.images].map(i => {
    const box = i.getBoundingClientRect();
    return {alt: i.alt, loaded: i.complete && i.naturalWidth > 0, width: box.width, height: box.height};
  });
  const out = document.createElement('pre');
  out.id = 'check';
  out.textContent = JSON.stringify(images);
  document.body.appendChild(out);
});
</script></body>"""


def chromium(args: list[str], profile: Path) -> subprocess.CompletedProcess[str]:
    assert CHROMIUM is not None
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             f"--user-data-dir={profile}", "--enable-logging=stderr", "--v=0", "--hide-scrollbars"]
    return subprocess.run([CHROMIUM, *flags, *args], capture_output=True, text=True, timeout=120, check=False)


@pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed (.ci/run installs it)")
def test_report_opens_in_headless_chromium(analysed: AnalysisResult, tmp_path: Path) -> None:
    from PIL import Image

    assert analysed.report is not None
    shot = tmp_path / "report.png"
    done = chromium([f"--screenshot={shot}", "--window-size=1200,7000", analysed.report.as_uri()], tmp_path / "a")
    assert done.returncode == 0, done.stderr
    console = [line for line in done.stderr.splitlines() if ":CONSOLE" in line]
    assert console == []  # the page logs nothing: no script, no error
    pixels = np.asarray(Image.open(shot).convert("L"), dtype=float)
    assert pixels.shape == (7000, 1200)
    assert pixels.std() > 20  # not blank
    rows_with_ink = (pixels < 128).any(axis=1).mean()
    assert rows_with_ink > 0.3
    # every plot decodes and has a visible size: ask the browser, on a copy of the page with a check added
    probe = tmp_path / "probe.html"
    probe.write_text(analysed.report.read_text(encoding="utf-8").replace("</body>", CHECK), encoding="utf-8")
    dom = chromium(["--virtual-time-budget=10000", "--dump-dom", probe.as_uri()], tmp_path / "b")
    assert dom.returncode == 0, dom.stderr
    found = re.search(r"<pre id=\"check\">(.*?)</pre>", dom.stdout, flags=re.DOTALL)
    assert found is not None, dom.stdout[-2000:]
    images = json.loads(found.group(1).replace("&quot;", '"').replace("&amp;", "&"))
    assert len(images) == len(PLOTS)
    for image in images:
        assert image["loaded"], image
        assert image["width"] > 200 and image["height"] > 100, image


# -- the command -----------------------------------------------------------------------------------------
def test_analyze_command_prints_the_tables_and_writes_the_report(results_dir: Path) -> None:
    result = CliRunner().invoke(main, ["analyze", str(results_dir), "--outcome", "verdict == 'stale'"])
    assert result.exit_code == 0, result.output
    for title in ("Survival (Kaplan–Meier", "Verdicts", "Cumulative incidence", "root events", "PRIM",
                  "CART leaves", "Sensitivity", "verdict == 'stale'"):
        assert title in result.output
    assert (results_dir / "report" / "report.html").is_file()
    assert (results_dir / "report" / "survival.svg").is_file()


@pytest.mark.parametrize(("expression", "message"), [
    ("verdict ==", "cannot evaluate"),
    ("no_such_column > 1", "no_such_column"),
    ("death_time_years", "not true/false"),
    ("", "empty expression"),
])
def test_a_bad_outcome_exits_2_with_a_clear_message(results_dir: Path, tmp_path: Path, expression: str,
                                                     message: str) -> None:
    result = CliRunner().invoke(main, ["analyze", str(results_dir), "--out", str(tmp_path / "r"),
                                       "--outcome", expression])
    assert result.exit_code == 2
    assert "--outcome" in result.output
    assert message in result.output
    assert not (tmp_path / "r").exists()


def test_a_directory_that_is_no_sweep_exits_2(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["analyze", str(tmp_path)])
    assert result.exit_code == 2
    assert "not a results directory" in result.output


# -- outcomes ---------------------------------------------------------------------------------------------
def test_outcome_expressions_in_sql_syntax(analysed: AnalysisResult, results_dir: Path) -> None:
    from sovsim.analysis.data import evaluate_outcome

    futures = analysed.futures
    expected = (futures["staff.attrition_per_year"] > 0.2) & (futures["verdict"] == "hollowed")
    for expression in ("\"staff.attrition_per_year\" > 0.2 and verdict = 'hollowed'",
                       "\"staff.attrition_per_year\" > 0.2 AND (verdict == 'hollowed')"):
        assert evaluate_outcome(futures, expression).tolist() == expected.tolist()
    for expression, quoted in (("staff.attrition_per_year > 0.2", '"staff.attrition_per_year"'),
                               ("`staff.attrition_per_year` > 0.2", "double quotes")):
        with pytest.raises(OutcomeError, match=quoted):  # one rule for dotted names: quote them as in SQL
            evaluate_outcome(futures, expression)
    strategy = evaluate_outcome(futures, "\"model.strategy\" in ('scratch', 'finetune')")
    assert strategy.tolist() == futures["model.strategy"].isin(["scratch", "finetune"]).tolist()
    missing = evaluate_outcome(futures, "death_time_years < 3")  # alive futures have no death time: false
    assert missing.tolist() == (futures["death_time_years"].fillna(99) < 3).tolist()
    result = sovsim.analyze(results_dir, outcome="verdict = 'stale' or verdict = 'hollowed'")
    assert result.outcome.tolist() == futures["verdict"].isin(["stale", "hollowed"]).tolist()
    assert result.report is None and result.plots == {}
    with pytest.raises(OutcomeError):
        evaluate_outcome(futures, "verdict ==")


def test_an_outcome_nobody_meets_still_gives_the_survival(results_dir: Path) -> None:
    result = sovsim.analyze(results_dir, outcome="death_time_years < 0")
    assert result.prim is None
    assert any("no future meets the outcome" in note for note in result.notes)
    assert not result.survival.table.empty


def test_terminal_tables(analysed: AnalysisResult) -> None:
    from rich.console import Console

    console = Console(record=True, width=200)
    render(analysed, console)
    text = console.export_text()
    assert "P(alive) at 5 y" in text
    assert "status-quo" in text and "pay-premium" in text
    assert "quasi-p" in text


def test_not_a_results_directory(tmp_path: Path) -> None:
    with pytest.raises(AnalysisError, match="manifest.json"):
        sovsim.analyze(tmp_path)


# -- Sobol indices from a Saltelli sweep -----------------------------------------------------------------
def test_sobol_indices_from_a_saltelli_sweep(tmp_path: Path) -> None:
    from SALib.analyze import sobol

    from sovsim.analysis.plots import save, sensitivity_plot

    out = run_sweep(tmp_path, scenarios=32, sampler="saltelli", horizon=4.0, extra="")
    result = sovsim.analyze(out, outcome="verdict != 'alive' and death_time_years < 2")
    assert result.sensitivity is not None
    assert result.sensitivity.method == "sobol"
    table = result.sensitivity.table
    assert table["uncertainty"].tolist() == ["staff.attrition_per_year", "model.strategy"]
    # the same numbers as SALib on the outcome in scenario order
    futures = result.futures.assign(y=result.outcome.astype(float)).sort_values("scenario_index")
    assert len(futures) == 32 * (2 + 2)
    problem = {"num_vars": 2, "names": table["uncertainty"].tolist(), "bounds": [[0, 1], [0, 1]]}
    direct = sobol.analyze(problem, futures["y"].to_numpy(), calc_second_order=False, num_resamples=200,
                           conf_level=0.95, print_to_console=False, seed=5)
    np.testing.assert_allclose(table["ST"], direct["ST"], rtol=1e-12)
    np.testing.assert_allclose(table["S1"], direct["S1"], rtol=1e-12)
    png, svg = save(sensitivity_plot(result.sensitivity), tmp_path / "plots", "sensitivity")
    assert png.stat().st_size > 0 and svg.stat().st_size > 0


def test_an_incomplete_saltelli_design_falls_back_to_feature_scores(tmp_path: Path) -> None:
    from sovsim.analysis.data import load
    from sovsim.analysis.sensitivity import sensitivity

    out = run_sweep(tmp_path, scenarios=8, sampler="saltelli", horizon=3.0, extra="")
    results = load(out)
    partial = results.futures.iloc[:-3]
    trimmed = type(results)(results.root, results.manifest, results.all_futures, results.uncertainties,
                            results.sampler, results.second_order, results.base_scenarios, partial)
    y = pd.Series(np.arange(len(partial)) % 2 == 0)
    answer = sensitivity(trimmed, y, partial[["staff.attrition_per_year"]])
    assert answer.method == "extra-trees"
    assert any("Sobol indices need all of them" in note for note in answer.notes)
