"""The acting and reporting half of the scaler's pipeline (`warmfleet.handlers.scaler.run_pipeline`).

Once a decision is stored, these apply it (SetDesiredCapacity, or terminating the least busy instances;
nothing when paused or in dry run), log the failed scaling activities behind launches the group still owes,
build the outcome the function returns, and emit the decision's metrics (Powertools EMF). The tick and the
alarm path share them through the one pipeline.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools import Logger

from warmfleet.config import ScalerConfig
from warmfleet.handlers.outcome import OutcomeStatus

if TYPE_CHECKING:
    from warmfleet.aws.autoscaling import ActionReport
    from warmfleet.aws.scaler_state import ScalerState
    from warmfleet.core import Decision
    from warmfleet.handlers.scaler import ScalerRuntime
    from warmfleet.signals import Observation

logger = Logger(child=True)

#: How old a per-instance in-flight datapoint may be for the scale-in choice.
INSTANCE_STALENESS_SECONDS = 60.0
NAMESPACE = "warmfleet"
GROUP_DIMENSION = "AutoScalingGroupName"


def emit_decision_metrics(group: str, decision: Decision, *, collector_errors: int) -> None:
    """EMF metrics (namespace `warmfleet`): DesiredCapacity, each signal's ProposedCapacity, the reason.

    One EMF document per metric, each under `{AutoScalingGroupName}` plus `Signal` for a proposal and
    `Reason` for the decision count, so a dashboard can graph why the group moved. `service=""` leaves out
    Powertools' default `service` dimension, as the metric contract has only the group's.
    """
    from aws_lambda_powertools.metrics import MetricUnit  # noqa: PLC0415 - used once per tick
    from aws_lambda_powertools.metrics.base import SingleMetric  # noqa: PLC0415 - likewise

    metrics: list[tuple[str, float, dict[str, str]]] = [
        ("DesiredCapacity", decision.desired_capacity, {}),
        ("Decisions", 1, {"Reason": str(decision.reason)}),
        ("CollectorFailures", collector_errors, {}),
    ]
    metrics += [
        ("ProposedCapacity", p.desired, {"Signal": p.signal})
        for p in decision.proposals
        if p.desired is not None
    ]
    for name, value, extra in metrics:
        metric = SingleMetric(namespace=NAMESPACE, service="")
        metric.add_metric(name=name, unit=MetricUnit.Count, value=value)
        for key, dimension in {GROUP_DIMENSION: group, **extra}.items():
            metric.add_dimension(name=key, value=dimension)
        print(json.dumps(metric.serialize_metric_set(), separators=(",", ":")))  # EMF goes to stdout


def log_failed_activities(
    runtime: ScalerRuntime, config: ScalerConfig, state: ScalerState, unlisted: int
) -> datetime | None:
    """Read failed scaling activities only while the group owes launches; log each one once."""
    if unlisted == 0:
        return state.last_failed_activity_at
    from warmfleet import signals  # noqa: PLC0415 - imported on the first tick (see handlers.scaler)

    try:
        failed = signals.collect_failed_activities(
            runtime.actuator.client, config.group_name, after=state.last_failed_activity_at
        )
    except Exception as error:
        logger.warning("scaling activities could not be read", extra={"error": str(error)})
        return state.last_failed_activity_at
    for activity in failed:
        logger.error(
            "scaling activity failed", extra={"activity": activity.as_log(), "owedLaunches": unlisted}
        )
    return failed[-1].start_time if failed else state.last_failed_activity_at


def act(
    runtime: ScalerRuntime,
    config: ScalerConfig,
    decision: Decision,
    observation: Observation,
    *,
    unlisted: int,
    now: datetime,
) -> ActionReport | None:
    """Apply the decision; None when nothing may act (paused, dry run) or nothing changes."""
    if not decision.changed or decision.paused:
        return None
    in_flight = None
    if decision.remove_count > unlisted:
        in_flight = instance_in_flight(runtime, config, observation, now)
    if config.dry_run:
        chosen = runtime.actuator.plan_removals(
            observation.group.instances, in_flight or {}, decision.remove_count - unlisted
        )
        logger.info(
            "dry run: would scale", extra={"desired": decision.desired_capacity, "wouldTerminate": chosen}
        )
        return None
    return runtime.actuator.apply(
        desired=decision.desired_capacity,
        current=decision.current_capacity,
        instances=observation.group.instances,
        in_flight=in_flight,
        unlisted=unlisted,
    )


def instance_in_flight(
    runtime: ScalerRuntime, config: ScalerConfig, observation: Observation, now: datetime
) -> dict[str, float | None] | None:
    from warmfleet import signals  # noqa: PLC0415 - imported on the first tick (see handlers.scaler)

    source = runtime.sources.get(signals.SignalName.IN_FLIGHT_REQUESTS, signals.IN_FLIGHT_METRIC)
    ids = [instance.instance_id for instance in observation.group.instances]
    try:
        return signals.collect_instance_in_flight(
            runtime.cloudwatch,
            source,
            config.group_name,
            ids,
            now=now,
            staleness_seconds=INSTANCE_STALENESS_SECONDS,
        )
    except Exception as error:
        logger.warning(
            "per-instance in-flight could not be read: the group chooses", extra={"error": str(error)}
        )
        return None


def outcome_of(
    config: ScalerConfig, decision: Decision, observation: Observation, report: ActionReport | None
) -> dict[str, Any]:
    return {
        "status": str(OutcomeStatus.DONE),
        "reason": str(decision.reason),
        "message": decision.message,
        "desired": decision.desired_capacity,
        "previous": decision.current_capacity,
        "acted": report is not None and not report.errors,
        "dryRun": config.dry_run,
        "paused": decision.paused,
        "actions": report.as_dict() if report else None,
        "collectorErrors": list(observation.errors),
    }
