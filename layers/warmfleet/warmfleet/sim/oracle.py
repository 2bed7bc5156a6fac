"""The perfect-foresight oracle: the fewest instance-hours that serve every request without waiting.

The oracle knows every arrival and service time in advance, can change capacity only at the scaler's ticks
(as every simulated policy), and gets an instance the moment it wants one, billed only while it is held.
Serving every request on arrival (zero queueing) needs, in each tick interval, as many instances as the
most requests in service at any instant of it, divided by the slots per instance and rounded up; any
fewer and some request of that interval waits. Its instance-hours are therefore a lower bound for every
policy that makes no request wait, a fortiori for one that must also boot instances ahead of need; with
zero waiting each request's TTFT is its own first-token time, so its SLO violations are only the requests
whose prefill alone exceeds the SLO (none with the default constants on trace A). It is a relaxation
(requests are not pinned to an instance), which keeps it a bound rather than a schedule.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass

from warmfleet.sim.model import FleetModel
from warmfleet.sim.trace import Trace


@dataclass(frozen=True, slots=True)
class OracleResult:
    """Capacity per tick interval, its bill, and the zero-wait TTFT and latency of every request."""

    capacity: tuple[int, ...]  # instances in [k * tick, (k + 1) * tick)
    instance_seconds: float
    horizon: float
    scaling_actions: int
    ttft: tuple[float, ...]
    latency: tuple[float, ...]


def peak_concurrency_per_interval(trace: Trace, model: FleetModel) -> tuple[list[int], float]:
    """Most requests in service at once in each tick interval when none waits, and the horizon."""
    edges: list[tuple[float, int]] = []
    for request in trace.requests:
        edges.append((request.arrival, 1))
        edges.append((request.arrival + model.service_seconds(request), -1))
    edges.sort()  # at equal times a departure (-1) sorts before an arrival (+1): the slot is reused
    horizon = max(trace.duration, max((at for at, _ in edges), default=0.0))
    intervals = max(1, math.ceil(horizon / model.tick_seconds))
    peaks = [0] * intervals
    busy, current = 0, 0
    for at, change in edges:
        index = min(int(at // model.tick_seconds), intervals - 1)
        for skipped in range(current + 1, index + 1):
            peaks[skipped] = max(peaks[skipped], busy)  # carried across intervals without an edge
        current = max(current, index)
        busy += change
        peaks[index] = max(peaks[index], busy)
    return peaks, horizon


def oracle(trace: Trace, model: FleetModel) -> OracleResult:
    """The oracle's capacity and bill for ``trace`` on ``model`` (see the module doc)."""
    peaks, horizon = peak_concurrency_per_interval(trace, model)
    capacity = tuple(math.ceil(peak / model.concurrency) for peak in peaks)
    tick = model.tick_seconds
    billed = sum(size * (min((k + 1) * tick, horizon) - k * tick) for k, size in enumerate(capacity))
    actions = sum(1 for before, after in itertools.pairwise(capacity) if after != before)
    return OracleResult(
        capacity=capacity,
        instance_seconds=billed,
        horizon=horizon,
        scaling_actions=actions,
        ttft=tuple(model.first_token_seconds(r) for r in trace.requests),
        latency=tuple(model.service_seconds(r) for r in trace.requests),
    )
