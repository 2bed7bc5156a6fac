"""The comparison rules of the peer-vector README, applied to one case and what a peer module produced.

``problems(case, kind, produced)`` returns the reasons a case fails (an empty list means it passed). It
implements the README's "How to evaluate" section and nothing else:

* every key under ``expected`` must be produced and equal — numbers by value, booleans only equal to
  booleans, ``null`` only to ``None``, objects key by key, lists element by element in order;
* per-step kinds compare their step expectations (see :mod:`warmfleet.conformance.runner` for the shapes
  the kind functions return), and their top-level ``expected.see`` is a pointer, not an output;
* Knative ``excess_burst_capacity`` passes within ``excess_burst_capacity_tolerance``;
* Ray ``*_min`` / ``*_max`` / ``*_within`` keys are inclusive bounds on a produced quantity, and
  ``overshoot_factor_max`` is a strict bound on the produced ``overshoot_factor``;
* KEDA ``ready_reason: null`` is not asserted, but the key must still be produced;
* HPA ``error_contains`` is a substring of the produced ``error``; HPA ``conditions`` is an ordered list
  of ``{type, status, reason}``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

KNATIVE_STEP_KINDS = frozenset({"scale_sequence"})
RAY_KINDS = frozenset(
    {
        "policy_sequence",
        "policy_iterate",
        "apply_scaling_factors",
        "apply_delay_logic",
        "apply_delay_logic_property",
        "legacy_calculate_desired_num_replicas",
        "legacy_calculate_desired_num_replicas_property",
        "app_level_cold_start",
        "gang_round_up",
        "gang_sequence",
        "gang_with_bounds",
    }
)
KEDA_READY_KINDS = frozenset({"scale_executor", "scale_executor_ready_condition"})
_CONDITION_FIELDS = ("type", "status", "reason")
_STRICT_UPPER_BOUNDS = {"overshoot_factor_max": "overshoot_factor"}
_MISSING = object()


def equal(expected: Any, produced: Any) -> bool:
    """Type-aware equality: ``True`` never equals ``1``, ``None`` only equals ``None``."""
    if isinstance(expected, bool) or isinstance(produced, bool):
        return isinstance(expected, bool) and isinstance(produced, bool) and expected == produced
    if _is_number(expected) and _is_number(produced):
        return bool(expected == produced)
    if expected is None or produced is None:
        return expected is None and produced is None
    if isinstance(expected, Mapping):
        return (
            isinstance(produced, Mapping)
            and set(expected) == set(produced)
            and all(equal(expected[key], produced[key]) for key in expected)
        )
    if isinstance(expected, list):
        return (
            isinstance(produced, Sequence)
            and not isinstance(produced, str)
            and len(expected) == len(produced)
            and all(equal(e, p) for e, p in zip(expected, produced, strict=True))
        )
    return type(expected) is type(produced) and bool(expected == produced)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def problems(case: Mapping[str, Any], kind: str, produced: Mapping[str, Any]) -> list[str]:
    """Why ``produced`` does not satisfy ``case``; empty when the case passes."""
    if kind in KNATIVE_STEP_KINDS:
        return _knative_steps(case, produced)
    if kind == "policy_sequence":
        return _ray_policy_steps(case, produced)
    if kind == "apply_delay_logic":
        return _ray_calls(case, produced)
    expected = case.get("expected")
    if not isinstance(expected, Mapping):
        return ["the case has no `expected` object"]
    return _compare_mapping(expected, produced, kind, where="")


def _compare_mapping(
    expected: Mapping[str, Any],
    produced: Mapping[str, Any],
    kind: str,
    where: str,
    ebc_tolerance: float = 0,
) -> list[str]:
    found: list[str] = []
    for key, want in expected.items():
        label = f"{where}{key}"
        if key == "error_contains":
            got = produced.get("error", _MISSING)
            if got is _MISSING:
                found.append(f"{label}: expected an error containing {want!r}, no `error` produced")
            elif not isinstance(got, str) or str(want) not in got:
                found.append(f"{label}: expected an error containing {want!r}, got {got!r}")
            continue
        if kind in RAY_KINDS and _is_bound_key(key):
            found.extend(_bound(key, want, produced, label))
            continue
        got = produced.get(key, _MISSING)
        if got is _MISSING:
            found.append(f"{label}: expected {want!r}, not produced")
        elif key == "conditions":
            if not _conditions_equal(want, got):
                found.append(f"{label}: expected {want!r}, got {got!r}")
        elif key == "excess_burst_capacity" and _is_number(want) and _is_number(got):
            if abs(got - want) > ebc_tolerance:
                found.append(f"{label}: expected {want!r} ± {ebc_tolerance}, got {got!r}")
        elif key == "ready_reason" and want is None and kind in KEDA_READY_KINDS:
            continue  # produced, and the README leaves its value unasserted
        elif not equal(want, got):
            found.append(f"{label}: expected {want!r}, got {got!r}")
    return found


def _conditions_equal(want: Any, got: Any) -> bool:
    if not isinstance(want, list) or not isinstance(got, Sequence) or len(want) != len(got):
        return False
    for expected_condition, produced_condition in zip(want, got, strict=True):
        if not isinstance(produced_condition, Mapping) or not isinstance(expected_condition, Mapping):
            return False
        for field in _CONDITION_FIELDS:
            if not equal(expected_condition.get(field), produced_condition.get(field)):
                return False
    return True


def _is_bound_key(key: str) -> bool:
    return key in _STRICT_UPPER_BOUNDS or key.endswith(("_min", "_max", "_within"))


def _bound(key: str, want: Any, produced: Mapping[str, Any], label: str) -> list[str]:
    check: Callable[[Any, Any], bool]
    if key in _STRICT_UPPER_BOUNDS:
        quantity = _STRICT_UPPER_BOUNDS[key]
        check = _strictly_below
    elif key.endswith("_within"):
        quantity = key.removesuffix("_within")
        check = _within
    elif key.endswith("_min"):
        quantity = key.removesuffix("_min")
        check = _at_least
    else:
        quantity = key.removesuffix("_max")
        check = _at_most
    got = produced.get(quantity, _MISSING)
    if got is _MISSING:
        return [f"{label}: bound on `{quantity}`, which was not produced"]
    values = list(got) if isinstance(got, list | tuple) else [got]
    if not values:
        return [f"{label}: bound on `{quantity}`, which is an empty list"]
    bad = [value for value in values if not check(value, want)]
    if bad:
        return [f"{label}: {quantity} = {bad[0]!r} violates {key} = {want!r}"]
    return []


def _strictly_below(value: Any, bound: Any) -> bool:
    return _is_number(value) and _is_number(bound) and value < bound


def _at_least(value: Any, bound: Any) -> bool:
    return _is_number(value) and _is_number(bound) and value >= bound


def _at_most(value: Any, bound: Any) -> bool:
    return _is_number(value) and _is_number(bound) and value <= bound


def _within(value: Any, bounds: Any) -> bool:
    if not isinstance(bounds, list) or len(bounds) != 2:
        return False
    low, high = bounds
    return _at_least(value, low) and _at_most(value, high)


def _produced_list(produced: Mapping[str, Any], key: str, count: int) -> tuple[list[Any], list[str]]:
    got = produced.get(key, _MISSING)
    if got is _MISSING or not isinstance(got, list):
        return [], [f"{key}: expected a list of {count} per-step outputs, got {got!r}"[:300]]
    if len(got) != count:
        return [], [f"{key}: expected {count} per-step outputs, got {len(got)}"]
    return got, []


def _knative_steps(case: Mapping[str, Any], produced: Mapping[str, Any]) -> list[str]:
    steps = case.get("steps")
    if not isinstance(steps, list):
        return ["the case has no `steps` list"]
    outputs, found = _produced_list(produced, "steps", len(steps))
    if found:
        return found
    tolerance = case.get("excess_burst_capacity_tolerance", 0)
    for index, (step, output) in enumerate(zip(steps, outputs, strict=True)):
        expected = step.get("expected")
        if not isinstance(expected, Mapping):
            found.append(f"steps[{index}]: the step has no `expected` object")
        elif not isinstance(output, Mapping):
            found.append(f"steps[{index}]: expected an output object, got {output!r}")
        else:
            found.extend(_compare_mapping(expected, output, "scale_sequence", f"steps[{index}].", tolerance))
    return found


def _ray_policy_steps(case: Mapping[str, Any], produced: Mapping[str, Any]) -> list[str]:
    inputs = case.get("inputs", {})
    steps = inputs.get("steps") if isinstance(inputs, Mapping) else None
    if not isinstance(steps, list):
        return ["the case has no `inputs.steps` list"]
    outputs, found = _produced_list(produced, "steps", len(steps))
    if found:
        return found
    rounds = inputs.get("repeat_whole_sequence", 1)
    for index, (step, decisions) in enumerate(zip(steps, outputs, strict=True)):
        calls = step.get("repeat", 1) * rounds
        if not isinstance(decisions, list) or len(decisions) != calls:
            count = len(decisions) if isinstance(decisions, list) else decisions
            found.append(f"steps[{index}]: expected {calls} decisions (every call runs), got {count!r}")
            continue
        want = step.get("expected")
        if want is None:
            continue  # not asserted; the calls ran and changed the state
        for call, decision in enumerate(decisions):
            if not equal(want, decision):
                found.append(f"steps[{index}] call {call}: expected {want!r}, got {decision!r}")
                break
    return found


def _ray_calls(case: Mapping[str, Any], produced: Mapping[str, Any]) -> list[str]:
    inputs = case.get("inputs", {})
    calls = inputs.get("calls") if isinstance(inputs, Mapping) else None
    if not isinstance(calls, list):
        return ["the case has no `inputs.calls` list"]
    outputs, found = _produced_list(produced, "calls", len(calls))
    for index, (call, decision) in enumerate(zip(calls, outputs, strict=False)):
        if "expected" not in call:
            found.append(f"calls[{index}]: the call has no `expected`")
        elif not equal(call["expected"], decision):
            found.append(f"calls[{index}]: expected {call['expected']!r}, got {decision!r}")
    return found
