"""Every HPA test vector (tests/data/peer_vectors/hpa_*.jsonl) passes through the conformance runner."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from _pytest.mark import ParameterSet
from warmfleet.conformance.runner import Outcome, default_registry, evaluate, run

VECTORS = Path(__file__).resolve().parents[2] / "data" / "peer_vectors"
FILES = ("hpa_replica_calculator.jsonl", "hpa_behavior.jsonl")


def _cases() -> list[ParameterSet]:
    params: list[ParameterSet] = []
    for name in FILES:
        for number, line in enumerate((VECTORS / name).read_text().splitlines(), start=1):
            if line.strip():
                case = json.loads(line)
                params.append(pytest.param(case, number, id=case["id"]))
    return params


@pytest.mark.parametrize(("case", "line_number"), _cases())
def test_hpa_vector_passes(case: dict[str, object], line_number: int) -> None:
    # GIVEN one case transcribed from the HPA's own tests WHEN warmfleet's HPA evaluates it
    result = evaluate(case, default_registry(), line_number)
    # THEN every expected key is produced and equal
    assert result.outcome is Outcome.PASSED, result.problems


def test_the_command_reports_all_hpa_vectors_passed() -> None:
    # GIVEN both HPA files WHEN the conformance command runs them THEN all 85 pass
    out = io.StringIO()
    code = run([VECTORS / name for name in FILES], out)
    assert code == 0
    assert out.getvalue().splitlines()[-1] == "85 passed, 0 failed, 0 skipped"
