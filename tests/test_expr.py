"""The outcome grammar against DuckDB: on random well-typed expressions both give the same true/false per row.

The evaluator (:mod:`sovsim.analysis.expr`) implements a part of SQL with NumPy; DuckDB is the reference
for its meaning, three-valued logic included (a comparison with NULL is NULL, ``NULL AND false`` is false,
``x IN (1, NULL)`` is NULL unless x = 1, ``least``/``greatest`` skip NULLs). Only the test hands the
generated text to DuckDB; the package never does.
"""

from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sovsim.analysis.expr import MAX_DEPTH, ExpressionError, evaluate_mask, parse, tokenize

FRAME = pd.DataFrame({
    "a": [0.5, -1.0, np.nan, 2.0, 3.25, np.nan, 0.0],
    "b": [1.0, np.nan, 2.0, 2.0, -3.0, np.nan, 0.0],
    "s": ["x", "y", None, "x", "z", None, "y"],
    "flag": [True, False, None, True, False, None, True],
    "dotted.name": [1.0, 2.0, 3.0, np.nan, 5.0, 6.0, 7.0],
})

numbers = st.sampled_from(["0", "1", "2", "-1", "0.5", "2.0", "3.25"])


def _num(depth: int) -> st.SearchStrategy[str]:
    leaves = st.one_of(st.sampled_from(["a", "b", "\"dotted.name\""]), numbers)
    if depth <= 0:
        return leaves
    sub = _num(depth - 1)
    return st.one_of(
        leaves,
        st.tuples(sub, st.sampled_from(["+", "-", "*"]), sub).map(lambda t: f"({t[0]} {t[1]} {t[2]})"),
        sub.map(lambda x: f"abs({x})"),
        sub.map(lambda x: f"-({x})"),
        st.lists(sub, min_size=1, max_size=3).map(lambda xs: f"least({', '.join(xs)})"),
        st.lists(sub, min_size=1, max_size=3).map(lambda xs: f"greatest({', '.join(xs)})"),
        st.lists(sub, min_size=1, max_size=3).map(lambda xs: f"coalesce({', '.join(xs)})"),
    )


def _text() -> st.SearchStrategy[str]:
    return st.sampled_from(["s", "'x'", "'y'", "'z'", "NULL"])


def _bool(depth: int) -> st.SearchStrategy[str]:
    num = _num(1)
    leaves = st.one_of(
        st.tuples(num, st.sampled_from(["=", "!=", "<", "<=", ">", ">=", "<>"]), num).map(" ".join),
        st.tuples(_text(), st.sampled_from(["=", "!=", "<", ">="]), _text()).map(" ".join),
        st.tuples(num, st.sampled_from(["IN", "NOT IN"]), st.lists(st.one_of(numbers, st.just("NULL")), min_size=1,
                                                                      max_size=3))
        .map(lambda t: f"{t[0]} {t[1]} ({', '.join(t[2])})"),
        st.tuples(_text(), st.sampled_from(["IN", "NOT IN"]), st.lists(_text(), min_size=1, max_size=3))
        .map(lambda t: f"{t[0]} {t[1]} ({', '.join(t[2])})"),
        st.tuples(num, st.sampled_from(["BETWEEN", "NOT BETWEEN"]), num, num)
        .map(lambda t: f"{t[0]} {t[1]} {t[2]} AND {t[3]}"),
        st.tuples(st.sampled_from(["a", "s", "flag", "b"]), st.sampled_from(["IS NULL", "IS NOT NULL"])).map(" ".join),
        st.sampled_from(["flag", "true", "false", "flag = true", "flag != false"]),
    )
    if depth <= 0:
        return leaves
    sub = _bool(depth - 1)
    return st.one_of(
        leaves,
        st.tuples(sub, st.sampled_from(["AND", "OR", "and", "or"]), sub).map(lambda t: f"({t[0]} {t[1]} {t[2]})"),
        sub.map(lambda x: f"NOT ({x})"),
    )


def duckdb_mask(expression: str) -> list[bool]:
    con = duckdb.connect()
    try:
        con.register("t", FRAME.astype({"flag": "boolean"}))
        rows = con.execute(f"SELECT coalesce(({expression}), false) FROM t").fetchall()  # test-only reference
    finally:
        con.close()
    return [bool(r[0]) for r in rows]


@settings(max_examples=300)
@given(expression=_bool(2))
def test_the_evaluator_agrees_with_duckdb(expression: str) -> None:
    assert evaluate_mask(expression, FRAME).tolist() == duckdb_mask(expression)


@pytest.mark.parametrize(("text", "token", "position"), [
    ("a > 1 ; drop", ";", 7),
    ("a > `b`", "`", 5),
    ("dotted.name > 1", "dotted.name", 1),
    ("a >", None, 4),
    ("nope = 1", "nope", 1),
    ("system('x')", "system", 1),
    ("a > 1 b", "b", 7),
    ("(a > 1", None, 7),
    ("'open", "'open", 1),
    ("s IN 'x'", "x", 6),
])
def test_a_refusal_names_the_token_and_its_position(text: str, token: str | None, position: int) -> None:
    with pytest.raises(ExpressionError) as info:
        evaluate_mask(text, FRAME)
    assert info.value.position == position
    if token is not None:
        assert info.value.token == token
    assert f"position {position}" in str(info.value)


def test_types_are_checked_not_coerced() -> None:
    for text in ("s > 1", "a AND flag", "s + 1", "NOT a", "abs(s) > 1", "flag < true", "a IN ('x')"):
        with pytest.raises(ExpressionError):
            evaluate_mask(text, FRAME)


def test_nesting_and_length_are_bounded() -> None:
    with pytest.raises(ExpressionError, match="nested"):
        parse("(" * (MAX_DEPTH + 1) + "a > 1" + ")" * (MAX_DEPTH + 1), list(FRAME.columns))
    with pytest.raises(ExpressionError, match="nested"):
        parse("NOT " * (MAX_DEPTH + 1) + "flag", list(FRAME.columns))
    with pytest.raises(ExpressionError, match="longer"):
        parse("a > 1 OR " * 2_000 + "flag", list(FRAME.columns))
    assert parse("(" * MAX_DEPTH + "a > 1" + ")" * MAX_DEPTH, list(FRAME.columns)).kind == "binary"


def test_quoted_names_and_strings_escape_by_doubling() -> None:
    tokens = tokenize("\"we\"\"ird\" = 'it''s'")
    assert [(t.kind, t.text) for t in tokens[:3]] == [("quoted", "we\"ird"), ("op", "="), ("string", "it's")]
