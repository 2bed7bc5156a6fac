"""The KEDA peer: the formula language table-tested from a file, and more KEDA vectors through the runner.

``vectors/formula.jsonl`` holds formulas with their data and the value (or runtime / syntax error) the
expr-lang subset must give; ``vectors/keda_more.jsonl`` holds further cases transcribed from KEDA's tests
(the SQS scaler, fallback behaviours, modifiers, the executor's pauses and cooldown) in the peer-vector
schema, evaluated exactly like the shipped ``keda.jsonl``.
"""

from __future__ import annotations

import io
import json
import math
import re
from pathlib import Path
from typing import Any

import pytest
from warmfleet.conformance.runner import run
from warmfleet.core.peers import keda_formula_syntax
from warmfleet.core.peers.keda import (
    FallbackSpec,
    compile_formula,
    fallback_spec_valid,
    hpa_bounds,
    replica_bounds_valid,
)
from warmfleet.core.peers.keda_formula import FUNCTIONS

VECTORS = Path(__file__).parent / "vectors"
FORMULA_CASES = [
    json.loads(line) for line in (VECTORS / "formula.jsonl").read_text(encoding="utf-8").splitlines() if line
]


@pytest.mark.parametrize("case", [pytest.param(case, id=case["id"]) for case in FORMULA_CASES])
def test_formula(case: dict[str, Any]) -> None:
    expected = case["expected"]
    if "syntax_error_contains" in expected:
        # GIVEN a formula that is not valid; WHEN it is compiled; THEN it is refused with the reason
        with pytest.raises(ValueError, match=re.escape(expected["syntax_error_contains"])):
            compile_formula(case["formula"])
        return
    # GIVEN a valid formula and the triggers' values
    formula = compile_formula(case["formula"])
    if "error_contains" in expected:
        # WHEN it runs into a type error THEN it raises with the reason
        with pytest.raises(ValueError, match=re.escape(expected["error_contains"])):
            formula.evaluate(case["data"])
        return

    # WHEN it is evaluated
    value = formula.evaluate(case["data"])

    # THEN the value and its type (int, float or bool) are expr-lang's
    want = math.inf if expected["value"] == "inf" else expected["value"]
    assert value == want
    assert type(value) is type(want)


def test_parser_and_evaluator_know_the_same_functions() -> None:
    # GIVEN the function names the parser accepts THEN the evaluator implements exactly those
    assert frozenset(FUNCTIONS) == keda_formula_syntax.FUNCTION_NAMES


def test_formula_names_are_the_triggers_it_reads() -> None:
    # GIVEN a formula over two triggers THEN it reports both names
    assert compile_formula("max(a, b ?? 1) > 2 ? a : 0").names == frozenset({"a", "b"})


@pytest.mark.parametrize(
    ("min_count", "max_count", "bounds"),
    [
        pytest.param(0, None, (1, 100), id="min-0-becomes-1-max-defaults-100"),
        pytest.param(None, 7, (1, 7), id="no-min"),
        pytest.param(3, 9, (3, 9), id="given"),
    ],
)
def test_hpa_bounds(min_count: int | None, max_count: int | None, bounds: tuple[int, int]) -> None:
    assert hpa_bounds(min_count, max_count) == bounds


def test_more_keda_vectors_pass() -> None:
    # GIVEN further cases transcribed from KEDA's tests WHEN the runner evaluates them
    out = io.StringIO()
    code = run([VECTORS / "keda_more.jsonl"], out)

    # THEN every one passes and none is skipped
    last = out.getvalue().splitlines()[-1]
    assert code == 0, out.getvalue()
    assert last.endswith(" passed, 0 failed, 0 skipped")


@pytest.mark.parametrize(
    ("minimum", "maximum", "idle", "valid"),
    [
        pytest.param(1, 5, None, True, id="no-idle"),
        pytest.param(6, 5, None, False, id="min-above-max"),
        pytest.param(2, 5, 0, True, id="idle-below-min"),
        pytest.param(1, 5, 1, False, id="idle-equal-min"),
    ],
)
def test_replica_bounds(minimum: int, maximum: int, idle: int | None, valid: bool) -> None:
    assert replica_bounds_valid(minimum, maximum, idle) is valid


@pytest.mark.parametrize(
    ("threshold", "replicas", "triggers", "valid"),
    [
        pytest.param(3, 5, ["aws-sqs-queue"], True, id="event-trigger"),
        pytest.param(-1, 5, ["aws-sqs-queue"], False, id="negative-threshold"),
        pytest.param(3, -1, ["aws-sqs-queue"], False, id="negative-replicas"),
        pytest.param(3, 5, ["cpu", "memory"], False, id="only-resource-triggers"),
        pytest.param(3, 5, ["cpu", "prometheus"], True, id="one-external-trigger"),
    ],
)
def test_fallback_spec(threshold: int, replicas: int, triggers: list[str], valid: bool) -> None:
    assert fallback_spec_valid(FallbackSpec(threshold, replicas), triggers) is valid
