"""Expressions over the columns of a table, read as data: a tokenizer, a parser and a NumPy evaluator.

An expression given by a user (``sovsim analyze --outcome``) is parsed into a tree of a few allowed node
kinds and evaluated column-wise with NumPy; nothing is handed to Python's ``eval`` or spliced into SQL.
The grammar is a small part of SQL, with SQL's three-valued logic (a comparison with a missing value is
missing, ``NULL AND false`` is false)::

    expr    := or
    or      := and ( OR and )*
    and     := not ( AND not )*
    not     := NOT not | compare
    compare := sum [ (= | == | != | <> | < | <= | > | >=) sum
                   | [NOT] IN ( sum, ... ) | [NOT] BETWEEN sum AND sum | IS [NOT] NULL ]
    sum     := product ( (+ | -) product )*
    product := unary ( (* | /) unary )*
    unary   := (- | +) unary | primary
    primary := number | 'string' | TRUE | FALSE | NULL | column | "column" | function ( expr, ... ) | ( expr )

Keywords are case-insensitive. A column is a bare name (``verdict``) or, for any other name, in double
quotes as in SQL (``"staff.attrition_per_year"``); a bare dotted name is refused with the quoted spelling.
Functions: ``abs``, ``ln``, ``log10``, ``exp``, ``sqrt``, ``least``, ``greatest``, ``coalesce``. Anything
else is an :class:`ExpressionError` naming the offending token and its position (1-based).
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

__all__ = ["ExpressionError", "Node", "parse", "evaluate", "evaluate_mask", "FUNCTIONS", "MAX_LENGTH", "MAX_DEPTH"]

#: Longest expression accepted, in characters.
MAX_LENGTH = 10_000
#: Deepest nesting accepted (parentheses, NOT, unary minus, function calls).
MAX_DEPTH = 64

_KEYWORDS = {"and", "or", "not", "in", "between", "is", "null", "true", "false"}
#: SQL words that never name a column here: refused as keywords, not reported as unknown columns.
_SQL_WORDS = {"select", "from", "where", "copy", "attach", "install", "load", "with", "union", "as", "to", "pragma",
              "set", "call", "create", "drop", "insert", "update", "delete", "case", "when", "then", "else", "end"}
_COMPARE = ("==", "!=", "<>", "<=", ">=", "=", "<", ">")
_TOKEN = re.compile(r"""
    (?P<space>\s+)
  | (?P<number>(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)
  | (?P<name>[A-Za-z_][A-Za-z0-9_]*)
  | (?P<op>==|!=|<>|<=|>=|[=<>+\-*/(),])
""", re.VERBOSE)
_DOTTED = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_0-9]+)+")
_HINTS = {"`": "quote column names with double quotes, as in SQL: \"staff.attrition_per_year\"",
          "&": "write AND", "|": "write OR", "~": "write NOT", "!": "write NOT (or != for not equal)",
          ";": "one expression only", "[": "write IN (a, b)", ".": "quote a dotted column name: \"a.b\""}


class ExpressionError(ValueError):
    """An expression that is not in the allowed grammar, names an unknown column or mixes types."""

    def __init__(self, message: str, token: str | None = None, position: int | None = None, hint: str = "") -> None:
        self.token = token
        self.position = position
        where = f" at position {position}" if position is not None else ""
        shown = f" {token!r}" if token is not None else ""
        super().__init__(f"{message}{shown}{where}" + (f" ({hint})" if hint else ""))


@dataclass(frozen=True)
class Token:
    kind: str  #: number, string, name, quoted, op, end
    text: str
    position: int  #: 1-based character position


@dataclass(frozen=True)
class Node:
    """A node of the tree.

    ``kind`` is one of literal, column, unary, binary, not, and, or, in, between, isnull, call; ``value``
    its literal, column name, operator or function; ``args`` its children.
    """

    kind: str
    value: object
    args: tuple[Node, ...]
    position: int


def tokenize(text: str) -> list[Token]:
    """The tokens of ``text``; an unknown character is an error naming it and its position."""
    tokens: list[Token] = []
    i = 0
    while i < len(text):
        ch = text[i]
        if ch in "'\"":
            j, out = i + 1, []
            while True:
                end = text.find(ch, j)
                if end < 0:
                    raise ExpressionError("unterminated quote starting", text[i:i + 20], i + 1)
                out.append(text[j:end])
                if text.startswith(ch, end + 1):  # a doubled quote stands for itself
                    out.append(ch)
                    j = end + 2
                    continue
                break
            value = "".join(out)
            if ch == '"' and not value:
                raise ExpressionError("empty quoted column name", '""', i + 1)
            tokens.append(Token("string" if ch == "'" else "quoted", value, i + 1))
            i = end + 1
            continue
        m = _TOKEN.match(text, i)
        if m is None:
            raise ExpressionError("unexpected character", ch, i + 1, _HINTS.get(ch, ""))
        kind = m.lastgroup or "space"
        if kind == "name" and (dotted := _DOTTED.match(text, i)):
            raise ExpressionError(f"a dotted column name must be in double quotes, as in SQL: "
                                  f"\"{dotted.group()}\"; found", dotted.group(), i + 1)
        if kind != "space":
            tokens.append(Token(kind, m.group(), i + 1))
        i = m.end()
    tokens.append(Token("end", "", len(text) + 1))
    return tokens


class _Parser:
    def __init__(self, text: str, columns: Sequence[str]) -> None:
        self.tokens = tokenize(text)
        self.i = 0
        self.depth = 0
        self.columns = list(columns)

    # -- helpers ---------------------------------------------------------------------------------------
    @property
    def tok(self) -> Token:
        return self.tokens[self.i]

    def keyword(self, *words: str) -> bool:
        return self.tok.kind == "name" and self.tok.text.lower() in words

    def op(self, *ops: str) -> bool:
        return self.tok.kind == "op" and self.tok.text in ops

    def take(self) -> Token:
        tok = self.tok
        self.i += 1
        return tok

    def expect_op(self, op: str, what: str) -> Token:
        if not self.op(op):
            self.fail(f"expected {what}, found")
        return self.take()

    def fail(self, message: str) -> None:
        tok = self.tok
        if tok.kind == "end":
            raise ExpressionError(f"{message} the end of the expression", None, tok.position)
        raise ExpressionError(message, tok.text, tok.position)

    def nested(self, position: int) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise ExpressionError(f"nested more than {MAX_DEPTH} levels deep", None, position)

    # -- grammar ---------------------------------------------------------------------------------------
    def parse(self) -> Node:
        node = self.or_()
        if self.tok.kind != "end":
            self.fail("unexpected")
        return node

    def or_(self) -> Node:
        node = self.and_()
        while self.keyword("or"):
            pos = self.take().position
            node = Node("or", "OR", (node, self.and_()), pos)
        return node

    def and_(self) -> Node:
        node = self.not_()
        while self.keyword("and"):
            pos = self.take().position
            node = Node("and", "AND", (node, self.not_()), pos)
        return node

    def not_(self) -> Node:
        if self.keyword("not"):
            pos = self.take().position
            self.nested(pos)
            node = Node("not", "NOT", (self.not_(),), pos)
            self.depth -= 1
            return node
        return self.compare()

    def compare(self) -> Node:
        left = self.sum_()
        if self.op(*_COMPARE):
            tok = self.take()
            op = {"==": "=", "<>": "!="}.get(tok.text, tok.text)
            return Node("binary", op, (left, self.sum_()), tok.position)
        negate = False
        if self.keyword("not") and self.tokens[self.i + 1].kind == "name" and \
                self.tokens[self.i + 1].text.lower() in ("in", "between"):
            negate = True
            self.take()
        if self.keyword("in"):
            pos = self.take().position
            self.expect_op("(", "'(' after IN")
            items = [self.sum_()]
            while self.op(","):
                self.take()
                items.append(self.sum_())
            self.expect_op(")", "',' or ')' in the IN list")
            node = Node("in", "IN", (left, *items), pos)
        elif self.keyword("between"):
            pos = self.take().position
            low = self.sum_()
            if not self.keyword("and"):
                self.fail("expected AND in BETWEEN … AND …, found")
            self.take()
            node = Node("between", "BETWEEN", (left, low, self.sum_()), pos)
        elif self.keyword("is") and not negate:
            pos = self.take().position
            is_not = self.keyword("not")
            if is_not:
                self.take()
            if not self.keyword("null"):
                self.fail("expected NULL after IS, found")
            self.take()
            return Node("not", "NOT", (Node("isnull", "IS NULL", (left,), pos),), pos) if is_not else \
                Node("isnull", "IS NULL", (left,), pos)
        else:
            return left
        return Node("not", "NOT", (node,), node.position) if negate else node

    def sum_(self) -> Node:
        node = self.product()
        while self.op("+", "-"):
            tok = self.take()
            node = Node("binary", tok.text, (node, self.product()), tok.position)
        return node

    def product(self) -> Node:
        node = self.unary()
        while self.op("*", "/"):
            tok = self.take()
            node = Node("binary", tok.text, (node, self.unary()), tok.position)
        return node

    def unary(self) -> Node:
        if self.op("-", "+"):
            tok = self.take()
            self.nested(tok.position)
            operand = self.unary()
            self.depth -= 1
            return operand if tok.text == "+" else Node("unary", "-", (operand,), tok.position)
        return self.primary()

    def primary(self) -> Node:
        tok = self.tok
        if tok.kind == "number":
            self.take()
            return Node("literal", float(tok.text), (), tok.position)
        if tok.kind == "string":
            self.take()
            return Node("literal", tok.text, (), tok.position)
        if tok.kind == "quoted":
            self.take()
            return self.column(tok.text, tok)
        if self.op("("):
            self.take()
            self.nested(tok.position)
            node = self.or_()
            self.depth -= 1
            self.expect_op(")", "')'")
            return node
        if tok.kind == "name":
            word = tok.text.lower()
            if word in ("true", "false"):
                self.take()
                return Node("literal", word == "true", (), tok.position)
            if word == "null":
                self.take()
                return Node("literal", None, (), tok.position)
            if word in _KEYWORDS or word in _SQL_WORDS:
                self.fail("unexpected keyword")
            self.take()
            if self.op("("):
                return self.call(tok)
            return self.column(tok.text, tok)
        self.fail("expected a column, a value or '(', found")
        raise AssertionError  # unreachable: fail raises

    def call(self, name: Token) -> Node:
        function = name.text.lower()
        if function not in FUNCTIONS:
            raise ExpressionError("unknown function", name.text, name.position, "allowed: " + ", ".join(FUNCTIONS))
        self.take()  # (
        self.nested(name.position)
        args = [self.or_()]
        while self.op(","):
            self.take()
            args.append(self.or_())
        self.depth -= 1
        self.expect_op(")", "',' or ')' after the arguments")
        low, high = _ARITY[function]
        if not low <= len(args) <= high:
            wanted = str(low) if low == high else f"at least {low}"
            raise ExpressionError(f"{function}() takes {wanted} argument{'s' if high != 1 else ''}, "
                                  f"given {len(args)}:", name.text, name.position)
        return Node("call", function, tuple(args), name.position)

    def column(self, name: str, tok: Token) -> Node:
        if name not in self.columns:
            close = difflib.get_close_matches(name, self.columns, n=1)
            raise ExpressionError("unknown column", name, tok.position,
                                  f"did you mean \"{close[0]}\"?" if close else "not a column of the futures table")
        return Node("column", name, (), tok.position)



def parse(text: str, columns: Sequence[str]) -> Node:
    """The tree of ``text``, whose columns must be among ``columns``."""
    if not isinstance(text, str):
        raise ExpressionError("not a string:", repr(text))
    if len(text) > MAX_LENGTH:
        raise ExpressionError(f"longer than {MAX_LENGTH:,} characters ({len(text):,})")
    if not text.strip():
        raise ExpressionError("empty expression")
    if "\x00" in text:
        raise ExpressionError("unexpected character", "\x00", text.index("\x00") + 1)
    return _Parser(text, columns).parse()


# -- evaluation -----------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Value:
    """A column of values with its type (number, string, bool, null) and a mask of missing entries."""

    kind: str
    data: np.ndarray
    null: np.ndarray


def _column(frame: pd.DataFrame, name: str) -> Value:
    series = frame[name]
    if isinstance(series.dtype, pd.CategoricalDtype):
        series = series.astype(object)
    null = series.isna().to_numpy(dtype=bool)
    if pd.api.types.is_bool_dtype(series.dtype):
        return Value("bool", series.fillna(False).to_numpy(dtype=bool), null)
    if pd.api.types.is_numeric_dtype(series.dtype):
        return Value("number", series.to_numpy(dtype=float, na_value=np.nan), null)
    values = series.to_numpy(dtype=object)
    present = values[~null]
    if present.size and all(isinstance(v, (bool, np.bool_)) for v in present):
        return Value("bool", np.where(null, False, values).astype(bool), null)
    if present.size and all(isinstance(v, (int, float, np.number)) and not isinstance(v, (bool, np.bool_))
                            for v in present):
        return Value("number", np.where(null, np.nan, values).astype(float), null)
    return Value("string", np.where(null, "", values).astype(str).astype(object), null)


def _literal(value: object, n: int) -> Value:
    if value is None:
        return Value("null", np.zeros(n), np.ones(n, bool))
    if isinstance(value, bool):
        return Value("bool", np.full(n, value), np.zeros(n, bool))
    if isinstance(value, float):
        return Value("number", np.full(n, value), np.zeros(n, bool))
    return Value("string", np.full(n, value, dtype=object), np.zeros(n, bool))


def _same_kind(node: Node, values: Sequence[Value], what: str) -> str:
    kinds = {v.kind for v in values} - {"null"}
    if len(kinds) > 1:
        raise ExpressionError(f"{what} mixes {' and '.join(sorted(kinds))} values:", str(node.value), node.position)
    return kinds.pop() if kinds else "null"


def _want(node: Node, value: Value, kinds: tuple[str, ...], what: str) -> None:
    if value.kind not in kinds + ("null",):
        raise ExpressionError(f"{what} needs {' or '.join(kinds)} values, not {value.kind}:", str(node.value),
                              node.position)


def _compare(op: str, a: Value, b: Value) -> np.ndarray:
    if a.kind == "string":
        x, y = a.data.astype(str), b.data.astype(str)
    else:
        x, y = a.data, b.data
    if op == "=":
        return np.asarray(x == y, dtype=bool)
    if op == "!=":
        return np.asarray(x != y, dtype=bool)
    cmp: dict[str, Callable[[np.ndarray, np.ndarray], np.ndarray]] = {
        "<": np.less, "<=": np.less_equal, ">": np.greater, ">=": np.greater_equal}
    if a.kind == "string":
        return np.asarray(cmp[op](x.astype("U"), y.astype("U")), dtype=bool)
    return np.asarray(cmp[op](x, y), dtype=bool)


def _eval(node: Node, frame: pd.DataFrame, n: int) -> Value:  # noqa: C901 - one case per node kind
    kind = node.kind
    if kind == "literal":
        return _literal(node.value, n)
    if kind == "column":
        return _column(frame, str(node.value))
    args = [_eval(a, frame, n) for a in node.args]
    if kind == "not":
        _want(node, args[0], ("bool",), "NOT")
        return Value("bool", ~args[0].data.astype(bool) & ~args[0].null, args[0].null)
    if kind in ("and", "or"):
        a, b = args
        _want(node, a, ("bool",), kind.upper())
        _want(node, b, ("bool",), kind.upper())
        ad, bd = a.data.astype(bool), b.data.astype(bool)
        if kind == "and":
            false = (~ad & ~a.null) | (~bd & ~b.null)
            null = ~false & (a.null | b.null)
            return Value("bool", ~false & ~null, null)
        true = (ad & ~a.null) | (bd & ~b.null)
        null = ~true & (a.null | b.null)
        return Value("bool", true, null)
    if kind == "isnull":
        return Value("bool", args[0].null.copy(), np.zeros(n, bool))
    if kind == "unary":
        _want(node, args[0], ("number",), "'-'")
        return Value("number", -args[0].data.astype(float), args[0].null)
    if kind == "binary":
        a, b = args
        op = str(node.value)
        null = a.null | b.null
        if op in "+-*/":
            _want(node, a, ("number",), f"'{op}'")
            _want(node, b, ("number",), f"'{op}'")
            x, y = a.data.astype(float), b.data.astype(float)
            with np.errstate(all="ignore"):
                out = {"+": np.add, "-": np.subtract, "*": np.multiply, "/": np.divide}[op](x, y)
            if op == "/":
                null = null | (y == 0)  # SQL: division by zero gives NULL
            return Value("number", np.where(null, np.nan, out), null)
        kinds = _same_kind(node, args, f"'{op}'")
        if kinds == "null":
            return Value("bool", np.zeros(n, bool), np.ones(n, bool))
        if kinds == "bool" and op not in ("=", "!="):
            raise ExpressionError(f"'{op}' cannot order true/false values:", op, node.position)
        return Value("bool", _compare(op, a, b) & ~null, null)
    if kind == "in":
        left, items = args[0], args[1:]
        _same_kind(node, args, "IN")
        true = np.zeros(n, bool)
        any_null = np.zeros(n, bool)
        for item in items:
            if item.kind == "null" or left.kind == "null":
                any_null |= True
                continue
            true |= _compare("=", left, item) & ~left.null & ~item.null
            any_null |= item.null
        null = ~true & (left.null | any_null)
        return Value("bool", true & ~null, null)
    if kind == "between":
        left, low, high = args
        _same_kind(node, args, "BETWEEN")
        if left.kind == "bool":
            raise ExpressionError("BETWEEN cannot order true/false values:", "BETWEEN", node.position)
        lo = Value("bool", _compare(">=", left, low) & ~(left.null | low.null), left.null | low.null) \
            if "null" not in (left.kind, low.kind) else Value("bool", np.zeros(n, bool), np.ones(n, bool))
        hi = Value("bool", _compare("<=", left, high) & ~(left.null | high.null), left.null | high.null) \
            if "null" not in (left.kind, high.kind) else Value("bool", np.zeros(n, bool), np.ones(n, bool))
        false = (~lo.data & ~lo.null) | (~hi.data & ~hi.null)
        null = ~false & (lo.null | hi.null)
        return Value("bool", ~false & ~null, null)
    if kind == "call":
        return _call(node, args, n)
    raise AssertionError(f"unknown node kind {kind}")  # pragma: no cover - the parser makes only the above


def _call(node: Node, args: list[Value], n: int) -> Value:
    name = str(node.value)
    if name == "coalesce":
        kind = _same_kind(node, args, "coalesce()")
        data = args[0].data.copy() if kind != "null" else np.zeros(n)
        null = args[0].null.copy()
        if kind != "null":
            data = data.astype(object if kind == "string" else float if kind == "number" else bool)
        for arg in args[1:]:
            fill = null & ~arg.null
            if fill.any():
                data[fill] = arg.data[fill]
            null &= arg.null
        return Value(kind, data, null)
    for arg in args:
        _want(node, arg, ("number",), f"{name}()")
    if name in ("least", "greatest"):  # as DuckDB: missing values are skipped; all missing gives missing
        stack = np.vstack([np.where(a.null, np.nan, a.data.astype(float)) for a in args])
        null = np.all(np.vstack([a.null for a in args]), axis=0)
        with np.errstate(all="ignore"):
            filled = np.where(null, 0.0, (np.fmin if name == "least" else np.fmax).reduce(stack, axis=0))
        return Value("number", filled, null)
    x = args[0].data.astype(float)
    null = args[0].null.copy()
    with np.errstate(all="ignore"):
        if name in ("ln", "log10", "sqrt"):
            bad = (x <= 0) if name != "sqrt" else (x < 0)
            null = null | bad
            x = np.where(null, 1.0, x)
        out = {"abs": np.abs, "ln": np.log, "log10": np.log10, "exp": np.exp, "sqrt": np.sqrt}[name](x)
    null = null | ~np.isfinite(out)
    return Value("number", np.where(null, np.nan, out), null)


FUNCTIONS = ("abs", "ln", "log10", "exp", "sqrt", "least", "greatest", "coalesce")
_ARITY = {"abs": (1, 1), "ln": (1, 1), "log10": (1, 1), "exp": (1, 1), "sqrt": (1, 1), "least": (1, 64),
          "greatest": (1, 64), "coalesce": (1, 64)}


def evaluate(node: Node, frame: pd.DataFrame) -> Value:
    """The value of ``node`` on every row of ``frame``."""
    return _eval(node, frame, len(frame))


def evaluate_mask(text: str, frame: pd.DataFrame) -> np.ndarray:
    """True where boolean expression ``text`` holds on a row of ``frame`` (missing counts as false)."""
    node = parse(text, [str(c) for c in frame.columns])
    value = evaluate(node, frame)
    if value.kind not in ("bool", "null"):
        raise ExpressionError(f"gives {value.kind} values, not true/false")
    return np.asarray(value.data, dtype=bool) & ~value.null
