"""The discrete-event fleet: requests arrive from a trace, wait for a slot, are served; a policy scales.

Events, in time order (at equal times: completions, instances becoming ready, arrivals, agent samples,
scaler ticks): an **arrival** joins one FIFO queue (the balancer's and servers' queues as one, with
least-outstanding-requests routing, the ALB's ``least_outstanding_requests`` algorithm), and starts at once
on the serving instance with the fewest requests if one has a free slot; a **completion** frees its slot
and starts the next queued request; an instance becomes **ready** (InService) ``launch_seconds`` plus a
seeded jitter after its launch; every ``agent_interval_seconds`` each serving instance's agent publishes
its in-flight requests (queued ones included) to the :class:`~warmfleet.sim.cloudwatch.MetricStore`;
every ``tick_seconds`` (and, for warmfleet, when the in-flight alarm changes state: :mod:`.alarm`) the
policy chooses a desired capacity from the delayed datapoints, and the group
launches the difference or removes instances: launches that are not serving yet first, then the serving
instances with the fewest requests in flight, which drain (no new requests, their own finish) and are
billed until empty. No policy acts before ``first_decision_seconds``: the replay starts with an empty
fleet, so the first datapoints show a ramp from zero that a fleet in service never sees. Instances are billed
from launch to termination, per second. Time is simulated: no
clock is read and nothing sleeps; the only randomness is the launch jitter, from ``random.Random(seed)``.
"""

from __future__ import annotations

import heapq
import math
import random
from collections import deque
from dataclasses import dataclass, field
from enum import IntEnum
from typing import NamedTuple

from warmfleet.sim.alarm import ALARM_PERIOD_SECONDS, InFlightAlarm
from warmfleet.sim.cloudwatch import MetricStore
from warmfleet.sim.model import FleetModel
from warmfleet.sim.policies import FleetView, ScalingPolicy
from warmfleet.sim.trace import Trace

#: After the trace's last arrival, a run that still has queued work stops this much later (a policy that
#: never serves them must not run forever); what is left counts as unserved.
MAX_OVERTIME_SECONDS = 6 * 3600.0
#: The timeline's reason for a tick inside the warm-up, when no policy acts.
WARM_UP = "warm-up"


class _Kind(IntEnum):
    COMPLETE = 0
    READY = 1
    ARRIVAL = 2
    SAMPLE = 3
    TICK = 4


class _State(IntEnum):
    WARMING = 0
    READY = 1
    DRAINING = 2
    GONE = 3


@dataclass(slots=True)
class _Instance:
    instance_id: str
    launched_at: float
    state: _State
    busy: int = 0
    ended_at: float | None = None


class TickRecord(NamedTuple):
    """The group after one tick's decision was applied (the plot's and the JSON's timeline row)."""

    at: float
    desired: int
    warming: int
    ready: int
    draining: int
    in_flight: int  # requests in service or queued, at the tick
    reason: str


@dataclass(frozen=True, slots=True)
class RunResult:
    """One policy's run: per-request TTFT and latency (NaN: never served), the timeline and the bill."""

    policy: str
    ttft: tuple[float, ...]
    latency: tuple[float, ...]
    timeline: tuple[TickRecord, ...]
    instance_seconds: float
    horizon: float
    launches: int
    scaling_actions: int


