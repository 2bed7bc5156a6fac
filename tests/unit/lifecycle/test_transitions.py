"""The pure rules of the warm-up gate and the drain state machine, case by case."""

from __future__ import annotations

import pytest
from warmfleet.lifecycle import ActionKind, ActionPhase, ActionRecord, AgentReport, HookResult, Limits
from warmfleet.lifecycle.transitions import (
    Step,
    instances_to_adopt,
    on_agent_report,
    on_lifecycle_action,
    on_terminate_during_launch,
    sweep_record,
)

LIMITS = Limits(warmup_budget=1800, hook_heartbeat=600, drain_timeout=300, verify_attempts=3)
T0 = 1_000_000.0


def launch(**changes: object) -> ActionRecord:
    base = ActionRecord("i-1", ActionKind.LAUNCH, ActionPhase.WAITING, "hook", "tok", T0, T0 + 600)
    return base.evolve(**changes) if changes else base


def drain(**changes: object) -> ActionRecord:
    base = ActionRecord("i-1", ActionKind.TERMINATE, ActionPhase.DRAINING, "hook", "tok", T0, T0 + 600)
    return base.evolve(**changes) if changes else base


@pytest.mark.parametrize(
    ("existing", "token", "event_time", "step", "reason"),
    [
        pytest.param(None, "tok", T0, Step.RECORD, "new-action", id="first-delivery"),
        pytest.param(launch(), "tok", T0, Step.IGNORE, "duplicate-delivery", id="redelivery"),
        pytest.param(
            launch(phase=ActionPhase.REPORTED, token=None),
            "tok",
            T0,
            Step.RECORD,
            "new-action",
            id="after-early-report",
        ),
        pytest.param(
            launch(token=None, phase=ActionPhase.COMPLETED, completed_at=T0 + 5),
            "tok",
            T0,
            Step.IGNORE,
            "already-completed",
            id="late-after-adopted-completion",
        ),
        pytest.param(
            launch(token=None, adopted=True),
            "tok",
            T0,
            Step.IGNORE,
            "duplicate-delivery",
            id="adopted-in-hand",
        ),
        pytest.param(
            launch(phase=ActionPhase.COMPLETED, completed_at=T0),
            "tok2",
            T0 + 900,
            Step.RECORD,
            "new-action",
            id="new-token-warm-pool",
        ),
    ],
)
def test_on_lifecycle_action(
    existing: ActionRecord | None, token: str, event_time: float, step: Step, reason: str
) -> None:
    decision = on_lifecycle_action(existing, token, event_time)
    assert (decision.step, decision.reason) == (step, reason)


@pytest.mark.parametrize(
    ("existing", "report", "state", "step", "reason"),
    [
        pytest.param(
            None, AgentReport.WARM, "Pending:Wait", Step.RECORD, "adopted", id="warm-adopts-waiting"
        ),
        pytest.param(
            None, AgentReport.WARM, "Pending", Step.KEEP_REPORT, "reported-early", id="warm-too-early"
        ),
        pytest.param(
            None, AgentReport.DRAINED, "Terminating:Wait", Step.RECORD, "adopted", id="drained-adopts"
        ),
        pytest.param(
            None,
            AgentReport.DRAINED,
            "Pending:Wait",
            Step.KEEP_REPORT,
            "reported-early",
            id="drained-wrong-wait",
        ),
        pytest.param(launch(), AgentReport.WARM, None, Step.VERIFY, "new-action", id="warm-verifies"),
        pytest.param(launch(), AgentReport.FAILED, None, Step.ABANDON, "warmup-failed", id="failed-abandons"),
        pytest.param(drain(), AgentReport.DRAINED, None, Step.CONTINUE, "drained", id="drained-continues"),
        pytest.param(
            launch(phase=ActionPhase.COMPLETED, result=HookResult.CONTINUE),
            AgentReport.WARM,
            None,
            Step.IGNORE,
            "already-completed",
            id="second-warm",
        ),
        pytest.param(
            launch(phase=ActionPhase.REPORTED),
            AgentReport.WARM,
            None,
            Step.IGNORE,
            "duplicate-delivery",
            id="repeat-early",
        ),
    ],
)
def test_on_agent_report(
    existing: ActionRecord | None, report: AgentReport, state: str | None, step: Step, reason: str
) -> None:
    decision = on_agent_report(existing, report, state)
    assert (decision.step, decision.reason) == (step, reason)


@pytest.mark.parametrize(
    ("record", "state", "now", "step", "reason"),
    [
        pytest.param(launch(), "Pending:Wait", T0 + 300, Step.IGNORE, "heartbeat-not-due", id="quiet"),
        pytest.param(launch(), "Pending:Wait", T0 + 450, Step.HEARTBEAT, "heartbeat", id="timeout-near"),
        pytest.param(launch(), "Pending:Wait", T0 + 1800, Step.ABANDON, "budget-exceeded", id="past-budget"),
        pytest.param(launch(), None, T0 + 60, Step.ABANDON, "instance-gone", id="gone"),
        pytest.param(launch(), "InService", T0 + 60, Step.CLOSE, "not-waiting", id="moved-on"),
        pytest.param(
            launch(warm_pool=True), None, T0 + 60, Step.IGNORE, "heartbeat-not-due", id="warm-pool-unlisted"
        ),
        pytest.param(
            launch(report=AgentReport.WARM),
            "Pending:Wait",
            T0 + 60,
            Step.VERIFY,
            "verify-failed-will-retry",
            id="retry",
        ),
        pytest.param(
            launch(adopted=True),
            "Pending:Wait",
            T0 + 60,
            Step.VERIFY,
            "verify-failed-will-retry",
            id="probe-adopted",
        ),
        pytest.param(
            drain(), "Terminating:Wait", T0 + 300, Step.CONTINUE, "drain-timeout", id="drain-timeout"
        ),
        pytest.param(drain(), None, T0 + 60, Step.CLOSE, "instance-gone", id="drain-gone"),
    ],
)
def test_sweep_record(record: ActionRecord, state: str | None, now: float, step: Step, reason: str) -> None:
    decision = sweep_record(record, state, now, LIMITS)
    assert (decision.step, decision.reason) == (step, reason)
    assert decision.message


def test_instances_to_adopt_skips_held_and_serving() -> None:
    # GIVEN one held launch, one lost launch, one lost terminate and one serving instance
    states = {"i-1": "Pending:Wait", "i-2": "Pending:Wait", "i-3": "Terminating:Wait", "i-4": "InService"}
    # WHEN / THEN only the unrecorded waiting instances are adopted
    assert instances_to_adopt([launch()], states) == [
        ("i-2", ActionKind.LAUNCH, "Pending:Wait"),
        ("i-3", ActionKind.TERMINATE, "Terminating:Wait"),
    ]


@pytest.mark.parametrize(
    ("record", "never_served"),
    [
        pytest.param(None, False, id="no-launch-record"),
        pytest.param(launch(), True, id="still-warming"),
        pytest.param(launch(phase=ActionPhase.COMPLETED, result=HookResult.ABANDON), True, id="abandoned"),
        pytest.param(launch(phase=ActionPhase.COMPLETED, result=HookResult.CONTINUE), False, id="served"),
        pytest.param(
            launch(phase=ActionPhase.COMPLETED, result=HookResult.EXPIRED), False, id="expired-unknown"
        ),
    ],
)
def test_terminate_during_launch(record: ActionRecord | None, never_served: bool) -> None:
    assert on_terminate_during_launch(record) is never_served
