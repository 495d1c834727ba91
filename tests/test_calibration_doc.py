"""``docs/calibration.md`` is what every ``calibration.md §N`` citation points at.

Checked here: every citation in the package, the presets, the experiment specs and scripts, the docs and the README
names a ``## §N`` section that exists and has content (a citation of ``calibration.md gaps`` needs the Gaps
section); the rows that code cites by name ("§6 UK government: …") exist in their section; every row of the
tables in §1–§7 names at least one source URL; and a sentence that tells a reader where the file is says
``docs/calibration.md``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "calibration.md"
#: The sections written with tables of sources (the others are filled by their own model areas).
TABLE_SECTIONS = tuple(str(n) for n in range(1, 8))

_HEADING = re.compile(r"^## (?:§(\d+)\b.*|(Gaps)\s*)$", re.MULTILINE)
#: Between the file name and the section mark: backticks, a closing parenthesis, blanks, or the end of one string
#: literal and the start of the next (``"… calibration.md "`` newline ``"§14 …"``).
_GAP = r"(?:[`)]|[ \t]|\"[ \t]*\n[ \t]*\"|\n[ \t]*#[ \t]*)*"
#: ``calibration.md §6``, ``calibration.md`` §1, ``(calibration.md §2)``, ranges ``§1–2``; or ``calibration.md gaps``.
_CITATION = re.compile(r"calibration\.md" + _GAP + r"(?:§(\d+)(?:[ \t]*[–-][ \t]*§?(\d+))?|([Gg]aps)\b)")
#: In the comments of preset and sweep TOML files a bare ``§N`` cites the calibration document (their headers say so).
_BARE = re.compile(r"(?<![\w§])§(\d+)(?:[ \t]*[–-][ \t]*§?(\d+))?")
#: ``calibration.md §N <row>: <figure>``: a citation by row name.
_ROW_CITATION = re.compile(r"calibration\.md §(\d+) ([^:()≈;,\"'\n]{2,60}?):")
_URL = re.compile(r"https?://[^\s|)>\]]+")
#: A mention of the file that is not a citation: it tells the reader where the file is.
_POINTER = re.compile(r"(?<![\w/])`*calibration\.md(?!" + _GAP + r"(?:§|[Gg]aps\b))")


@dataclass(frozen=True)
class Citation:
    where: str
    section: str  # "1".."14" or "gaps"
    text: str


def sections(markdown: str) -> dict[str, str]:
    """Body of each ``## §N`` section (key ``"N"``) and of ``## Gaps`` (key ``"gaps"``), headings excluded."""
    found = list(_HEADING.finditer(markdown))
    out: dict[str, str] = {}
    for i, match in enumerate(found):
        end = found[i + 1].start() if i + 1 < len(found) else len(markdown)
        key = match.group(1) or "gaps"
        out[key] = markdown[match.end():end]
    return out


def table_rows(body: str) -> list[list[str]]:
    """Cells of the data rows of the markdown tables in a section (header and separator rows dropped)."""
    rows: list[list[str]] = []
    lines = [line.strip() for line in body.splitlines()]
    for i, line in enumerate(lines):
        if not line.startswith("|"):
            continue
        is_separator = set(line.replace("|", "").strip()) <= set("-: ")
        next_is_separator = i + 1 < len(lines) and lines[i + 1].startswith("|") and \
            set(lines[i + 1].replace("|", "").strip()) <= set("-: ")
        if is_separator or next_is_separator:
            continue
        rows.append([cell.strip() for cell in line.strip("|").split("|")])
    return rows


def _expand(first: str, last: str | None) -> list[str]:
    if last is None:
        return [first]
    lo, hi = int(first), int(last)
    return [str(n) for n in range(lo, hi + 1)] if lo <= hi else [first, last]


def citations_in(text: str, where: str, bare: bool) -> list[Citation]:
    """The calibration citations in a file's text; ``bare`` also counts a lone ``§N`` (preset and spec comments)."""
    out: list[Citation] = []

    def cite(match: re.Match[str], sections_: list[str]) -> None:
        lineno = text.count("\n", 0, match.start()) + 1
        line = text.splitlines()[lineno - 1].strip() if text else ""
        out.extend(Citation(f"{where}:{lineno}", n, line) for n in sections_)

    spans: list[tuple[int, int]] = []
    for match in _CITATION.finditer(text):
        spans.append(match.span())
        cite(match, ["gaps"] if match.group(3) else _expand(match.group(1), match.group(2)))
    if bare:
        for match in _BARE.finditer(text):
            if not any(lo <= match.start() < hi for lo, hi in spans):
                cite(match, _expand(match.group(1), match.group(2)))
    out.sort(key=lambda c: int(c.where.rsplit(":", 1)[1]))
    return out


