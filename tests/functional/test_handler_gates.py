"""Each function validates and filters before any AWS call: malformed, foreign and other functions' events
get a clear outcome and not one botocore call; a valid event reaches the function named for it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from warmfleet.handlers import alarm, lifecycle, scaler

from tests.conftest import FakeLambdaContext, load_event, load_function

REJECTIONS = [
    # (function, fixture, reason)
    ("lifecycle", "lifecycle/foreign-launch-other-group.json", "foreign-group"),
    ("lifecycle", "instance/foreign-warm-other-group.json", "foreign-group"),
    ("lifecycle", "lifecycle/invalid-transition-mismatch.json", "malformed"),
    ("lifecycle", "lifecycle/invalid-missing-token.json", "malformed"),
    ("lifecycle", "lifecycle/invalid-instance-id.json", "malformed"),
    ("lifecycle", "lifecycle/invalid-sweep-extra-key.json", "malformed"),
    ("lifecycle", "lifecycle/invalid-test-notification.json", "malformed"),
    ("lifecycle", "instance/invalid-warm-missing-warmup.json", "malformed"),
    ("lifecycle", "instance/invalid-unknown-detail-type.json", "malformed"),
    ("lifecycle", "instance/invalid-failed-without-reason.json", "malformed"),
    ("lifecycle", "alarm/alarm.json", "not-this-function"),
    ("lifecycle", "scaler/tick.json", "malformed"),
    ("lifecycle", "scaler/invalid-not-an-object.json", "malformed"),
    ("scaler", "scaler/invalid-tick-extra-key.json", "malformed"),
    ("scaler", "scaler/invalid-sweep-sent-to-scaler.json", "malformed"),
    ("scaler", "scaler/invalid-not-an-object.json", "malformed"),
    ("scaler", "lifecycle/launch.json", "malformed"),
    ("scaler", "alarm/alarm.json", "malformed"),
    ("alarm", "alarm/foreign-other-stack.json", "foreign-alarm"),
    ("alarm", "alarm/invalid-unknown-state.json", "malformed"),
    ("alarm", "alarm/invalid-no-resources.json", "malformed"),
    ("alarm", "scaler/tick.json", "malformed"),
    ("alarm", "instance/warm.json", "malformed"),
    ("alarm", "alarm/invalid-other-source.json", "malformed"),
    ("alarm", "alarm/invalid-no-state-timestamp.json", "malformed"),
    ("alarm", "schedule/invalid-missing-until.json", "malformed"),
    ("alarm", "schedule/invalid-floor-above-ceiling.json", "malformed"),
    ("alarm", "schedule/invalid-extra-key.json", "malformed"),
    ("alarm", "schedule/invalid-bad-duration.json", "malformed"),
    ("alarm", "schedule/invalid-until-without-zone.json", "malformed"),
    ("alarm", "schedule/invalid-unsubstituted-time.json", "malformed"),
    ("alarm", "schedule/invalid-negative-floor.json", "malformed"),
    ("alarm", "schedule/invalid-window-name.json", "malformed"),
    ("alarm", "schedule/foreign-unknown-window.json", "malformed"),
]


@pytest.mark.parametrize(
    ("function", "fixture", "reason"),
    [pytest.param(f, e, r, id=f"{f}:{e}") for f, e, r in REJECTIONS],
)
def test_rejected_before_any_aws_call(
    function: str,
    fixture: str,
    reason: str,
    function_env: Callable[[str], None],
    lambda_context: FakeLambdaContext,
    aws_calls: list[str],
) -> None:
    # GIVEN the function's environment as the template sets it
    function_env(function)
    app = load_function(function)
    # WHEN an event that is not this function's to act on arrives
    outcome = app.lambda_handler(load_event(fixture), lambda_context)
    # THEN it is rejected with a reason and a message, and no AWS API was called
    assert outcome["status"] == "rejected"
    assert outcome["reason"] == reason
    assert outcome["message"]
    assert aws_calls == []


DISPATCH = [
    (lifecycle, "lifecycle", "lifecycle/launch.json", "on_launch_action"),
    (lifecycle, "lifecycle", "lifecycle/launch-from-warm-pool.json", "on_launch_action"),
    (lifecycle, "lifecycle", "lifecycle/terminate.json", "on_terminate_action"),
    (lifecycle, "lifecycle", "instance/warm.json", "on_instance_warm"),
    (lifecycle, "lifecycle", "instance/warmup-failed.json", "on_instance_warmup_failed"),
    (lifecycle, "lifecycle", "instance/drained.json", "on_instance_drained"),
    (lifecycle, "lifecycle", "lifecycle/sweep.json", "on_sweep"),
    (scaler, "scaler", "scaler/tick.json", "on_tick"),
    (alarm, "alarm", "alarm/alarm.json", "on_alarm_state_change"),
    (alarm, "alarm", "alarm/ok.json", "on_alarm_state_change"),
    (alarm, "alarm", "alarm/insufficient-data.json", "on_alarm_state_change"),
    (alarm, "alarm", "alarm/latency-alarm.json", "on_alarm_state_change"),
    (alarm, "alarm", "alarm/ok-after-alarm.json", "on_alarm_state_change"),
    (alarm, "alarm", "schedule/busy-hours-open.json", "on_schedule"),
    (alarm, "alarm", "schedule/busy-hours-open-with-ceiling.json", "on_schedule"),
]


@pytest.mark.parametrize(
    ("module", "function", "fixture", "target"),
    [pytest.param(m, f, e, t, id=f"{f}:{e}") for m, f, e, t in DISPATCH],
)
def test_valid_event_reaches_its_named_function(
    module: Any,
    function: str,
    fixture: str,
    target: str,
    function_env: Callable[[str], None],
    lambda_context: FakeLambdaContext,
    monkeypatch: pytest.MonkeyPatch,
    aws_calls: list[str],
) -> None:
    # GIVEN the function's environment, and its acting function replaced by a recorder
    function_env(function)
    seen: list[tuple[Any, ...]] = []
    monkeypatch.setattr(module, target, lambda *args: seen.append(args) or {"status": "done"})
    # WHEN a valid event of this stack arrives
    outcome = load_function(function).lambda_handler(load_event(fixture), lambda_context)
    # THEN exactly that function got it, after validation made no AWS call of its own
    assert outcome == {"status": "done"}
    assert len(seen) == 1
    assert aws_calls == []
