"""Step 1: one proposal per signal, in instances that serve.

Per-instance averages use the HPA ratio ``ceil(ready * value / target)`` with the
tolerance band, and the HPA's unready rule for warming instances (they count as
idle on a scale-up, so capacity already coming is not bought twice). Totals use
``ceil(total / target)`` like KEDA's SQS scaler, inside the tolerance of the
current count, and propose 0 while at or below the activation threshold. A
missing or stale reading makes no proposal and counts as a failure.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

from warmfleet.core.decision import Capacity, Proposal, StepOutcome, new_record
from warmfleet.core.inputs import SignalReading
from warmfleet.core.policy import Policy, SignalPolicy, SignalRule
from warmfleet.core.reasons import Reason, SignalStatus, Step
from warmfleet.core.rules.activation import average_value_replicas, is_active
from warmfleet.core.rules.fallback import next_failure_count
from warmfleet.core.rules.replica_ratio import gap_filled_replicas, needs_gap_filling, plain_ratio_replicas

# The members the per-signal path uses, bound once: on Python 3.11 ``Reason.SCALE_UP`` goes through
# EnumType.__getattr__'s slow attribute path, about 4x a module global
# (https://github.com/python/cpython/issues/93910; gone in 3.12).
_PROPOSALS = Step.PROPOSALS
_VALID = SignalStatus.VALID
_SCALE_UP, _SCALE_DOWN, _NO_CHANGE = Reason.SCALE_UP, Reason.SCALE_DOWN, Reason.NO_CHANGE
_WITHIN_TOLERANCE, _WARMING_COUNTED, _INACTIVE = (
    Reason.WITHIN_TOLERANCE,
    Reason.WARMING_COUNTED,
    Reason.INACTIVE,
)


def _invalid(
    rule: SignalRule,
    status: SignalStatus,
    *,
    reason: Reason,
    failures: int,
    value: float | None,
    message: str,
) -> Proposal:
    fields = (rule.name, rule.kind, status, value, None, None, None, failures, reason, message, None)
    return new_record(Proposal, fields)


def _direction(replicas: int, current: int) -> Reason:
    if replicas > current:
        return _SCALE_UP
    if replicas < current:
        return _SCALE_DOWN
    return _NO_CHANGE


def _total_proposal(
    rule: SignalRule, value: float, panic_value: float, current: int
) -> tuple[float | None, int, Reason, str, int]:
    """A total: ``ceil(total / target)`` unless inactive or within the tolerance of the current count.

    Returns ``(ratio, replicas, reason, message, panic_replicas)`` for :func:`propose_signal`'s record.
    """
    target, threshold = rule.target, rule.activation_threshold
    panic_replicas = math.ceil(panic_value / target) if is_active(panic_value, threshold) else 0
    ratio = value / (target * current) if current else None
    if not is_active(value, threshold):
        message = f"total {value:g} is not above the activation threshold {threshold:g}"
        return ratio, 0, _INACTIVE, message, panic_replicas
    tolerance = rule.tolerance
    replicas = average_value_replicas(value, target, current, tolerance)
    held = replicas == current and ratio is not None and tolerance.within(ratio)
    reason = _WITHIN_TOLERANCE if held else _direction(replicas, current)
    return ratio, replicas, reason, f"total {value:g} / {rule.target_text} per instance", panic_replicas


def _average_proposal(
    rule: SignalRule, value: float, panic_value: float, capacity: Capacity
) -> tuple[float, int, Reason, str, int]:
    """A per-instance average: the HPA ratio over the ready instances, warming ones idle on a scale-up.

    Returns ``(ratio, replicas, reason, message, panic_replicas)`` like :func:`_total_proposal`.
    """
    target, tolerance = rule.target, rule.tolerance
    ready, current = capacity.ready, capacity.counted
    panic_replicas = math.ceil(ready * panic_value / target)
    ratio = value / target
    unready = capacity.warming + capacity.unseen
    if not needs_gap_filling(ratio, unready, 0):
        replicas = plain_ratio_replicas(current, ratio, ready, tolerance)
        held = replicas == current and tolerance.within(ratio)
        reason = _WITHIN_TOLERANCE if held else _direction(replicas, current)
        message = f"average {value:g} over {ready} ready instances, target {rule.target_text}"
        return ratio, replicas, reason, message, panic_replicas
    new_ratio = value * ready / (target * (ready + unready))
    replicas = gap_filled_replicas(current, ratio, new_ratio, ready + unready, tolerance)
    if replicas != current:
        reason = _direction(replicas, current)
    elif tolerance.within(new_ratio):
        reason = _WITHIN_TOLERANCE
    else:
        reason = _WARMING_COUNTED
    message = f"average {value:g} over {ready} ready, {unready} warming count as idle"
    return ratio, replicas, reason, message, panic_replicas


def propose_signal(
    signal: SignalPolicy,
    reading: SignalReading | None,
    capacity: Capacity,
    previous_failures: int,
    now: float,
) -> Proposal:
    """The proposal of one signal (see the module doc)."""
    return _propose(signal.rule, reading, capacity, previous_failures, now)


def _propose(
    rule: SignalRule,
    reading: SignalReading | None,
    capacity: Capacity,
    previous_failures: int,
    now: float,
) -> Proposal:
    # Each field is read once: a pydantic model's attribute access takes CPython's slow path.
    value = None if reading is None else reading.value
    timestamp = None if reading is None else reading.timestamp
    if reading is None or value is None or timestamp is None:
        return _invalid(
            rule,
            SignalStatus.MISSING,
            reason=Reason.SIGNAL_MISSING,
            failures=next_failure_count(previous_failures, failed=True),
            value=None,
            message="no reading",
        )
    age = now - timestamp.timestamp()
    if age > rule.staleness_seconds:
        message = f"reading is {age:.0f} s old, over the {rule.staleness_seconds:.0f} s limit"
        return _invalid(
            rule,
            SignalStatus.STALE,
            reason=Reason.SIGNAL_STALE,
            failures=next_failure_count(previous_failures, failed=True),
            value=value,
            message=message,
        )
    panic_value = reading.panic_value
    if panic_value is None:
        panic_value = value
    if rule.total:
        ratio, replicas, reason, message, panic_replicas = _total_proposal(
            rule, value, panic_value, capacity.counted
        )
    elif capacity.ready == 0:
        return _invalid(
            rule,
            SignalStatus.NO_READY_INSTANCES,
            reason=Reason.NO_READY_INSTANCES,
            failures=previous_failures,
            value=value,
            message="no ready instance to average over",
        )
    else:
        ratio, replicas, reason, message, panic_replicas = _average_proposal(
            rule, value, panic_value, capacity
        )
    # Step 2's accounting: instances that occupy the group without serving are added on top.
    desired = replicas + capacity.occupying
    fields = (
        rule.name,
        rule.kind,
        _VALID,
        value,
        ratio,
        replicas,
        desired,
        0,
        reason,
        message,
        panic_replicas,
    )
    return new_record(Proposal, fields)


def propose(
    policy: Policy,
    readings: Mapping[str, SignalReading],
    capacity: Capacity,
    failures: Mapping[str, int],
    now: float,
) -> tuple[tuple[Proposal, ...], StepOutcome]:
    """Step 1: every signal's proposal; the outcome's value is the highest proposal (serving instances)."""
    proposals = tuple(
        [
            _propose(rule, readings.get(rule.name), capacity, failures.get(rule.name, 0), now)
            for rule in policy.signal_rules
        ]
    )
    counted = capacity.counted
    valid = [p.replicas for p in proposals if p.replicas is not None]
    if not valid:
        message = "no valid proposal"
        value, reason = counted, Reason.NO_VALID_SIGNAL
    else:
        value = max(valid)
        message = f"{len(valid)} valid proposals, highest {value}"
        reason = _direction(value, counted)
    invalid = len(proposals) - len(valid)
    if invalid:
        message += f"; {invalid} signals missing, stale or without ready instances"
    return proposals, new_record(StepOutcome, (_PROPOSALS, value, reason, message))
