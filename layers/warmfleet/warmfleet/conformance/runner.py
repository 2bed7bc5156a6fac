"""Run peer test vectors (``../shared/peer_vectors`` schema) against warmfleet's peer modules.

Each JSONL line is one case. Its kind is its ``kind`` field (``calc`` in ``hpa_replica_calculator.jsonl``).
The kind selects a function from the peer modules' ``KINDS`` tables (:mod:`.hpa`, :mod:`.keda`,
:mod:`.knative`, :mod:`.rayserve`); it takes the whole case and returns the produced outputs, which
:func:`warmfleet.conformance.compare.problems` checks against the case. The returned shapes are:

* most kinds: a dict keyed like the case's ``expected`` (an HPA error case returns ``{"error": msg}``);
* Knative ``scale_sequence``: ``{"steps": [outputs of step 0, ...]}``, each keyed like ``steps[i].expected``;
* Ray ``policy_sequence``: ``{"steps": [[decision, ...], ...]}``, one list per step holding the decision
  of every one of its calls (``repeat`` x ``repeat_whole_sequence``), also for steps whose ``expected`` is
  ``null`` (the list length proves the calls ran);
* Ray ``apply_delay_logic``: ``{"calls": [decision of call 0, ...]}``;
* Ray bound kinds produce the bounded quantity: ``desired_replicas`` (a list of every result for the
  ``_property`` sweep), ``fire_time_s`` and ``overshoot_factor``.

A case passes when there is no problem, fails otherwise (a kind function that raises, a malformed line, or
a kind the README describes that no module implements also fail), and is skipped only when the README does
not describe its kind. Output: per file, one line per kind and one per failed case, then the final line
``N passed, M failed, K skipped``. The exit code is 1 when anything failed, 2 when a file cannot be read.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any, TextIO

from warmfleet.conformance import compare, hpa, keda, knative, rayserve

KindFunction = Callable[[Mapping[str, Any]], dict[str, Any]]

#: Every kind the peer-vector README describes, including those marked "not in these files".
DESCRIBED_KINDS = frozenset(
    {
        # hpa_replica_calculator.jsonl (`calc`)
        "resource_utilization",
        "pod_metric_average_value",
        "object_metric_value",
        "object_metric_average_value",
        "external_metric_value",
        "external_metric_average_value",
        # hpa_behavior.jsonl
        "controller_reconcile",
        "convert_rules_legacy",
        "rate_limit",
        "scale_down_limit",
        "scale_up_limit",
        "stabilization_legacy",
        "stabilization_with_behavior",
        "store_scale_event",
        # keda.jsonl
        "sqs_get_metric",
        "sqs_process_attributes",
        "sqs_metric_name",
        "sqs_parse_metadata",
        "fallback",
        "fallback_condition",
        "scaling_modifier_trigger_value",
        "scaling_modifiers_formula",
        "scaling_modifiers_metric_mapping",
        "scale_executor",
        "scale_executor_ready_condition",
        "scale_handler_activity",
        "fallback_spec_validation",
        "replica_bounds_validation",
        "hpa_min_max_from_scaledobject",
        # knative_kpa.jsonl
        "scale_sequence",
        "construction",
        # rayserve.jsonl
        *compare.RAY_KINDS,
    }
)


class Outcome(StrEnum):
    PASSED = "passed"
    FAILED = "failed"
    SKIPPED = "skipped"


@dataclass(frozen=True)
class CaseResult:
    case_id: str
    kind: str
    outcome: Outcome
    problems: tuple[str, ...] = ()


@dataclass
class Tally:
    counts: Counter[Outcome] = field(default_factory=Counter)

    def add(self, outcome: Outcome) -> None:
        self.counts[outcome] += 1

    def line(self) -> str:
        return ", ".join(f"{self.counts[outcome]} {outcome}" for outcome in Outcome)


def default_registry() -> dict[str, KindFunction]:
    """The union of the peer modules' ``KINDS``; a kind claimed twice is a programming error."""
    registry: dict[str, KindFunction] = {}
    for module in (hpa, keda, knative, rayserve):
        for kind, function in module.KINDS.items():
            if kind in registry:
                raise ValueError(f"conformance kind {kind!r} is claimed by two peer modules")
            registry[kind] = function
    return registry


