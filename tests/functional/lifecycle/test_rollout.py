"""The gate tells a CloudFormation roll-out how each launch ended: SUCCESS on CONTINUE, FAILURE on ABANDON,
once per action, after the completion, and never at the completion's expense (DESIGN.md, "Model updates").

The roll-out is the in-memory fake of the signalled resource (held to the adapter by the contract test) or,
for the failures, the real adapter over HTTP against an endpoint that answers CloudFormation errors."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import pytest
from warmfleet.aws import CloudFormationRolloutSignals, RolloutSignals, RolloutTarget, SignalStatus
from warmfleet.lifecycle import ActionKind, HookResult, InMemoryRolloutSignals

from tests.conftest import load_event
from tests.functional.inference.conftest import ServerProcess
from tests.functional.lifecycle.conftest import (
    INSTANCE,
    AwsErrorServer,
    ScriptedServer,
    World,
    server_port,
)

TARGET = RolloutTarget("warmfleet-dev", "FleetGroup")
TOKEN = load_event("lifecycle/launch.json")["detail"]["LifecycleActionToken"]
NOT_READY = {("GET", "/ready"): (503, {"state": "loading", "reason": "out of GPU memory"})}


def rolling_out(expected_signals: int = 1) -> InMemoryRolloutSignals:
    """A deploy in progress: the group waits for `expected_signals` new instances."""
    cloudformation = InMemoryRolloutSignals(TARGET)
    cloudformation.begin_update(expected_signals)
    return cloudformation


def launched(world: World) -> World:
    world.launch()
    world.handle("lifecycle/launch.json")
    return world


def errors(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [entry for entry in caplog.records if entry.levelno >= logging.WARNING]


def test_verified_warm_signals_success_once(
    make_world: Callable[..., World], warm_server: ServerProcess
) -> None:
    # GIVEN a deploy waiting for one new instance, whose launch action is delivered twice
    cloudformation = rolling_out()
    world = make_world(server_port(warm_server), rollout=cloudformation)
    launched(world)
    world.handle("lifecycle/launch.json")
    # WHEN the agent reports warm (twice: EventBridge delivers at least once)
    outcome = world.handle("instance/warm.json")
    again = world.handle("instance/warm.json")
    # THEN the action completed CONTINUE, and only then the roll-out got SUCCESS for the instance, once
    assert (outcome["status"], outcome["reason"], outcome["rolloutSignal"]) == ("done", "verified", "sent")
    assert world.hooks.state(INSTANCE) == "InService"
    assert cloudformation.calls == [(INSTANCE, SignalStatus.SUCCESS)]
    assert cloudformation.resource_status == "UPDATE_COMPLETE"
    assert (again["reason"], "rolloutSignal" in again) == ("already-completed", False)


def _warmup_failed(world: World) -> dict[str, Any]:
    return world.handle("instance/warmup-failed.json")


def _verification_failed(world: World) -> dict[str, Any]:
    return world.handle("instance/warm.json")


def _budget_exceeded(world: World) -> dict[str, Any]:
    # The sweep heartbeats every minute until the budget is spent, then abandons.
    for _ in range(20):
        world.clock.advance(60)
        actions = world.handle("lifecycle/sweep.json")["actions"]
        if actions and actions[0]["reason"] == "budget-exceeded":
            return dict(actions[0])
    raise AssertionError("the sweep never abandoned the launch")


@pytest.mark.parametrize(
    ("cause", "reason", "env"),
    [
        pytest.param(_warmup_failed, "warmup-failed", {}, id="warm-up-failed"),
        pytest.param(
            _verification_failed,
            "verify-failed",
            {"VERIFY_ATTEMPTS": "1", "MODEL_NAME": "m"},
            id="verify-failed",
        ),
        pytest.param(
            _budget_exceeded,
            "budget-exceeded",
            {"WARMUP_BUDGET_SECONDS": "700", "HOOK_HEARTBEAT_SECONDS": "600"},
            id="budget-exceeded",
        ),
    ],
)
def test_every_abandon_signals_failure_once(
    cause: Callable[[World], dict[str, Any]],
    reason: str,
    env: dict[str, str],
    make_world: Callable[..., World],
    scripted: Callable[..., ScriptedServer],
) -> None:
    # GIVEN a deploy waiting for two new instances, and this one's launch recorded (its server not ready)
    cloudformation = rolling_out(expected_signals=2)
    world = launched(make_world(scripted(NOT_READY).port, rollout=cloudformation, **env))
    # WHEN its gate abandons it
    outcome = cause(world)
    # THEN the action completed ABANDON, and the roll-out got FAILURE (it stops and rolls back)
    assert (outcome["status"], outcome["reason"], outcome["rolloutSignal"]) == ("done", reason, "sent"), (
        outcome
    )
    assert world.hooks.state(INSTANCE) == "Terminated"
    assert cloudformation.calls == [(INSTANCE, SignalStatus.FAILURE)]
    assert cloudformation.stack_status == "UPDATE_ROLLBACK_IN_PROGRESS"
    # AND the same cause again (a redelivery, the next sweep) signals nothing more
    world.clock.advance(60)
    cause_again = world.handle("instance/warmup-failed.json")
    world.handle("lifecycle/sweep.json")
    assert cause_again["reason"] == "already-completed"
    assert cloudformation.calls == [(INSTANCE, SignalStatus.FAILURE)]


def test_outside_a_roll_out_the_refusal_is_no_failure(
    make_world: Callable[..., World], caplog: pytest.LogCaptureFixture
) -> None:
    # GIVEN no deploy in progress (a scale-out): CloudFormation refuses any signal for the group
    cloudformation = InMemoryRolloutSignals(TARGET)
    world = launched(make_world(rollout=cloudformation))
    caplog.clear()
    # WHEN the gate abandons a launch
    outcome = world.handle("instance/warmup-failed.json")
    # THEN it tried once, took the refusal as "no roll-out", and logged no warning or error about it
    assert (outcome["status"], outcome["reason"], outcome["rolloutSignal"]) == (
        "done",
        "warmup-failed",
        "not-in-rollout",
    )
    assert cloudformation.calls == [(INSTANCE, SignalStatus.FAILURE)]
    assert errors(caplog) == []


def _throttled(endpoints: Callable[[str, int], AwsErrorServer]) -> tuple[RolloutSignals, Callable[[], int]]:
    endpoint = endpoints("Throttling", 400)
    return CloudFormationRolloutSignals(endpoint.client("cloudformation"), TARGET), lambda: len(
        endpoint.actions
    )


def _denied(endpoints: Callable[[str, int], AwsErrorServer]) -> tuple[RolloutSignals, Callable[[], int]]:
    endpoint = endpoints("AccessDenied", 403)
    return CloudFormationRolloutSignals(endpoint.client("cloudformation"), TARGET), lambda: len(
        endpoint.actions
    )


def _stack_gone(endpoints: Callable[[str, int], AwsErrorServer]) -> tuple[RolloutSignals, Callable[[], int]]:
    cloudformation = rolling_out()
    cloudformation.delete_stack()
    return cloudformation, lambda: len(cloudformation.calls)


@pytest.mark.parametrize(
    ("roll_out", "code", "calls"),
    [
        pytest.param(_throttled, "Throttling", 2, id="throttled-after-adaptive-retries"),
        pytest.param(_denied, "AccessDenied", 1, id="access-denied"),
        pytest.param(_stack_gone, "ValidationError", 1, id="stack-does-not-exist"),
    ],
)
def test_a_signal_error_is_logged_and_the_completion_stands(
    roll_out: Callable[[Callable[[str, int], AwsErrorServer]], tuple[RolloutSignals, Callable[[], int]]],
    code: str,
    calls: int,
    make_world: Callable[..., World],
    aws_error_server: Callable[[str, int], AwsErrorServer],
    caplog: pytest.LogCaptureFixture,
) -> None:
    # GIVEN a recorded launch and a roll-out signal that fails with `code`
    signals, calls_made = roll_out(aws_error_server)
    world = launched(make_world(rollout=signals))
    caplog.clear()
    # WHEN the gate abandons the launch
    outcome = world.handle("instance/warmup-failed.json")
    # THEN the handler does not raise: the completion stands, stored as closed
    assert (outcome["status"], outcome["reason"], outcome["rolloutSignal"]) == (
        "done",
        "warmup-failed",
        "failed",
    )
    assert world.hooks.state(INSTANCE) == "Terminated"
    record = world.store.get(INSTANCE, ActionKind.LAUNCH)
    assert record is not None and record.result is HookResult.ABANDON
    # AND one error line names the instance, the token and CloudFormation's code
    (error,) = errors(caplog)
    assert "roll-out signal not sent" in error.getMessage() and code in error.getMessage()
    assert (error.instanceId, error.token, error.errorCode) == (INSTANCE, TOKEN, code)  # type: ignore[attr-defined]
    # AND it is not retried: a redelivery finds the action completed and calls nothing
    assert calls_made() == calls
    world.handle("instance/warmup-failed.json")
    assert calls_made() == calls


def test_terminate_actions_signal_nothing(make_world: Callable[..., World]) -> None:
    # GIVEN a deploy in progress and a serving instance chosen for termination (the roll-out's old one)
    cloudformation = rolling_out()
    world = make_world(rollout=cloudformation)
    world.terminate()
    world.handle("lifecycle/terminate.json")
    # WHEN it drains and its terminate action completes CONTINUE
    outcome = world.handle("instance/drained.json")
    # THEN the roll-out hears nothing: it counts new instances only
    assert (outcome["status"], outcome["reason"], "rolloutSignal" in outcome) == ("done", "drained", False)
    assert cloudformation.calls == []
