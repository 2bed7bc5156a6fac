"""The scaler's safety on the moto server: missing and stale metrics never scale in, two overlapping
invocations never both act, pause and dry run act on nothing, malformed input changes nothing."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import Any

import pytest
from botocore.exceptions import ClientError
from warmfleet.exceptions import ConfigurationError
from warmfleet.handlers import scaler

from tests.conftest import load_event
from tests.functional.lifecycle.conftest import AwsErrorServer
from tests.functional.scaler.conftest import Fleet, with_config

SCALE_DOWN_TICKS = 22  # past the 300 s scale-down window at 15 s a tick


@pytest.mark.parametrize(
    "publish",
    [
        pytest.param(lambda fleet: None, id="metrics-missing"),
        pytest.param(lambda fleet: fleet.put_in_flight(0.5, age_seconds=600), id="metrics-stale"),
    ],
)
def test_missing_or_stale_metrics_never_scale_in(
    make_fleet: Callable[..., Fleet], publish: Callable[[Fleet], None], aws_calls: list[str]
) -> None:
    # GIVEN four instances whose in-flight metric is absent or ten minutes old (and low)
    fleet = make_fleet(desired=4)
    # WHEN the scaler ticks for longer than the scale-down window
    reasons = set()
    for _ in range(SCALE_DOWN_TICKS):
        publish(fleet)
        reasons.add(fleet.tick()["reason"])
    # THEN the group keeps its four instances and nothing was scaled
    assert fleet.desired() == 4
    assert "autoscaling.SetDesiredCapacity" not in aws_calls
    assert "autoscaling.TerminateInstanceInAutoScalingGroup" not in aws_calls
    assert reasons <= {"ScaleInHeldSignalsInvalid", "NoValidSignal", "Fallback", "NoChange"}


def test_missing_signal_still_scales_out_on_what_remains(make_fleet: Callable[..., Fleet]) -> None:
    # GIVEN no in-flight metric, but 60 messages waiting for a target of 10 per instance
    fleet = make_fleet(desired=2)
    for number in range(60):
        fleet.client("sqs").send_message(QueueUrl=fleet.config.queue_url, MessageBody=str(number))
    # WHEN the scaler ticks
    outcome = fleet.tick()
    # THEN the backlog alone scales out
    assert (outcome["reason"], fleet.desired()) == ("ScaleUp", 6)


def test_overlapping_invocations_only_one_acts(
    make_fleet: Callable[..., Fleet], aws_calls: list[str]
) -> None:
    # GIVEN load that asks for 4, and two containers (a tick and, say, the alarm path) reading the same state
    fleet = make_fleet(desired=2)
    fleet.put_in_flight(8)
    fleet.tick(advance=False)  # both start from a stored state, as in steady operation
    fleet.put_in_flight(16)
    first, second = fleet.new_runtime(), fleet.new_runtime()
    loaded = second.store.load

    def overlapping_load(**kwargs: Any) -> Any:
        state = loaded(**kwargs)
        # the first invocation runs to completion between the second's read and its write
        outcomes.append(scaler.handle(load_event("scaler/tick.json"), fleet.config, lambda _: first))
        return state

    second.store.load = overlapping_load  # type: ignore[method-assign]
    outcomes: list[dict[str, Any]] = []
    aws_calls.clear()
    # WHEN the second invocation overlaps the first
    outcomes.append(scaler.handle(load_event("scaler/tick.json"), fleet.config, lambda _: second))
    # THEN the first acted, the second lost the conditional write, logged it and did not act
    assert outcomes[0]["status"] == "done" and outcomes[0]["acted"] is True
    assert outcomes[1] == {
        "status": "ignored",
        "reason": "concurrent-update",
        "message": outcomes[1]["message"],
    }
    assert aws_calls.count("autoscaling.SetDesiredCapacity") == 1
    # AND the next tick of the losing container (no overlap now) reads the table again and carries on
    second.store.load = loaded  # type: ignore[method-assign]
    fleet.put_in_flight(4)
    assert scaler.handle(load_event("scaler/tick.json"), fleet.config, lambda _: second)["status"] == "done"


@pytest.mark.parametrize(
    ("build", "why"),
    [
        pytest.param({"paused": "true"}, "parameter", id="ssm-parameter"),
        pytest.param({"tags": {"warmfleet:paused": "true"}}, "tag", id="group-tag"),
        pytest.param({"paused": "maybe"}, "unreadable", id="invalid-parameter-value-pauses"),
    ],
)
def test_pause_decides_and_does_nothing(
    make_fleet: Callable[..., Fleet], build: dict[str, Any], why: str, aws_calls: list[str]
) -> None:
    # GIVEN a paused group under load that would scale it out
    fleet = make_fleet(desired=2, **build)
    fleet.put_in_flight(8)
    # WHEN the scaler ticks
    outcome = fleet.tick()
    # THEN the decision says what it would have done, and nothing changed
    assert outcome["reason"] == "Paused" and outcome["paused"] is True
    assert "would set 4" in outcome["message"]
    assert fleet.desired() == 2
    assert "autoscaling.SetDesiredCapacity" not in aws_calls


def test_dry_run_keeps_its_own_history_and_acts_on_nothing(
    make_fleet: Callable[..., Fleet], aws_calls: list[str]
) -> None:
    # GIVEN a scaler in dry run and load that asks for 4
    fleet = with_config(make_fleet(desired=2), dry_run=True)
    fleet.put_in_flight(8)
    # WHEN it ticks
    outcome = fleet.tick()
    # THEN it reports the decision, sets nothing, and stores its history apart from the live one
    assert (outcome["reason"], outcome["desired"], outcome["dryRun"], outcome["acted"]) == (
        "ScaleUp",
        4,
        True,
        False,
    )
    assert fleet.desired() == 2
    assert "autoscaling.SetDesiredCapacity" not in aws_calls
    assert fleet.stored_item("dry-run") is not None
    assert fleet.stored_item("state") is None


def test_failed_set_desired_capacity_is_retried_next_tick(make_fleet: Callable[..., Fleet]) -> None:
    # GIVEN load asking for 4 and an Auto Scaling API that fails once
    fleet = make_fleet(desired=2)
    runtime = fleet.runtime()
    real = runtime.actuator.client.set_desired_capacity
    failures = [RuntimeError("Throttling: Rate exceeded")]

    def flaky(**kwargs: Any) -> Any:
        if failures:
            raise failures.pop()
        return real(**kwargs)

    runtime.actuator.client.set_desired_capacity = flaky  # type: ignore[method-assign]
    fleet.put_in_flight(8)
    # WHEN the first tick's call fails
    first = fleet.tick()
    # THEN it is reported, not raised, and the next tick sets the capacity
    assert first["acted"] is False and "Throttling" in first["actions"]["errors"][0]
    assert fleet.desired() == 2
    fleet.put_in_flight(8)
    fleet.tick()
    assert fleet.desired() == 4


def test_corrupt_stored_history_starts_empty(make_fleet: Callable[..., Fleet]) -> None:
    # GIVEN a stored state whose history no longer validates
    fleet = make_fleet(desired=2)
    fleet.put_in_flight(4)
    fleet.tick()
    item = fleet.stored_item()
    assert item is not None
    item["history"] = {"S": json.dumps({"version": 99})}
    fleet.client("dynamodb").put_item(TableName=fleet.config.state_table, Item=item)
    fleet._runtime = None  # a cold container reads the table
    # WHEN the next tick runs
    fleet.put_in_flight(4)
    outcome = fleet.tick()
    # THEN it decides from an empty history (logged) and stores a valid one
    assert outcome["status"] == "done"
    assert json.loads(fleet.stored_item()["history"]["S"])["version"] == 1  # type: ignore[index]


@pytest.mark.parametrize(
    "policy",
    [
        pytest.param({"signals": [{"name": "InFlightRequests", "target": -1}]}, id="negative-target"),
        pytest.param({"signals": [{"name": "GpuUtilisation", "target": 70}]}, id="signal-without-source"),
        pytest.param({"metric_sources": {"GPUUtilization": {"statistic": "Median"}}}, id="bad-statistic"),
        pytest.param({"metric_sources": {"GPUUtilization": {"period_seconds": 45}}}, id="bad-period"),
    ],
)
def test_invalid_policy_is_refused_before_any_call(
    make_fleet: Callable[..., Fleet], policy: dict[str, Any], aws_calls: list[str]
) -> None:
    # GIVEN a function configured with an invalid policy
    fleet = with_config(make_fleet(desired=2), policy=policy)
    aws_calls.clear()
    # WHEN a tick arrives, THEN it fails loudly naming the problem, before any AWS call
    with pytest.raises(ConfigurationError):
        fleet.tick()
    assert aws_calls == []


@pytest.mark.parametrize(
    "fixture",
    [
        pytest.param("scaler/invalid-tick-extra-key.json", id="extra-key"),
        pytest.param("scaler/invalid-tick-wrong-value.json", id="wrong-value"),
        pytest.param("scaler/invalid-tick-capacity-only.json", id="capacity-without-tick"),
    ],
)
def test_malformed_tick_changes_nothing(
    make_fleet: Callable[..., Fleet], fixture: str, aws_calls: list[str]
) -> None:
    # GIVEN a group and a payload that is not exactly the tick
    fleet = make_fleet(desired=2)
    aws_calls.clear()
    # WHEN it reaches the scaler
    outcome = scaler.handle(load_event(fixture), fleet.config, fleet.runtime)
    # THEN it is rejected before any AWS call, and the group is untouched
    assert (outcome["status"], outcome["reason"]) == ("rejected", "malformed")
    assert aws_calls == []
    assert fleet.desired() == 2


@pytest.mark.parametrize(
    ("code", "status", "attempts"),
    [
        pytest.param("Throttling", 400, 2, id="throttled-after-adaptive-retries"),
        pytest.param("AccessDenied", 403, 1, id="access-denied-not-retried"),
    ],
)
def test_group_that_cannot_be_described_stops_the_tick_before_anything(
    make_fleet: Callable[..., Fleet],
    aws_calls: list[str],
    caplog: pytest.LogCaptureFixture,
    code: str,
    status: int,
    attempts: int,
) -> None:
    # GIVEN load that asks for 4 of 2, and DescribeAutoScalingGroups answered with `code` (over real HTTP,
    # botocore's adaptive retries included)
    fleet = make_fleet(desired=2)
    fleet.put_in_flight(8)
    endpoint = AwsErrorServer(code, status).start()
    try:
        fleet.runtime().collectors.autoscaling = endpoint.autoscaling()
        aws_calls.clear()
        caplog.clear()
        # WHEN the scaler ticks, THEN the invocation fails with AWS's error (the loop catches it)
        with pytest.raises(ClientError, match=code):
            fleet.tick()
    finally:
        endpoint.stop()
    # AND nothing was decided, stored or changed: no capacity call, no state written, the group as it was
    assert endpoint.actions == ["DescribeAutoScalingGroups"] * attempts
    assert aws_calls == ["dynamodb.GetItem", "autoscaling.DescribeAutoScalingGroups"]
    assert fleet.stored_item() is None and fleet.desired() == 2
    # AND one error line says why, for which group
    (error,) = [entry for entry in caplog.records if entry.levelno >= logging.ERROR]
    assert code in error.getMessage() and "nothing decided or acted" in error.getMessage()
    assert (error.group, error.errorCode, error.retryAttempts) == (fleet.group, code, attempts - 1)  # type: ignore[attr-defined]
