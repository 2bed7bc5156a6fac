"""Which completions signal the roll-out, with what status, and how the signalled resource's fake counts them
(`signal_rollout` and `InMemoryRolloutSignals`; the gate's paths are in tests/functional/lifecycle)."""

from __future__ import annotations

import pytest
from warmfleet.aws import RolloutTarget, SignalStatus
from warmfleet.lifecycle import ActionKind, ActionPhase, ActionRecord, HookResult, InMemoryRolloutSignals
from warmfleet.lifecycle.rollout import signal_rollout

TARGET = RolloutTarget("warmfleet-dev", "FleetGroup")


def action(kind: ActionKind, token: str | None = "tok") -> ActionRecord:
    return ActionRecord(
        "i-1", kind, ActionPhase.WAITING, "hook", token, started_at=0.0, heartbeat_deadline=600.0
    )


@pytest.mark.parametrize(
    ("kind", "result", "expected", "signalled"),
    [
        pytest.param(
            ActionKind.LAUNCH, HookResult.CONTINUE, "sent", [("i-1", SignalStatus.SUCCESS)], id="continue"
        ),
        pytest.param(
            ActionKind.LAUNCH, HookResult.ABANDON, "sent", [("i-1", SignalStatus.FAILURE)], id="abandon"
        ),
        pytest.param(ActionKind.LAUNCH, HookResult.EXPIRED, None, [], id="aws-took-no-result"),
        pytest.param(ActionKind.TERMINATE, HookResult.CONTINUE, None, [], id="terminate"),
    ],
)
def test_launch_results_map_to_signals(
    kind: ActionKind, result: HookResult, expected: str | None, signalled: list[tuple[str, SignalStatus]]
) -> None:
    # GIVEN a roll-out waiting for new instances
    cloudformation = InMemoryRolloutSignals(TARGET)
    cloudformation.begin_update(expected_signals=2)
    # WHEN an action of `kind` completed with `result`
    outcome = signal_rollout(cloudformation, action(kind), result)
    # THEN only a launch's CONTINUE or ABANDON is signalled, by instance id
    assert outcome == expected
    assert cloudformation.calls == signalled


def test_not_configured_signals_nothing() -> None:
    # GIVEN no roll-out configured / WHEN a launch completes / THEN there is nothing to report
    assert signal_rollout(None, action(ActionKind.LAUNCH), HookResult.CONTINUE) is None


def test_a_raising_roll_out_is_reported_as_failed() -> None:
    # GIVEN a stack that no longer exists (CloudFormation's ValidationError, not "can not be signaled")
    cloudformation = InMemoryRolloutSignals(TARGET)
    cloudformation.delete_stack()
    # WHEN / THEN the error is absorbed and reported, for the completion to stand
    assert (
        signal_rollout(cloudformation, action(ActionKind.LAUNCH, token=None), HookResult.ABANDON) == "failed"
    )


def test_fake_completes_the_update_after_the_expected_successes() -> None:
    # GIVEN a roll-out replacing two instances
    cloudformation = InMemoryRolloutSignals(TARGET)
    cloudformation.begin_update(expected_signals=2)
    # WHEN the first succeeds, the update still waits; after the second it is complete
    cloudformation.signal("i-1", SignalStatus.SUCCESS)
    assert cloudformation.resource_status == "UPDATE_IN_PROGRESS"
    cloudformation.signal("i-2", SignalStatus.SUCCESS)
    # THEN it is complete, and a late signal finds nothing waiting
    assert (cloudformation.resource_status, cloudformation.stack_status) == (
        "UPDATE_COMPLETE",
        "UPDATE_COMPLETE",
    )
    assert cloudformation.signals == {"i-1": SignalStatus.SUCCESS, "i-2": SignalStatus.SUCCESS}
    assert str(cloudformation.signal("i-3", SignalStatus.SUCCESS)) == "not-in-rollout"