def problems(markdown: str, cited: list[Citation]) -> list[str]:
    """What is wrong with the citations against the document: missing or empty sections."""
    body = sections(markdown)
    bad = []
    for c in cited:
        if c.section not in body:
            bad.append(f"{c.where}: cites §{c.section}, which has no '## §{c.section}' heading")
        elif not body[c.section].strip():
            bad.append(f"{c.where}: cites {'Gaps' if c.section == 'gaps' else '§' + c.section}, which is empty")
    return bad


def row_problems(markdown: str, text: str, where: str) -> list[str]:
    """Citations of §1–§7 by row name (``§N <row>: …``) whose row is not in that section's tables."""
    body = sections(markdown)
    bad = []
    for match in _ROW_CITATION.finditer(text):
        number, key = match.group(1), match.group(2).strip().lower()
        if number not in TABLE_SECTIONS or number not in body:
            continue
        names = [row[0].lower() for row in table_rows(body[number]) if row]
        if not any(key.startswith(name) or name.startswith(key) for name in names):
            bad.append(f"{where}: §{number} has no row named like {match.group(2).strip()!r}")
    return bad


def _citing_files() -> list[tuple[Path, bool]]:
    """Files whose citations must resolve, with whether a bare ``§N`` counts as a citation in them."""
    files: list[tuple[Path, bool]] = []
    files += [(p, False) for p in sorted((ROOT / "sovsim").rglob("*.py"))]
    files += [(p, True) for p in sorted((ROOT / "sovsim").rglob("*.toml"))]
    for pattern in ("*.py", "*.md"):
        files += [(p, False) for p in sorted((ROOT / "experiments").rglob(pattern))]
    files += [(p, True) for p in sorted((ROOT / "experiments").rglob("*.toml"))]
    files += [(p, False) for p in sorted((ROOT / "docs").glob("*.md")) if p != DOC]
    files.append((ROOT / "README.md", False))
    return files


def _all_citations() -> list[Citation]:
    cited: list[Citation] = []
    for path, bare in _citing_files():
        cited += citations_in(path.read_text(encoding="utf-8"), str(path.relative_to(ROOT)), bare)
    return cited


@pytest.fixture(scope="module")
def doc() -> str:
    return DOC.read_text(encoding="utf-8")


def test_every_citation_resolves_to_a_section_with_content(doc: str) -> None:
    cited = _all_citations()
    assert len({c.where for c in cited}) > 50, "the scan found almost no citations: the patterns are broken"
    bad = problems(doc, cited)
    assert not bad, "\n".join(bad)


def test_rows_cited_by_name_exist(doc: str) -> None:
    bad: list[str] = []
    for path, _ in _citing_files():
        bad += row_problems(doc, path.read_text(encoding="utf-8"), str(path.relative_to(ROOT)))
    assert not bad, "\n".join(bad)


@pytest.mark.parametrize("number", TABLE_SECTIONS)
def test_every_row_of_the_tables_names_a_url(doc: str, number: str) -> None:
    body = sections(doc)[number]
    rows = table_rows(body)
    assert rows, f"§{number} has no table rows"
    for row in rows:
        assert len(row) == 5, f"§{number} row {row[0]!r}: {len(row)} columns, expected 5"
        assert _URL.search(row[2]), f"§{number} row {row[0]!r}: no URL in its source column"
        assert row[3], f"§{number} row {row[0]!r}: no confidence"
        assert row[4], f"§{number} row {row[0]!r}: does not say where sovsim uses it"


def test_row_names_are_unique_within_a_section(doc: str) -> None:
    body = sections(doc)
    for number in TABLE_SECTIONS:
        names = [row[0].lower() for row in table_rows(body[number])]
        assert len(names) == len(set(names)), f"§{number} repeats a row name"


