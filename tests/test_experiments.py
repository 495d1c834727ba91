"""The experiment scripts run end to end at a tiny size, use only the public API, and the README is in step.

Each script runs as a user would run it (a subprocess, ``--tiny`` for a few sampled scenarios per spec,
one worker), two at a time, and must exit 0 and write its summary, a table and a figure.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
EXPERIMENTS = ROOT / "experiments"
SCRIPTS = ("q0_where_they_die", "q1_snapshot", "q2_tenant_or_owner", "q3_iterate_fast", "q4_gpus_current",
           "q5_cultural_alignment", "q6_vanity_pilots", "q7_black_hole", "q8_museums", "q9_compute_rich")
MINE = (*SCRIPTS, "common", "caveats", "make_readme", "run_all", "hindcast", "presets")
PARALLEL = 2


@pytest.fixture(scope="module")
def tiny_runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[int, str, Path]]:
    """Run every script at ``--tiny`` size, PARALLEL at a time; name → (exit status, output, out dir)."""
    root = tmp_path_factory.mktemp("experiments")
    waiting = list(SCRIPTS)
    running: dict[str, tuple[subprocess.Popen[str], Path]] = {}
    done: dict[str, tuple[int, str, Path]] = {}
    while waiting or running:
        while waiting and len(running) < PARALLEL:
            name = waiting.pop(0)
            out = root / name
            command = [sys.executable, str(EXPERIMENTS / f"{name}.py"), "--tiny", "--out", str(out),
                       "--workers", "1", "--quiet"]
            running[name] = (subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                              text=True), out)
        for name, (process, out) in list(running.items()):
            if process.poll() is not None:
                output = process.communicate()[0]
                done[name] = (process.returncode, output, out)
                del running[name]
        time.sleep(0.1)
    return done


@pytest.mark.parametrize("name", SCRIPTS)
def test_script_runs_and_writes_summary_table_and_figure(tiny_runs, name):
    code, output, out = tiny_runs[name]
    assert code == 0, output
    summary = (out / "summary.md").read_text(encoding="utf-8")
    question = int(name[1])
    assert summary.startswith(f"# Q{question}. ")
    assert "seed" in summary and "futures" in summary
    assert "95% CI" in summary or "Too few programmes" in summary
    assert list(out.glob("*.csv"))
    pngs = list(out.glob("*.png"))
    assert pngs and all(p.stat().st_size > 10_000 for p in pngs)
    assert all(p.with_suffix(".svg").is_file() for p in pngs)
    data = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert data["question"] == question
    assert data["futures"] > 0 and data["seeds"]
    assert {"name", "value", "low", "high"} <= set(data["key"])
    for figure in data["figures"]:
        assert f"]({figure}.png)" in summary
    for table in data["tables"]:
        assert (out / table).is_file()


@pytest.mark.parametrize("name", MINE)
def test_experiment_code_uses_only_the_public_api(name):
    text = (EXPERIMENTS / f"{name}.py").read_text(encoding="utf-8")
    assert not re.search(r"^\s*from sovsim[. ]", text, flags=re.M)
    assert not re.search(r"^\s*import sovsim\.", text, flags=re.M)
    assert not re.search(r"sovsim\.(model|kernels|scenario|sweep\.(runner|store|design|spec|query))\b", text)


def test_readme_is_regenerated_from_the_committed_summaries():
    sys.path.insert(0, str(EXPERIMENTS))
    try:
        import make_readme
    finally:
        sys.path.remove(str(EXPERIMENTS))
    readme = EXPERIMENTS / "README.md"
    assert readme.is_file()
    assert make_readme.build(EXPERIMENTS / "results", readme) == readme.read_text(encoding="utf-8")


def test_readme_has_a_claim_row_per_essay_question_with_an_answer_and_an_interval():
    text = (EXPERIMENTS / "README.md").read_text(encoding="utf-8")
    table = text.split("## The claims", 1)[1].split("\n\n", 3)[2]
    rows = [line for line in table.splitlines() if re.match(r"\| \d+ \|", line)]
    assert [int(r.split("|")[1]) for r in rows] == list(range(1, 10))
    for row in rows:
        cells = [c.strip() for c in row.strip("|").split("|")]
        assert cells[4].startswith("**") and cells[4] != "****", row
        assert "95% CI" in cells[5] or "%" in cells[5], row


def test_claim_answers_follow_the_numbers():
    """The claim table's answer flips with the measured effect (synthetic summaries on either side)."""
    sys.path.insert(0, str(EXPERIMENTS))
    try:
        import make_readme
    finally:
        sys.path.remove(str(EXPERIMENTS))

    def museum(p: float, high: float) -> dict:
        return {8: {"key": {"value": 0.3, "low": 0.2, "high": 0.4},
                    "facts": {"p_museum_all": p, "p_museum_all_low": 0.0, "p_museum_all_high": high}}}

    assert make_readme.claims(museum(0.01, 0.03))[0][3].startswith("contradicted")
    few = museum(0.03, 0.06)
    few[8]["facts"]["p_museum_many_consultants"] = 0.3
    assert make_readme.claims(few)[0][3].startswith("depends on how many consultants")
    assert make_readme.claims(museum(0.4, 0.5))[0][3] == "supported"
    nine = {"key": {"value": 0.6, "low": 0.5, "high": 0.7}}
    assert make_readme.claims({9: {**nine, "facts": {"continue_6": 3e7, "scratch_6": float("inf"),
                                                     "continue_6_10y": 5e7}}})[0][3] \
        .startswith("contradicted for open-weight")
    assert make_readme.claims({9: {**nine, "facts": {"continue_6": 3e7, "scratch_6": float("inf")}}})[0][3] \
        .startswith("contradicted at 5 years")
    assert make_readme.claims({9: {**nine, "facts": {"continue_6": float("inf"), "scratch_6": float("inf")}}})[0][3] \
        .startswith("contradicted: no budget")
    assert make_readme.claims({9: {**nine, "facts": {"continue_6": float("inf"), "scratch_6": 1e9}}})[0][3] \
        == "supported"


