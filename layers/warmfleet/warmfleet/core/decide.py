"""``decide()``: the pure decision behind the scaler tick, the alarm path, the simulator and the local fleet.

It runs the seven steps of :mod:`warmfleet.core.steps` in order, picks the
reason of the last step that changed the number, and returns the next history.
Nothing here reads a clock, the environment or AWS: ``now`` and the history are
passed in.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from warmfleet.core.decision import Decision, Proposal, StepOutcome
from warmfleet.core.history import History
from warmfleet.core.inputs import DecisionInputs
from warmfleet.core.policy import Policy
from warmfleet.core.reasons import Reason
from warmfleet.core.rules.rate_limit import ScaleEvent
from warmfleet.core.rules.stabilization import Recommendation, prune_recommendations
from warmfleet.core.steps.behaviour import behaviour
from warmfleet.core.steps.bounds import bounds
from warmfleet.core.steps.combine import combine
from warmfleet.core.steps.limits import alarm_floors, limits
from warmfleet.core.steps.panic import panic, panic_proposal
from warmfleet.core.steps.proposals import propose
from warmfleet.core.steps.warming import account_warming, count_capacity

_EMPTY_HISTORY = History()
_ALARM_STEP = Reason.ALARM_STEP  # bound once: Enum class attribute access is slow on Python 3.11


def _epoch_seconds(now: datetime) -> float:
    if now.utcoffset() is None:  # no tzinfo, or one that does not know its offset
        raise ValueError("now: a timezone-aware datetime is required (for example datetime.now(UTC))")
    return now.timestamp()


def _final_reason(combined: StepOutcome, later: tuple[StepOutcome, ...]) -> tuple[Reason, str]:
    """The reason of the last step after combine that changed the number, else combine's own."""
    reason, messages, previous = combined.reason, [combined.message], combined.value
    for outcome in later:
        if outcome.value != previous:
            reason = outcome.reason
            messages.append(outcome.message)
        previous = outcome.value
    return reason, "; ".join(messages)


def _keep_events(
    events: tuple[ScaleEvent, ...], new: ScaleEvent | None, period: float, now: float
) -> tuple[ScaleEvent, ...]:
    if not events:
        return () if new is None else (new,)
    kept = tuple([e for e in events if now - e.at < period])
    return kept if new is None else (*kept, new)


def decide(inputs: DecisionInputs, policy: Policy, history: History | None, now: datetime) -> Decision:
    """Decide the group's desired capacity at ``now``, and why.

    Parameters
    ----------
    inputs
        What is observed now: group bounds and desired capacity, instances,
        signal readings, alarms in ALARM, schedule floor/ceiling, pause flag.
    policy
        The group's scaling policy.
    history
        The previous decision's ``history`` (``None`` or ``History()`` for a group never seen).
    now
        The decision time, timezone-aware.

    Returns
    -------
    Decision
        The desired capacity (unchanged when paused), how many instances to
        remove, a reason code and message, every proposal and step, and the next
        history to store.

    Examples
    --------
    >>> from datetime import UTC, datetime
    >>> now = datetime(2026, 1, 1, tzinfo=UTC)
    >>> policy = Policy.model_validate({"signals": [{"name": "inflight", "target": 4}]})
    >>> inputs = DecisionInputs.model_validate({
    ...     "group": {"min_size": 1, "max_size": 10, "desired_capacity": 2},
    ...     "instances": [
    ...         {"instance_id": f"i-{n}", "lifecycle_state": "InService",
    ...          "launch_time": "2025-12-31T00:00:00Z"} for n in range(2)
    ...     ],
    ...     "signals": [{"name": "inflight", "value": 8, "timestamp": "2026-01-01T00:00:00Z"}],
    ... })
    >>> decision = decide(inputs, policy, None, now)
    >>> decision.desired_capacity, str(decision.reason)
    (4, 'ScaleUp')
    """
    history = history or _EMPTY_HISTORY
    now_ts = _epoch_seconds(now)
    current = inputs.group.desired_capacity
    if not history.recommendations:
        # A group seen for the first time, or whose history was lost, starts with its current count as a
        # recommendation, as the HPA's recordInitialRecommendation does: no scale-in for a full scale-down
        # window after the scaler starts (every later decision leaves at least one recommendation).
        history = history._replace(recommendations=(Recommendation(current, now_ts),))
    readings = {reading.name: reading for reading in inputs.signals}

    capacity = count_capacity(inputs, policy.warmup_budget_seconds, now_ts)
    proposals, s1 = propose(policy, readings, capacity, history.signal_failures, now_ts)
    s2 = account_warming(capacity)
    s3 = combine(proposals, current, policy.fallback)
    panic_wants = panic_proposal(proposals)
    panic_state, s4 = panic(
        policy.panic, s3.value, panic_desired=panic_wants, capacity=capacity, state=history.panic, now=now_ts
    )
    s5 = behaviour(
        policy.behavior, s4.value, current, history=history, panicking=panic_state.panicking, now=now_ts
    )
    floors = alarm_floors(policy, inputs, history.alarm_floors)
    s6 = limits(s5.value, floors, inputs)
    s7 = bounds(s6.value, inputs.group, capacity)
    steps = (s1, s2, s3, s4, s5, s6, s7)
    recommended = s7.value

    reason, message = _final_reason(s3, (s4, s5, s6, s7))
    paused = inputs.paused
    desired = current if paused else recommended
    if paused:
        message = f"group is paused: would set {recommended} ({reason}: {message})"
        reason = Reason.PAUSED

    # An alarm step is remembered as a recommendation too, so the scale-down window holds it after the alarm.
    remembered = max(s4.value, s6.value) if s6.reason is _ALARM_STEP else s4.value
    up_event = ScaleEvent(desired - current, now_ts) if desired > current else None
    down_event = ScaleEvent(current - desired, now_ts) if desired < current else None
    up_period, down_period = policy.event_periods_seconds
    # Positional: a NamedTuple's keyword call costs a third more, and these two are built on every call.
    next_history = History(
        prune_recommendations(history.recommendations, remembered, policy.longest_window_seconds, now_ts),
        _keep_events(history.scale_up_events, up_event, up_period, now_ts),
        _keep_events(history.scale_down_events, down_event, down_period, now_ts),
        _failures(proposals),
        panic_state,
        floors,
    )
    return Decision(
        desired,  # desired_capacity
        recommended,  # recommended_capacity
        current,  # current_capacity
        max(0, current - desired),  # remove_count
        reason,
        message,
        paused,
        proposals,
        steps,
        capacity,
        next_history,
    )


def _failures(proposals: tuple[Proposal, ...]) -> Mapping[str, int]:
    return {p.signal: p.failures for p in proposals if p.failures}