def evaluate(case: Any, registry: Mapping[str, KindFunction], line_number: int) -> CaseResult:
    """Evaluate one parsed JSONL line."""
    if not isinstance(case, Mapping):
        return CaseResult(f"line {line_number}", "?", Outcome.FAILED, ("the line is not a JSON object",))
    case_id = str(case.get("id", f"line {line_number}"))
    kind = case.get("kind", case.get("calc"))
    if not isinstance(kind, str):
        return CaseResult(case_id, "?", Outcome.FAILED, ("the case has no `kind` (or `calc`) string",))
    if kind not in registry:
        if kind in DESCRIBED_KINDS:
            reason = f"kind {kind!r} is described by the peer-vector README but not implemented"
            return CaseResult(case_id, kind, Outcome.FAILED, (reason,))
        return CaseResult(case_id, kind, Outcome.SKIPPED, (f"kind {kind!r} is not described",))
    try:
        produced = registry[kind](case)
    except Exception as error:  # a peer that raises on a case fails that case, not the run
        return CaseResult(case_id, kind, Outcome.FAILED, (f"raised {type(error).__name__}: {error}",))
    if not isinstance(produced, Mapping):
        problem = f"the {kind} function returned {type(produced).__name__}, not an object"
        return CaseResult(case_id, kind, Outcome.FAILED, (problem,))
    found = compare.problems(case, kind, produced)
    return CaseResult(case_id, kind, Outcome.FAILED if found else Outcome.PASSED, tuple(found))


def evaluate_file(path: Path, registry: Mapping[str, KindFunction]) -> list[CaseResult]:
    """Evaluate every non-blank line of a JSONL file; raises OSError when it cannot be read."""
    results: list[CaseResult] = []
    with path.open(encoding="utf-8") as handle:
        for line_number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                case = json.loads(line)
            except json.JSONDecodeError as error:
                problem = f"not valid JSON: {error}"
                results.append(CaseResult(f"line {line_number}", "?", Outcome.FAILED, (problem,)))
                continue
            results.append(evaluate(case, registry, line_number))
    return results


def report(path: Path, results: Iterable[CaseResult], out: TextIO) -> Tally:
    """Print one file's per-kind tallies and failures; return the file's tally."""
    per_kind: dict[str, Tally] = {}
    total = Tally()
    failures: list[CaseResult] = []
    for result in results:
        per_kind.setdefault(result.kind, Tally()).add(result.outcome)
        total.add(result.outcome)
        if result.outcome is Outcome.FAILED:
            failures.append(result)
    print(f"{path}", file=out)
    for kind in sorted(per_kind):
        print(f"  {kind:<48} {per_kind[kind].line()}", file=out)
    for failure in failures:
        print(f"  FAILED {failure.case_id} ({failure.kind})", file=out)
        for problem in failure.problems:
            print(f"    - {problem}", file=out)
    print(f"  {path.name}: {total.line()}", file=out)
    return total


def run(paths: Iterable[Path], out: TextIO, registry: Mapping[str, KindFunction] | None = None) -> int:
    """Evaluate the files, print the report and the final line; return the process exit code."""
    kinds = default_registry() if registry is None else registry
    grand = Tally()
    for path in paths:
        try:
            results = evaluate_file(path, kinds)
        except OSError as error:
            print(f"error: cannot read {path}: {error.strerror or error}", file=out)
            return 2
        grand.counts.update(report(path, results, out).counts)
    print(grand.line(), file=out)
    return 1 if grand.counts[Outcome.FAILED] else 0
