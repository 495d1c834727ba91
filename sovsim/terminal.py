"""Tables for people at a terminal: humanised numbers with units, and tables that fit the width.

A table is drawn only when every cell fits without breaking a word or a number (cells wrap at spaces);
when a row is too wide for the terminal, the rows are shown one after another as records, each field on
its own line. Numbers carry the unit their column's name gives (``cost_usd`` → ``$5.06M``, ``energy_mwh``
→ ``12.3 MWh``); the CSV and JSON outputs stay raw.
"""

from __future__ import annotations

import math
import numbers
import re
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
from rich.cells import cell_len
from rich.console import Console
from rich.table import Table
from rich.text import Text

__all__ = ["exact", "humanize", "number", "print_table", "print_records", "table_fits", "COUNT_SUFFIXES"]

#: column-name endings → (prefix, suffix, SI-scaled); longest ending first wins
_UNITS: tuple[tuple[str, str, str, bool], ...] = (
    ("_usd_per_year", "$", "/yr", True),
    ("_usd_per_gpu_hour", "$", "/GPU-h", False),
    ("_tokens_per_s", "", " tok/s", True),
    ("_per_stream", "", " tok/s", False),
    ("requests_per_s", "", " req/s", False),
    ("_bytes_per_token", "", " B/tok", True),
    ("_bytes", "", " bytes", True),
    ("_minutes", "", " min", False),
    ("_usd_per_kwh", "$", "/kWh", False),
    ("_g_per_kwh", "", " g/kWh", False),
    ("_gpu_hours", "", " GPU-h", True),
    ("_usd_per_mtok", "$", "/Mtok", False),
    ("_mtok_usd", "$", "/Mtok", False),
    ("_usd", "$", "", True),
    ("_mwh", "", " MWh", False),
    ("_kwh", "", " kWh", True),
    ("_wh", "", " Wh", True),
    ("_kw", "", " kW", True),
    ("_w", "", " W", True),
    ("_t", "", " t", False),
    ("_kg", "", " kg", True),
    ("_years", "", " y", False),
    ("_months", "", " mo", False),
    ("_weeks", "", " wk", False),
    ("_days", "", " d", False),
    ("_hours", "", " h", True),
    ("_s", "", " s", False),
    ("_tokens", "", " tok", True),
    ("_flops", "", " FLOP", True),
)
IDENTIFIERS = frozenset({"seed", "future", "scenario_index", "shard", "task"})  #: integers shown bare
COUNT_SUFFIXES = ((1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "k"))


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def number(value: float, digits: int = 3) -> str:
    """A number for reading: ``3.31M``, ``12,345``, ``0.0523``, ``1.2e-07``; never a bare exponent above 1."""
    if _missing(value):
        return "—"
    if math.isinf(value):
        return "∞" if value > 0 else "−∞"
    size = abs(value)
    if size >= 1e5:
        for scale, suffix in COUNT_SUFFIXES:
            if size >= scale:
                return f"{value / scale:.{digits}g}{suffix}" if size < 1e15 else f"{value:.{digits}g}"
    if size >= 100 or float(value).is_integer():
        return f"{value:,.0f}"
    if size >= 1e-3 or size == 0:
        return f"{value:.{digits}g}"
    return f"{value:.2g}"


def exact(value: float, digits: int = 6) -> str:
    """A published figure to ``digits`` significant digits, with thousands separators and no exponent."""
    if _missing(value):
        return "—"
    if 1e5 <= abs(value) < 1e15:
        return f"{float(f'{value:.{digits}g}'):,.0f}"
    return f"{value:.{digits}g}"


def humanize(value: Any, column: str = "") -> str:
    """``value`` for a person, with the unit the column name ends in (``total_cost_usd`` → ``$71.8M``)."""
    if _missing(value):
        return "—"
    if isinstance(value, bool | np.bool_):
        return "yes" if value else "no"
    if isinstance(value, numbers.Real):
        name = "_" + column.lower()
        if name[1:] in IDENTIFIERS and isinstance(value, numbers.Integral):
            return str(int(value))
        for ending, prefix, suffix, scaled in _UNITS:
            if name.endswith(ending):
                if scaled or abs(float(value)) < 1e5:
                    text = number(float(value))
                else:
                    text = f"{float(value):,.0f}"
                return f"-{prefix}{text[1:]}{suffix}" if prefix and text.startswith("-") else f"{prefix}{text}{suffix}"
        if name.endswith(("share", "_rate", "goodput", "turnover")) and 0 <= float(value) <= 1:
            return f"{100 * float(value):.1f}%"
        if isinstance(value, numbers.Integral):
            return f"{int(value):,}"
        return number(float(value))
    return str(value)