def test_sections_keep_their_order_and_the_gaps_section_exists(doc: str) -> None:
    numbers = [int(m.group(1)) for m in _HEADING.finditer(doc) if m.group(1)]
    assert numbers == sorted(numbers) and len(numbers) == len(set(numbers))
    assert sections(doc).get("gaps", "").strip()


def _header_comment(path: Path) -> str:
    """The comment block a preset or sweep spec opens with."""
    lines = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.startswith("#"):
            break
        lines.append(line)
    return "\n".join(lines)


def _pointing_texts() -> list[tuple[str, str]]:
    """Texts that tell a reader where things are: READMEs, docs, the scenario reference, spec and preset headers."""
    from sovsim.scenario.reference import scenario_reference

    texts = [("sovsim reference scenario", scenario_reference())]
    for path in [ROOT / "README.md", ROOT / "experiments" / "README.md", *sorted((ROOT / "docs").glob("*.md"))]:
        if path != DOC and path.is_file():
            texts.append((str(path.relative_to(ROOT)), path.read_text(encoding="utf-8")))
    for path in [*sorted((ROOT / "sovsim" / "presets").glob("*.toml")), *sorted((ROOT / "experiments").glob("*.toml"))]:
        texts.append((str(path.relative_to(ROOT)), _header_comment(path)))
    return texts


def pointer_problems(texts: list[tuple[str, str]]) -> list[str]:
    """Mentions of the file that are not citations and do not say ``docs/calibration.md``."""
    return [f"{where}:{text.count(chr(10), 0, match.start()) + 1}"
            for where, text in texts for match in _POINTER.finditer(text)]


def test_texts_that_say_where_the_file_is_point_to_docs() -> None:
    texts = _pointing_texts()
    bad = pointer_problems(texts)
    assert not bad, "say docs/calibration.md where a sentence points at the file: " + ", ".join(bad)
    assert "docs/calibration.md" in texts[0][1]


# The checker itself: it must flag what it exists to flag.

_SAMPLE = "# t\n\n## §1 A\n\n| row | figure | source | confidence | used |\n|---|---|---|---|---|\n" \
          "| UK government | £85k | x, https://example.org/a | H | staff |\n\n## §2 B\n\n## Gaps\n\n- none found\n"


def test_checker_flags_missing_and_empty_sections() -> None:
    cited = citations_in("a = 1  # calibration.md §2: empty\nb = 2  # calibration.md §9\n"
                         "c = 3  # calibration.md §1–2\nd = 4  # calibration.md gaps\n", "x.py", bare=False)
    assert [c.section for c in cited] == ["2", "9", "1", "2", "gaps"]
    bad = problems(_SAMPLE, cited)
    assert len(bad) == 3 and all("§2" in b or "§9" in b for b in bad)


def test_checker_follows_a_citation_split_across_string_literals_and_comment_lines() -> None:
    code = 'x = param(1, source="assumption: notification of calibration.md "\n        "§14; sampled 2–8")\n'
    assert [(c.where, c.section) for c in citations_in(code, "s.py", bare=False)] == [("s.py:1", "14")]
    assert not _POINTER.search(code)
    toml = "# Every value cites calibration.md\n# §5 Apertus\n"
    assert [c.section for c in citations_in(toml, "p.toml", bare=True)] == ["5"]


def test_checker_counts_bare_section_marks_only_where_asked() -> None:
    line = "x = 1  # §5 Apertus: CHF 20M; §6 UK government\n"
    assert [c.section for c in citations_in(line, "p.toml", bare=True)] == ["5", "6"]
    assert citations_in(line, "p.py", bare=False) == []


def test_checker_flags_unknown_row_names_and_rows_without_urls() -> None:
    assert row_problems(_SAMPLE, 'source="calibration.md §1 UK government: AISI roles"', "s.py") == []
    assert row_problems(_SAMPLE, 'source="calibration.md §1 Narnia pay: 3 beavers"', "s.py")
    rows = table_rows(sections(_SAMPLE)["1"])
    assert rows == [["UK government", "£85k", "x, https://example.org/a", "H", "staff"]]
    assert not _URL.search("a source (URL not verified)")
    assert pointer_problems([("r.md", "intro\nsee calibration.md for sources")]) == ["r.md:2"]
    assert not _POINTER.search("see docs/calibration.md")
    assert not _POINTER.search("(calibration.md §3)") and not _POINTER.search("calibration.md gaps")
