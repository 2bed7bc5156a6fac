"""The scaler's observation: every collector once, each failure isolated, as the core's inputs need them.

Order and cost of a steady tick: DescribeAutoScalingGroups (group, instances, pause tag), ONE GetMetricData
(every CloudWatch signal plus the warm-up figures), GetQueueAttributes (backlog)
and, at most once a minute, GetParameter (pause switch). A collector that fails leaves its signals missing
and says why in `errors`; the core never scales in on missing signals, so a failed collector never causes a
scale-in. Only the group itself is indispensable: without it there is nothing to decide about.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from aws_lambda_powertools import Logger
from botocore.exceptions import BotoCoreError, ClientError

from warmfleet.core.inputs import SignalReading
from warmfleet.signals.cloudwatch import (
    build_signal_queries,
    get_metric_data,
    parse_signal_readings,
)
from warmfleet.signals.group import GroupNotFoundError, GroupSnapshot, collect_group
from warmfleet.signals.pause import PauseSwitch
from warmfleet.signals.sources import QUEUE_SIGNALS, MetricSource
from warmfleet.signals.sqs import collect_backlog
from warmfleet.signals.warmup import WarmupFigures, build_warmup_query, parse_warmup

if TYPE_CHECKING:
    from mypy_boto3_autoscaling import AutoScalingClient
    from mypy_boto3_cloudwatch import CloudWatchClient
    from mypy_boto3_ec2 import EC2Client
    from mypy_boto3_sqs import SQSClient

logger = Logger(child=True)

#: The warm-up figures look back this far at least (one query over the whole window).
MIN_LOOKBACK_SECONDS = 900


@dataclass(frozen=True)
class SignalSpec:
    """What the collectors need to know of one policy signal."""

    name: str
    staleness_seconds: float


@dataclass(frozen=True)
class Observation:
    group: GroupSnapshot
    readings: Mapping[str, SignalReading]
    warmup: WarmupFigures
    paused_by_parameter: bool
    errors: tuple[str, ...] = ()

    @property
    def paused(self) -> bool:
        return self.group.paused_by_tag or self.paused_by_parameter


@dataclass
class Collectors:
    """The collectors of one group, over injected clients; `observe` runs them all once."""

    group: str
    autoscaling: AutoScalingClient
    ec2: EC2Client
    cloudwatch: CloudWatchClient
    sqs: SQSClient
    sources: Mapping[str, MetricSource]
    signals: Sequence[SignalSpec]
    queue_url: str | None = None
    pause_switch: PauseSwitch | None = None
    include_delayed: bool = False

    def observe(self, *, now: datetime, known_launch_times: Mapping[str, datetime]) -> Observation:
        errors: list[str] = []
        try:
            group = collect_group(
                self.autoscaling, self.ec2, self.group, known_launch_times=known_launch_times, now=now
            )
        except (ClientError, BotoCoreError, GroupNotFoundError) as error:
            self._log_group_unavailable(error)
            raise
        readings, warmup = self._metric_readings(now, errors)
        for spec in self.signals:
            if spec.name in QUEUE_SIGNALS:
                readings[spec.name] = self._backlog(spec.name, now, errors)
        paused = self.pause_switch.paused(now) if self.pause_switch else False
        for message in errors:
            logger.warning("collector failed: its signals are missing", extra={"error": message})
        return Observation(
            group=group,
            readings=readings,
            warmup=warmup,
            paused_by_parameter=paused,
            errors=tuple(errors),
        )

    def _log_group_unavailable(self, error: Exception) -> None:
        """One error line saying why this tick stops: nothing is decided, stored or acted without the group.

        The error is raised on (the invocation fails, the Step Functions loop catches it and ticks again in
        15 s); this line carries what the bare exception does not: the group and the call's failure fields.
        """
        from warmfleet.aws.autoscaling import ApiFailure  # noqa: PLC0415 - only on this error path

        operation = getattr(error, "operation_name", None) or "DescribeAutoScalingGroups"
        failure = ApiFailure.of(operation, error)
        logger.error(
            f"tick stopped, nothing decided or acted: the group could not be described: {failure}",
            extra={"group": self.group} | failure.as_log(),
        )

    def _metric_readings(
        self, now: datetime, errors: list[str]
    ) -> tuple[dict[str, SignalReading], WarmupFigures]:
        specs = [spec for spec in self.signals if spec.name not in QUEUE_SIGNALS]
        staleness = {spec.name: spec.staleness_seconds for spec in specs}
        lookback = max([MIN_LOOKBACK_SECONDS, *staleness.values()])
        # One warm-up period covers the whole window (the aligned start adds up to a minute).
        period = int(math.ceil(lookback / 60) * 60) + 60
        queries = [*build_signal_queries([self.sources[spec.name] for spec in specs], self.group)]
        queries.append(build_warmup_query(self.group, period_seconds=period))
        try:
            series, messages = get_metric_data(self.cloudwatch, queries, now=now, lookback_seconds=period)
        except Exception as error:
            errors.append(f"GetMetricData: {error}")
            return {spec.name: SignalReading(name=spec.name) for spec in specs}, WarmupFigures(None, None)
        if messages:
            logger.info("GetMetricData messages", extra={"messages": messages})
        readings = parse_signal_readings(queries, series, now=now, staleness_seconds=staleness)
        return readings, parse_warmup(series)

    def _backlog(self, name: str, now: datetime, errors: list[str]) -> SignalReading:
        if not self.queue_url:
            errors.append(f"signal {name} needs QUEUE_URL, which is not set")
            return SignalReading(name=name)
        try:
            return collect_backlog(
                self.sqs, self.queue_url, name=name, now=now, include_delayed=self.include_delayed
            )
        except Exception as error:
            errors.append(f"GetQueueAttributes: {error}")
            return SignalReading(name=name)
