"""The simulator's properties on a short slice of trace A: counts, bounds, the oracle, determinism, output.

The slice is the first 10 minutes of the merged code and conversation traces, replayed twice as fast
(3,871 requests over 5 simulated minutes, a sixth of a second per policy).
"""

from __future__ import annotations

import dataclasses
import json
import math
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from warmfleet.core import Reason
from warmfleet.exceptions import ConfigurationError
from warmfleet.policy_loader import load_policy
from warmfleet.sim import (
    FleetModel,
    FleetView,
    Request,
    Simulation,
    Trace,
    build_policy,
    load_trace,
    oracle,
    run_simulation,
    simulate,
    write_json,
    write_plot,
)
from warmfleet.sim.policies import Choice
from warmfleet.sim.run import policy_names

from tests.conftest import EVENTS, ROOT

TRACES = ROOT / "tests" / "data" / "traces"
SIMULATED = ("warmfleet", "hpa", "knative", "rayserve", "fixed")
ROW_KEYS = {
    "policy",
    "requests",
    "served",
    "within_slo",
    "ttft_p50_seconds",
    "ttft_p95_seconds",
    "ttft_p99_seconds",
    "latency_p50_seconds",
    "latency_p95_seconds",
    "latency_p99_seconds",
    "instance_hours",
    "scaling_actions",
    "peak_instances",
}


@pytest.fixture(scope="module")
def trace() -> Trace:
    paths = [TRACES / "AzureLLMInferenceTrace_code.csv", TRACES / "AzureLLMInferenceTrace_conv.csv"]
    return load_trace(paths, duration_seconds=600.0, speed=2.0)


@pytest.fixture(scope="module")
def everything(trace: Trace) -> Simulation:
    return run_simulation(trace, FleetModel(), ["all"], seed=7)


def _rows(simulation: Simulation) -> dict[str, dict[str, Any]]:
    return {row["policy"]: row for row in simulation.document["policies"]}


def test_every_policy_replays_every_arrival(trace: Trace, everything: Simulation) -> None:
    # GIVEN the slice WHEN every policy ran THEN each saw exactly the trace's requests, and served them all
    rows = _rows(everything)
    assert sorted(rows) == sorted((*SIMULATED, "oracle"))
    assert {name: (row["requests"], row["served"]) for name, row in rows.items()} == dict.fromkeys(
        rows, (len(trace.requests), len(trace.requests))
    )


def test_a_fleet_large_enough_serves_everything_in_slo_at_a_known_cost(trace: Trace) -> None:
    # GIVEN a fixed fleet of the oracle's peak (every instant's requests fit in its slots)
    model = FleetModel()
    size = max(oracle(trace, model).capacity)
    run = simulate(trace, model, build_policy("fixed", model, start=trace.start, fixed_size=size), seed=1,
                   initial_size=size)  # fmt: skip
    # THEN no request waits, so each TTFT is its own first-token time and all are within the SLO
    assert run.ttft == tuple(model.first_token_seconds(r) for r in trace.requests)
    assert all(t <= model.slo_ttft_seconds for t in run.ttft)
    # AND the bill is size x the run's span, the span ending with the last request's completion
    horizon = max(trace.duration, *(r.arrival + model.service_seconds(r) for r in trace.requests))
    assert run.instance_seconds == pytest.approx(size * horizon)
    assert (run.scaling_actions, run.launches) == (0, size)


def test_a_fleet_too_small_makes_requests_wait(trace: Trace) -> None:
    # GIVEN a fixed fleet of one instance for a load that needs about twenty
    model = FleetModel()
    run = simulate(trace, model, build_policy("fixed", model, start=trace.start, fixed_size=1), seed=1,
                   initial_size=1)  # fmt: skip
    # THEN most requests wait past the SLO, and the last ones are still served (after the trace's end)
    served = [t for t in run.ttft if not math.isnan(t)]
    assert len(served) == len(trace.requests)
    assert sum(t > model.slo_ttft_seconds for t in served) > len(served) / 2
    assert run.horizon > trace.duration


@pytest.mark.parametrize("min_size", [pytest.param(3, id="min-3"), pytest.param(12, id="min-12")])
def test_warmfleet_never_goes_below_min_size(trace: Trace, min_size: int) -> None:
    # GIVEN a group with MinSize, starting at MinSize
    model = FleetModel(min_size=min_size, max_size=40)
    policy = build_policy("warmfleet", model, start=trace.start, fixed_size=0)
    # WHEN the real decide() scales it through the slice
    run = simulate(trace, model, policy, seed=3, initial_size=min_size)
    # THEN every tick's desired capacity and the instances held are at least MinSize, and it did scale
    assert min(t.desired for t in run.timeline) >= min_size
    assert min(t.warming + t.ready for t in run.timeline) >= min_size
    assert max(t.desired for t in run.timeline) > min_size
    # AND every reason after the warm-up is one of the core's own reason codes
    assert {t.reason for t in run.timeline} - {"warm-up"} <= {str(r) for r in Reason}
    assert [t.reason for t in run.timeline if t.at < model.first_decision_seconds] == ["warm-up"] * 6


