"""The numeric subset of expr-lang that KEDA's ``scalingModifiers.formula`` is written in.

KEDA compiles the formula with expr-lang (https://expr-lang.org/docs/language-definition) and runs it over
``{trigger name: value}``. This is a small parser and evaluator for its numeric core, never ``eval``:
numbers (int and float), identifiers (a trigger missing from the data is nil), ``nil``, ``true``, ``false``,
parentheses, the ternary ``c ? a : b``, the functions ``min max abs ceil floor round int float``,
and the operators with expr-lang's precedence (``parser/operator/operator.go``)::

    ??               500  left   nil-coalescing: the right side when the left is nil
    ** ^             100  right  power (float)
    unary - +         90
    * / %             60  left   ``/`` is always float division; ``%`` takes ints
    unary ! not       50
    + -               30  left
    == != < > <= >=   20  left
    and &&            15  left
    or ||             10  left

Arithmetic keeps ints while both sides are ints (like Go), and a nil operand of an arithmetic operator is
an error. :func:`compile_formula` raises ValueError on a syntax error; :meth:`Formula.evaluate` raises
ValueError on a runtime error (KEDA's "error trying to run custom formula").
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from warmfleet.core.peers.keda_formula_syntax import (
    Binary,
    Call,
    Conditional,
    Literal,
    Name,
    Node,
    Unary,
    Value,
    parse,
)
from warmfleet.core.rules.activation import ieee_divide


def _is_number(value: Value) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _number(value: Value, where: str) -> int | float:
    if not _is_number(value):
        raise ValueError(f"invalid operation: {where} on {_type_name(value)}")
    assert isinstance(value, int | float)
    return value


def _type_name(value: Value) -> str:
    if value is None:
        return "<nil>"
    if isinstance(value, bool):
        return "bool"
    return "int" if isinstance(value, int) else "float64"


def _arithmetic(operator: str, left: Value, right: Value) -> Value:
    a, b = _number(left, operator), _number(right, operator)
    if operator == "+":
        return a + b
    if operator == "-":
        return a - b
    if operator == "*":
        return a * b
    if operator == "/":
        return ieee_divide(float(a), float(b))
    if operator == "%":
        if not (isinstance(a, int) and isinstance(b, int)):
            raise ValueError(f"invalid operation: {_type_name(left)} % {_type_name(right)}")
        if b == 0:
            raise ValueError("integer divide by zero")
        remainder = abs(a) % abs(b)
        return remainder if a >= 0 else -remainder  # Go's % takes the dividend's sign
    return _power(float(a), float(b))


def _power(base: float, exponent: float) -> float:
    """Go's ``math.Pow`` where Python raises: overflow and ``0 ** -n`` are +Inf, a domain error NaN."""
    if base == 0 and exponent < 0:
        return math.inf
    try:
        return math.pow(base, exponent)
    except OverflowError:
        return math.inf
    except ValueError:
        return math.nan


def _compare(operator: str, left: Value, right: Value) -> bool:
    if operator == "==":
        return _equal(left, right)
    if operator == "!=":
        return not _equal(left, right)
    a, b = _number(left, operator), _number(right, operator)
    return {"<": a < b, ">": a > b, "<=": a <= b, ">=": a >= b}[operator]


def _equal(left: Value, right: Value) -> bool:
    if _is_number(left) and _is_number(right):
        return left == right
    return type(left) is type(right) and left == right


def _boolean(value: Value, where: str) -> bool:
    if not isinstance(value, bool):
        raise ValueError(f"invalid operation: {where} on {_type_name(value)}")
    return value


def _min_max(pick: Callable[[Sequence[int | float]], int | float], name: str) -> Callable[..., Value]:
    def apply(*values: Value) -> Value:
        if not values:
            raise ValueError(f"not enough arguments to call {name}")
        return pick([_number(value, name) for value in values])

    return apply


def _one(function: Callable[[int | float], Value], name: str) -> Callable[..., Value]:
    def apply(*values: Value) -> Value:
        if len(values) != 1:
            raise ValueError(f"{name}() takes exactly one argument")
        return function(_number(values[0], name))

    return apply


FUNCTIONS: dict[str, Callable[..., Value]] = {
    "min": _min_max(min, "min"),
    "max": _min_max(max, "max"),
    "abs": _one(abs, "abs"),
    "ceil": _one(lambda x: float(math.ceil(x)), "ceil"),
    "floor": _one(lambda x: float(math.floor(x)), "floor"),
    "round": _one(lambda x: float(math.floor(abs(x) + 0.5)) * (1 if x >= 0 else -1), "round"),
    "int": _one(int, "int"),
    "float": _one(float, "float"),
}


def _evaluate(node: Node, data: Mapping[str, Value]) -> Value:
    if isinstance(node, Literal):
        return node.value
    if isinstance(node, Name):
        return data.get(node.name)
    if isinstance(node, Unary):
        value = _evaluate(node.operand, data)
        if node.operator in {"!", "not"}:
            return not _boolean(value, node.operator)
        number = _number(value, f"unary {node.operator}")
        return -number if node.operator == "-" else number
    if isinstance(node, Conditional):
        branch = _boolean(_evaluate(node.condition, data), "?:")
        return _evaluate(node.when_true if branch else node.when_false, data)
    if isinstance(node, Call):
        return FUNCTIONS[node.function](*(_evaluate(argument, data) for argument in node.arguments))
    return _evaluate_binary(node, data)


def _evaluate_binary(node: Binary, data: Mapping[str, Value]) -> Value:
    left = _evaluate(node.left, data)
    if node.operator == "??":
        return _evaluate(node.right, data) if left is None else left
    if node.operator in {"and", "&&"}:
        return _boolean(left, node.operator) and _boolean(_evaluate(node.right, data), node.operator)
    if node.operator in {"or", "||"}:
        return _boolean(left, node.operator) or _boolean(_evaluate(node.right, data), node.operator)
    right = _evaluate(node.right, data)
    if node.operator in {"==", "!=", "<", ">", "<=", ">="}:
        return _compare(node.operator, left, right)
    return _arithmetic(node.operator, left, right)


@dataclass(frozen=True, slots=True)
class Formula:
    """A compiled formula; :meth:`evaluate` runs it over ``{trigger name: value or None}``."""

    source: str
    tree: Node

    @property
    def names(self) -> frozenset[str]:
        """The identifiers the formula reads (trigger names)."""
        return frozenset(_names(self.tree))

    def evaluate(self, data: Mapping[str, Value]) -> Value:
        """The formula's value; raises ValueError on a runtime error (nil arithmetic, type mismatch)."""
        return _evaluate(self.tree, data)


def _names(node: Node) -> list[str]:
    if isinstance(node, Name):
        return [node.name]
    if isinstance(node, Unary):
        return _names(node.operand)
    if isinstance(node, Binary):
        return _names(node.left) + _names(node.right)
    if isinstance(node, Conditional):
        return _names(node.condition) + _names(node.when_true) + _names(node.when_false)
    if isinstance(node, Call):
        return [name for argument in node.arguments for name in _names(argument)]
    return []


def compile_formula(source: str) -> Formula:
    """Parse ``source``; raises ValueError with the reason when it is not a valid formula.

    >>> compile_formula("trigger1 + trigger2 ?? 5").evaluate({"trigger1": 2.0, "trigger2": None})
    7.0
    """
    return Formula(source, parse(source))
