"""Carrying out the gate's steps: complete, heartbeat, verify — each logged, stored and measured once.

`ActionRunner` holds the injected adapters (the action store, the hooks, the instance addresses, the
verifier, Powertools Metrics, the clock) and turns one `ActionRecord` plus a step into AWS calls, the stored
successor record and an outcome dict. Every log line names the instance, the kind and the token (or
"adopted"). Metrics follow DESIGN.md's contract (namespace `warmfleet`, dimension `AutoScalingGroupName`, set
by the composition root): `WarmupSeconds` (launch action to CONTINUE), `DrainSeconds` (terminate action to
CONTINUE) and `Abandoned` (each ABANDON this function decides). Adopted actions publish no duration: their
start is unknown.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from aws_lambda_powertools import Logger

from warmfleet.aws.lifecycle_hooks import HookAction, HookCallStatus, InstanceAddresses, LifecycleHooks
from warmfleet.aws.rollout_signal import RolloutSignals
from warmfleet.exceptions import ConcurrentUpdateError
from warmfleet.lifecycle.records import ActionKind, ActionRecord, AgentReport, HookResult, Reason
from warmfleet.lifecycle.rollout import signal_rollout
from warmfleet.lifecycle.transitions import Limits, Step, after_verify_failure
from warmfleet.lifecycle.verify import VerificationResult

logger = Logger(child=True)


class ActionStore(Protocol):
    def get(self, instance_id: str, kind: ActionKind) -> ActionRecord | None: ...

    def list(self) -> list[ActionRecord]: ...

    def save(self, record: ActionRecord, previous: ActionRecord | None) -> None: ...


class Verifier(Protocol):
    def verify(self, host: str) -> VerificationResult: ...


class MetricsSink(Protocol):
    def add_metric(self, name: str, unit: str, value: float) -> None: ...


@dataclass(frozen=True)
class GateSettings:
    group_name: str
    launch_hook_name: str
    terminate_hook_name: str
    limits: Limits
    # Verifications one sweep may run (each up to VERIFY_TIMEOUT_SECONDS); the rest wait for the next tick.
    max_sweep_verifications: int = 8

    def hook_for(self, kind: ActionKind) -> str:
        return self.launch_hook_name if kind is ActionKind.LAUNCH else self.terminate_hook_name


def outcome(
    status: str, reason: Reason | str, message: str, record: ActionRecord | None = None
) -> dict[str, Any]:
    result: dict[str, Any] = {"status": status, "reason": str(reason), "message": message}
    if record is not None:
        result.update(instanceId=record.instance_id, kind=str(record.kind), token=record.token or "adopted")
    return result


@dataclass
class ActionRunner:
    settings: GateSettings
    store: ActionStore
    hooks: LifecycleHooks
    addresses: InstanceAddresses
    verifier: Verifier
    metrics: MetricsSink
    clock: Callable[[], float]
    # CloudFormation's roll-out, told how each launch ended (None: ROLLOUT_* not configured).
    rollout: RolloutSignals | None = None

    def log(self, message: str, record: ActionRecord, reason: Reason | str, **extra: Any) -> None:
        logger.info(
            message,
            extra={
                "instanceId": record.instance_id,
                "kind": str(record.kind),
                "token": record.token or "adopted",
                "reason": str(reason),
                **extra,
            },
        )

    def save(self, record: ActionRecord, previous: ActionRecord | None) -> bool:
        """Store `record`; False (and a log line) when another invocation got there first."""
        try:
            self.store.save(record, previous)
        except ConcurrentUpdateError as error:
            self.log(
                "record changed concurrently; leaving it to the other invocation",
                record,
                Reason.CONCURRENT_UPDATE,
                error=str(error),
            )
            return False
        return True

    def complete(
        self, record: ActionRecord, result: HookResult, reason: Reason, message: str
    ) -> dict[str, Any]:
        """CompleteLifecycleAction with `result`, then store the closed record and publish its metric."""
        action = HookAction(self.settings.group_name, record.hook_name, record.instance_id, record.token)
        status = self.hooks.complete(action, str(result))
        now = self.clock()
        if result is HookResult.ABANDON:
            self.metrics.add_metric("Abandoned", "Count", 1)
        if status is HookCallStatus.NO_ACTIVE_ACTION:
            # The hook timed out (its default result applied) or another invocation completed it first.
            final_reason = reason if reason is Reason.INSTANCE_GONE else Reason.TOKEN_EXPIRED
            closed = record.completed(HookResult.EXPIRED, final_reason, now)
            logger.warning(
                f"AWS has no active {record.kind} action to {result}: {message}",
                extra={
                    "instanceId": record.instance_id,
                    "token": record.token or "adopted",
                    "reason": str(final_reason),
                },
            )
            closed = self.save_closed(record, closed)
            return outcome("done", final_reason, f"no active action to {result}; {message}", closed)
        closed = record.completed(result, reason, now)
        seconds = now - record.started_at
        if result is HookResult.CONTINUE and not record.adopted:
            metric = "WarmupSeconds" if record.kind is ActionKind.LAUNCH else "DrainSeconds"
            self.metrics.add_metric(metric, "Seconds", seconds)
        self.log(
            f"{record.kind} action completed {result}: {message}", record, reason, seconds=round(seconds, 3)
        )
        closed = self.save_closed(record, closed)
        done = outcome("done", reason, f"{result}: {message}", closed)
        signalled = signal_rollout(self.rollout, record, result)
        return done if signalled is None else done | {"rolloutSignal": signalled}

    def save_closed(self, record: ActionRecord, closed: ActionRecord) -> ActionRecord:
        """Store a completion that AWS has already applied, even if a sweep heartbeat or a redelivery
        changed the record meanwhile: re-read and close the fresh copy (a few tries), so a completed
        action is never left open for the sweep to mistake for a lost one."""
        for _ in range(3):
            try:
                self.store.save(closed, record)
                return closed
            except ConcurrentUpdateError:
                current = self.store.get(record.instance_id, record.kind)
                if current is None or not current.is_open:
                    return current or closed  # another invocation closed it
                record = current
                closed = current.evolve(
                    phase=closed.phase,
                    result=closed.result,
                    close_reason=closed.close_reason,
                    completed_at=closed.completed_at,
                )
        self.log("could not store the completion; the sweep will find it", closed, Reason.CONCURRENT_UPDATE)
        return closed

    def heartbeat(self, record: ActionRecord) -> dict[str, Any]:
        action = HookAction(self.settings.group_name, record.hook_name, record.instance_id, record.token)
        status = self.hooks.heartbeat(action)
        now = self.clock()
        if status is HookCallStatus.NO_ACTIVE_ACTION:
            closed = record.completed(HookResult.EXPIRED, Reason.TOKEN_EXPIRED, now)
            logger.warning(
                "AWS has no active action to heartbeat",
                extra={
                    "instanceId": record.instance_id,
                    "token": record.token or "adopted",
                    "reason": "token-expired",
                },
            )
            self.save(closed, record)
            return outcome("done", Reason.TOKEN_EXPIRED, "no active action to heartbeat", closed)
        updated = record.evolve(heartbeat_deadline=now + self.settings.limits.hook_timeout(record.kind))
        self.log("heartbeat recorded", record, Reason.HEARTBEAT, heartbeatDeadline=updated.heartbeat_deadline)
        self.save(updated, record)
        return outcome("done", Reason.HEARTBEAT, "heartbeat recorded", updated)

    def verify(self, record: ActionRecord) -> dict[str, Any]:
        """Verify the instance over HTTP; CONTINUE when it passes, else count the failure or keep waiting."""
        host = self.addresses.private_ip(record.instance_id)
        if host is None:
            return self.complete(record, HookResult.ABANDON, Reason.INSTANCE_GONE, "the instance is gone")
        result = self.verifier.verify(host)
        self.log(
            "verification",
            record,
            str(result.outcome),
            seconds=round(result.seconds, 3),
            detail=result.message,
        )
        if result.passed:
            return self.complete(record, HookResult.CONTINUE, Reason.VERIFIED, result.message)
        if record.report is not AgentReport.WARM:
            # Adopted and never reported warm: the server may still be loading; the budget bounds the wait.
            return outcome("ignored", Reason.NOT_READY_YET, result.message, record)
        failed = record.evolve(verify_failures=record.verify_failures + 1, report_reason=result.message)
        decision = after_verify_failure(failed, self.settings.limits)
        if decision.step is Step.ABANDON:
            return self.complete(
                failed, HookResult.ABANDON, decision.reason, f"{decision.message}: {result.message}"
            )
        self.log(decision.message, failed, decision.reason, detail=result.message)
        self.save(failed, record)
        return outcome("ignored", decision.reason, f"{decision.message}: {result.message}", failed)

    def act(self, step: Step, record: ActionRecord, reason: Reason, message: str) -> dict[str, Any]:
        """Carry out one step of `warmfleet.lifecycle.transitions` on an open record."""
        match step:
            case Step.VERIFY:
                return self.verify(record)
            case Step.CONTINUE:
                return self.complete(record, HookResult.CONTINUE, reason, message)
            case Step.ABANDON:
                return self.complete(record, HookResult.ABANDON, reason, message)
            case Step.HEARTBEAT:
                return self.heartbeat(record)
            case Step.CLOSE:
                closed = record.completed(HookResult.EXPIRED, reason, self.clock())
                self.log(f"closed: {message}", record, reason)
                self.save(closed, record)
                return outcome("done", reason, message, closed)
            case _:
                return outcome("ignored", reason, message, record)
