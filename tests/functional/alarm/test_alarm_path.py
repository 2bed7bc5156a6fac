"""The alarm path end to end on moto: ALARM applies the step at once through the core, the tick keeps it
while the alarm lasts, OK ends it (then the stabilization window holds), INSUFFICIENT_DATA and duplicates
change nothing, another stack's alarm is ignored before any AWS call, and a race with a tick loses nothing."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from warmfleet.exceptions import ConcurrentUpdateError

from tests.functional.alarm.conftest import LATENCY_ARN, Stack, state_time

SCALE_DOWN_WINDOW_SECONDS = 300


def alarm_fired(make_stack: Callable[..., Stack], **options: Any) -> Stack:
    """Two instances on target (4 in flight each); the in-flight alarm goes to ALARM."""
    stack = make_stack(desired=2, **options)
    stack.fleet.clock.now = state_time("alarm/alarm.json")
    stack.fleet.put_in_flight(4)
    return stack


def test_alarm_applies_its_step_at_once(make_stack: Callable[..., Stack], aws_calls: list[str]) -> None:
    # GIVEN a group on target
    stack = alarm_fired(make_stack)
    # WHEN the in-flight alarm (+2 instances) goes to ALARM
    outcome = stack.send("alarm/alarm.json")
    # THEN the step is applied at once, through the core, and stored in the shared state
    assert (outcome["reason"], outcome["desired"], stack.fleet.desired()) == ("AlarmStep", 4, 4)
    assert aws_calls.count("autoscaling.SetDesiredCapacity") == 1
    stored = stack.stored()
    assert stored["tick"]["activeAlarms"] == ["InFlightHigh"]
    assert stored["history"]["alarm_floors"] == {"InFlightHigh": 4}


def test_the_tick_keeps_the_step_while_the_alarm_lasts(make_stack: Callable[..., Stack]) -> None:
    # GIVEN the step applied
    stack = alarm_fired(make_stack)
    stack.send("alarm/alarm.json")
    # WHEN the scaler ticks on with a low load for longer than its stabilization window
    reasons = []
    for _ in range(SCALE_DOWN_WINDOW_SECONDS // 15 + 4):
        stack.fleet.put_in_flight(1)
        outcome = stack.tick()
        reasons.append(outcome["reason"])
        # THEN it never undoes the step
        assert outcome["desired"] == 4
    # the stabilization window holds the step's recommendation; when it runs out, the alarm's floor does
    assert set(reasons) == {"ScaleDownStabilized", "AlarmStep"}


def test_ok_ends_the_step_then_the_stabilization_window_holds(make_stack: Callable[..., Stack]) -> None:
    # GIVEN the step applied, then a minute of ticks on a low load
    stack = alarm_fired(make_stack)
    stack.send("alarm/alarm.json")
    for _ in range(4):
        stack.fleet.put_in_flight(1)
        stack.tick()
    # WHEN the alarm returns to OK
    outcome = stack.send("alarm/ok-after-alarm.json")
    # THEN the step ends: nothing is active, and the scale-down waits for the stabilization window
    assert stack.stored()["tick"]["activeAlarms"] == []
    assert outcome["desired"] == 4
    held = []
    while stack.fleet.desired() == 4 and len(held) < 40:
        stack.fleet.put_in_flight(1)
        held.append(stack.tick()["reason"])
    # (the tick container's first save after the alarm path's write loses and exits; the next one reads again)
    assert held[0] == "concurrent-update"
    assert set(held[1:-1]) == {"ScaleDownStabilized"}
    assert len(held) * 15 >= SCALE_DOWN_WINDOW_SECONDS - 60
    assert stack.fleet.desired() == 1


def test_alarm_again_after_ok_steps_again(make_stack: Callable[..., Stack]) -> None:
    # GIVEN ALARM then OK
    stack = alarm_fired(make_stack)
    stack.send("alarm/alarm.json")
    stack.send("alarm/ok-after-alarm.json")
    # WHEN the same alarm fires again later (a new state timestamp), the group now at 4
    stack.fleet.clock.now = state_time("alarm/alarm-again.json")
    stack.fleet.put_in_flight(4)
    outcome = stack.send("alarm/alarm-again.json")
    # THEN a new step starts from the capacity now: 4 + 2
    assert (outcome["reason"], outcome["desired"]) == ("AlarmStep", 6)


@pytest.mark.parametrize(
    "sequence",
    [
        pytest.param(["alarm/alarm.json", "alarm/alarm.json"], id="alarm-delivered-twice"),
        pytest.param(
            ["alarm/alarm.json", "alarm/ok-after-alarm.json", "alarm/alarm.json"], id="old-alarm-after-ok"
        ),
        pytest.param(
            ["alarm/alarm.json", "alarm/ok-after-alarm.json", "alarm/ok-after-alarm.json"], id="ok-twice"
        ),
    ],
)
def test_duplicates_change_nothing(
    make_stack: Callable[..., Stack], aws_calls: list[str], sequence: list[str]
) -> None:
    # GIVEN the events before the last one applied
    stack = alarm_fired(make_stack)
    for fixture in sequence[:-1]:
        stack.send(fixture)
    before, desired = stack.stored(), stack.fleet.desired()
    aws_calls.clear()
    # WHEN the last one arrives again (same alarm, same state timestamp, or older than the last change)
    outcome = stack.send(sequence[-1])
    # THEN it is ignored after one read of the state: nothing observed, decided, stored or scaled
    assert (outcome["status"], outcome["reason"]) == ("ignored", "duplicate")
    assert aws_calls == ["dynamodb.GetItem"]
    assert stack.stored() == before
    assert stack.fleet.desired() == desired


def test_insufficient_data_changes_nothing(make_stack: Callable[..., Stack], aws_calls: list[str]) -> None:
    # GIVEN a group WHEN its alarm reports INSUFFICIENT_DATA
    stack = alarm_fired(make_stack)
    aws_calls.clear()
    outcome = stack.send("alarm/insufficient-data.json")
    # THEN nothing is read, stored or scaled
    assert (outcome["status"], outcome["reason"]) == ("ignored", "insufficient-data")
    assert aws_calls == []
    assert stack.fleet.stored_item() is None


def test_another_stacks_alarm_is_ignored_before_any_aws_call(
    make_stack: Callable[..., Stack], aws_calls: list[str]
) -> None:
    stack = alarm_fired(make_stack)
    aws_calls.clear()
    outcome = stack.send("alarm/foreign-other-stack.json")
    assert (outcome["status"], outcome["reason"]) == ("rejected", "foreign-alarm")
    assert aws_calls == []


@pytest.mark.parametrize(
    ("desired", "ceiling", "expected", "reason"),
    [
        pytest.param(4, None, 6, "AlarmStep", id="percent-step"),
        pytest.param(4, 5, 5, "AlarmStep", id="ceiling-caps-the-step"),
        pytest.param(4, 4, 4, "WithinTolerance", id="ceiling-at-capacity"),
    ],
)
def test_percent_step_and_its_ceiling(
    make_stack: Callable[..., Stack], desired: int, ceiling: int | None, expected: int, reason: str
) -> None:
    # GIVEN the latency alarm stepping +50 % with a ceiling
    steps = {LATENCY_ARN: {"name": "LatencyHigh", "instances": 0, "percent": 50, "ceiling": ceiling}}
    stack = alarm_fired(make_stack, alarm_steps=json.dumps(steps))
    stack.fleet.client("autoscaling").set_desired_capacity(
        AutoScalingGroupName=stack.fleet.group, DesiredCapacity=desired
    )
    stack.fleet.put_in_flight(4)
    # WHEN it goes to ALARM
    outcome = stack.send("alarm/latency-alarm.json")
    # THEN the step adds 50 % of the capacity, never above the alarm's ceiling
    assert (outcome["desired"], outcome["reason"], stack.fleet.desired()) == (expected, reason, expected)


class TickStoresFirst:
    """The state store of the alarm path, with a tick storing between its read and its write (once)."""

    def __init__(self, store: Any, tick: Callable[[], Any]) -> None:
        self.store, self.tick, self.raced = store, tick, False

    def load(self, **options: Any) -> Any:
        return self.store.load(**options)

    def save(self, previous: Any, new: Any, **options: Any) -> Any:
        if not self.raced:
            self.raced = True
            self.tick()
        return self.store.save(previous, new, **options)


def test_an_alarm_racing_a_tick_is_decided_again_not_lost(make_stack: Callable[..., Stack]) -> None:
    # GIVEN a tick that stores the state while the alarm path decides
    stack = alarm_fired(make_stack)
    runtime = stack.alarm_runtime().scaler
    runtime.store = TickStoresFirst(runtime.store, lambda: stack.tick(advance=0))  # type: ignore[assignment]
    # WHEN the alarm arrives
    outcome = stack.send("alarm/alarm.json")
    # THEN its conditional write lost once, it read again, and its step still applied
    assert runtime.store.raced  # type: ignore[attr-defined]
    assert (outcome["reason"], stack.fleet.desired()) == ("AlarmStep", 4)
    assert stack.stored()["tick"]["activeAlarms"] == ["InFlightHigh"]
    assert stack.fleet.stored_item()["writer"]["S"] == "alarm"  # type: ignore[index]


def test_state_timestamps_are_kept_per_alarm(make_stack: Callable[..., Stack]) -> None:
    stack = alarm_fired(make_stack)
    stack.send("alarm/alarm.json")
    stored = stack.stored()["tick"]["alarmChanges"]
    assert stored == {
        "InFlightHigh": (state_time("alarm/alarm.json") + timedelta(microseconds=123000)).isoformat()
    }


class AlwaysLoses:
    """A state store whose conditional write always loses (ticks storing faster than the alarm path)."""

    def __init__(self, store: Any) -> None:
        self.store, self.saves = store, 0

    def load(self, **options: Any) -> Any:
        return self.store.load(**options)

    def save(self, previous: Any, new: Any, **options: Any) -> Any:
        self.saves += 1
        raise ConcurrentUpdateError("another invocation stored first")


def test_an_alarm_that_keeps_losing_fails_so_lambda_retries_it(make_stack: Callable[..., Stack]) -> None:
    # GIVEN a state store the alarm path never wins
    stack = alarm_fired(make_stack)
    runtime = stack.alarm_runtime().scaler
    runtime.store = AlwaysLoses(runtime.store)  # type: ignore[assignment]
    # WHEN the alarm arrives THEN it tries three times, then fails the invocation (Lambda retries the event)
    with pytest.raises(ConcurrentUpdateError):
        stack.send("alarm/alarm.json")
    assert runtime.store.saves == 3  # type: ignore[attr-defined]
    assert stack.fleet.desired() == 2
