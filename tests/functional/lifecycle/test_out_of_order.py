"""EventBridge neither orders nor deduplicates: events that arrive early, late or twice are each handled."""

from __future__ import annotations

from collections.abc import Callable

from warmfleet.lifecycle import ActionKind, ActionPhase, HookResult, Reason

from tests.functional.inference.conftest import ServerProcess
from tests.functional.lifecycle.conftest import INSTANCE, World, server_port


def completions(world: World) -> list[tuple[str | None, str | None]]:
    return [(action.token, result) for call, action, result in world.hooks.calls if call == "complete"]


def test_warm_before_the_action_is_kept_then_acted_on(
    make_world: Callable[..., World], warm_server: ServerProcess
) -> None:
    # GIVEN an instance AWS does not hold in Pending:Wait yet (the hook's event is still on its way)
    world = make_world(server_port(warm_server), MODEL_NAME="mlp")
    # WHEN Instance Warm arrives first
    early = world.handle("instance/warm.json")
    # THEN the report is kept, nothing is called
    assert (early["status"], early["reason"]) == ("ignored", "reported-early")
    assert world.hooks.calls == []
    # AND WHEN the launch action follows, it is verified and completed at once
    token = world.launch()
    outcome = world.handle("lifecycle/launch.json")
    assert (outcome["status"], outcome["reason"]) == ("done", "verified"), outcome
    assert completions(world) == [(token, "CONTINUE")]
    assert world.hooks.state(INSTANCE) == "InService"


def test_warm_for_an_unrecorded_waiting_instance_adopts_it(
    make_world: Callable[..., World], warm_server: ServerProcess
) -> None:
    # GIVEN an instance in Pending:Wait whose launch event was lost
    world = make_world(server_port(warm_server), MODEL_NAME="mlp")
    world.launch()
    # WHEN Instance Warm arrives
    outcome = world.handle("instance/warm.json")
    # THEN it is adopted and completed by instance id (no token), with no warm-up time (its start is unknown)
    assert (outcome["status"], outcome["reason"], outcome["token"]) == ("done", "verified", "adopted")
    assert completions(world) == [(None, "CONTINUE")]
    assert world.hooks.state(INSTANCE) == "InService"
    assert world.metrics.values == []


def test_warmup_failed_before_the_action_abandons_when_it_arrives(make_world: Callable[..., World]) -> None:
    # GIVEN Instance Warm-up Failed arrived before the launch action
    world = make_world()
    early = world.handle("instance/warmup-failed.json")
    assert early["reason"] == "reported-early"
    # WHEN the launch action arrives
    token = world.launch()
    outcome = world.handle("lifecycle/launch.json")
    # THEN it is abandoned at once with the agent's reason
    assert (outcome["status"], outcome["reason"]) == ("done", "warmup-failed")
    assert completions(world) == [(token, "ABANDON")]


def test_terminate_during_warmup_needs_no_drain(make_world: Callable[..., World]) -> None:
    # GIVEN a launch action waiting on the agent, and then the group scales in that instance
    world = make_world()
    world.launch()
    world.handle("lifecycle/launch.json")
    token = world.terminate()
    # WHEN the terminate action arrives
    outcome = world.handle("lifecycle/terminate.json")
    # THEN the launch record closes, and the instance that never served is let go at once
    assert (outcome["status"], outcome["reason"]) == ("done", "never-in-service")
    assert completions(world) == [(token, "CONTINUE")]
    launch = world.store.get(INSTANCE, ActionKind.LAUNCH)
    assert launch is not None and launch.phase is ActionPhase.COMPLETED
    assert launch.close_reason == "terminated-during-warmup"
    # AND a late Instance Warm for it changes nothing
    late = world.handle("instance/warm.json")
    assert (late["status"], late["reason"]) == ("ignored", "already-completed")
    assert len(completions(world)) == 1


def test_drained_before_the_terminate_action_completes_by_instance_id(
    make_world: Callable[..., World],
) -> None:
    # GIVEN an instance in Terminating:Wait whose terminate event has not arrived yet
    world = make_world()
    world.terminate()
    world.clock.advance(30)
    # WHEN the agent reports drained
    outcome = world.handle("instance/drained.json")
    # THEN the action is completed by instance id
    assert (outcome["status"], outcome["reason"], outcome["token"]) == ("done", "drained", "adopted")
    assert completions(world) == [(None, "CONTINUE")]
    # AND the late terminate action is recognised and not recorded again
    late = world.handle("lifecycle/terminate.json")
    assert (late["status"], late["reason"]) == ("ignored", "already-completed")
    record = world.store.get(INSTANCE, ActionKind.TERMINATE)
    assert record is not None and record.result is HookResult.CONTINUE


def test_completion_is_stored_even_when_a_sweep_heartbeat_raced_it(make_world: Callable[..., World]) -> None:
    # GIVEN a recorded launch, read by an Instance Warm invocation that is now verifying
    world = make_world()
    world.launch()
    world.handle("lifecycle/launch.json")
    read_by_warm = world.store.get(INSTANCE, ActionKind.LAUNCH)
    assert read_by_warm is not None
    # AND meanwhile the sweep heartbeats the same action and stores a newer version
    world.store.save(
        read_by_warm.evolve(heartbeat_deadline=read_by_warm.heartbeat_deadline + 600), read_by_warm
    )
    # WHEN the warm invocation completes CONTINUE from its stale copy
    outcome = world.gate.runner.complete(
        read_by_warm, HookResult.CONTINUE, Reason.VERIFIED, "ready; canary ok"
    )
    # THEN AWS was told once and the completion is stored, so no later sweep mistakes it for a lost action
    assert (outcome["status"], outcome["reason"]) == ("done", "verified")
    stored = world.store.get(INSTANCE, ActionKind.LAUNCH)
    assert (
        stored is not None and stored.phase is ActionPhase.COMPLETED and stored.result is HookResult.CONTINUE
    )
    assert world.handle("lifecycle/sweep.json")["actions"] == []
