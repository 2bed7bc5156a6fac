"""Parse the inference server's Prometheus text and turn it into the agent's per-interval readings.

The agent reads `GET /metrics` once per interval. This module is pure: `parse_exposition` turns the text
format (https://prometheus.io/docs/instrumenting/exposition_formats/) into samples, `read_server_snapshot`
picks out the counters and histograms of the warmfleet metric contract, and `histogram_quantile` computes a
quantile from the bucket *deltas* between two snapshots, the way Prometheus' own `histogram_quantile`
does over a `rate()` (linear interpolation inside the bucket that holds the rank). No I/O, no clock.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field

INFLIGHT_METRIC = "warmfleet_inflight_requests"
REQUESTS_METRIC = "warmfleet_requests_total"
LATENCY_METRIC = "warmfleet_request_latency_seconds"
READY_METRIC = "warmfleet_ready"
WARMUP_METRIC = "warmfleet_warmup_seconds"

# name{labels} value [timestamp]; label values may hold escaped quotes, commas and braces.
_SAMPLE = re.compile(
    r"^(?P<name>[a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(?P<labels>.*)\})?\s+(?P<value>\S+)(?:\s+\S+)?$"
)
_LABEL = re.compile(r'\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*=\s*"((?:[^"\\]|\\.)*)"\s*,?')


@dataclass(frozen=True)
class Sample:
    """One line of the exposition: a metric name, its labels and its value."""

    name: str
    labels: Mapping[str, str]
    value: float


@dataclass(frozen=True)
class HistogramCounts:
    """A cumulative histogram: count per upper bound (`le`, +Inf included), summed over other labels."""

    buckets: Mapping[float, float] = field(default_factory=dict)
    count: float = 0.0
    total: float = 0.0


@dataclass(frozen=True)
class MetricNames:
    """Which series mean "requests in flight" (a gauge) and "request latency" (a histogram, in seconds).

    warmfleet's server by default; for a server the agent did not start, its own names, e.g. vLLM's
    `vllm:num_requests_running` and `vllm:e2e_request_latency_seconds`.
    """

    inflight: str = INFLIGHT_METRIC
    latency_histogram: str = LATENCY_METRIC


@dataclass(frozen=True)
class ServerSnapshot:
    """What one scrape of the server says, reduced to what the agent publishes or reasons on."""

    inflight: float | None
    latency: HistogramCounts | None
    requests_by_status: Mapping[str, float]
    ready: float | None
    warmup_seconds: float | None


def _unescape(value: str) -> str:
    return value.replace(r"\\", "\x00").replace(r"\"", '"').replace(r"\n", "\n").replace("\x00", "\\")


def _parse_labels(text: str) -> dict[str, str]:
    labels: dict[str, str] = {}
    position = 0
    while position < len(text.rstrip()):
        match = _LABEL.match(text, position)
        if match is None:
            raise ValueError(f"malformed label set: {{{text}}}")
        labels[match.group(1)] = _unescape(match.group(2))
        position = match.end()
    return labels


def _parse_value(text: str) -> float:
    # Prometheus writes +Inf, -Inf and NaN; float() reads all three.
    return float(text)


def parse_exposition(text: str) -> list[Sample]:
    """Parse Prometheus text format into samples, skipping comments and blank lines.

    A malformed line raises ValueError naming it: a server that speaks garbage is a fault worth seeing,
    not something to publish half of.

    Example
    -------
    >>> parse_exposition('warmfleet_inflight_requests 3\\n')[0].value
    3.0
    """
    samples: list[Sample] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        match = _SAMPLE.match(line)
        if match is None:
            raise ValueError(f"line {number} is not a Prometheus sample: {line!r}")
        try:
            value = _parse_value(match.group("value"))
        except ValueError as error:
            raise ValueError(f"line {number} has a non-numeric value: {line!r}") from error
        labels = _parse_labels(match.group("labels") or "")
        samples.append(Sample(name=match.group("name"), labels=labels, value=value))
    return samples


def _sum_of(samples: list[Sample], name: str) -> float | None:
    values = [sample.value for sample in samples if sample.name == name]
    return math.fsum(values) if values else None


def _histogram(samples: list[Sample], name: str) -> HistogramCounts | None:
    buckets: dict[float, float] = {}
    for sample in samples:
        if sample.name == f"{name}_bucket" and "le" in sample.labels:
            bound = _parse_value(sample.labels["le"])
            buckets[bound] = buckets.get(bound, 0.0) + sample.value
    if not buckets:
        return None
    return HistogramCounts(
        buckets=dict(sorted(buckets.items())),
        count=_sum_of(samples, f"{name}_count") or 0.0,
        total=_sum_of(samples, f"{name}_sum") or 0.0,
    )


def read_server_snapshot(text: str, names: MetricNames = MetricNames()) -> ServerSnapshot:
    """Reduce a scrape of the warmfleet server (or a compatible one) to a `ServerSnapshot`.

    Series with extra labels (a `model` label, say) are summed, so a server exposing per-model series
    still gives one instance-wide reading. A metric the server does not expose reads as None.
    """
    samples = parse_exposition(text)
    by_status: dict[str, float] = {}
    for sample in samples:
        if sample.name == REQUESTS_METRIC:
            status = sample.labels.get("status", "")
            by_status[status] = by_status.get(status, 0.0) + sample.value
    return ServerSnapshot(
        inflight=_sum_of(samples, names.inflight),
        latency=_histogram(samples, names.latency_histogram),
        requests_by_status=by_status,
        ready=_sum_of(samples, READY_METRIC),
        warmup_seconds=_sum_of(samples, WARMUP_METRIC),
    )


def bucket_deltas(previous: HistogramCounts | None, current: HistogramCounts) -> dict[float, float]:
    """Observations per cumulative bucket between two scrapes.

    A counter that went down means the server restarted: as Prometheus' `rate()` does, the current value
    is then taken as the increase since the reset.
    """
    if previous is None:
        return dict(current.buckets)
    reset = current.count < previous.count or any(
        current.buckets.get(bound, 0.0) < value for bound, value in previous.buckets.items()
    )
    if reset:
        return dict(current.buckets)
    return {bound: value - previous.buckets.get(bound, 0.0) for bound, value in current.buckets.items()}


def histogram_quantile(quantile: float, cumulative: Mapping[float, float]) -> float | None:
    """The `quantile` (0..1) of a cumulative histogram, interpolated linearly inside its bucket.

    Mirrors Prometheus' `histogram_quantile`
    (https://prometheus.io/docs/prometheus/latest/querying/functions/#histogram_quantile): the first
    bucket's lower bound is 0; a rank in the +Inf bucket answers the highest finite bound. None when no
    observation fell in the window.
    """
    if not 0.0 <= quantile <= 1.0:
        raise ValueError(f"quantile must be within [0, 1], got {quantile}")
    bounds = sorted(cumulative)
    if not bounds or not math.isinf(bounds[-1]):
        raise ValueError("a histogram needs a +Inf bucket")
    observed = cumulative[bounds[-1]]
    if observed <= 0:
        return None
    rank = quantile * observed
    lower_bound, lower_count = 0.0, 0.0
    for bound in bounds:
        count = cumulative[bound]
        if count >= rank:
            if math.isinf(bound):
                return lower_bound
            if count == lower_count:
                return bound
            return lower_bound + (bound - lower_bound) * (rank - lower_count) / (count - lower_count)
        lower_bound, lower_count = bound, count
    return lower_bound


def interval_latency_p95_ms(previous: HistogramCounts | None, current: HistogramCounts) -> float | None:
    """The p95 request latency, in milliseconds, of the requests completed between two scrapes."""
    seconds = histogram_quantile(0.95, bucket_deltas(previous, current))
    return None if seconds is None else seconds * 1000.0
