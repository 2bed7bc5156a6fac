"""Per-instance in-flight collector: the work each instance holds, for choosing whom a scale-in removes.

Read only when a decision removes instances (never on a steady tick): one GetMetricData call with a query
per candidate under `{AutoScalingGroupName, InstanceId}` (the metric contract's per-instance set). An
instance without a fresh datapoint has unknown work (None), never zero: the scale-in choice keeps it last.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING

from warmfleet.signals.cloudwatch import (
    MAX_QUERIES_PER_CALL,
    MetricQuery,
    QueryPurpose,
    Series,
    get_metric_data,
)
from warmfleet.signals.sources import INSTANCE_DIMENSION, MetricSource

if TYPE_CHECKING:
    from mypy_boto3_cloudwatch import CloudWatchClient


def build_instance_queries(
    source: MetricSource, group: str, instance_ids: Sequence[str]
) -> list[MetricQuery]:
    return [
        MetricQuery(
            query_id=f"i{index}",
            key=instance_id,
            purpose=QueryPurpose.INSTANCE,
            namespace=source.namespace,
            metric_name=source.metric_name,
            dimensions=((source.group_dimension, group), (INSTANCE_DIMENSION, instance_id)),
            statistic="Average",
            period_seconds=source.period_seconds,
        )
        for index, instance_id in enumerate(instance_ids)
    ]


def parse_instance_values(
    queries: Sequence[MetricQuery], series: Mapping[str, Series], *, now: datetime, staleness_seconds: float
) -> dict[str, float | None]:
    """Each instance's newest fresh value, or None."""
    values: dict[str, float | None] = {}
    for query in queries:
        found = series.get(query.query_id)
        point = found.newest() if found else None
        fresh = point is not None and (now - point[0]).total_seconds() <= staleness_seconds
        values[query.key] = point[1] if point is not None and fresh else None
    return values


def collect_instance_in_flight(
    client: CloudWatchClient,
    source: MetricSource,
    group: str,
    instance_ids: Sequence[str],
    *,
    now: datetime,
    staleness_seconds: float,
) -> dict[str, float | None]:
    values: dict[str, float | None] = {}
    for start in range(0, len(instance_ids), MAX_QUERIES_PER_CALL):
        queries = build_instance_queries(source, group, instance_ids[start : start + MAX_QUERIES_PER_CALL])
        series, _ = get_metric_data(client, queries, now=now, lookback_seconds=staleness_seconds)
        values.update(parse_instance_values(queries, series, now=now, staleness_seconds=staleness_seconds))
    return values
