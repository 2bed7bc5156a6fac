"""The terminate hook: mark draining, CONTINUE on Instance Drained, or when DrainTimeoutSeconds runs out."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from warmfleet.lifecycle import ActionKind, ActionPhase

from tests.functional.lifecycle.conftest import INSTANCE, World


def completions(world: World) -> list[tuple[str | None, str | None]]:
    return [(action.token, result) for call, action, result in world.hooks.calls if call == "complete"]


def serving_world(make_world: Callable[..., World]) -> World:
    """An instance that passed its launch gate long ago (no launch record left) and is now terminating."""
    world = make_world()
    world.terminate()
    return world


@pytest.mark.parametrize(
    ("fixture", "reason"),
    [
        pytest.param("instance/drained.json", "drained", id="drained"),
        pytest.param("instance/drained-cut-short.json", "drained-cut-short", id="agent-cut-short"),
    ],
)
def test_drained_continues_and_publishes_the_drain_time(
    fixture: str, reason: str, make_world: Callable[..., World]
) -> None:
    # GIVEN a terminate action recorded for a serving instance
    world = serving_world(make_world)
    recorded = world.handle("lifecycle/terminate.json")
    assert (recorded["status"], recorded["reason"]) == ("done", "new-action")
    record = world.store.get(INSTANCE, ActionKind.TERMINATE)
    assert record is not None and record.phase is ActionPhase.DRAINING
    # WHEN the agent reports drained 42 s later
    world.clock.advance(42)
    outcome = world.handle(fixture)
    # THEN CONTINUE with the token, and DrainSeconds is published
    assert (outcome["status"], outcome["reason"]) == ("done", reason)
    assert completions(world) == [("f1d5c9e7-0a6b-4c4d-8e5f-3a4b5c6d7e8f", "CONTINUE")]
    assert world.metrics.values == [("DrainSeconds", "Seconds", 42.0)]
    assert world.hooks.state(INSTANCE) == "Terminated"


def test_duplicate_terminate_action_is_ignored(make_world: Callable[..., World]) -> None:
    world = serving_world(make_world)
    world.handle("lifecycle/terminate.json")
    # WHEN the same action is delivered again
    again = world.handle("lifecycle/terminate.json")
    # THEN nothing changes
    assert (again["status"], again["reason"]) == ("ignored", "duplicate-delivery")
    assert world.hooks.calls == []


def test_drain_timeout_continues_from_the_sweep_before_the_hook_times_out(
    make_world: Callable[..., World],
) -> None:
    # GIVEN a draining instance whose agent never reports (drain timeout = terminate hook timeout = 300 s)
    world = serving_world(make_world)
    world.handle("lifecycle/terminate.json")
    # WHEN the sweep runs every minute
    reasons: list[str] = []
    while not completions(world):
        world.clock.advance(60)
        # THEN the hook never times out on its own before the function lets the instance go
        assert world.hooks.state(INSTANCE) == "Terminating:Wait"
        (action,) = world.handle("lifecycle/sweep.json")["actions"]
        reasons.append(action["reason"])
    # AND it heartbeats once the timeout is near, then CONTINUEs and says the drain was cut short
    assert reasons == [
        "heartbeat-not-due",
        "heartbeat-not-due",
        "heartbeat",
        "heartbeat-not-due",
        "drain-timeout",
    ]
    assert "cut short" in action["message"]
    assert completions(world) == [("f1d5c9e7-0a6b-4c4d-8e5f-3a4b5c6d7e8f", "CONTINUE")]
