"""Ray Serve conformance kinds for ``python -m warmfleet.conformance`` (``rayserve.jsonl``).

Each function drives :mod:`warmfleet.core.peers.rayserve` the way the peer's test does. The fake clock of
``policy_sequence`` (``inputs.clock``, default start 0 and +0.1 s) advances only on the calls that reach
the delay logic, as the peer's does. Shapes returned (see :mod:`warmfleet.conformance.runner`):
``policy_sequence`` -> ``{"steps": [[decision per call], ...]}``, ``apply_delay_logic`` ->
``{"calls": [...]}``, the legacy sweep -> ``{"desired_replicas": [every result]}``, the delay property ->
``{"fire_time_s", "overshoot_factor"}``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from typing import Any

from warmfleet.core.peers import rayserve

DEFAULT_POLICY = "default replica_queue_length policy wrapped with default params"
CUSTOM_POLICY = "custom raw policy: 3 if total_num_requests > 0 else 0"
_SWEEP = re.compile(
    r"^i\*(?P<step>\d+(?:\.\d+)?) for every integer i in \[(?P<low>-?\d+), (?P<high>-?\d+)\)$"
)
_CONFIG_FIELDS = frozenset(rayserve.AutoscalingConfig.__dataclass_fields__)
#: An upper bound on calls in the delay property, far beyond any configured delay.
_MAX_CALLS = 10_000_000


def _inputs(case: Mapping[str, Any]) -> Mapping[str, Any]:
    inputs = case.get("inputs")
    if not isinstance(inputs, Mapping):
        raise ValueError("the case has no `inputs` object")
    return inputs


def _config(inputs: Mapping[str, Any]) -> rayserve.AutoscalingConfig:
    raw = inputs["config"]
    unknown = set(raw) - _CONFIG_FIELDS
    if unknown:
        raise ValueError(f"unknown AutoscalingConfig fields: {sorted(unknown)}")
    return rayserve.AutoscalingConfig(**raw)


def _three_if_requests(ctx: rayserve.AutoscalingContext) -> float:
    return 3.0 if ctx.total_num_requests > 0 else 0.0


def _raw_policy(description: str | None) -> rayserve.RawPolicy:
    if description is None or description == DEFAULT_POLICY:
        return rayserve.replica_queue_length_policy
    if description.startswith(CUSTOM_POLICY):
        return _three_if_requests
    raise ValueError(f"unknown raw policy {description!r}")


class _FakeClock:
    """Each read returns ``start + reads * advance``: the peer test's clock that ticks per read."""

    def __init__(self, clock: Mapping[str, Any] | None) -> None:
        clock = clock or {}
        self.start = float(clock.get("start_s", 0.0))
        self.advance = float(clock.get("advance_per_call_s", rayserve.CONTROL_LOOP_INTERVAL_S))
        self.reads = 0

    def now(self) -> float:
        return self.start + self.reads * self.advance

    def consumed(self, decision: rayserve.Decision) -> None:
        if decision.read_clock:
            self.reads += 1


def policy_sequence(case: Mapping[str, Any]) -> dict[str, Any]:
    inputs = _inputs(case)
    config = _config(inputs)
    policy = _raw_policy(inputs.get("policy"))
    clock = _FakeClock(inputs.get("clock"))
    state = rayserve.DelayState()
    steps = inputs["steps"]
    decisions: list[list[int]] = [[] for _ in steps]
    for _ in range(int(inputs.get("repeat_whole_sequence", 1))):
        for index, step in enumerate(steps):
            ctx = rayserve.AutoscalingContext(
                current_num_replicas=int(step["current_num_replicas"]),
                target_num_replicas=int(step["target_num_replicas"]),
                total_num_requests=float(step["total_num_requests"]),
                config=config,
            )
            for _ in range(int(step.get("repeat", 1))):
                decision = rayserve.autoscale(ctx, state, clock.now(), policy)
                clock.consumed(decision)
                state = decision.state
                decisions[index].append(decision.replicas)
    return {"steps": decisions}


