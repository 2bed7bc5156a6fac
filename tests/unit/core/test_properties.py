"""Properties of decide() that hold for every input (hypothesis)."""

from __future__ import annotations

from datetime import timedelta

from hypothesis import given, settings
from hypothesis import strategies as st
from warmfleet.core import AlarmStep, DecisionInputs, History, Policy, Reason, SignalReading, decide
from warmfleet.core.decision import Proposal, StepOutcome
from warmfleet.core.policy import SignalKind
from warmfleet.core.reasons import SignalStatus, Step

from tests.unit.core.builders import BACKLOG, EMPTY, GPU, NOW, fleet, inputs, policy, reading

POLICY = policy(GPU, BACKLOG, panic=True, alarm_steps=(AlarmStep(alarm_name="spike", add_instances=3),))

loads = st.floats(min_value=0.0, max_value=1000.0, allow_nan=False)
maybe_load = st.none() | loads


@st.composite
def groups(draw: st.DrawFn, *, gpu: float | None = None) -> DecisionInputs:
    """A group with random bounds, instances in random states and random (possibly missing) readings."""
    min_size = draw(st.integers(0, 5))
    max_size = draw(st.integers(min_size, 40))
    ready, warming, stuck, unhealthy = (draw(st.integers(0, 8)) for _ in range(4))
    listed = ready + warming + stuck + unhealthy
    desired = draw(st.integers(listed, listed + 3))
    gpu_value = draw(maybe_load) if gpu is None else gpu
    signals: tuple[SignalReading, ...] = (
        reading("gpu", gpu_value, age=draw(st.sampled_from([1.0, 60.0, 500.0]))),
        reading("backlog", draw(maybe_load)),
    )
    return inputs(
        desired,
        instances=fleet(ready=ready, warming=warming, stuck=stuck, unhealthy=unhealthy),
        signals=signals,
        min_size=min_size,
        max_size=max_size,
        alarms=draw(st.sampled_from([(), ("spike",)])),
        floor=draw(st.none() | st.integers(0, 30)),
        ceiling=draw(st.none() | st.integers(0, 30)),
    )


@st.composite
def histories(draw: st.DrawFn) -> History:
    """A history from a few earlier decisions at random loads."""
    history = EMPTY
    for tick in range(draw(st.integers(0, 4))):
        earlier = draw(groups())
        history = decide(earlier, POLICY, history, now=NOW - timedelta(seconds=15 * (4 - tick))).history
    return history


@settings(max_examples=60, deadline=None)
@given(groups(), histories())
def test_desired_within_group_bounds(group: DecisionInputs, history: History) -> None:
    # GIVEN any group and history WHEN decide() runs THEN MinSize <= desired <= MaxSize
    decision = decide(group, POLICY, history, now=NOW)
    assert group.group.min_size <= decision.recommended_capacity <= group.group.max_size


@settings(max_examples=60, deadline=None)
@given(groups(), histories())
def test_no_scale_in_while_a_signal_is_missing_or_stale(group: DecisionInputs, history: History) -> None:
    # GIVEN a group with at least one missing or stale signal, inside its bounds, no ceiling
    group = group.model_copy(
        update={"schedule_ceiling": None, "signals": (*group.signals[:1], reading("backlog", None))}
    )
    current = group.group.desired_capacity
    if not group.group.min_size <= current <= group.group.max_size:
        return
    # WHEN decide() runs THEN it never scales in
    assert decide(group, POLICY, history, now=NOW).recommended_capacity >= current


@settings(max_examples=50, deadline=None)
@given(groups(), st.integers(1, 299))
def test_no_scale_in_inside_the_window_after_a_scale_up(group: DecisionInputs, later: int) -> None:
    # GIVEN a scale-up decision
    group = group.model_copy(update={"schedule_ceiling": None, "schedule_floor": None, "active_alarms": ()})
    first = decide(group, POLICY, EMPTY, now=NOW)
    if first.recommended_capacity <= group.group.desired_capacity:
        return
    # WHEN the load disappears within the scale-down window
    after = group.model_copy(
        update={
            "group": group.group.model_copy(update={"desired_capacity": first.recommended_capacity}),
            "signals": (reading("gpu", 0.0), reading("backlog", 0.0)),
        }
    )
    second = decide(after, POLICY, first.history, now=NOW + timedelta(seconds=later))
    # THEN the group does not scale in
    assert second.recommended_capacity >= first.recommended_capacity


