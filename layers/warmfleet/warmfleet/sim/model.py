"""The simulated fleet's constants: service time per request, slots per instance, delays, ticks, the SLO.

One frozen :class:`FleetModel` holds every number the simulator assumes, so a result file records them all
and a run is reproducible from it. The service-time model is the usual one for LLM serving with continuous
batching (Splitwise, the paper behind trace A, splits a request the same way): a fixed overhead, a prefill
phase proportional to the prompt, and a decode phase of one step per output token, each request in one of
``concurrency`` slots of an instance whatever the others do (the batch's slowdown is folded into the decode
step). Defaults stand for a 7B-13B model on one A10G/L4-class GPU: prefill at 10,000 tokens/s, 30 ms per
output token (33 tokens/s per stream), 50 ms of overhead, 8 concurrent requests. On the merged trace A
that is a mean service time of about 4.8 s and 5 to 10 busy instances, the fleet size the scaler was built
for. Time to first token (TTFT = wait + overhead + prefill) is what the SLO bounds, because waiting is the
part a scaler controls; a request's decode time is the same on any fleet.

Delays (defaults): an instance serves ``launch_seconds`` (boot, model download and warm-up; the lifecycle
gate holds it until then) plus up to ``launch_jitter_seconds`` (drawn from the seeded generator) after the
scaler asked for it; the agent publishes in-flight requests every ``agent_interval_seconds`` (10 s, high
resolution); CloudWatch answers a ``metric_period_seconds`` datapoint ``metric_delay_seconds`` after its
period ends; the scaler decides every ``tick_seconds`` (15 s, the Step Functions loop).

The stack's in-flight alarm (``InFlightHigh``) goes off when ``alarm_datapoints`` of the last three 10-s
datapoints exceed ``alarm_threshold`` in flight per instance (the template's defaults: 8, 2 of 3; None: no
alarm); only warmfleet has an alarm path. Every policy aims at ``target_in_flight`` requests per instance:
6 by default, 75 % of the 8 slots (Knative's default target utilization is 70 %); warmfleet's own default
policy says 4 (an instance of unknown concurrency), which on 8 slots buys a third more instances for the
same traffic.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from warmfleet.sim.trace import Request

#: How long a replay that starts with an empty fleet takes to reach the trace's concurrency: the requests in
#: flight at any instant started within the last minute (trace A's service times are under 20 s at p99).
RAMP_SECONDS = 60.0


@dataclass(frozen=True, slots=True)
class FleetModel:
    """Every constant of a simulation (see the module doc for the defaults' reasoning).

    >>> model = FleetModel()
    >>> round(model.service_seconds(Request(0.0, 1000, 100)), 3), round(model.first_token_seconds(
    ...     Request(0.0, 1000, 100)), 3)
    (3.12, 0.15)
    """

    concurrency: int = 8
    overhead_seconds: float = 0.05
    prefill_tokens_per_second: float = 10_000.0
    decode_seconds_per_token: float = 0.03
    launch_seconds: float = 150.0
    launch_jitter_seconds: float = 30.0
    agent_interval_seconds: float = 10.0
    metric_period_seconds: float = 10.0
    metric_delay_seconds: float = 15.0
    tick_seconds: float = 15.0
    warmup_seconds: float | None = None  # None: the ramp, one period and the delay (first_decision_seconds)
    slo_ttft_seconds: float = 2.0
    min_size: int = 1
    max_size: int = 50
    target_in_flight: float = 6.0
    alarm_threshold: float | None = 8.0
    alarm_datapoints: int = 2

    def __post_init__(self) -> None:
        positive = {
            "concurrency": self.concurrency,
            "prefill_tokens_per_second": self.prefill_tokens_per_second,
            "agent_interval_seconds": self.agent_interval_seconds,
            "metric_period_seconds": self.metric_period_seconds,
            "tick_seconds": self.tick_seconds,
            "slo_ttft_seconds": self.slo_ttft_seconds,
            "target_in_flight": self.target_in_flight,
            "max_size": self.max_size,
        }
        for name, value in positive.items():
            if not value > 0:
                raise ValueError(f"{name} must be > 0, got {value}")
        non_negative = {
            "overhead_seconds": self.overhead_seconds,
            "decode_seconds_per_token": self.decode_seconds_per_token,
            "launch_seconds": self.launch_seconds,
            "launch_jitter_seconds": self.launch_jitter_seconds,
            "metric_delay_seconds": self.metric_delay_seconds,
            "warmup_seconds": 0.0 if self.warmup_seconds is None else self.warmup_seconds,
            "min_size": self.min_size,
        }
        for name, value in non_negative.items():
            if value < 0:
                raise ValueError(f"{name} must be >= 0, got {value}")
        if self.alarm_threshold is not None and not self.alarm_threshold > 0:
            raise ValueError(f"alarm_threshold must be > 0, got {self.alarm_threshold}")
        if not 1 <= self.alarm_datapoints <= 3:
            raise ValueError(f"alarm_datapoints must be 1 to 3, got {self.alarm_datapoints}")
        if self.min_size > self.max_size:
            raise ValueError(f"min_size ({self.min_size}) is above max_size ({self.max_size})")

    @property
    def first_decision_seconds(self) -> float:
        """When policies start to act: ``warmup_seconds``, or by default once the newest readable datapoint
        covers a period after the replay's first minute (the ramp from an empty fleet).

        >>> FleetModel().first_decision_seconds, FleetModel(metric_period_seconds=60).first_decision_seconds
        (85.0, 135.0)
        """
        if self.warmup_seconds is not None:
            return self.warmup_seconds
        return RAMP_SECONDS + self.metric_period_seconds + self.metric_delay_seconds

    def first_token_seconds(self, request: Request) -> float:
        """Overhead plus prefill: the TTFT of a request that did not wait."""
        return self.overhead_seconds + request.context_tokens / self.prefill_tokens_per_second

    def service_seconds(self, request: Request) -> float:
        """How long the request holds its slot: first token, then one decode step per further token."""
        decode = max(request.generated_tokens - 1, 0) * self.decode_seconds_per_token
        return self.first_token_seconds(request) + decode

    def to_dict(self) -> dict[str, Any]:
        """The constants, as the result file records them."""
        return asdict(self)
