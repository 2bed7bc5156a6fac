"""The sweep: heartbeats inside the budget, abandons past it or when the instance is gone, adopts the lost.

No action is ever left to the hook's own timeout: the sweep, run every minute, keeps it alive until the
budget and then abandons it itself."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from warmfleet.aws import AutoScalingLifecycleHooks, HookAction, HookCallStatus
from warmfleet.lifecycle import ActionKind, ActionPhase, HookResult, InMemoryLifecycleHooks

from tests.functional.inference.conftest import ServerProcess
from tests.functional.lifecycle.conftest import (
    GROUP,
    INSTANCE,
    AwsErrorServer,
    ScriptedServer,
    World,
    server_port,
)

LOADING = {("GET", "/ready"): (503, {"state": "loading", "reason": "downloading the model"})}


def calls(world: World, name: str) -> list[tuple[str | None, str | None]]:
    return [(action.token, result) for call, action, result in world.hooks.calls if call == name]


def test_sweep_every_minute_heartbeats_until_the_budget_then_abandons(
    make_world: Callable[..., World],
) -> None:
    # GIVEN a launch whose agent never reports (heartbeat timeout 600 s, budget 1800 s)
    world = make_world()
    token = world.launch()
    world.handle("lifecycle/launch.json")
    # WHEN the sweep runs every minute for 31 minutes
    reasons: list[str] = []
    for _ in range(31):
        world.clock.advance(60)
        (action,) = world.handle("lifecycle/sweep.json")["actions"] or [{"reason": "closed"}]
        reasons.append(action["reason"])
        if action["reason"] == "budget-exceeded":
            break
        # THEN AWS never lets the hook time out on its own
        assert world.hooks.state(INSTANCE) == "Pending:Wait"
    # AND it heartbeats only when the timeout is near, and abandons once past the budget
    assert reasons.count("heartbeat") == 3
    assert reasons[-1] == "budget-exceeded"
    assert calls(world, "complete") == [(token, "ABANDON")]
    assert world.metrics.names() == ["Abandoned"]


def test_sweep_abandons_an_action_whose_instance_is_gone(make_world: Callable[..., World]) -> None:
    world = make_world()
    world.launch()
    world.handle("lifecycle/launch.json")
    world.hooks.remove(INSTANCE)
    # WHEN the sweep runs
    (action,) = world.handle("lifecycle/sweep.json")["actions"]
    # THEN the action is closed as gone and counted
    assert (action["status"], action["reason"]) == ("done", "instance-gone")
    record = world.store.get(INSTANCE, ActionKind.LAUNCH)
    assert record is not None and record.result is HookResult.EXPIRED
    assert world.metrics.names() == ["Abandoned"]


def test_sweep_adopts_a_lost_launch_and_continues_once_warm(
    make_world: Callable[..., World], warm_server: ServerProcess
) -> None:
    # GIVEN an instance in Pending:Wait whose launch event was lost (the stack's first launch)
    world = make_world(server_port(warm_server), MODEL_NAME="mlp")
    world.launch()
    # WHEN the sweep runs
    (action,) = world.handle("lifecycle/sweep.json")["actions"]
    # THEN it adopts the instance, verifies it and completes by instance id
    assert (action["status"], action["reason"], action["token"]) == ("done", "verified", "adopted")
    assert calls(world, "complete") == [(None, "CONTINUE")]
    assert world.hooks.state(INSTANCE) == "InService"


def test_sweep_adopts_a_still_loading_launch_and_keeps_it_alive(
    make_world: Callable[..., World], scripted: Callable[..., ScriptedServer]
) -> None:
    # GIVEN a lost launch whose server is still loading
    server = scripted(LOADING)
    world = make_world(server.port, MODEL_NAME="m")
    world.launch()
    # WHEN the sweep runs
    (action,) = world.handle("lifecycle/sweep.json")["actions"]
    # THEN it is adopted and heartbeated (its timeout is unknown), not failed: loading is not a failure
    assert (action["status"], action["reason"], action["heartbeat"]) == (
        "ignored",
        "not-ready-yet",
        "heartbeat",
    )
    assert calls(world, "heartbeat") == [(None, None)]
    record = world.store.get(INSTANCE, ActionKind.LAUNCH)
    assert record is not None and record.adopted and record.phase is ActionPhase.WAITING
    assert record.verify_failures == 0


def test_sweep_adopts_a_lost_terminate_and_bounds_its_drain(make_world: Callable[..., World]) -> None:
    # GIVEN an instance in Terminating:Wait whose terminate event was lost
    world = make_world()
    world.terminate()
    # WHEN the sweep runs now and then every minute
    reasons = [action["reason"] for action in world.handle("lifecycle/sweep.json")["actions"]]
    while not calls(world, "complete"):
        world.clock.advance(60)
        assert world.hooks.state(INSTANCE) == "Terminating:Wait"
        reasons += [action["reason"] for action in world.handle("lifecycle/sweep.json")["actions"]]
    # THEN it is adopted and heartbeated at once (its deadline is unknown), kept alive, then let go
    assert reasons[0] == "heartbeat" and reasons[-1] == "drain-timeout"
    assert calls(world, "complete") == [(None, "CONTINUE")]
    assert world.hooks.state(INSTANCE) == "Terminated"


def test_sweep_bounds_its_verifications_and_defers_the_rest(
    make_world: Callable[..., World], scripted: Callable[..., ScriptedServer]
) -> None:
    # GIVEN three lost launches of loading servers, and room for two verifications per sweep (40 s / 20 s)
    server = scripted(LOADING)
    world = make_world(server.port, MODEL_NAME="m", VERIFY_TIMEOUT_SECONDS="20")
    for n in range(3):
        world.hooks.launch("warmfleet-dev-fleet", f"i-{n:017x}", "warmfleet-dev-launch-hook", 600)
    # WHEN the sweep adopts them
    actions = world.handle("lifecycle/sweep.json")["actions"]
    # THEN two are probed and the third keeps its hook alive and waits for the next tick
    assert [a["reason"] for a in actions] == ["not-ready-yet", "not-ready-yet", "heartbeat"]
    assert len([r for r in server.requests if r[1] == "/ready"]) == 2
    assert len(calls(world, "heartbeat")) == 3


@dataclass
class GroupFromAws:
    """The hook fake for actions, with the group's states read through the real boto3 adapter."""

    fake: InMemoryLifecycleHooks
    aws: AutoScalingLifecycleHooks

    def complete(self, action: HookAction, result: str) -> HookCallStatus:
        return self.fake.complete(action, result)

    def heartbeat(self, action: HookAction) -> HookCallStatus:
        return self.fake.heartbeat(action)

    def group_states(self, group_name: str) -> dict[str, str]:
        return self.aws.group_states(group_name)

    def instance_state(self, instance_id: str) -> str | None:
        return self.fake.instance_state(instance_id)


