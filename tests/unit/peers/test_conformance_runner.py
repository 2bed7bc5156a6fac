"""The conformance runner applies the peer-vector README's evaluation rules (table-driven from a file).

Each line of ``vectors/runner_rules.jsonl`` is a synthetic case with the output a peer "produced"
(``test_produced``) and the outcome the README's rules demand (``test_outcome``). A test registry echoes
``test_produced``, so these tests exercise only the runner's comparison, counting and reporting.
"""

from __future__ import annotations

import io
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
from warmfleet.conformance.runner import DESCRIBED_KINDS, KindFunction, Outcome, evaluate, run

VECTORS = Path(__file__).parent / "vectors"
RULES_FILE = VECTORS / "runner_rules.jsonl"
RULE_CASES = [json.loads(line) for line in RULES_FILE.read_text(encoding="utf-8").splitlines() if line]
UNIMPLEMENTED = {"store_scale_event", "no_such_kind"}


def _echo(case: Mapping[str, Any]) -> Any:
    produced = case["test_produced"]
    if produced is None:
        raise RuntimeError("this peer failed on the case")
    return produced


def _registry() -> dict[str, KindFunction]:
    kinds = {case.get("kind", case.get("calc")) for case in RULE_CASES}
    return {kind: _echo for kind in kinds if kind not in UNIMPLEMENTED}


@pytest.mark.parametrize("case", [pytest.param(case, id=case["id"]) for case in RULE_CASES])
def test_rule(case: dict[str, Any]) -> None:
    # GIVEN a synthetic case and what a peer produced for it
    registry = _registry()

    # WHEN the runner evaluates it
    result = evaluate(case, registry, line_number=1)

    # THEN the outcome is the one the README's rules demand, with a reason when it is not a pass
    assert result.outcome == Outcome(case["test_outcome"]), result.problems
    assert bool(result.problems) == (result.outcome is not Outcome.PASSED)


def test_every_kind_in_the_shipped_vectors_is_described() -> None:
    # GIVEN the kinds that occur in the copied peer-vector files
    data = Path(__file__).parents[2] / "data" / "peer_vectors"
    kinds = {
        json.loads(line).get("kind", json.loads(line).get("calc"))
        for path in sorted(data.glob("*.jsonl"))
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.strip()
    }

    # THEN the runner knows each as described, so none can be skipped
    assert kinds
    assert kinds <= DESCRIBED_KINDS


PASS, FAIL, SKIP = "equal-values-pass", "missing-key-fails", "unknown-kind-skipped"


@pytest.mark.parametrize(
    ("case_ids", "exit_code", "final_line"),
    [
        pytest.param([PASS], 0, "1 passed, 0 failed, 0 skipped", id="all-pass-exits-0"),
        pytest.param([PASS, FAIL], 1, "1 passed, 1 failed, 0 skipped", id="a-failure-exits-1"),
        pytest.param([PASS, SKIP], 0, "1 passed, 0 failed, 1 skipped", id="a-skip-alone-exits-0"),
    ],
)
def test_run_reports_and_exit_code(
    tmp_path: Path, case_ids: list[str], exit_code: int, final_line: str
) -> None:
    # GIVEN a vector file made of some of the synthetic cases
    by_id = {case["id"]: case for case in RULE_CASES}
    picked = [by_id[case_id] for case_id in case_ids]
    vector_file = tmp_path / "sample.jsonl"
    vector_file.write_text("".join(json.dumps(case) + "\n" for case in picked), encoding="utf-8")
    out = io.StringIO()

    # WHEN the runner evaluates the file
    code = run([vector_file], out, registry=_registry())

    # THEN it prints the per-kind tally, ends with the summary line and exits accordingly
    printed = out.getvalue().splitlines()
    assert code == exit_code
    assert printed[-1] == final_line
    assert any(line.strip().startswith("fallback") for line in printed)


def test_malformed_line_fails_without_stopping_the_run(tmp_path: Path) -> None:
    # GIVEN a file with one broken line between two good ones
    good = json.dumps(RULE_CASES[0])
    vector_file = tmp_path / "broken.jsonl"
    vector_file.write_text(f"{good}\n{{not json\n\n{good}\n", encoding="utf-8")
    out = io.StringIO()

    # WHEN the runner evaluates it
    code = run([vector_file], out, registry=_registry())

    # THEN the broken line is one failure and the good lines still pass
    assert code == 1
    assert out.getvalue().splitlines()[-1] == "2 passed, 1 failed, 0 skipped"
    assert "not valid JSON" in out.getvalue()


def test_unreadable_file_is_a_usage_error(tmp_path: Path) -> None:
    # GIVEN a path that does not exist
    out = io.StringIO()

    # WHEN the runner is asked to read it
    code = run([tmp_path / "absent.jsonl"], out, registry=_registry())

    # THEN it says so and exits 2 without a summary
    assert code == 2
    assert "cannot read" in out.getvalue()
