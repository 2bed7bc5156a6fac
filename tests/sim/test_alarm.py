"""The in-flight alarm: CloudWatch's M-of-3 evaluation, and warmfleet's alarm path deciding off the tick."""

from __future__ import annotations

import pytest
from warmfleet.policy_loader import load_policy
from warmfleet.sim import FleetModel, Trace, load_trace, run_simulation
from warmfleet.sim.alarm import InFlightAlarm
from warmfleet.sim.cloudwatch import MetricStore

from tests.conftest import EVENTS, ROOT

TRACES = ROOT / "tests" / "data" / "traces"


@pytest.mark.parametrize(
    ("averages", "datapoints", "in_alarm"),
    [
        pytest.param([10.0, 10.0, 0.0], 2, True, id="2-of-3-breaching"),
        pytest.param([10.0, 0.0, 0.0], 2, False, id="1-of-3-not-enough"),
        pytest.param([10.0, 0.0, 0.0], 1, True, id="1-of-3-with-1-datapoint"),
        pytest.param([10.0, 10.0, None], 3, False, id="missing-is-not-breaching"),
        pytest.param([8.0, 8.0, 8.0], 1, False, id="at-the-threshold-is-not-above"),
        pytest.param([None, None, None], 1, False, id="no-data"),
    ],
)
def test_the_alarm_counts_breaching_datapoints_of_the_last_three(
    averages: list[float | None], datapoints: int, in_alarm: bool
) -> None:
    # GIVEN three 10-s periods of per-instance in-flight averages (None: nobody published)
    store = MetricStore(period=10.0, delay=5.0)
    for index, average in enumerate(averages):
        if average is not None:
            store.record(index * 10.0, total=average * 4, publishers=4)
    alarm = InFlightAlarm(threshold=8.0, datapoints=datapoints)
    # WHEN evaluated once the third period is readable
    changed = alarm.evaluate(store, 35.0)
    # THEN it is in ALARM exactly when enough datapoints are above 8, and reports the change
    assert (alarm.in_alarm, changed) == (in_alarm, in_alarm)


def test_the_alarm_returns_to_ok() -> None:
    # GIVEN an alarm in ALARM on two breaching periods
    store = MetricStore(period=10.0, delay=0.0)
    alarm = InFlightAlarm(threshold=8.0, datapoints=2)
    for at in (0.0, 10.0):
        store.record(at, total=40.0, publishers=4)
    assert alarm.evaluate(store, 20.0) and alarm.active == ("InFlightHigh",)
    # WHEN two calm periods follow THEN it changes back to OK
    for at in (20.0, 30.0):
        store.record(at, total=4.0, publishers=4)
    assert alarm.evaluate(store, 40.0)
    assert not alarm.active


@pytest.fixture(scope="module")
def trace() -> Trace:
    paths = [TRACES / "AzureLLMInferenceTrace_code.csv", TRACES / "AzureLLMInferenceTrace_conv.csv"]
    return load_trace(paths, duration_seconds=600.0, speed=2.0)


@pytest.mark.parametrize(
    ("threshold", "steps"),
    [pytest.param(8.0, True, id="alarm-on"), pytest.param(None, False, id="alarm-off")],
)
def test_only_the_alarm_path_scales_a_policy_whose_target_is_out_of_reach(
    trace: Trace, threshold: float | None, steps: bool
) -> None:
    # GIVEN a warmfleet policy that ticks never scale out, with an in-flight alarm step of 3 instances
    policy = load_policy(EVENTS / "sim" / "policy_alarm_only.yaml")
    model = FleetModel(alarm_threshold=threshold)
    # WHEN two instances face the slice
    run = run_simulation(trace, model, ["warmfleet"], seed=7, initial_size=2, warmfleet_policy=policy).runs[0]
    # THEN with the alarm the group grows by steps of 3, each decided at the alarm's 10-s evaluation
    stepped = [t for t in run.timeline if t.reason == "AlarmStep"]
    assert bool(stepped) is steps
    assert max(t.desired for t in run.timeline) == (5 if steps else 2)
    assert all(t.at % 10 == 0 for t in stepped)


def test_the_peers_have_no_alarm_path(trace: Trace) -> None:
    # GIVEN the HPA on two instances, with and without the stack's alarm
    runs = [
        run_simulation(trace, FleetModel(alarm_threshold=threshold), ["hpa"], seed=7, initial_size=2).runs[0]
        for threshold in (8.0, None)
    ]
    # THEN it decides the same, at the same ticks
    assert runs[0].timeline == runs[1].timeline