@pytest.mark.parametrize(
    ("code", "status", "attempts"),
    [
        pytest.param("Throttling", 400, 2, id="throttled-after-adaptive-retries"),
        pytest.param("AccessDenied", 403, 1, id="access-denied-not-retried"),
    ],
)
def test_sweep_acts_on_nothing_when_the_group_cannot_be_described(
    make_world: Callable[..., World],
    aws_error_server: Callable[[str, int], AwsErrorServer],
    caplog: pytest.LogCaptureFixture,
    code: str,
    status: int,
    attempts: int,
) -> None:
    # GIVEN an open launch action whose instance has left the group (a working sweep would close it), and
    # an Auto Scaling endpoint that answers DescribeAutoScalingGroups with `code`
    world = make_world()
    world.launch()
    world.handle("lifecycle/launch.json")
    world.hooks.remove(INSTANCE)
    endpoint = aws_error_server(code, status)
    world.gate.runner.hooks = GroupFromAws(world.hooks, AutoScalingLifecycleHooks(endpoint.autoscaling()))
    caplog.clear()
    # WHEN the sweep runs
    swept = world.handle("lifecycle/sweep.json")
    # THEN it reports the failure without raising, and completed, heartbeated or recorded nothing
    assert (swept["status"], swept["reason"], swept["actions"]) == ("error", "group-not-described", [])
    assert endpoint.actions == ["DescribeAutoScalingGroups"] * attempts
    assert calls(world, "complete") == [] and calls(world, "heartbeat") == []
    record = world.store.get(INSTANCE, ActionKind.LAUNCH)
    assert record is not None and record.phase is ActionPhase.WAITING and record.version == 0
    # AND it logged one error line that says why, for which group
    (error,) = [entry for entry in caplog.records if entry.levelno >= logging.ERROR]
    assert code in error.getMessage() and "nothing acted" in error.getMessage()
    assert (error.group, error.errorCode, error.retryAttempts) == (GROUP, code, attempts - 1)  # type: ignore[attr-defined]
    # AND once the group can be described again, the next sweep does what was left
    world.gate.runner.hooks = world.hooks
    (action,) = world.handle("lifecycle/sweep.json")["actions"]
    assert action["reason"] == "instance-gone"
