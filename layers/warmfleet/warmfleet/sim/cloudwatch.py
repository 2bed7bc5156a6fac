"""What the scaler can see: the agents' in-flight gauges, aggregated and delayed as CloudWatch does.

Every serving instance's agent publishes its in-flight requests every ``agent_interval_seconds``; the
fleet records one sample per interval (the total over the serving instances and how many published).
CloudWatch's ``Average`` over the group dimension for a period is the mean of the per-instance values in
it, and the datapoint becomes readable ``metric_delay_seconds`` after the period ends. The scaler reads
the newest readable datapoint, dated at the end of its period, as the real collector does
(:func:`warmfleet.signals.cloudwatch.parse_signal_readings`); a period without a publishing instance has
no datapoint, which the core reads as a missing signal, never as zero.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import NamedTuple


class Datapoint(NamedTuple):
    """One readable period: its end (when the reading is dated), the per-instance and total averages."""

    at: float
    average: float
    total: float


@dataclass(slots=True)
class MetricStore:
    """The samples so far, and the datapoints a read at ``now`` may see.

    >>> store = MetricStore(period=10.0, delay=5.0)
    >>> store.record(0.0, total=8.0, publishers=2)
    >>> store.record(10.0, total=4.0, publishers=2)
    >>> store.newest(14.9) is None, store.newest(15.0)
    (True, Datapoint(at=10.0, average=4.0, total=8.0))
    """

    period: float
    delay: float
    # period index -> (sum of per-instance averages, sum of totals, samples)
    _periods: dict[int, tuple[float, float, int]] = field(default_factory=dict, init=False, repr=False)

    def record(self, at: float, *, total: float, publishers: int) -> None:
        """One agent interval: ``total`` requests in flight over ``publishers`` serving instances."""
        if publishers <= 0:
            return  # nobody published: the period may end up without a datapoint
        index = math.floor(at / self.period + 1e-9)
        average_sum, total_sum, samples = self._periods.get(index, (0.0, 0.0, 0))
        self._periods[index] = (average_sum + total / publishers, total_sum + total, samples + 1)

    def _datapoint(self, index: int) -> Datapoint | None:
        found = self._periods.get(index)
        if found is None:
            return None
        average_sum, total_sum, samples = found
        return Datapoint((index + 1) * self.period, average_sum / samples, total_sum / samples)

    def newest(self, now: float) -> Datapoint | None:
        """The newest datapoint readable at ``now`` (its period ended at least ``delay`` ago)."""
        for point in self.window(now, self.period * 30):
            return point
        return None

    def window(self, now: float, seconds: float) -> list[Datapoint]:
        """Readable datapoints whose period ended within ``seconds`` before the newest readable end, newest
        first (what a query over that window returns)."""
        last = math.floor((now - self.delay) / self.period + 1e-9) - 1
        first = last - max(1, math.ceil(seconds / self.period)) + 1
        points = (self._datapoint(index) for index in range(last, first - 1, -1))
        return [point for point in points if point is not None]