@settings(max_examples=60, deadline=None)
@given(st.data(), loads, loads)
def test_monotone_in_load(data: st.DataObject, low: float, high: float) -> None:
    # GIVEN the same group twice, differing only in one signal's value
    low, high = min(low, high), max(low, high)
    group_low = data.draw(groups(gpu=low))
    group_high = group_low.model_copy(
        update={"signals": (reading("gpu", high, age=1.0), group_low.signals[1])}
    )
    group_low = group_low.model_copy(update={"signals": (reading("gpu", low, age=1.0), group_low.signals[1])})
    history = data.draw(histories())
    # WHEN both decide THEN more load never means fewer instances
    assert (
        decide(group_high, POLICY, history, now=NOW).recommended_capacity
        >= decide(group_low, POLICY, history, now=NOW).recommended_capacity
    )


@settings(max_examples=50, deadline=None)
@given(groups(), histories())
def test_identical_inputs_give_identical_decisions(group: DecisionInputs, history: History) -> None:
    # GIVEN the same inputs, policy, history and time THEN the decisions are equal
    assert decide(group, POLICY, history, now=NOW) == decide(group, POLICY, history, now=NOW)


@settings(max_examples=30, deadline=None)
@given(st.lists(st.tuples(maybe_load, maybe_load, st.booleans()), min_size=10, max_size=60))
def test_history_stays_bounded(ticks: list[tuple[float | None, float | None, bool]]) -> None:
    # GIVEN a long run of 15 s ticks at random loads
    history, desired = EMPTY, 2
    longest = POLICY.longest_window_seconds
    bound = (longest / 15 + 1) + 2 * (15 / 15 + 1) + len(POLICY.signals) + len(POLICY.alarm_steps)
    for tick, (gpu, backlog, alarm) in enumerate(ticks):
        group = inputs(
            desired,
            signals=(reading("gpu", gpu), reading("backlog", backlog)),
            max_size=50,
            alarms=("spike",) if alarm else (),
        )
        decision = decide(group, POLICY, history, now=NOW + timedelta(seconds=15 * tick))
        history, desired = decision.history, decision.desired_capacity
        # THEN the history never outgrows what its windows can see
        assert history.size <= bound
        assert History.from_dict(history.to_dict()) == history


@settings(max_examples=60, deadline=None)
@given(groups(), histories())
def test_alarm_step_is_never_delayed_by_a_rate_limit(group: DecisionInputs, history: History) -> None:
    # GIVEN an alarm that just went to ALARM, no ceiling
    group = group.model_copy(update={"active_alarms": ("spike",), "schedule_ceiling": None})
    history = History(
        recommendations=history.recommendations,
        scale_up_events=history.scale_up_events,
        scale_down_events=history.scale_down_events,
    )
    current = group.group.desired_capacity
    # WHEN decide() runs THEN the step applies at once, up to MaxSize
    decision = decide(group, POLICY, history, now=NOW)
    assert decision.recommended_capacity >= min(current + 3, group.group.max_size)


@settings(max_examples=60, deadline=None)
@given(groups(), histories())
def test_ceiling_never_exceeded_except_by_min_size(group: DecisionInputs, history: History) -> None:
    # GIVEN any group with a schedule ceiling THEN desired <= max(ceiling, MinSize)
    if group.schedule_ceiling is None:
        return
    decision = decide(group, POLICY, history, now=NOW)
    assert decision.recommended_capacity <= max(group.schedule_ceiling, group.group.min_size)


@settings(max_examples=60, deadline=None)
@given(groups(), histories())
def test_every_record_is_well_formed(group: DecisionInputs, history: History) -> None:
    # GIVEN any group and history WHEN decide() runs
    decision = decide(group, POLICY, history, now=NOW)
    # THEN every record built from a bare tuple (decision.new_record) has all its fields, typed:
    # mypy cannot check those calls, so this does
    for step, record in zip(Step, decision.steps, strict=True):
        assert type(record) is StepOutcome and len(record) == len(StepOutcome._fields)
        assert (record.step, type(record.value), type(record.reason), type(record.message)) == (
            step,
            int,
            Reason,
            str,
        )
    assert [p.signal for p in decision.proposals] == [s.name for s in POLICY.signals]
    for proposal in decision.proposals:
        assert type(proposal) is Proposal and len(proposal) == len(Proposal._fields)
        assert (type(proposal.kind), type(proposal.status), type(proposal.reason)) == (
            SignalKind,
            SignalStatus,
            Reason,
        )
        assert type(proposal.message) is str and type(proposal.failures) is int
        assert proposal.replicas is None or type(proposal.replicas) is int
        assert proposal.panic_replicas is None or type(proposal.panic_replicas) is int


def test_policy_fixture_is_valid() -> None:
    assert isinstance(POLICY, Policy)
