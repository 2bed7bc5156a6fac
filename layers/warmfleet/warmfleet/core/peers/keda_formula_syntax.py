"""The syntax of KEDA's scaling-modifier formulas: tokens, the syntax tree and the parser.

The grammar is the numeric core of expr-lang (https://expr-lang.org/docs/language-definition) with its
operator precedence (``parser/operator/operator.go``); :mod:`.keda_formula` evaluates the tree. See there
for the operator table. :func:`parse` raises ValueError with the reason on a syntax error.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

Value = int | float | bool | None

_TOKEN = re.compile(
    r"\s*(?:(?P<number>\d+\.\d*(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?|\d+[eE][+-]?\d+|\d+)"
    r"|(?P<name>[A-Za-z_$][A-Za-z0-9_$]*)"
    r"|(?P<op>\?\?|\*\*|==|!=|<=|>=|&&|\|\||[-+*/%^<>!?:(),]))"
)
_BINARY = {
    "or": (10, "left"),
    "||": (10, "left"),
    "and": (15, "left"),
    "&&": (15, "left"),
    "==": (20, "left"),
    "!=": (20, "left"),
    "<": (20, "left"),
    ">": (20, "left"),
    "<=": (20, "left"),
    ">=": (20, "left"),
    "+": (30, "left"),
    "-": (30, "left"),
    "*": (60, "left"),
    "/": (60, "left"),
    "%": (60, "left"),
    "**": (100, "right"),
    "^": (100, "right"),
    "??": (500, "left"),
}
_UNARY = {"not": 50, "!": 50, "-": 90, "+": 90}
_WORD_OPERATORS = frozenset({"and", "or", "not"})
_CONSTANTS: dict[str, Value] = {"nil": None, "true": True, "false": False}
FUNCTION_NAMES = frozenset({"min", "max", "abs", "ceil", "floor", "round", "int", "float"})


@dataclass(frozen=True, slots=True)
class Literal:
    value: Value


@dataclass(frozen=True, slots=True)
class Name:
    name: str


@dataclass(frozen=True, slots=True)
class Unary:
    operator: str
    operand: Node


@dataclass(frozen=True, slots=True)
class Binary:
    operator: str
    left: Node
    right: Node


@dataclass(frozen=True, slots=True)
class Conditional:
    condition: Node
    when_true: Node
    when_false: Node


@dataclass(frozen=True, slots=True)
class Call:
    function: str
    arguments: tuple[Node, ...]


Node = Literal | Name | Unary | Binary | Conditional | Call


def _tokenize(source: str) -> list[str]:
    tokens: list[str] = []
    position = 0
    stripped_end = len(source.rstrip())
    while position < stripped_end:
        match = _TOKEN.match(source, position)
        if match is None or match.end() == position:
            raise ValueError(f"unexpected character {source[position:].lstrip()[:1]!r} at {position}")
        tokens.append(match.group(match.lastgroup or "op"))
        position = match.end()
    return tokens


class Parser:
    """Precedence climbing in the shape of expr-lang's ``parseExpression``."""

    def __init__(self, source: str) -> None:
        self.tokens = _tokenize(source)
        self.index = 0

    def peek(self) -> str | None:
        return self.tokens[self.index] if self.index < len(self.tokens) else None

    def take(self, expected: str | None = None) -> str:
        token = self.peek()
        if token is None or (expected is not None and token != expected):
            raise ValueError(f"expected {expected or 'a token'}, found {token or 'end of formula'}")
        self.index += 1
        return token

    def parse(self) -> Node:
        if not self.tokens:
            raise ValueError("the formula is empty")
        node = self.expression(0)
        if self.peek() is not None:
            raise ValueError(f"unexpected token {self.peek()!r}")
        return node

    def expression(self, precedence: int) -> Node:
        left = self.primary()
        while (token := self.peek()) in _BINARY and _BINARY[token][0] >= precedence:
            self.take()
            operator_precedence, associativity = _BINARY[token]
            right = self.expression(operator_precedence + (1 if associativity == "left" else 0))
            left = Binary(token, left, right)
        if precedence == 0:
            left = self.conditional(left)
        return left

    def conditional(self, node: Node) -> Node:
        while self.peek() == "?":
            self.take("?")
            when_true = self.expression(0)
            self.take(":")
            node = Conditional(node, when_true, self.expression(0))
        return node

    def primary(self) -> Node:
        token = self.take()
        if token in _UNARY:
            return Unary(token, self.expression(_UNARY[token]))
        if token == "(":
            node = self.expression(0)
            self.take(")")
            return node
        if token[0].isdigit() or token[0] == ".":
            return Literal(float(token) if any(c in token for c in ".eE") else int(token))
        if token in _CONSTANTS:
            return Literal(_CONSTANTS[token])
        if token[0].isalpha() or token[0] in "_$":
            if token in _WORD_OPERATORS:
                raise ValueError(f"unexpected operator {token!r}")
            if self.peek() == "(":
                return self.call(token)
            return Name(token)
        raise ValueError(f"unexpected token {token!r}")

    def call(self, function: str) -> Node:
        if function not in FUNCTION_NAMES:
            raise ValueError(f"unknown function {function}()")
        self.take("(")
        arguments: list[Node] = []
        while self.peek() != ")":
            arguments.append(self.expression(0))
            if self.peek() != ")":
                self.take(",")
        self.take(")")
        return Call(function, tuple(arguments))


def parse(source: str) -> Node:
    """Parse a formula into its syntax tree."""
    return Parser(source).parse()
