"""Warm-up figures collector: how long the group's launches took to warm, as the lifecycle function published.

The lifecycle function publishes `WarmupSeconds` under `{AutoScalingGroupName}` (namespace `warmfleet`) for
each instance it lets into service. The scaler reads the longest one of the look-back window in the same
GetMetricData call as the signals (no extra API call) and logs it beside the policy's warm-up budget: a
budget shorter than real warm-ups makes warming instances stop counting too early, and the scaler says so.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from warmfleet.signals.cloudwatch import MetricQuery, QueryPurpose, Series
from warmfleet.signals.sources import GROUP_DIMENSION, NAMESPACE

WARMUP_METRIC = "WarmupSeconds"
WARMUP_QUERY_ID = "w0"


@dataclass(frozen=True)
class WarmupFigures:
    """The longest warm-up seen in the window and when; None when no instance warmed in it."""

    longest_seconds: float | None
    observed_at: datetime | None

    def exceeds(self, budget_seconds: float) -> bool:
        return self.longest_seconds is not None and self.longest_seconds > budget_seconds


def build_warmup_query(group: str, *, period_seconds: int) -> MetricQuery:
    """`Maximum` of `WarmupSeconds` over one period that covers the whole look-back window."""
    return MetricQuery(
        query_id=WARMUP_QUERY_ID,
        key=WARMUP_METRIC,
        purpose=QueryPurpose.WARMUP,
        namespace=NAMESPACE,
        metric_name=WARMUP_METRIC,
        dimensions=((GROUP_DIMENSION, group),),
        statistic="Maximum",
        period_seconds=period_seconds,
    )


def parse_warmup(series: Mapping[str, Series]) -> WarmupFigures:
    found = series.get(WARMUP_QUERY_ID)
    if not found or not found.values:
        return WarmupFigures(None, None)
    index = max(range(len(found.values)), key=lambda i: found.values[i])
    return WarmupFigures(found.values[index], found.timestamps[index])
