"""CloudWatch collector: every group-level signal in ONE batched GetMetricData call.

Each signal in the policy becomes one query of its metric under the `{AutoScalingGroupName}` dimension, over
the source's period (10 s: the agent's publishing interval). The newest datapoint is the reading, as the HPA
reads the latest sample: the core's stabilization windows do the smoothing, and an average over a longer
window would lag behind a scale-out and ask for it twice. The same short window is Knative's panic window
(the core uses the reading itself when no separate panic value is given). Queries of other collectors (the
warm-up figures) ride in the same call; the start time is aligned to the minute, as CloudWatch advises.
The call is the only I/O here; `parse_signal_readings` is a pure function of the raw results, `now` and
the staleness limits: the newest datapoint within the limit is the reading, one older than the limit is
missing (value None), never zero.
GetMetricData: https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_GetMetricData.html
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from warmfleet.core.inputs import SignalReading
from warmfleet.signals.sources import MetricSource

if TYPE_CHECKING:
    from mypy_boto3_cloudwatch import CloudWatchClient

#: GetMetricData accepts at most 500 queries per call.
MAX_QUERIES_PER_CALL = 500


class QueryPurpose(StrEnum):
    SIGNAL = "signal"
    WARMUP = "warmup"
    INSTANCE = "instance"


@dataclass(frozen=True)
class MetricQuery:
    """One `MetricDataQuery`: which metric, statistic and period, and what the answer is for."""

    query_id: str
    key: str
    purpose: QueryPurpose
    namespace: str
    metric_name: str
    dimensions: tuple[tuple[str, str], ...]
    statistic: str
    period_seconds: int

    def as_request(self) -> dict[str, Any]:
        return {
            "Id": self.query_id,
            "MetricStat": {
                "Metric": {
                    "Namespace": self.namespace,
                    "MetricName": self.metric_name,
                    "Dimensions": [{"Name": name, "Value": value} for name, value in self.dimensions],
                },
                "Period": self.period_seconds,
                "Stat": self.statistic,
            },
            "ReturnData": True,
        }


@dataclass(frozen=True)
class Series:
    """The datapoints of one query, newest first."""

    timestamps: tuple[datetime, ...]
    values: tuple[float, ...]

    def newest(self) -> tuple[datetime, float] | None:
        if not self.timestamps:
            return None
        index = max(range(len(self.timestamps)), key=lambda i: self.timestamps[i])
        return self.timestamps[index], self.values[index]


def source_query(
    source: MetricSource, group: str, *, query_id: str, purpose: QueryPurpose, period_seconds: int
) -> MetricQuery:
    return MetricQuery(
        query_id=query_id,
        key=source.signal,
        purpose=purpose,
        namespace=source.namespace,
        metric_name=source.metric_name,
        dimensions=((source.group_dimension, group),),
        statistic=source.statistic,
        period_seconds=period_seconds,
    )


def build_signal_queries(sources: Sequence[MetricSource], group: str) -> list[MetricQuery]:
    """One query per signal (ids `s<n>`: GetMetricData ids must start with a lowercase letter)."""
    return [
        source_query(
            source,
            group,
            query_id=f"s{index}",
            purpose=QueryPurpose.SIGNAL,
            period_seconds=source.period_seconds,
        )
        for index, source in enumerate(sources)
    ]


def parse_metric_data_results(response: Mapping[str, Any]) -> tuple[dict[str, Series], list[str]]:
    """The series of each query id, and the messages CloudWatch attached (errors, partial data)."""
    series: dict[str, Series] = {}
    messages = [f"{m.get('Code', '')}: {m.get('Value', '')}" for m in response.get("Messages", [])]
    for result in response.get("MetricDataResults", []):
        timestamps = tuple(result.get("Timestamps", []))
        values = tuple(float(v) for v in result.get("Values", []))
        if len(timestamps) != len(values):
            messages.append(f"{result.get('Id')}: {len(timestamps)} timestamps for {len(values)} values")
            continue
        series[str(result["Id"])] = Series(timestamps, values)
        messages.extend(
            f"{result['Id']}: {m.get('Code', '')} {m.get('Value', '')}" for m in result.get("Messages", [])
        )
        if result.get("StatusCode") not in (None, "Complete", "PartialData"):
            messages.append(f"{result['Id']}: status {result.get('StatusCode')}")
    return series, messages


def _fresh(point: tuple[datetime, float] | None, now: datetime, limit_seconds: float) -> bool:
    return point is not None and (now - point[0]).total_seconds() <= limit_seconds


def parse_signal_readings(
    queries: Iterable[MetricQuery],
    series: Mapping[str, Series],
    *,
    now: datetime,
    staleness_seconds: Mapping[str, float],
) -> dict[str, SignalReading]:
    """One reading per signal: the newest datapoint, or missing when absent or older than the limit.

    CloudWatch stamps a datapoint with the start of its period; the samples in it are up to a period newer,
    so a reading is dated at the end of its period (never after `now`). A stale reading keeps the timestamp
    of the datapoint it ignored (so the log can say how old it was) but its value is None: a signal that
    stopped reporting is missing, never zero.
    """
    readings: dict[str, SignalReading] = {}
    for query in queries:
        if query.purpose is not QueryPurpose.SIGNAL:
            continue
        found = series.get(query.query_id)
        point = found.newest() if found else None
        if point is None:
            readings[query.key] = SignalReading(name=query.key)
            continue
        at = min(point[0] + timedelta(seconds=query.period_seconds), now)
        fresh = (now - at).total_seconds() <= staleness_seconds[query.key]
        readings[query.key] = SignalReading(name=query.key, value=point[1] if fresh else None, timestamp=at)
    return readings


def aligned_start(now: datetime, lookback_seconds: float) -> datetime:
    """`now - lookback`, rounded down to the minute (periods then line up with CloudWatch's own)."""
    start = now - timedelta(seconds=lookback_seconds)
    return start.replace(second=0, microsecond=0)


def get_metric_data(
    client: CloudWatchClient, queries: Sequence[MetricQuery], *, now: datetime, lookback_seconds: float
) -> tuple[dict[str, Series], list[str]]:
    """Run `queries` in one GetMetricData call (newest first) from `now - lookback` (aligned) to `now`."""
    if len(queries) > MAX_QUERIES_PER_CALL:
        raise ValueError(f"{len(queries)} queries exceed GetMetricData's {MAX_QUERIES_PER_CALL} per call")
    response = client.get_metric_data(
        MetricDataQueries=[query.as_request() for query in queries],  # type: ignore[misc]
        StartTime=aligned_start(now, lookback_seconds),
        EndTime=now,
        ScanBy="TimestampDescending",
    )
    return parse_metric_data_results(response)
