"""The warm-up gate and the drain state machine as pure functions: no AWS, no clock, no environment.

Each function takes what is known (the stored record or None, what AWS says about the instance, `now`) and
returns a `Decision`: the step to take, a reason code and a message. `warmfleet.lifecycle.gate` carries the
steps out through the adapters. The rules (DESIGN.md, "Lifecycle"):

- a lifecycle action is recorded once per token; a redelivery is a duplicate, a new token a new action;
- an agent event that arrives before its action is kept as a `REPORTED` marker, or, when AWS already holds the
  instance in a wait state, the action is adopted (completed by instance id) at once;
- a terminate action for an instance that never reached InService needs no drain;
- the sweep heartbeats actions whose hook timeout is near while inside their budget, abandons those past it
  or whose instance is gone, and adopts waiting instances it has no open record of.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum

from warmfleet.lifecycle.records import ActionKind, ActionPhase, ActionRecord, AgentReport, HookResult, Reason

# The sweep runs once a minute: a heartbeat is due when the hook would time out before the tick after next.
HEARTBEAT_MARGIN_SECONDS = 150.0

LAUNCH_WAIT_STATES = frozenset({"Pending:Wait", "Warmed:Pending:Wait"})
TERMINATE_WAIT_STATES = frozenset({"Terminating:Wait", "Warmed:Terminating:Wait"})


def wait_states(kind: ActionKind) -> frozenset[str]:
    return LAUNCH_WAIT_STATES if kind is ActionKind.LAUNCH else TERMINATE_WAIT_STATES


class Step(StrEnum):
    IGNORE = "ignore"
    RECORD = "record"
    KEEP_REPORT = "keep-report"
    VERIFY = "verify"
    CONTINUE = "continue"
    ABANDON = "abandon"
    HEARTBEAT = "heartbeat"
    CLOSE = "close"


@dataclass(frozen=True)
class Decision:
    step: Step
    reason: Reason
    message: str


@dataclass(frozen=True)
class Limits:
    """The bounds from the configuration, in seconds."""

    warmup_budget: float
    hook_heartbeat: float
    drain_timeout: float
    verify_attempts: int

    def hook_timeout(self, kind: ActionKind) -> float:
        """The hook's heartbeat timeout: `HookHeartbeatSeconds` for launch; the template gives the terminate
        hook `DrainTimeoutSeconds`, so a drain is never cut short by the hook before the function does it."""
        return self.hook_heartbeat if kind is ActionKind.LAUNCH else self.drain_timeout


def after_recorded(record: ActionRecord) -> Decision:
    """What follows recording a new action: act on an early report, or wait for the agent."""
    report = record.report
    if record.kind is ActionKind.LAUNCH:
        if report is AgentReport.WARM:
            return Decision(Step.VERIFY, Reason.REPORTED_EARLY, "the agent reported warm before the action")
        if report is AgentReport.FAILED:
            return Decision(Step.ABANDON, Reason.WARMUP_FAILED, f"warm-up failed: {record.report_reason}")
    elif report is AgentReport.DRAINED:
        return Decision(Step.CONTINUE, Reason.DRAINED, "the agent reported drained before the action")
    return Decision(Step.IGNORE, Reason.NEW_ACTION, f"{record.kind} action recorded; waiting on the agent")


def on_lifecycle_action(existing: ActionRecord | None, token: str, event_time: float) -> Decision:
    """A launch or terminate action arrived: record it, unless it is a redelivery or already done."""
    if existing is None or existing.phase is ActionPhase.REPORTED:
        return Decision(Step.RECORD, Reason.NEW_ACTION, "new lifecycle action")
    if existing.token == token:
        return Decision(Step.IGNORE, Reason.DUPLICATE_DELIVERY, "this token is already recorded")
    if existing.token is None and existing.completed_at is not None and existing.completed_at >= event_time:
        # Completed by instance id (adopted) after this event was emitted: the event is late, not new.
        return Decision(Step.IGNORE, Reason.ALREADY_COMPLETED, "completed by instance id before this arrived")
    if existing.token is None and existing.is_open:
        return Decision(Step.IGNORE, Reason.DUPLICATE_DELIVERY, "this action was adopted; it is in hand")
    return Decision(Step.RECORD, Reason.NEW_ACTION, "a new action replaces an older one (warm pool)")


def on_terminate_during_launch(launch: ActionRecord | None) -> bool:
    """True when the instance never served traffic (still warming, or abandoned), so it needs no drain.

    An expired launch action is drained all the same: its outcome at AWS is not known for sure.
    """
    if launch is None:
        return False
    return launch.is_open or launch.phase is ActionPhase.REPORTED or launch.result is HookResult.ABANDON


def on_agent_report(existing: ActionRecord | None, report: AgentReport, aws_state: str | None) -> Decision:
    """The agent said warm, failed or drained; `aws_state` is the instance's LifecycleState when asked."""
    kind = ActionKind.TERMINATE if report is AgentReport.DRAINED else ActionKind.LAUNCH
    if existing is not None and existing.phase is ActionPhase.COMPLETED:
        return Decision(
            Step.IGNORE, Reason.ALREADY_COMPLETED, f"the {kind} action is already {existing.result}"
        )
    if existing is not None and existing.phase is ActionPhase.REPORTED:
        return Decision(Step.IGNORE, Reason.DUPLICATE_DELIVERY, "the agent's report is already kept")
    if existing is None:
        if aws_state in wait_states(kind):
            return Decision(
                Step.RECORD, Reason.ADOPTED, f"no record but AWS holds the instance in {aws_state}"
            )
        return Decision(Step.KEEP_REPORT, Reason.REPORTED_EARLY, f"no {kind} action yet (state {aws_state})")
    if report is AgentReport.WARM:
        return Decision(Step.VERIFY, Reason.NEW_ACTION, "verify over HTTP before CONTINUE")
    if report is AgentReport.FAILED:
        return Decision(Step.ABANDON, Reason.WARMUP_FAILED, "the agent reported the warm-up failed")
    return Decision(Step.CONTINUE, Reason.DRAINED, "the agent reported drained")