def _longest_word(text: str) -> int:
    return max((cell_len(word) for word in text.split()), default=0)


def _header_pieces(name: str) -> list[str]:
    """A column name cut where it may wrap: after spaces, underscores, dots and opening brackets."""
    return [piece for piece in re.findall(r"[^ _.(]*[ _.(]?", name) if piece]


def _wrap_header(name: str, width: int) -> str:
    """The column name on lines of at most ``width`` cells, broken only between its pieces."""
    lines = [""]
    for piece in _header_pieces(name):
        if lines[-1] and cell_len(lines[-1] + piece.rstrip()) > width:
            lines.append("")
        lines[-1] += piece
    return "\n".join(line.rstrip() for line in lines)


def _column_widths(columns: Sequence[str], rows: Sequence[Sequence[str]], width: int) -> list[int] | None:
    """Widths that fit ``width`` with no word, number or name piece broken; None when none do."""
    least = [max((cell_len(p.rstrip()) for p in _header_pieces(c)), default=1) for c in columns]
    most = [cell_len(c) for c in columns]
    for row in rows:
        least = [max(w, _longest_word(cell)) for w, cell in zip(least, row, strict=True)]
        most = [max(w, cell_len(cell)) for w, cell in zip(most, row, strict=True)]
    # each column: one space of padding either side; one border line between and around the columns
    room = width - 3 * len(columns) - 1
    if sum(least) > room:
        return None
    widths = list(most)
    while sum(widths) > room:  # narrow the widest column that can still give a cell
        i = max((j for j in range(len(widths)) if widths[j] > least[j]), key=lambda j: widths[j] - least[j] / 2)
        widths[i] -= 1
    return widths


def table_fits(columns: Sequence[str], rows: Iterable[Sequence[str]], width: int) -> bool:
    """Whether a boxed table of these cells fits ``width`` with no word or number broken."""
    return _column_widths(list(columns), [list(r) for r in rows], width) is not None


def print_records(console: Console, columns: Sequence[str], rows: Sequence[Sequence[str]],
                  title: str | None = None, caption: str | None = None) -> None:
    """Each row as a record: one line per field (name, value), the value wrapped at spaces."""
    if title:
        console.print(f"[bold]{title}[/]", highlight=False)
    name_width = min(max((cell_len(c) for c in columns), default=0), max(12, console.width // 2))
    for i, row in enumerate(rows):
        if i:
            console.print()
        grid = Table(box=None, show_header=False, pad_edge=False, padding=(0, 1),
                     title=f"record {i + 1} of {len(rows)}" if len(rows) > 1 else None, title_justify="left",
                     title_style="dim")
        grid.add_column(style="bold", width=name_width, overflow="fold")
        grid.add_column(overflow="fold")
        for column, cell in zip(columns, row, strict=True):
            grid.add_row(Text(column), Text(cell))
        console.print(grid)
    if caption:
        console.print(caption, highlight=False, style="dim")


def print_table(console: Console, columns: Sequence[str], rows: Sequence[Sequence[str]], title: str | None = None,
                caption: str | None = None, right: Iterable[str] = ()) -> None:
    """A boxed table when it fits the console without breaking words, else the rows as records.

    ``right`` names the columns to right-align (numbers).
    """
    columns = [str(c) for c in columns]
    rows = [[str(cell) for cell in row] for row in rows]
    widths = _column_widths(columns, rows, console.width)
    if widths is None:
        print_records(console, columns, rows, title, caption)
        return
    aligned = set(right)
    table = Table(title=title, caption=caption, title_justify="left", caption_justify="left")
    for column, width in zip(columns, widths, strict=True):
        table.add_column(Text(_wrap_header(column, width)), justify="right" if column in aligned else "left",
                         width=width, overflow="fold")
    for row in rows:
        table.add_row(*(Text(cell) for cell in row))
    console.print(table)