@dataclass(slots=True)
class _Fleet:
    trace: Trace
    model: FleetModel
    policy: ScalingPolicy
    rng: random.Random
    store: MetricStore
    alarm_store: MetricStore
    alarm: InFlightAlarm | None
    desired: int = 0
    launches: int = 0
    actions: int = 0
    instances: dict[str, _Instance] = field(default_factory=dict)  # launching, serving or draining
    gone: list[_Instance] = field(default_factory=list)  # terminated: out of every scan, still billed
    queue: deque[int] = field(default_factory=deque)
    events: list[tuple[float, int, int, int | str]] = field(default_factory=list)
    timeline: list[TickRecord] = field(default_factory=list)
    ttft: list[float] = field(default_factory=list)
    latency: list[float] = field(default_factory=list)
    busy_total: int = 0
    arrived: int = 0
    last_completion: float = 0.0
    _seq: int = 0

    def push(self, at: float, kind: _Kind, payload: int | str) -> None:
        self._seq += 1
        heapq.heappush(self.events, (at, int(kind), self._seq, payload))

    def in_state(self, state: _State) -> list[_Instance]:
        return [i for i in self.instances.values() if i.state is state]

    def launch(self, now: float, *, warm: bool = False) -> None:
        self.launches += 1
        instance = _Instance(f"i-{self.launches:05d}", now, _State.READY if warm else _State.WARMING)
        self.instances[instance.instance_id] = instance
        if not warm:
            delay = self.model.launch_seconds + self.rng.uniform(0.0, self.model.launch_jitter_seconds)
            self.push(now + delay, _Kind.READY, instance.instance_id)

    def end(self, instance: _Instance, now: float) -> None:
        instance.state, instance.ended_at = _State.GONE, now
        self.gone.append(self.instances.pop(instance.instance_id))

    def remove(self, count: int, now: float) -> None:
        # Launches that serve nothing yet go first (newest first), then the least busy serving instances.
        warming = sorted(self.in_state(_State.WARMING), key=lambda i: -i.launched_at)
        ready = sorted(self.in_state(_State.READY), key=lambda i: (i.busy, -i.launched_at))
        for instance in (warming + ready)[:count]:
            if instance.busy:
                instance.state = _State.DRAINING
            else:
                self.end(instance, now)

    def dispatch(self, now: float) -> None:
        requests = self.trace.requests
        while self.queue:
            serving = [i for i in self.instances.values() if i.state is _State.READY]
            best = min(serving, key=lambda i: i.busy, default=None)
            if best is None or best.busy >= self.model.concurrency:
                return
            index = self.queue.popleft()
            request = requests[index]
            wait = now - request.arrival
            service = self.model.service_seconds(request)
            self.ttft[index] = wait + self.model.first_token_seconds(request)
            self.latency[index] = wait + service
            best.busy += 1
            self.busy_total += 1
            self.push(now + service, _Kind.COMPLETE, best.instance_id)

    def complete(self, instance_id: str, now: float) -> None:
        instance = self.instances[instance_id]
        instance.busy -= 1
        self.busy_total -= 1
        self.last_completion = now
        if instance.state is _State.DRAINING and instance.busy == 0:
            self.end(instance, now)

    def sample(self, now: float) -> None:
        publishers = sum(1 for i in self.instances.values() if i.state in (_State.READY, _State.DRAINING))
        total = float(self.busy_total + len(self.queue))
        self.store.record(now, total=total, publishers=publishers)
        self.alarm_store.record(now, total=total, publishers=publishers)
        # A state change reaches the alarm function at once: a decision off the tick (warmfleet's alarm path).
        if (
            self.alarm is not None
            and self.alarm.evaluate(self.alarm_store, now)
            and self.policy.reacts_to_alarms
            and now >= self.model.first_decision_seconds
        ):
            self.tick(now)

    def tick(self, now: float) -> None:
        if now < self.model.first_decision_seconds:
            self.record(now, WARM_UP)  # the first datapoints show the replay's ramp from empty, not its load
            return
        view = FleetView(
            now=now,
            desired=self.desired,
            min_size=self.model.min_size,
            max_size=self.model.max_size,
            warming=self._ids(_State.WARMING),
            ready=self._ids(_State.READY),
            draining=self._ids(_State.DRAINING),
            metrics=self.store,
            alarms=self.alarm.active if self.alarm is not None else (),
        )
        choice = self.policy.choose(view)
        if choice.desired < 0:
            raise ValueError(f"policy {self.policy.name} chose a negative capacity {choice.desired}")
        if choice.desired != self.desired:
            self.actions += 1
            self.apply(choice.desired, now)
        self.record(now, choice.reason)

    def record(self, now: float, reason: str) -> None:
        self.timeline.append(
            TickRecord(
                now,
                self.desired,
                len(self.in_state(_State.WARMING)),
                len(self.in_state(_State.READY)),
                len(self.in_state(_State.DRAINING)),
                self.busy_total + len(self.queue),
                reason,
            )
        )

    def apply(self, desired: int, now: float) -> None:
        in_group = len(self.in_state(_State.WARMING)) + len(self.in_state(_State.READY))
        for _ in range(desired - in_group):
            self.launch(now)
        if desired < in_group:
            self.remove(in_group - desired, now)
        self.desired = desired
        self.dispatch(now)

    def _ids(self, state: _State) -> tuple[tuple[str, float], ...]:
        return tuple((i.instance_id, i.launched_at) for i in self.instances.values() if i.state is state)

    def run(self, initial_size: int) -> RunResult:
        requests = self.trace.requests
        self.ttft = [math.nan] * len(requests)
        self.latency = [math.nan] * len(requests)
        for _ in range(initial_size):
            self.launch(0.0, warm=True)
        self.desired = initial_size
        for index, request in enumerate(requests):
            self.push(request.arrival, _Kind.ARRIVAL, index)
        self.push(0.0, _Kind.SAMPLE, "")
        self.push(0.0, _Kind.TICK, "")
        last_arrival = requests[-1].arrival if requests else 0.0
        deadline = max(self.trace.duration, last_arrival) + MAX_OVERTIME_SECONDS
        while self.events:
            now, kind, _, payload = heapq.heappop(self.events)
            if now > deadline:
                break  # a policy that left requests queued this long has them counted as unserved
            if kind == _Kind.COMPLETE:
                self.complete(str(payload), now)
                self.dispatch(now)
            elif kind == _Kind.READY:
                instance = self.instances.get(str(payload))  # None: removed while it was launching
                if instance is not None and instance.state is _State.WARMING:
                    instance.state = _State.READY
                    self.dispatch(now)
            elif kind == _Kind.ARRIVAL:
                self.arrived += 1
                self.queue.append(int(payload))
                self.dispatch(now)
            else:
                finished = self.arrived == len(requests) and not self.queue and self.busy_total == 0
                if finished and now >= self.trace.duration:
                    continue  # the periodic events stop; what is left in the heap drains
                if kind == _Kind.SAMPLE:
                    self.sample(now)
                    self.push(now + self.model.agent_interval_seconds, _Kind.SAMPLE, "")
                else:
                    self.tick(now)
                    self.push(now + self.model.tick_seconds, _Kind.TICK, "")
        horizon = max(self.trace.duration, self.last_completion)
        billed = sum(
            max(0.0, min(i.ended_at if i.ended_at is not None else horizon, horizon) - i.launched_at)
            for i in (*self.instances.values(), *self.gone)
        )
        return RunResult(
            policy=self.policy.name,
            ttft=tuple(self.ttft),
            latency=tuple(self.latency),
            timeline=tuple(self.timeline),
            instance_seconds=billed,
            horizon=horizon,
            launches=self.launches,
            scaling_actions=self.actions,
        )


def simulate(
    trace: Trace, model: FleetModel, policy: ScalingPolicy, *, seed: int, initial_size: int | None = None
) -> RunResult:
    """Replay ``trace`` on a fleet of ``model`` scaled by ``policy``; deterministic for a given ``seed``.

    The fleet starts with ``initial_size`` (default ``model.min_size``) instances already serving.
    """
    size = model.min_size if initial_size is None else initial_size
    alarm = None
    if model.alarm_threshold is not None:
        alarm = InFlightAlarm(model.alarm_threshold, model.alarm_datapoints)
    fleet = _Fleet(
        trace=trace,
        model=model,
        policy=policy,
        rng=random.Random(seed),
        store=MetricStore(model.metric_period_seconds, model.metric_delay_seconds),
        alarm_store=MetricStore(ALARM_PERIOD_SECONDS, model.metric_delay_seconds),
        alarm=alarm,
    )
    return fleet.run(size)
