"""The scaling policies a simulation compares: warmfleet's ``decide()``, the peers, and a fixed fleet.

Each policy is an object with a ``name`` and a ``choose(view) -> Choice`` called once per scaler tick with
what the scaler could observe (:class:`FleetView`: the group's desired capacity and bounds, its instances by
state, and the CloudWatch store, which only answers datapoints already readable at ``view.now``). The
policy keeps its own memory between ticks. None carries decision logic of its own: ``warmfleet`` is
:func:`warmfleet.core.decide` with its real history, and the peers are the modules of
:mod:`warmfleet.core.peers` that pass the peers' own test vectors:

* ``hpa``: :func:`warmfleet.core.peers.hpa_controller.reconcile`, a Pods metric (in-flight requests,
  ``AverageValue`` target, milli-units as the metrics API serves them), launching instances as Pending
  pods, default ``behavior`` (scale-down stabilization 300 s), one reconcile per tick;
* ``knative``: :func:`warmfleet.core.peers.knative.scale`, concurrency target per pod, stable window 60 s
  (the mean of the window's datapoints) and the newest datapoint as the panic window's value;
* ``rayserve``: :func:`warmfleet.core.peers.rayserve.autoscale`, total ongoing requests, Ray's default
  delays (up 30 s, down 600 s) and factors, then :func:`~warmfleet.core.peers.rayserve.apply_bounds`;
* ``fixed``: a constant size, the provisioning baseline.

Only warmfleet has an alarm path (``reacts_to_alarms``): its default policy is the stack's, with the
in-flight alarm's step, and it decides again at once when the alarm changes state.

Every peer gets the same target (``FleetModel.target_in_flight`` requests per instance) and reads the same
delayed CloudWatch datapoints, so the comparison is between the rules, not their inputs. The peers run at
the scaler's 15-s tick rather than their own loop periods (Knative 2 s, Ray 0.1 s), as they would if they
drove an Auto Scaling group through CloudWatch.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import NamedTuple, Protocol

from warmfleet.core import DecisionInputs, GroupCapacity, History, Instance, LifecycleState, Policy, decide
from warmfleet.core import SignalReading as Reading
from warmfleet.core.peers import knative, rayserve
from warmfleet.core.peers.hpa import Pod, PodPhase
from warmfleet.core.peers.hpa_controller import reconcile
from warmfleet.core.peers.hpa_types import Behavior as HpaBehavior
from warmfleet.core.peers.hpa_types import (
    ControllerSettings,
    Hpa,
    MetricSpec,
    ReconcileInputs,
    TargetType,
    default_scale_down,
    default_scale_up,
)
from warmfleet.core.rules.rate_limit import ScaleEvent
from warmfleet.core.rules.stabilization import Recommendation
from warmfleet.exceptions import ConfigurationError
from warmfleet.sim.alarm import IN_FLIGHT_ALARM
from warmfleet.sim.cloudwatch import MetricStore
from warmfleet.sim.model import FleetModel

#: The one signal the simulated agents publish (the metric contract's name).
IN_FLIGHT = "InFlightRequests"


@dataclass(frozen=True, slots=True)
class FleetView:
    """What a scaler tick at ``now`` (seconds from the trace's start) observes."""

    now: float
    desired: int
    min_size: int
    max_size: int
    warming: tuple[tuple[str, float], ...]  # (instance id, launched at): launching, not serving yet
    ready: tuple[tuple[str, float], ...]  # InService
    draining: tuple[tuple[str, float], ...]  # leaving the group, finishing their requests
    metrics: MetricStore
    alarms: tuple[str, ...] = ()  # the stack's alarms now in ALARM


class Choice(NamedTuple):
    """The desired capacity a policy sets at a tick, and its reason (the policy's own vocabulary)."""

    desired: int
    reason: str


class ScalingPolicy(Protocol):
    """A policy under simulation: ``choose`` is called once per tick, in time order."""

    name: str
    reacts_to_alarms: bool  # decides again, off the tick, when an alarm changes state

    def choose(self, view: FleetView) -> Choice: ...


def _clamp(value: int, view: FleetView) -> int:
    return max(view.min_size, min(view.max_size, value))


class WarmfleetPolicy:
    """The real ``warmfleet.core.decide()`` with its history kept between ticks, as the scaler stores it."""

    name = "warmfleet"
    reacts_to_alarms = True

    def __init__(self, policy: Policy, start: datetime) -> None:
        unknown = [s.name for s in policy.signals if s.name != IN_FLIGHT]
        if unknown:
            raise ConfigurationError(
                f"the simulator publishes only {IN_FLIGHT}; the policy also reads {unknown}"
            )
        self._policy, self._start, self._history = policy, start, History()

    def _instances(self, view: FleetView) -> tuple[Instance, ...]:
        states = (
            (LifecycleState.PENDING_WAIT, view.warming),
            (LifecycleState.IN_SERVICE, view.ready),
            (LifecycleState.TERMINATING_WAIT, view.draining),
        )
        return tuple(
            Instance(
                instance_id=instance_id,
                lifecycle_state=state,
                launch_time=self._start + timedelta(seconds=launched),
            )
            for state, instances in states
            for instance_id, launched in instances
        )

    def choose(self, view: FleetView) -> Choice:
        point = view.metrics.newest(view.now)
        reading = (
            Reading(name=IN_FLIGHT, value=point.average, timestamp=self._start + timedelta(seconds=point.at))
            if point is not None
            else Reading(name=IN_FLIGHT)
        )
        inputs = DecisionInputs(
            group=GroupCapacity(
                min_size=view.min_size, max_size=view.max_size, desired_capacity=view.desired
            ),
            instances=self._instances(view),
            signals=(reading,),
            active_alarms=view.alarms,
        )
        decision = decide(inputs, self._policy, self._history, now=self._start + timedelta(seconds=view.now))
        self._history = decision.history
        return Choice(decision.desired_capacity, str(decision.reason))


class HpaPolicy:
    """The HPA controller's reconcile on a Pods in-flight metric, with the default ``behavior``."""

    name = "hpa"
    reacts_to_alarms = False

    def __init__(self, target: float) -> None:
        self._target_milli = round(target * 1000)
        self._behavior = HpaBehavior(default_scale_up(), default_scale_down(300))
        self._recommendations: tuple[Recommendation, ...] | None = None
        self._up: tuple[ScaleEvent, ...] = ()
        self._down: tuple[ScaleEvent, ...] = ()

    def choose(self, view: FleetView) -> Choice:
        point = view.metrics.newest(view.now)
        pods = tuple(Pod(i, phase=PodPhase.PENDING, ready=False) for i, _ in view.warming)
        pods += tuple(Pod(i) for i, _ in view.ready)
        samples = {} if point is None else {i: round(point.average * 1000) for i, _ in view.ready}
        metric = MetricSpec(
            type="Pods", target_type=TargetType.AVERAGE_VALUE, target=self._target_milli, samples=samples
        )
        hpa = Hpa(view.min_size, view.max_size, (metric,), self._behavior)
        inputs = ReconcileInputs(
            hpa,
            spec_replicas=view.desired,
            status_replicas=len(pods),
            pods=pods,
            recommendations=self._recommendations,
            scale_up_events=self._up,
            scale_down_events=self._down,
        )
        result = reconcile(inputs, ControllerSettings(), view.now)
        self._recommendations, self._up, self._down = (
            result.recommendations,
            result.scale_up_events,
            result.scale_down_events,
        )
        reason = next((c[2] for c in result.conditions if c[0] == "ScalingLimited" and c[1] == "True"), "")
        if not reason:
            reason = next((c[2] for c in result.conditions if c[0] == "AbleToScale"), "")
        return Choice(_clamp(result.desired_replicas, view), reason)


class KnativePolicy:
    """The KPA decider on total concurrency: stable window 60 s, panic on the newest datapoint."""

    name = "knative"
    reacts_to_alarms = False

    def __init__(self, target: float, concurrency: int) -> None:
        self._spec = knative.DeciderSpec(target_value=target, total_value=float(concurrency))
        self._state: knative.AutoscalerState | None = None

    def choose(self, view: FleetView) -> Choice:
        ready = len(view.ready)
        if self._state is None:
            self._state = knative.new_autoscaler(self._spec, ready, view.now)
        points = view.metrics.window(view.now, self._spec.stable_window_seconds)
        stable = sum(p.total for p in points) / len(points) if points else None
        panic = points[0].total if points else None
        self._state, result = knative.scale(
            self._state,
            self._spec,
            now=view.now,
            ready_pods=ready,
            observed_stable=stable,
            observed_panic=panic,
        )
        if not result.scale_valid:
            return Choice(view.desired, str(result.reason))
        return Choice(_clamp(result.desired_pod_count, view), str(result.reason))


class RayServePolicy:
    """Ray Serve's default queue-length policy with its delays, on the total ongoing requests."""

    name = "rayserve"
    reacts_to_alarms = False

    def __init__(self, target: float, min_size: int, max_size: int) -> None:
        self._config = rayserve.AutoscalingConfig(
            min_replicas=min_size, max_replicas=max_size, target_ongoing_requests=target
        )
        self._state = rayserve.DelayState()

    def choose(self, view: FleetView) -> Choice:
        point = view.metrics.newest(view.now)
        if point is None:
            return Choice(view.desired, "no_metric")
        ctx = rayserve.AutoscalingContext(
            current_num_replicas=len(view.ready),
            target_num_replicas=view.desired,
            total_num_requests=point.total,
            config=self._config,
        )
        decision = rayserve.autoscale(ctx, self._state, view.now)
        self._state = decision.state
        return Choice(
            _clamp(rayserve.apply_bounds(decision.replicas, self._config), view), str(decision.reason)
        )


class FixedPolicy:
    """A constant fleet: the baseline that buys the peak for the whole run."""

    name = "fixed"
    reacts_to_alarms = False

    def __init__(self, size: int) -> None:
        self.size = size

    def choose(self, view: FleetView) -> Choice:
        return Choice(self.size, "fixed")


#: The simulated policies, in report order; ``oracle`` is computed, not simulated (:mod:`.oracle`).
SIMULATED = ("warmfleet", "hpa", "knative", "rayserve", "fixed")
POLICY_NAMES = (*SIMULATED, "oracle")


def default_warmfleet_policy(model: FleetModel) -> Policy:
    """The deployed stack's policy: in-flight requests at the target, the in-flight alarm's step (the
    template's defaults: one instance or 25 %, the larger, up to MaxSize)."""
    signal = {"name": IN_FLIGHT, "kind": "average", "target": model.target_in_flight}
    step = {"alarm_name": IN_FLIGHT_ALARM, "add_instances": 1, "add_percent": 25, "ceiling": model.max_size}
    return Policy.model_validate({"signals": [signal], "alarm_steps": [step]})


def build_policy(
    name: str, model: FleetModel, *, start: datetime, fixed_size: int, warmfleet_policy: Policy | None = None
) -> ScalingPolicy:
    """A fresh policy object (no memory) for one run; ``ConfigurationError`` for an unknown name."""
    if name == "warmfleet":
        return WarmfleetPolicy(warmfleet_policy or default_warmfleet_policy(model), start)
    if name == "hpa":
        return HpaPolicy(model.target_in_flight)
    if name == "knative":
        return KnativePolicy(model.target_in_flight, model.concurrency)
    if name == "rayserve":
        return RayServePolicy(model.target_in_flight, model.min_size, model.max_size)
    if name == "fixed":
        return FixedPolicy(max(1, math.ceil(fixed_size)))
    raise ConfigurationError(f"unknown policy {name!r}: choose from {', '.join(POLICY_NAMES)} or all")
