"""The collectors' raw-response parsing, pure: newest datapoint, staleness, missing never zero, queue
counts, group snapshot, launch times, failed activities, warm-up figures."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from warmfleet.signals.activities import parse_failed_activities
from warmfleet.signals.cloudwatch import (
    MetricQuery,
    QueryPurpose,
    Series,
    aligned_start,
    build_signal_queries,
    parse_metric_data_results,
    parse_signal_readings,
)
from warmfleet.signals.group import PAUSE_TAG, parse_group, parse_launch_times
from warmfleet.signals.sources import DEFAULT_METRIC_SOURCES
from warmfleet.signals.sqs import DELAYED, IN_FLIGHT, VISIBLE, parse_queue_attributes
from warmfleet.signals.warmup import WARMUP_QUERY_ID, parse_warmup

NOW = datetime(2026, 11, 27, 4, 0, 30, tzinfo=UTC)


def ago(seconds: float) -> datetime:
    return NOW - timedelta(seconds=seconds)


QUERIES = build_signal_queries([DEFAULT_METRIC_SOURCES["InFlightRequests"]], "g")


@pytest.mark.parametrize(
    ("series", "expected_value"),
    [
        pytest.param({"s0": Series((ago(20), ago(40)), (3.0, 9.0))}, 3.0, id="newest-wins"),
        pytest.param({"s0": Series((ago(40), ago(20)), (9.0, 3.0))}, 3.0, id="newest-wins-unordered"),
        pytest.param({"s0": Series((ago(125),), (0.0,))}, 0.0, id="a-real-zero-within-limit-is-zero"),
        pytest.param({"s0": Series((ago(200),), (5.0,))}, None, id="stale-is-missing"),
        pytest.param({"s0": Series((), ())}, None, id="no-datapoint-is-missing"),
        pytest.param({}, None, id="no-result-is-missing"),
    ],
)
def test_signal_reading(series: dict[str, Series], expected_value: float | None) -> None:
    # GIVEN the datapoints of one signal with a 120 s staleness limit (stamped at their 10 s period's start)
    # WHEN parsed
    readings = parse_signal_readings(QUERIES, series, now=NOW, staleness_seconds={"InFlightRequests": 120})
    # THEN the reading is the newest fresh value, or missing (None) — never a made-up zero
    assert readings["InFlightRequests"].value == expected_value


def test_reading_is_dated_at_the_end_of_its_period() -> None:
    # GIVEN a datapoint whose 10 s period started 15 s ago
    readings = parse_signal_readings(
        QUERIES, {"s0": Series((ago(15),), (1.0,))}, now=NOW, staleness_seconds={"InFlightRequests": 120}
    )
    # THEN its samples are at most 5 s old
    assert readings["InFlightRequests"].timestamp == ago(5)


def test_metric_data_results_keep_messages_and_drop_malformed() -> None:
    # GIVEN a response with a partial result, a malformed one and a message
    response: dict[str, Any] = {
        "MetricDataResults": [
            {"Id": "s0", "Timestamps": [ago(10)], "Values": [1.0], "StatusCode": "PartialData"},
            {"Id": "s1", "Timestamps": [ago(10), ago(20)], "Values": [1.0], "StatusCode": "Complete"},
            {"Id": "s2", "Timestamps": [], "Values": [], "StatusCode": "Forbidden"},
        ],
        "Messages": [{"Code": "MaxQueryTimeRangeExceed", "Value": "too long"}],
    }
    # WHEN parsed
    series, messages = parse_metric_data_results(response)
    # THEN well-formed series are kept and every problem is reported
    assert set(series) == {"s0", "s2"}
    assert any("s1" in m for m in messages) and any("Forbidden" in m for m in messages)
    assert any("MaxQueryTimeRangeExceed" in m for m in messages)


def test_queries_ask_the_group_dimension_with_lowercase_ids() -> None:
    request = QUERIES[0].as_request()
    assert request["Id"] == "s0"
    assert request["MetricStat"]["Metric"] == {
        "Namespace": "warmfleet",
        "MetricName": "InFlightRequests",
        "Dimensions": [{"Name": "AutoScalingGroupName", "Value": "g"}],
    }
    assert (request["MetricStat"]["Period"], request["MetricStat"]["Stat"]) == (10, "Average")


def test_start_is_aligned_to_the_minute() -> None:
    assert aligned_start(NOW, 900) == datetime(2026, 11, 27, 3, 45, tzinfo=UTC)


@pytest.mark.parametrize(
    ("attributes", "include_delayed", "expected"),
    [
        pytest.param({VISIBLE: "7", IN_FLIGHT: "3", DELAYED: "5"}, False, 10.0, id="visible-plus-in-flight"),
        pytest.param({VISIBLE: "7", IN_FLIGHT: "3", DELAYED: "5"}, True, 15.0, id="with-delayed"),
        pytest.param({VISIBLE: "0", IN_FLIGHT: "0"}, False, 0.0, id="empty-queue-is-zero"),
        pytest.param({VISIBLE: "7"}, False, None, id="missing-attribute-is-missing"),
        pytest.param({VISIBLE: "7", IN_FLIGHT: "many"}, False, None, id="not-a-number-is-missing"),
        pytest.param({VISIBLE: "-1", IN_FLIGHT: "0"}, False, None, id="negative-is-missing"),
    ],
)
def test_queue_backlog(attributes: dict[str, str], include_delayed: bool, expected: float | None) -> None:
    reading = parse_queue_attributes(
        attributes, name="QueueBacklog", now=NOW, include_delayed=include_delayed
    )
    assert reading.value == expected
    assert (reading.timestamp is None) == (expected is None)


@pytest.mark.parametrize(
    ("visible", "expected"),
    [
        pytest.param("12", 15.0, id="decimal-digits"),
        pytest.param("+12", 15.0, id="go-parseint-accepts-a-sign"),
        pytest.param("1.5", None, id="fraction"),
        pytest.param("7.0", None, id="float-spelling-of-an-integer"),
        pytest.param("1e3", None, id="exponent"),
        pytest.param("0x10", None, id="hexadecimal"),
        pytest.param(" 7", None, id="leading-space"),
        pytest.param("", None, id="empty"),
        pytest.param("nan", None, id="nan"),
        pytest.param("9223372036854775808", None, id="past-int64"),
        pytest.param("-3", None, id="negative-count"),
    ],
)
def test_queue_attribute_values_follow_kedas_int64_rule(visible: str, expected: float | None) -> None:
    # GIVEN a GetQueueAttributes answer whose visible count is `visible` (3 in flight, a bad delayed count
    # that is not requested)
    attributes = {VISIBLE: visible, IN_FLIGHT: "3", DELAYED: "1.5"}
    # WHEN it is parsed without scaleOnDelayed
    reading = parse_queue_attributes(attributes, name="QueueBacklog", now=NOW)
    # THEN only a base-10 int64 count is a reading; anything else is missing, never zero
    assert reading.value == expected
    assert (reading.timestamp is None) == (expected is None)


def raw_group(**overrides: Any) -> dict[str, Any]:
    group: dict[str, Any] = {
        "AutoScalingGroupName": "g",
        "MinSize": 1,
        "MaxSize": 8,
        "DesiredCapacity": 3,
        "Instances": [
            {
                "InstanceId": "i-a",
                "LifecycleState": "InService",
                "HealthStatus": "Healthy",
                "ProtectedFromScaleIn": True,
            },
            {"InstanceId": "i-b", "LifecycleState": "Pending:Wait", "HealthStatus": "Healthy"},
            {"InstanceId": "i-c", "LifecycleState": "InService", "HealthStatus": "Unhealthy"},
            {"InstanceId": "i-d", "LifecycleState": "Terminating:Wait", "HealthStatus": "Healthy"},
        ],
        "Tags": [],
    }
    group.update(overrides)
    return group


def test_group_snapshot() -> None:
    # GIVEN a group with instances in several states and one launch time unknown
    snapshot = parse_group(raw_group(), {"i-a": ago(3600), "i-b": ago(60), "i-c": ago(600)}, now=NOW)
    # THEN bounds, states, health, protection and launch times are the core's inputs
    assert (snapshot.capacity.min_size, snapshot.capacity.max_size, snapshot.capacity.desired_capacity) == (
        1,
        8,
        3,
    )
    by_id = {i.instance_id: i for i in snapshot.instances}
    assert by_id["i-a"].protected_from_scale_in and by_id["i-a"].healthy
    assert not by_id["i-c"].healthy
    assert by_id["i-d"].launch_time == NOW  # unknown: taken as launched now, never stuck early
    assert "i-d" not in snapshot.launch_times  # and not remembered as if EC2 had said so
    assert snapshot.listed_toward_desired == 3
    assert not snapshot.paused_by_tag


@pytest.mark.parametrize(
    ("value", "paused"),
    [
        pytest.param("true", True, id="true"),
        pytest.param(" TRUE ", True, id="any-case"),
        pytest.param("false", False, id="false"),
        pytest.param("yes", False, id="only-true-pauses"),
    ],
)
def test_pause_tag(value: str, paused: bool) -> None:
    tags = [{"Key": PAUSE_TAG, "Value": value}, {"Key": "other", "Value": "true"}]
    assert parse_group(raw_group(Tags=tags), {}, now=NOW).paused_by_tag is paused


def test_launch_times_from_describe_instances() -> None:
    reservations = [{"Instances": [{"InstanceId": "i-a", "LaunchTime": ago(30)}, {"InstanceId": "i-b"}]}]
    assert parse_launch_times(reservations) == {"i-a": ago(30)}


def test_failed_activities_after_the_last_one_logged() -> None:
    # GIVEN activities: an old failure (already logged), a new failure, a cancellation, a success
    activities = [
        {"ActivityId": "old", "StatusCode": "Failed", "StartTime": ago(600)},
        {
            "ActivityId": "new",
            "StatusCode": "Failed",
            "StartTime": ago(30),
            "StatusMessage": "InsufficientInstanceCapacity",
        },
        {"ActivityId": "spot", "StatusCode": "Cancelled", "StartTime": ago(20)},
        {"ActivityId": "ok", "StatusCode": "Successful", "StartTime": ago(10)},
    ]
    # WHEN parsed after the old one
    failed = parse_failed_activities(activities, after=ago(600))
    # THEN only the new failures come back, oldest first
    assert [a.activity_id for a in failed] == ["new", "spot"]
    assert failed[0].as_log()["statusMessage"] == "InsufficientInstanceCapacity"


def test_warmup_figures() -> None:
    series = {WARMUP_QUERY_ID: Series((ago(900), ago(60)), (200.0, 320.0))}
    figures = parse_warmup(series)
    assert (figures.longest_seconds, figures.exceeds(300), figures.exceeds(400)) == (320.0, True, False)
    assert parse_warmup({}).longest_seconds is None


def test_metric_query_ids_are_unique_per_call() -> None:
    queries = build_signal_queries(list(DEFAULT_METRIC_SOURCES.values()), "g")
    assert len({q.query_id for q in queries}) == len(queries)
    assert all(isinstance(q, MetricQuery) and q.purpose is QueryPurpose.SIGNAL for q in queries)
