"""The launch gate end to end through the handler: record once, verify over HTTP, CONTINUE or ABANDON.

DynamoDB is moto's, the hook state machine the in-memory fake, the instance a real inference server on
loopback (or a scripted one for failures a real server does not produce on demand)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from warmfleet.lifecycle import ActionKind, ActionPhase, HookResult

from tests.functional.inference.conftest import ServerProcess
from tests.functional.lifecycle.conftest import (
    INSTANCE,
    ScriptedServer,
    World,
    event_time,
    server_port,
)

WARM_AT = event_time("instance/warm.json")
METADATA = {"name": "m", "inputs": [{"name": "input", "datatype": "FP32", "shape": [-1, 2]}], "outputs": []}


def completions(world: World) -> list[tuple[str | None, str | None]]:
    return [(action.token, result) for call, action, result in world.hooks.calls if call == "complete"]


def test_launch_is_recorded_once_per_token(make_world: Callable[..., World]) -> None:
    # GIVEN a group whose new instance waits in Pending:Wait
    world = make_world()
    token = world.launch()
    # WHEN EventBridge delivers the launch action twice
    first = world.handle("lifecycle/launch.json")
    second = world.handle("lifecycle/launch.json")
    # THEN it is recorded once, the redelivery changes nothing, and AWS is not called
    assert (first["status"], first["reason"], first["token"]) == ("done", "new-action", token)
    assert (second["status"], second["reason"]) == ("ignored", "duplicate-delivery")
    record = world.store.get(INSTANCE, ActionKind.LAUNCH)
    assert record is not None and record.phase is ActionPhase.WAITING and record.version == 0
    assert record.token == token and record.hook_name == "warmfleet-dev-launch-hook"
    assert world.hooks.calls == []


@pytest.mark.parametrize(
    "model_name",
    [pytest.param("mlp", id="model-configured"), pytest.param("", id="model-discovered-from-server")],
)
def test_instance_warm_verified_against_the_real_server_continues(
    make_world: Callable[..., World], warm_server: ServerProcess, model_name: str
) -> None:
    # GIVEN a recorded launch action and a warm real server answering for the instance
    # (with MODEL_NAME empty, as the template's default leaves it, the model is found in GET /v2/models)
    world = make_world(server_port(warm_server), MODEL_NAME=model_name)
    token = world.launch()
    world.handle("lifecycle/launch.json")
    # WHEN the agent reports warm
    world.clock.now = WARM_AT
    outcome = world.handle("instance/warm.json")
    # THEN /ready and the canary passed, the action completed CONTINUE and the warm-up time is published
    assert (outcome["status"], outcome["reason"]) == ("done", "verified"), outcome
    assert world.hooks.state(INSTANCE) == "InService"
    assert completions(world) == [(token, "CONTINUE")]
    assert world.metrics.values == [
        ("WarmupSeconds", "Seconds", WARM_AT - event_time("lifecycle/launch.json"))
    ]
    record = world.store.get(INSTANCE, ActionKind.LAUNCH)
    assert record is not None and record.result is HookResult.CONTINUE
    # AND a second Instance Warm is late news: nothing is called again
    again = world.handle("instance/warm.json")
    assert (again["status"], again["reason"]) == ("ignored", "already-completed")
    assert len(completions(world)) == 1


def test_warmup_failed_abandons_and_counts(make_world: Callable[..., World]) -> None:
    # GIVEN a recorded launch action
    world = make_world()
    token = world.launch()
    world.handle("lifecycle/launch.json")
    # WHEN the agent reports that the warm-up failed
    outcome = world.handle("instance/warmup-failed.json")
    # THEN the action is abandoned with the agent's reason, and counted
    assert (outcome["status"], outcome["reason"]) == ("done", "warmup-failed")
    assert "checksum mismatch" in outcome["message"]
    assert completions(world) == [(token, "ABANDON")]
    assert world.hooks.state(INSTANCE) == "Terminated"
    assert world.metrics.names() == ["Abandoned"]


SCRIPTS: list[Any] = [
    pytest.param(
        {
            ("GET", "/ready"): (200, {"state": "ready"}),
            ("GET", "/v2/models/m"): (200, METADATA),
            ("POST", "/v2/models/m/infer"): (500, {"error": "CUDA out of memory"}),
        },
        "answered 500",
        id="canary-infer-fails",
    ),
    pytest.param(
        {("GET", "/ready"): (503, {"state": "failed", "reason": "model checksum mismatch"})},
        "state failed",
        id="ready-503-failed",
    ),
]


@pytest.mark.parametrize(("routes", "detail"), SCRIPTS)
def test_verification_failing_after_the_retries_abandons(
    routes: dict[tuple[str, str], tuple[int, Any]],
    detail: str,
    make_world: Callable[..., World],
    scripted: Callable[..., ScriptedServer],
) -> None:
    # GIVEN a recorded launch and a server that says warm but fails verification, two attempts allowed
    server = scripted(routes)
    world = make_world(server.port, MODEL_NAME="m", VERIFY_ATTEMPTS="2")
    token = world.launch()
    world.handle("lifecycle/launch.json")
    # WHEN the agent reports warm, and the sweep retries a minute later
    first = world.handle("instance/warm.json")
    world.clock.advance(60)
    swept = world.handle("lifecycle/sweep.json")
    # THEN the first failure waits for the retry, the second abandons with the reason, counted once
    assert (first["status"], first["reason"]) == ("ignored", "verify-failed-will-retry")
    assert detail in first["message"]
    (retry,) = swept["actions"]
    assert (retry["status"], retry["reason"]) == ("done", "verify-failed"), retry
    assert completions(world) == [(token, "ABANDON")]
    assert world.metrics.names() == ["Abandoned"]


def test_instance_gone_mid_warmup_is_abandoned(make_world: Callable[..., World]) -> None:
    # GIVEN a recorded launch whose instance then disappears (terminated from outside)
    world = make_world()
    world.launch()
    world.handle("lifecycle/launch.json")
    world.hooks.remove(INSTANCE)
    # WHEN the agent's Instance Warm arrives late
    outcome = world.handle("instance/warm.json")
    # THEN the action is closed as gone and counted as abandoned
    assert (outcome["status"], outcome["reason"]) == ("done", "instance-gone")
    record = world.store.get(INSTANCE, ActionKind.LAUNCH)
    assert record is not None and record.phase is ActionPhase.COMPLETED
    assert world.metrics.names() == ["Abandoned"]


def test_expired_token_is_recorded_not_retried(
    make_world: Callable[..., World], warm_server: ServerProcess
) -> None:
    # GIVEN a recorded launch whose hook timed out at AWS (default result CONTINUE here, so it still serves)
    world = make_world(server_port(warm_server), MODEL_NAME="mlp")
    world.hooks.launch(
        "warmfleet-dev-fleet",
        INSTANCE,
        "warmfleet-dev-launch-hook",
        600,
        default="CONTINUE",
        token="c8a2f6b4-7d3e-4f1a-9b2c-0d1e2f3a4b5c",
    )
    world.handle("lifecycle/launch.json")
    world.clock.advance(601)
    # WHEN Instance Warm arrives and CompleteLifecycleAction is refused for the expired token
    outcome = world.handle("instance/warm.json")
    # THEN the record closes as token-expired, with no warm-up time published
    assert (outcome["status"], outcome["reason"]) == ("done", "token-expired")
    record = world.store.get(INSTANCE, ActionKind.LAUNCH)
    assert record is not None and record.result is HookResult.EXPIRED
    assert world.metrics.values == []