def after_verify_failure(record: ActionRecord, limits: Limits) -> Decision:
    """A verification after `Instance Warm` failed (`record.verify_failures` already counts it)."""
    if record.verify_failures >= limits.verify_attempts:
        return Decision(Step.ABANDON, Reason.VERIFY_FAILED, f"{record.verify_failures} verifications failed")
    return Decision(
        Step.IGNORE,
        Reason.VERIFY_FAILED_RETRY,
        f"verification {record.verify_failures}/{limits.verify_attempts} failed; the sweep retries",
    )


def heartbeat_due(record: ActionRecord, now: float) -> bool:
    return record.heartbeat_deadline - now <= HEARTBEAT_MARGIN_SECONDS


def sweep_record(record: ActionRecord, aws_state: str | None, now: float, limits: Limits) -> Decision:
    """What the sweep does with one open record; `aws_state` None means not in the group."""
    age = now - record.started_at
    if aws_state is not None and aws_state not in wait_states(record.kind):
        # AWS moved on (completed elsewhere, or the group replaced the instance): nothing left to complete.
        return Decision(Step.CLOSE, Reason.NOT_WAITING, f"the instance is {aws_state}, no longer waiting")
    if aws_state is None and not record.warm_pool:
        step = Step.ABANDON if record.kind is ActionKind.LAUNCH else Step.CLOSE
        return Decision(step, Reason.INSTANCE_GONE, "the instance is no longer in the group")
    if record.kind is ActionKind.LAUNCH:
        if age >= limits.warmup_budget:
            return Decision(
                Step.ABANDON, Reason.BUDGET_EXCEEDED, f"{age:.0f} s >= {limits.warmup_budget:.0f} s"
            )
        if record.adopted or record.report is AgentReport.WARM:
            # Warm but not yet verified (a failed try), or adopted with its events lost: probe again.
            return Decision(Step.VERIFY, Reason.VERIFY_FAILED_RETRY, "verification retried by the sweep")
    elif age >= limits.drain_timeout:
        return Decision(
            Step.CONTINUE, Reason.DRAIN_TIMEOUT, f"drain cut short after {age:.0f} s (no Instance Drained)"
        )
    if heartbeat_due(record, now):
        return Decision(
            Step.HEARTBEAT, Reason.HEARTBEAT, f"hook times out in {record.heartbeat_deadline - now:.0f} s"
        )
    return Decision(Step.IGNORE, Reason.HEARTBEAT_NOT_DUE, "inside its budget and heartbeat window")


def instances_to_adopt(
    records: Iterable[ActionRecord], group_states: Mapping[str, str]
) -> list[tuple[str, ActionKind, str]]:
    """Waiting instances with no open record of that kind: their events were lost, the sweep takes them."""
    held = {(record.instance_id, record.kind) for record in records if record.is_open}
    adopt: list[tuple[str, ActionKind, str]] = []
    for instance_id, state in sorted(group_states.items()):
        for kind in ActionKind:
            if state in wait_states(kind) and (instance_id, kind) not in held:
                adopt.append((instance_id, kind, state))
    return adopt
