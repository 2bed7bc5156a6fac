"""The server's Prometheus metrics and their text exposition, written by hand (no client library needed).

The instance agent scrapes `GET /metrics` and publishes these to CloudWatch, so the names are a contract:
`warmfleet_inflight_requests` (gauge), `warmfleet_requests_total{status}` (counter),
`warmfleet_request_latency_seconds` (histogram), `warmfleet_batch_size` (histogram of rows per model run),
`warmfleet_ready` (gauge 0/1) and `warmfleet_warmup_seconds` (gauge: process start to ready, 0 until ready).
Requests, statuses and latencies count the infer route only; health and metrics probes would drown them.
Format: https://prometheus.io/docs/instrumenting/exposition_formats/#text-based-format
"""

from __future__ import annotations

import bisect
import math
import threading
from collections.abc import Callable

LATENCY_BUCKETS_SECONDS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
BATCH_SIZE_BUCKETS = (1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0, 128.0, 256.0)
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


def _number(value: float) -> str:
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    return repr(float(value)) if not float(value).is_integer() else str(int(value))


class Histogram:
    """Cumulative buckets, sum and count, as Prometheus expects them."""

    def __init__(self, name: str, help_text: str, buckets: tuple[float, ...]) -> None:
        self.name, self.help_text, self.buckets = name, help_text, buckets
        self._counts = [0] * (len(buckets) + 1)
        self.total = 0.0
        self.count = 0

    def observe(self, value: float) -> None:
        self._counts[bisect.bisect_left(self.buckets, value)] += 1
        self.total += value
        self.count += 1

    def render(self) -> list[str]:
        lines = [f"# HELP {self.name} {self.help_text}", f"# TYPE {self.name} histogram"]
        cumulative = 0
        for bound, count in zip((*self.buckets, math.inf), self._counts, strict=True):
            cumulative += count
            lines.append(f'{self.name}_bucket{{le="{_number(bound)}"}} {cumulative}')
        lines += [f"{self.name}_sum {_number(self.total)}", f"{self.name}_count {self.count}"]
        return lines


class ServerMetrics:
    """Every metric the server exposes; updated from the event loop, read by `render`."""

    def __init__(self, is_ready: Callable[[], bool]) -> None:
        self._lock = threading.Lock()
        self._is_ready = is_ready
        self.inflight = 0
        self.warmup_seconds = 0.0
        self._requests_by_status: dict[int, int] = {}
        self._latency = Histogram(
            "warmfleet_request_latency_seconds",
            "Time from receiving an infer request to answering it, in seconds.",
            LATENCY_BUCKETS_SECONDS,
        )
        self._batch_size = Histogram(
            "warmfleet_batch_size", "Rows in each batch the model ran.", BATCH_SIZE_BUCKETS
        )

    def request_started(self) -> None:
        with self._lock:
            self.inflight += 1

    def request_finished(self) -> None:
        with self._lock:
            self.inflight -= 1

    def record_response(self, status: int, latency_seconds: float) -> None:
        with self._lock:
            self._requests_by_status[status] = self._requests_by_status.get(status, 0) + 1
            self._latency.observe(latency_seconds)

    def record_batch(self, rows: int) -> None:
        with self._lock:
            self._batch_size.observe(rows)

    def render(self) -> str:
        with self._lock:
            lines = [
                "# HELP warmfleet_inflight_requests Infer requests accepted and not yet answered.",
                "# TYPE warmfleet_inflight_requests gauge",
                f"warmfleet_inflight_requests {self.inflight}",
                "# HELP warmfleet_requests_total Infer requests answered, by HTTP status.",
                "# TYPE warmfleet_requests_total counter",
            ]
            lines += [
                f'warmfleet_requests_total{{status="{status}"}} {count}'
                for status, count in sorted(self._requests_by_status.items())
            ]
            lines += self._latency.render() + self._batch_size.render()
            lines += [
                "# HELP warmfleet_ready 1 when the model is warm and the server takes traffic, else 0.",
                "# TYPE warmfleet_ready gauge",
                f"warmfleet_ready {int(self._is_ready())}",
                "# HELP warmfleet_warmup_seconds Seconds from process start to ready (0 until ready).",
                "# TYPE warmfleet_warmup_seconds gauge",
                f"warmfleet_warmup_seconds {_number(self.warmup_seconds)}",
            ]
        return "\n".join(lines) + "\n"
