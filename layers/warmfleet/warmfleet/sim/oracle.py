"""The perfect-foresight oracle: a lower bound on the instance-hours that serve every request without waiting.

The oracle knows every arrival and service time in advance and gets an instance the moment it wants one,
billed only while held. Serving every request on arrival needs, at each instant, at least as many
instances as requests in service then divided by the slots per instance, rounded up: any fewer and a
request waits. Integrated over the run, that is the oracle's bill (``instance_seconds``): a lower bound for
every policy under which no request waits, a fortiori for one that must boot instances ahead of need. It is
a relaxation (requests are not pinned to an instance), a bound rather than a schedule. With zero waiting,
each request's TTFT is its own first-token time, so the oracle's SLO violations are the requests whose
prefill alone exceeds the SLO (none with the default constants on trace A). A policy may let a request
wait up to its SLO slack (the SLO minus its first-token time) without a violation, so a policy at zero
violations could bill slightly less than this bound; the bound is on zero waiting.

For the plot and the count of scaling actions the oracle also has a schedule a scaler could follow: in
each tick interval, the most instances the bound needs at any instant of it (``capacity``, billed as
``schedule_instance_seconds``).
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass

from warmfleet.sim.model import FleetModel
from warmfleet.sim.trace import Trace


@dataclass(frozen=True, slots=True)
class OracleResult:
    """The bound, the tick schedule and its bill, and the zero-wait TTFT and latency of every request."""

    capacity: tuple[int, ...]  # the schedule: instances in [k * tick, (k + 1) * tick)
    instance_seconds: float  # the bound
    schedule_instance_seconds: float
    horizon: float
    scaling_actions: int
    ttft: tuple[float, ...]
    latency: tuple[float, ...]


def concurrency_profile(trace: Trace, model: FleetModel) -> tuple[list[int], float, float]:
    """Most requests in service at once per tick interval when none waits, the bound's instance-seconds
    (the integral of ``ceil(in service / slots)``), and the horizon."""
    edges: list[tuple[float, int]] = []
    for request in trace.requests:
        edges.append((request.arrival, 1))
        edges.append((request.arrival + model.service_seconds(request), -1))
    edges.sort()  # at equal times a departure (-1) sorts before an arrival (+1): the slot is reused
    horizon = max(trace.duration, max((at for at, _ in edges), default=0.0))
    intervals = max(1, math.ceil(horizon / model.tick_seconds))
    peaks = [0] * intervals
    busy, current, bound, since = 0, 0, 0.0, 0.0
    for at, change in edges:
        bound += math.ceil(busy / model.concurrency) * (at - since)
        since = at
        index = min(int(at // model.tick_seconds), intervals - 1)
        for skipped in range(current + 1, index + 1):
            peaks[skipped] = max(peaks[skipped], busy)  # carried across intervals without an edge
        current = max(current, index)
        busy += change
        peaks[index] = max(peaks[index], busy)
    return peaks, bound, horizon


def oracle(trace: Trace, model: FleetModel) -> OracleResult:
    """The oracle's bound, schedule and zero-wait latencies for ``trace`` on ``model`` (module doc)."""
    peaks, bound, horizon = concurrency_profile(trace, model)
    capacity = tuple(math.ceil(peak / model.concurrency) for peak in peaks)
    tick = model.tick_seconds
    scheduled = sum(size * (min((k + 1) * tick, horizon) - k * tick) for k, size in enumerate(capacity))
    actions = sum(1 for before, after in itertools.pairwise(capacity) if after != before)
    return OracleResult(
        capacity=capacity,
        instance_seconds=bound,
        schedule_instance_seconds=scheduled,
        horizon=horizon,
        scaling_actions=actions,
        ttft=tuple(model.first_token_seconds(r) for r in trace.requests),
        latency=tuple(model.service_seconds(r) for r in trace.requests),
    )