def policy_iterate(case: Mapping[str, Any]) -> dict[str, Any]:
    inputs = _inputs(case)
    config = _config(inputs)
    clock = _FakeClock(inputs.get("clock"))
    state = rayserve.DelayState()
    replicas = int(inputs["start_replicas"])
    sequence: list[int] = []
    for _ in range(int(inputs["iterations"])):
        ctx = rayserve.AutoscalingContext(replicas, replicas, 0.0, config)
        decision = rayserve.autoscale(ctx, state, clock.now())
        clock.consumed(decision)
        state, replicas = decision.state, decision.replicas
        sequence.append(replicas)
    return {"final_replicas": replicas, "replicas_sequence": sequence}


def apply_scaling_factors(case: Mapping[str, Any]) -> dict[str, Any]:
    inputs = _inputs(case)
    scaled = rayserve.apply_scaling_factors(
        float(inputs["desired_num_replicas"]), int(inputs["current_num_replicas"]), _config(inputs)
    )
    return {"scaled_num_replicas": scaled}


def apply_delay_logic(case: Mapping[str, Any]) -> dict[str, Any]:
    inputs = _inputs(case)
    config = _config(inputs)
    state = rayserve.DelayState()
    results: list[int] = []
    for call in inputs["calls"]:
        decision = rayserve.apply_delay_logic(
            int(call["desired_num_replicas"]),
            int(call["curr_target_num_replicas"]),
            config,
            state,
            float(call["now"]),
        )
        state = decision.state
        results.append(decision.replicas)
    return {"calls": results}


def apply_delay_logic_property(case: Mapping[str, Any]) -> dict[str, Any]:
    inputs = _inputs(case)
    config = _config(inputs)
    desired, target = int(inputs["desired_num_replicas"]), int(inputs["curr_target_num_replicas"])
    start, interval = float(inputs["start_s"]), float(inputs["call_interval_s"])
    state = rayserve.DelayState()
    for call in range(_MAX_CALLS):
        now = start + call * interval
        decision = rayserve.apply_delay_logic(desired, target, config, state, now)
        state = decision.state
        if decision.replicas != target:
            fire_time = now - start
            delay = config.upscale_delay_s
            return {"fire_time_s": fire_time, "overshoot_factor": fire_time / delay if delay else math.inf}
    return {"error": f"the decision never changed in {_MAX_CALLS} calls"}


def legacy_calculate_desired_num_replicas(case: Mapping[str, Any]) -> dict[str, Any]:
    inputs = _inputs(case)
    desired = rayserve.legacy_calculate_desired_num_replicas(
        _config(inputs), float(inputs["total_num_requests"]), int(inputs["num_running_replicas"])
    )
    return {"desired_replicas": desired}


def legacy_calculate_desired_num_replicas_property(case: Mapping[str, Any]) -> dict[str, Any]:
    inputs = _inputs(case)
    sweep = _SWEEP.match(str(inputs["total_num_requests"]))
    if sweep is None:
        raise ValueError(f"cannot read the sweep {inputs['total_num_requests']!r}")
    step = float(sweep["step"])
    config, running = _config(inputs), int(inputs["num_running_replicas"])
    results = [
        rayserve.legacy_calculate_desired_num_replicas(config, i * step, running)
        for i in range(int(sweep["low"]), int(sweep["high"]))
    ]
    return {"desired_replicas": results}


def app_level_cold_start(case: Mapping[str, Any]) -> dict[str, Any]:
    inputs = _inputs(case)
    config = _config(inputs)
    contexts = {
        name: rayserve.AutoscalingContext(
            int(ctx["current_num_replicas"]),
            int(ctx["target_num_replicas"]),
            float(ctx["total_num_requests"]),
            config,
        )
        for name, ctx in inputs["deployments"].items()
    }
    raw = {name: float(value) for name, value in inputs["raw_app_policy_decision"].items()}
    decisions = rayserve.app_level_autoscale(contexts, raw, {}, now=0.0)
    return {"decisions": {name: decision.replicas for name, decision in decisions.items()}}


KINDS: dict[str, Callable[[Mapping[str, Any]], dict[str, Any]]] = {
    "policy_sequence": policy_sequence,
    "policy_iterate": policy_iterate,
    "apply_scaling_factors": apply_scaling_factors,
    "apply_delay_logic": apply_delay_logic,
    "apply_delay_logic_property": apply_delay_logic_property,
    "legacy_calculate_desired_num_replicas": legacy_calculate_desired_num_replicas,
    "legacy_calculate_desired_num_replicas_property": legacy_calculate_desired_num_replicas_property,
    "app_level_cold_start": app_level_cold_start,
}
