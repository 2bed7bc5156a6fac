"""The lifecycle gate: one method per event the lifecycle function acts on, plus the sweep.

Each method reads the stored record, asks `warmfleet.lifecycle.transitions` what to do, and has
`ActionRunner` do it. Events arrive validated and filtered (`warmfleet.handlers.lifecycle`); no method loops
or sleeps: every wait is the next event or the next sweep.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from warmfleet.aws.autoscaling import ApiFailure
from warmfleet.lifecycle.actions import ActionRunner, logger, outcome
from warmfleet.lifecycle.records import ActionKind, ActionPhase, ActionRecord, AgentReport, HookResult, Reason
from warmfleet.lifecycle.transitions import (
    Step,
    after_recorded,
    heartbeat_due,
    instances_to_adopt,
    on_agent_report,
    on_lifecycle_action,
    on_terminate_during_launch,
    sweep_record,
)
from warmfleet.models import (
    InstanceDetailType,
    InstanceDrainedDetail,
    InstanceEvent,
    InstanceWarmupFailedDetail,
    LifecycleActionEvent,
    LifecycleDetailType,
)

_REPORTS = {
    InstanceDetailType.WARM: AgentReport.WARM,
    InstanceDetailType.WARMUP_FAILED: AgentReport.FAILED,
    InstanceDetailType.DRAINED: AgentReport.DRAINED,
}


@dataclass
class LifecycleGate:
    runner: ActionRunner
    _verify_slots: int = field(default=0, init=False)

    def on_lifecycle_action(self, event: LifecycleActionEvent) -> dict[str, Any]:
        """Record a launch or terminate action once per token; then act on what is already known."""
        detail, run = event.detail, self.runner
        kind = ActionKind.LAUNCH if event.detail_type is LifecycleDetailType.LAUNCH else ActionKind.TERMINATE
        existing = run.store.get(detail.ec2_instance_id, kind)
        event_time = event.time.timestamp()
        decision = on_lifecycle_action(existing, detail.lifecycle_action_token, event_time)
        if decision.step is Step.IGNORE:
            assert existing is not None
            run.log(f"{kind} action not recorded again: {decision.message}", existing, decision.reason)
            return outcome("ignored", decision.reason, decision.message, existing)
        marker = existing if existing is not None and existing.phase is ActionPhase.REPORTED else None
        record = ActionRecord(
            instance_id=detail.ec2_instance_id,
            kind=kind,
            phase=ActionPhase.WAITING if kind is ActionKind.LAUNCH else ActionPhase.DRAINING,
            hook_name=detail.lifecycle_hook_name,
            token=detail.lifecycle_action_token,
            started_at=event_time,
            heartbeat_deadline=event_time + run.settings.limits.hook_timeout(kind),
            warm_pool=detail.from_warm_pool or detail.to_warm_pool,
            report=marker.report if marker else AgentReport.NONE,
            report_reason=marker.report_reason if marker else "",
            version=existing.version + 1 if existing else 0,
        )
        if not run.save(record, existing):
            return outcome("ignored", Reason.CONCURRENT_UPDATE, "another invocation recorded it", record)
        run.log(f"{kind} action recorded", record, decision.reason, warmPool=record.warm_pool)
        if kind is ActionKind.TERMINATE:
            launch = run.store.get(detail.ec2_instance_id, ActionKind.LAUNCH)
            if on_terminate_during_launch(launch):
                if launch is not None and launch.is_open:
                    run.act(
                        Step.CLOSE, launch, Reason.TERMINATED_DURING_WARMUP, "terminated while warming up"
                    )
                return run.complete(record, HookResult.CONTINUE, Reason.NEVER_IN_SERVICE, "never in service")
        follow = after_recorded(record)
        if follow.step is Step.IGNORE:
            return outcome("done", follow.reason, follow.message, record)
        return run.act(follow.step, record, follow.reason, follow.message)

    def on_instance_event(self, event: InstanceEvent) -> dict[str, Any]:
        """`Instance Warm`, `Instance Warm-up Failed` or `Instance Drained` from the agent."""
        detail, run = event.detail, self.runner
        report = _REPORTS[event.detail_type]
        kind = ActionKind.TERMINATE if report is AgentReport.DRAINED else ActionKind.LAUNCH
        reason_text = getattr(detail, "reason", None) or ""
        existing = run.store.get(detail.instance_id, kind)
        aws_state = run.hooks.instance_state(detail.instance_id) if existing is None else None
        decision = on_agent_report(existing, report, aws_state)
        now = run.clock()
        if decision.step is Step.IGNORE:
            assert existing is not None
            run.log(f"{event.detail_type.value} ignored: {decision.message}", existing, decision.reason)
            return outcome("ignored", decision.reason, decision.message, existing)
        if decision.step in (Step.KEEP_REPORT, Step.RECORD):
            adopted = decision.step is Step.RECORD
            record = ActionRecord(
                instance_id=detail.instance_id,
                kind=kind,
                phase=(ActionPhase.WAITING if kind is ActionKind.LAUNCH else ActionPhase.DRAINING)
                if adopted
                else ActionPhase.REPORTED,
                hook_name=run.settings.hook_for(kind),
                token=None,
                started_at=now,
                heartbeat_deadline=now,
                adopted=adopted,
                report=report,
                report_reason=reason_text,
            )
            if not run.save(record, None):
                return outcome("ignored", Reason.CONCURRENT_UPDATE, "another invocation recorded it", record)
            run.log(f"{event.detail_type.value}: {decision.message}", record, decision.reason)
            if not adopted:
                return outcome("ignored", decision.reason, decision.message, record)
            existing = record
        assert existing is not None
        if report is not AgentReport.DRAINED and existing.report is not report:
            updated = existing.evolve(report=report, report_reason=reason_text)
            if not run.save(updated, existing):
                return outcome("ignored", Reason.CONCURRENT_UPDATE, "another invocation is on it", existing)
            existing = updated
        if report is AgentReport.WARM:
            return run.verify(existing)
        if report is AgentReport.FAILED:
            assert isinstance(detail, InstanceWarmupFailedDetail)
            return run.complete(existing, HookResult.ABANDON, Reason.WARMUP_FAILED, detail.reason)
        assert isinstance(detail, InstanceDrainedDetail)
        if detail.reason:
            run.log("drain cut short by the agent", existing, Reason.DRAINED_CUT_SHORT, detail=detail.reason)
            return run.complete(existing, HookResult.CONTINUE, Reason.DRAINED_CUT_SHORT, detail.reason)
        return run.complete(
            existing, HookResult.CONTINUE, Reason.DRAINED, f"drained in {detail.drain_seconds} s"
        )

    def sweep(self) -> dict[str, Any]:
        """Heartbeat, verify again, abandon or let go every open action; adopt waiting instances."""
        run = self.runner
        group = run.settings.group_name
        try:
            states = run.hooks.group_states(group)
        except (ClientError, BotoCoreError) as error:
            # Every step depends on where AWS holds each instance: without it nothing is decided, so nothing
            # is completed (an instance not listed would read as gone). No retry here (botocore has retried):
            # the next sweep, a minute later, tries again, and the heartbeat margin covers two missed sweeps.
            failure = ApiFailure.of("DescribeAutoScalingGroups", error)
            message = f"sweep skipped, nothing acted: {failure}"
            logger.error(
                message, extra={"group": group, "reason": str(Reason.GROUP_NOT_DESCRIBED)} | failure.as_log()
            )
            return {
                "status": "error",
                "reason": str(Reason.GROUP_NOT_DESCRIBED),
                "message": message,
                "actions": [],
            }
        now = run.clock()
        records = run.store.list()
        self._verify_slots = run.settings.max_sweep_verifications
        results: list[dict[str, Any]] = []
        for record in records:
            if record.is_open:
                decision = sweep_record(record, states.get(record.instance_id), now, run.settings.limits)
                results.append(self._safely(record, decision.step, decision.reason, decision.message))
        markers = {(r.instance_id, r.kind): r for r in records if r.phase is ActionPhase.REPORTED}
        for instance_id, kind, state in instances_to_adopt(records, states):
            results.append(self._adopt(instance_id, kind, state, markers.get((instance_id, kind)), records))
        acted = [r for r in results if r["status"] == "done"]
        message = f"{len(results)} actions looked at, {len(acted)} acted on"
        logger.info("sweep finished", extra={"actions": results})
        return {"status": "done", "reason": "sweep", "message": message, "actions": results}

    def _adopt(
        self,
        instance_id: str,
        kind: ActionKind,
        state: str,
        marker: ActionRecord | None,
        records: list[ActionRecord],
    ) -> dict[str, Any]:
        run, now = self.runner, self.runner.clock()
        previous = next((r for r in records if r.instance_id == instance_id and r.kind is kind), None)
        record = ActionRecord(
            instance_id=instance_id,
            kind=kind,
            phase=ActionPhase.WAITING if kind is ActionKind.LAUNCH else ActionPhase.DRAINING,
            hook_name=run.settings.hook_for(kind),
            token=None,
            started_at=now,
            heartbeat_deadline=now,  # unknown: heartbeat at once
            adopted=True,
            report=marker.report if marker else AgentReport.NONE,
            report_reason=marker.report_reason if marker else "",
            version=previous.version + 1 if previous else 0,
        )
        if not run.save(record, previous):
            return outcome("ignored", Reason.CONCURRENT_UPDATE, "another invocation adopted it", record)
        run.log(f"adopted an instance in {state} with no record", record, Reason.ADOPTED)
        follow = after_recorded(record)
        if follow.step is not Step.IGNORE:
            return self._safely(record, follow.step, follow.reason, follow.message)
        if kind is ActionKind.LAUNCH:
            return self._safely(record, Step.VERIFY, Reason.ADOPTED, "adopted: probe the server")
        return self._safely(
            record, Step.HEARTBEAT, Reason.ADOPTED, "adopted: keep the hook alive while it drains"
        )

    def _safely(self, record: ActionRecord, step: Step, reason: Reason, message: str) -> dict[str, Any]:
        """One record's step; an AWS error on one record must not stop the sweep for the others."""
        run = self.runner
        if step is Step.VERIFY:
            if self._verify_slots <= 0:
                if not heartbeat_due(record, run.clock()):
                    return outcome(
                        "ignored", Reason.VERIFY_DEFERRED, "no verification left this sweep", record
                    )
                step, reason, message = Step.HEARTBEAT, Reason.VERIFY_DEFERRED, "verification deferred"
            else:
                self._verify_slots -= 1
        try:
            result = run.act(step, record, reason, message)
            if step is Step.VERIFY and result["status"] == "ignored":
                current = run.store.get(record.instance_id, record.kind) or record
                if current.is_open and heartbeat_due(current, run.clock()):
                    result = {**result, "heartbeat": run.heartbeat(current)["reason"]}
            return result
        except ClientError as error:
            logger.exception(
                "sweep step failed",
                extra={"instanceId": record.instance_id, "token": record.token or "adopted"},
            )
            return outcome("error", reason, f"{step} failed: {error}", record)