def test_the_oracle_bills_no_more_than_any_policy(everything: Simulation) -> None:
    # GIVEN every policy's run on the slice THEN the oracle's instance-hours are the lowest
    rows = _rows(everything)
    bound = rows["oracle"]["instance_hours"]
    assert rows["oracle"]["within_slo"] == 1.0
    assert all(rows[name]["instance_hours"] >= bound for name in SIMULATED), rows


@pytest.mark.parametrize(
    ("policy", "seed", "same"),
    [
        pytest.param("warmfleet", 7, True, id="warmfleet-same-seed"),
        pytest.param("knative", 7, True, id="knative-same-seed"),
        pytest.param("warmfleet", 8, False, id="warmfleet-other-seed"),
    ],
)
def test_a_run_is_deterministic_for_its_seed(trace: Trace, policy: str, seed: int, same: bool) -> None:
    # GIVEN a run that must launch instances (it starts with one), with seed 7
    first = run_simulation(trace, FleetModel(), [policy], seed=7, initial_size=1).document
    # WHEN it runs again with `seed`
    second = run_simulation(trace, FleetModel(), [policy], seed=seed, initial_size=1).document
    # THEN the same seed gives the same result file; another seed other launch delays, so other waits
    assert (json.dumps(first) == json.dumps(second)) is same
    assert (first["policies"] == second["policies"]) is same


def test_the_result_document_has_its_schema(everything: Simulation, tmp_path: Path) -> None:
    # GIVEN the simulation WHEN written as JSON and read back
    document = json.loads(write_json(everything.document, tmp_path / "simulation.json").read_text())
    # THEN it holds the inputs, the constants, one complete row per policy and every timeline
    assert document["version"] == 1
    assert set(document) == {
        "version", "trace", "seed", "model", "policies", "arrivals_per_minute", "misses_per_minute",
        "timelines", "baselines",
    }  # fmt: skip
    assert document["model"] == FleetModel().to_dict()
    assert document["trace"]["requests"] == sum(document["arrivals_per_minute"])
    assert all(set(row) == ROW_KEYS for row in document["policies"])
    assert all(0.0 <= row["within_slo"] <= 1.0 for row in document["policies"])
    for row in document["policies"][:-1]:  # every simulated policy: its misses by minute add up to its share
        missed = sum(document["misses_per_minute"][row["policy"]])
        assert missed == round(row["requests"] * (1 - row["within_slo"]))
    assert set(document["timelines"]) == {*SIMULATED, "oracle"}
    warmfleet = document["timelines"]["warmfleet"]
    assert warmfleet["fields"] == ["at", "desired", "warming", "ready", "draining", "in_flight", "reason"]
    assert [row[0] for row in warmfleet["rows"]][:3] == [0.0, 15.0, 30.0]


def test_the_plot_is_a_png(everything: Simulation, tmp_path: Path) -> None:
    # GIVEN the simulation WHEN plotted THEN a non-trivial PNG file is written
    path = write_plot(everything.document, tmp_path / "simulation.png")
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert len(data) > 10_000


def test_a_policy_file_drives_warmfleet(trace: Trace) -> None:
    # GIVEN warmfleet's policy from a file (8 in flight per instance, not 6) and the default one
    custom = load_policy(EVENTS / "sim" / "policy.yaml")
    tuned = run_simulation(trace, FleetModel(), ["warmfleet"], seed=7, warmfleet_policy=custom)
    default = run_simulation(trace, FleetModel(), ["warmfleet"], seed=7)
    # THEN its decisions, on the same readings as the default's, keep fewer instances (the first ones are
    # held alike by the scale-down window, which starts from the group's count) and bill fewer hours
    pairs = list(zip(tuned.runs[0].timeline, default.runs[0].timeline, strict=False))
    assert all(ours.at == theirs.at for ours, theirs in pairs)
    assert all(ours.desired <= theirs.desired for ours, theirs in pairs)
    assert any(ours.desired < theirs.desired for ours, theirs in pairs)
    assert tuned.runs[0].instance_seconds < default.runs[0].instance_seconds