def test_readme_links_point_to_committed_files():
    text = (EXPERIMENTS / "README.md").read_text(encoding="utf-8")
    links = re.findall(r"\]\((results/[^)]+)\)", text)
    assert links
    for link in links:
        assert (EXPERIMENTS / link).is_file(), link


def test_hindcast_section_reports_skill_coverage_and_misses():
    """The hindcast section is built from `sovsim hindcast --json`: skill signs, coverage and each miss."""
    sys.path.insert(0, str(EXPERIMENTS))
    try:
        import hindcast
    finally:
        sys.path.remove(str(EXPERIMENTS))
    data = {"futures_per_case": 5, "seed": 0, "cost": {"futures": 75},
            "skill": {"brier": {"ended": {"n": 15, "model": 0.2, "base_rate": 0.1, "skill": -1.0},
                                "pivoted": {"n": 12, "model": 0.1, "base_rate": 0.2, "skill": 0.5}},
                      "coverage": {"n": 15, "interval_50": 0.4, "interval_80": 0.6},
                      "first_release_months_median": {"observed": 12.0, "simulated": 14.0},
                      "misses": [{"case": "bloom", "outcome": "ended", "observed": True, "predicted": 0.1},
                                 {"case": "teuken", "outcome": "first_release_months", "observed": 34.8,
                                  "predicted": [7.0, None]}]}}
    text = hindcast.summary(data, "quick")
    assert "| ended or stalled | 15 | 0.200 | 0.100 | -1.00 |" in text
    assert "| a pivot to open weights | 12 | 0.100 | 0.200 | +0.50 |" in text
    assert "40% of the 15 cases" in text and "60% (80% expected)" in text
    assert "`bloom`: ended or stalled was observed; the futures gave it 10%." in text
    assert "`teuken`: first release after 34.8 months, simulated 10–90% 7.0–none by the cutoff." in text
