"""Warm-up lead collector: the p90 of the measured warm-up over the last day, for the schedules' pre-warm.

The lifecycle function publishes `WarmupSeconds` (launch action to CONTINUE) under `{AutoScalingGroupName}`
in namespace `warmfleet` for each instance it lets into service. One GetMetricData call asks CloudWatch for
the `p90` and the `SampleCount` of the last day as a single 86 400 s period, so CloudWatch computes the
percentile over every sample (a percentile of per-minute statistics would not be one). The call is the only
I/O; `parse_warmup_lead` is a pure function of its response. No sample in the day gives None, and
`warmfleet.schedules.prewarm_lead` then uses its documented default.
Percentile statistics: https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/Statistics-definitions.html
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from warmfleet.signals.cloudwatch import (
    MetricQuery,
    QueryPurpose,
    Series,
    aligned_start,
    parse_metric_data_results,
)
from warmfleet.signals.sources import GROUP_DIMENSION, NAMESPACE
from warmfleet.signals.warmup import WARMUP_METRIC

if TYPE_CHECKING:
    from mypy_boto3_cloudwatch import CloudWatchClient

#: The look-back of the measured warm-up: one day, as one period.
LOOKBACK_SECONDS = 86_400
P90_QUERY_ID = "p90"
COUNT_QUERY_ID = "count"


@dataclass(frozen=True)
class MeasuredWarmup:
    """The p90 warm-up of the day and how many warm-ups it was computed from (None and 0: none measured)."""

    p90_seconds: float | None
    samples: int


def build_warmup_lead_queries(group: str) -> list[MetricQuery]:
    """`p90` and `SampleCount` of `WarmupSeconds` for the group, one day as one period."""
    return [
        MetricQuery(
            query_id=query_id,
            key=WARMUP_METRIC,
            purpose=QueryPurpose.WARMUP,
            namespace=NAMESPACE,
            metric_name=WARMUP_METRIC,
            dimensions=((GROUP_DIMENSION, group),),
            statistic=statistic,
            period_seconds=LOOKBACK_SECONDS,
        )
        for query_id, statistic in ((P90_QUERY_ID, "p90"), (COUNT_QUERY_ID, "SampleCount"))
    ]


def parse_warmup_lead(series: Mapping[str, Series]) -> MeasuredWarmup:
    """The measured warm-up from the two series (pure); a p90 without samples counts as none."""
    p90, count = series.get(P90_QUERY_ID), series.get(COUNT_QUERY_ID)
    samples = int(sum(count.values)) if count else 0
    if not p90 or not p90.values or samples == 0:
        return MeasuredWarmup(None, samples)
    return MeasuredWarmup(max(p90.values), samples)


def collect_warmup_lead(client: CloudWatchClient, group: str, *, now: datetime) -> MeasuredWarmup:
    """One GetMetricData call for the last day, aligned to the minute.

    Examples
    --------
    >>> collect_warmup_lead(boto3.client("cloudwatch"), "warmfleet-dev-fleet", now=now)  # doctest: +SKIP
    MeasuredWarmup(p90_seconds=312.0, samples=14)
    """
    start = aligned_start(now, LOOKBACK_SECONDS)
    response = client.get_metric_data(
        MetricDataQueries=[query.as_request() for query in build_warmup_lead_queries(group)],  # type: ignore[misc]
        StartTime=start,
        EndTime=start + timedelta(seconds=LOOKBACK_SECONDS),
    )
    series, _messages = parse_metric_data_results(response)
    return parse_warmup_lead(series)


class WarmupLeadCache:
    """The measured warm-up, read at most once per `refresh_seconds`; a warm container keeps it.

    The p90 of a day moves slowly, so a tick does not pay a GetMetricData call for it: one call every
    fifteen minutes by default, and none at all for a stack without schedule windows (never asked). A failed
    read keeps the last measure (or none) and is retried at the next refresh.
    """

    def __init__(self, client: CloudWatchClient, group: str, *, refresh_seconds: float = 900.0) -> None:
        self._client = client
        self._group = group
        self._refresh_seconds = refresh_seconds
        self._measured = MeasuredWarmup(None, 0)
        self._read_at: datetime | None = None
        self.last_error: str | None = None

    def measured(self, now: datetime) -> MeasuredWarmup:
        if self._read_at is None or (now - self._read_at).total_seconds() >= self._refresh_seconds:
            self._read_at = now
            try:
                self._measured = collect_warmup_lead(self._client, self._group, now=now)
                self.last_error = None
            except Exception as error:  # an unreadable metric must not stop a decision
                self.last_error = f"{type(error).__name__}: {error}"
        return self._measured