@pytest.mark.parametrize(
    ("names", "message"),
    [
        pytest.param(["warmfleet", "autopilot"], "unknown policy autopilot", id="unknown-policy"),
        pytest.param([], "unknown policy", id="no-policy"),
    ],
)
def test_an_unknown_policy_is_refused(names: list[str], message: str) -> None:
    # GIVEN policy names the simulator does not know WHEN resolved THEN a ConfigurationError says why
    with pytest.raises(ConfigurationError, match=message):
        policy_names(names)


def test_a_policy_reading_an_unmodelled_signal_is_refused(trace: Trace) -> None:
    # GIVEN warmfleet's policy reading QueueBacklog, which the simulated agents do not publish
    policy = load_policy(EVENTS / "sim" / "policy_unknown_signal.yaml")
    # WHEN built for the simulator THEN a ConfigurationError names the signal
    with pytest.raises(ConfigurationError, match=r"publishes only InFlightRequests.*QueueBacklog"):
        build_policy("warmfleet", FleetModel(), start=trace.start, fixed_size=1, warmfleet_policy=policy)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        pytest.param("concurrency", 0, id="no-slots"),
        pytest.param("tick_seconds", 0.0, id="no-tick"),
        pytest.param("launch_seconds", -1.0, id="negative-launch"),
        pytest.param("min_size", 60, id="min-above-max"),
        pytest.param("alarm_datapoints", 4, id="alarm-on-4-of-3"),
        pytest.param("alarm_threshold", 0.0, id="alarm-at-zero"),
    ],
)
def test_an_invalid_model_is_refused(field: str, value: Any) -> None:
    # GIVEN a constant out of range WHEN the model is built THEN it raises naming the field
    with pytest.raises(ValueError, match=field):
        dataclasses.replace(FleetModel(), **{field: value})


def test_the_oracle_bound_and_schedule_on_a_known_trace() -> None:
    # GIVEN 2 slots per instance and three 10-s requests arriving at 0, 2 and 4 s in a 30-s trace
    model = FleetModel(concurrency=2, overhead_seconds=0.0, decode_seconds_per_token=1.0)
    requests = tuple(Request(at, 0, 11) for at in (0.0, 2.0, 4.0))
    trace = Trace(requests, start=datetime(2026, 1, 1, tzinfo=UTC), duration=30.0, sources=())
    # WHEN the oracle serves them without waiting
    bound = oracle(trace, model)
    # THEN it needs 1 instance for 0-4 s and 10-14 s and 2 for 4-10 s: 20 instance-seconds at least
    assert bound.instance_seconds == pytest.approx(20.0)
    # AND its tick schedule holds 2 for the first 15-s tick and none for the second, one change
    assert (bound.capacity, bound.schedule_instance_seconds, bound.scaling_actions) == ((2, 0), 30.0, 1)
    assert bound.ttft == (0.0, 0.0, 0.0)


class _Scripted:
    """A test policy: the desired capacity for each tick, in order (then the last one)."""

    name = "scripted"
    reacts_to_alarms = False

    def __init__(self, sizes: list[int]) -> None:
        self.sizes = sizes

    def choose(self, view: FleetView) -> Choice:
        return Choice(self.sizes.pop(0) if len(self.sizes) > 1 else self.sizes[0], "scripted")


def test_launches_removed_before_they_serve_are_billed_until_removed(trace: Trace) -> None:
    # GIVEN one serving instance, a tick that asks for 5 and the next that asks for 1 again
    model = FleetModel(warmup_seconds=0.0)
    run = simulate(trace, model, _Scripted([5, 1]), seed=1, initial_size=1)
    # THEN the 4 launches (still warming) are the ones removed, each billed for the 15 s it existed
    assert (run.launches, run.scaling_actions) == (5, 2)
    assert [(t.desired, t.warming, t.ready) for t in run.timeline[:2]] == [(5, 4, 1), (1, 0, 1)]
    assert run.instance_seconds == pytest.approx(run.horizon + 4 * 15.0)


@pytest.mark.parametrize("name", [pytest.param(name, id=name) for name in SIMULATED if name != "fixed"])
def test_every_scaling_policy_stays_within_the_group_bounds(trace: Trace, name: str) -> None:
    # GIVEN a group of 2 to 9 instances, far too small for the slice's load
    model = FleetModel(min_size=2, max_size=9)
    policy = build_policy(name, model, start=trace.start, fixed_size=0)
    # WHEN the policy scales it
    run = simulate(trace, model, policy, seed=2, initial_size=2)
    # THEN it asks for more, but never leaves [MinSize, MaxSize], and the group holds what it asks for
    assert max(t.desired for t in run.timeline) > 2
    assert all(2 <= t.desired <= 9 for t in run.timeline)
    assert all(t.warming + t.ready == t.desired for t in run.timeline)
