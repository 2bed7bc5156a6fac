"""What the lifecycle function remembers about one lifecycle action, and the codes it explains itself with.

One `ActionRecord` per instance and kind (launch or terminate), stored by `warmfleet.aws.action_store`. The
record carries everything CompleteLifecycleAction needs (hook, token; no token when the action was adopted,
since the API also accepts the instance id) and everything the sweep needs to keep the hook alive and bound
the wait (when it started, when its heartbeat timeout runs out). Records are immutable; transitions return
new ones with a `version` one higher, which the store uses for optimistic concurrency.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import StrEnum


class ActionKind(StrEnum):
    LAUNCH = "launch"
    TERMINATE = "terminate"


class ActionPhase(StrEnum):
    """Where an action is: waiting on the agent, or done.

    `REPORTED` is a marker, not an action: the agent's event arrived before the lifecycle action it belongs
    to (EventBridge does not order events), so the report is kept until the action shows up.
    """

    REPORTED = "reported"
    WAITING = "waiting"
    DRAINING = "draining"
    COMPLETED = "completed"


class AgentReport(StrEnum):
    """What the instance agent said last about this action."""

    NONE = "none"
    WARM = "warm"
    FAILED = "failed"
    DRAINED = "drained"


class HookResult(StrEnum):
    """`LifecycleActionResult` of CompleteLifecycleAction; `EXPIRED` when AWS no longer had the action."""

    CONTINUE = "CONTINUE"
    ABANDON = "ABANDON"
    EXPIRED = "EXPIRED"


class Reason(StrEnum):
    """Why the function did what it did: in every outcome, log line and test."""

    NEW_ACTION = "new-action"
    DUPLICATE_DELIVERY = "duplicate-delivery"
    ALREADY_COMPLETED = "already-completed"
    REPORTED_EARLY = "reported-early"
    ADOPTED = "adopted"
    VERIFIED = "verified"
    VERIFY_FAILED_RETRY = "verify-failed-will-retry"
    VERIFY_FAILED = "verify-failed"
    VERIFY_DEFERRED = "verify-deferred"
    NOT_READY_YET = "not-ready-yet"
    WARMUP_FAILED = "warmup-failed"
    BUDGET_EXCEEDED = "budget-exceeded"
    INSTANCE_GONE = "instance-gone"
    TERMINATED_DURING_WARMUP = "terminated-during-warmup"
    NEVER_IN_SERVICE = "never-in-service"
    DRAINED = "drained"
    DRAINED_CUT_SHORT = "drained-cut-short"
    DRAIN_TIMEOUT = "drain-timeout"
    HEARTBEAT = "heartbeat"
    HEARTBEAT_NOT_DUE = "heartbeat-not-due"
    TOKEN_EXPIRED = "token-expired"
    NOT_WAITING = "not-waiting"
    CONCURRENT_UPDATE = "concurrent-update"
    GROUP_NOT_DESCRIBED = "group-not-described"


@dataclass(frozen=True)
class ActionRecord:
    """One lifecycle action of one instance, as stored (times are epoch seconds)."""

    instance_id: str
    kind: ActionKind
    phase: ActionPhase
    hook_name: str
    token: str | None
    started_at: float
    heartbeat_deadline: float
    adopted: bool = False
    warm_pool: bool = False
    report: AgentReport = AgentReport.NONE
    report_reason: str = ""
    verify_failures: int = 0
    result: HookResult | None = None
    close_reason: str = ""
    completed_at: float | None = None
    version: int = 0

    @property
    def is_open(self) -> bool:
        """An action AWS still holds the instance for (as far as we know)."""
        return self.phase in (ActionPhase.WAITING, ActionPhase.DRAINING)

    def evolve(self, **changes: object) -> ActionRecord:
        """A copy with `changes` applied and the version bumped (the store checks the old one)."""
        return replace(self, version=self.version + 1, **changes)  # type: ignore[arg-type]

    def completed(self, result: HookResult, reason: Reason | str, now: float) -> ActionRecord:
        return self.evolve(
            phase=ActionPhase.COMPLETED, result=result, close_reason=str(reason), completed_at=now
        )
