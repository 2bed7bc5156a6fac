"""Metric source configuration, the pause switch and the owed-launch bookkeeping (pure or with a fake SSM)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from warmfleet.exceptions import ConfigurationError
from warmfleet.signals.group import PendingLaunches, track_unlisted_launches, unlisted_launch_instances
from warmfleet.signals.pause import PauseSwitch, parse_pause_value
from warmfleet.signals.sources import check_signals_have_sources, metric_sources

NOW = datetime(2026, 11, 27, 4, 0, tzinfo=UTC)


def test_defaults_are_the_agent_metrics() -> None:
    sources = metric_sources()
    assert {name: s.metric_name for name, s in sources.items()} == {
        "GPUUtilization": "GPUUtilization",
        "GPUMemoryUtilization": "GPUMemoryUtilization",
        "InFlightRequests": "InFlightRequests",
        "RequestLatencyP95": "RequestLatencyP95",
    }
    assert {s.namespace for s in sources.values()} == {"warmfleet"}


def test_override_and_new_signal() -> None:
    sources = metric_sources(
        {
            "GPUUtilization": {
                "namespace": "CWAgent",
                "metric_name": "nvidia_smi_utilization_gpu",
                "period_seconds": 60,
            },
            "TokensPerSecond": {"metric_name": "TokensPerSecond", "statistic": "Sum"},
        }
    )
    gpu = sources["GPUUtilization"]
    assert (gpu.namespace, gpu.metric_name, gpu.period_seconds, gpu.statistic) == (
        "CWAgent",
        "nvidia_smi_utilization_gpu",
        60,
        "Average",
    )
    assert sources["TokensPerSecond"].statistic == "Sum"


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        pytest.param({"GPUUtilization": "CWAgent"}, "non-empty object", id="not-an-object"),
        pytest.param({"GPUUtilization": {"units": "Percent"}}, "unknown field", id="unknown-field"),
        pytest.param({"GPUUtilization": {"statistic": "Median"}}, "statistic", id="bad-statistic"),
        pytest.param({"GPUUtilization": {"period_seconds": 45}}, "period_seconds", id="bad-period"),
        pytest.param({"GPUUtilization": {"metric_name": " "}}, "non-empty string", id="blank-name"),
        pytest.param({"Tokens": {"statistic": "Sum"}}, "needs a metric_name", id="new-without-metric"),
    ],
)
def test_invalid_override_is_refused(overrides: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigurationError, match=message):
        metric_sources(overrides)


def test_policy_signal_without_source_is_refused() -> None:
    check_signals_have_sources(["InFlightRequests", "QueueBacklog"], metric_sources())
    with pytest.raises(ConfigurationError, match="GpuUtilisation"):
        check_signals_have_sources(["GpuUtilisation"], metric_sources())


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        pytest.param("true", True, id="true"),
        pytest.param(" False\n", False, id="false-trimmed"),
        pytest.param("1", None, id="one-is-not-true"),
        pytest.param(None, None, id="absent"),
    ],
)
def test_pause_value(raw: str | None, expected: bool | None) -> None:
    assert parse_pause_value(raw) is expected


class FakeSsm:
    def __init__(self, values: list[Any]) -> None:
        self.values = values
        self.calls = 0

    def get_parameter(self, Name: str) -> dict[str, Any]:  # noqa: N803 - boto3's parameter name
        self.calls += 1
        value = self.values.pop(0)
        if isinstance(value, Exception):
            raise value
        return {"Parameter": {"Name": Name, "Value": value}}


def test_pause_switch_caches_and_survives_failures() -> None:
    # GIVEN a parameter read false, then failing, then true
    ssm = FakeSsm(["false", RuntimeError("throttled"), "true"])
    switch = PauseSwitch(ssm, "/p", max_age_seconds=60)  # type: ignore[arg-type]
    # THEN it is read once a minute, keeps its last value on a failure, and follows a change
    assert switch.paused(NOW) is False
    assert switch.paused(NOW + timedelta(seconds=45)) is False and ssm.calls == 1
    assert switch.paused(NOW + timedelta(seconds=61)) is False and ssm.calls == 2
    assert switch.paused(NOW + timedelta(seconds=62)) is True and ssm.calls == 3


def test_pause_switch_never_read_is_paused() -> None:
    switch = PauseSwitch(FakeSsm([RuntimeError("AccessDenied")]), "/p")  # type: ignore[arg-type]
    assert switch.paused(NOW) is True


@pytest.mark.parametrize(
    ("previous", "unlisted", "expected"),
    [
        pytest.param((), 0, (), id="nothing-owed"),
        pytest.param((), 2, (PendingLaunches(2, 100.0),), id="new-shortfall"),
        pytest.param(
            (PendingLaunches(2, 10.0),),
            3,
            (PendingLaunches(2, 10.0), PendingLaunches(1, 100.0)),
            id="grows-as-a-new-batch",
        ),
        pytest.param(
            (PendingLaunches(2, 10.0), PendingLaunches(1, 50.0)),
            2,
            (PendingLaunches(1, 10.0), PendingLaunches(1, 50.0)),
            id="paid-oldest-first",
        ),
        pytest.param(
            (PendingLaunches(2, 10.0), PendingLaunches(1, 50.0)),
            1,
            (PendingLaunches(1, 50.0),),
            id="oldest-batch-paid-off",
        ),
        pytest.param((PendingLaunches(2, 10.0),), 0, (), id="all-arrived"),
    ],
)
def test_owed_launches(
    previous: tuple[PendingLaunches, ...], unlisted: int, expected: tuple[PendingLaunches, ...]
) -> None:
    result = track_unlisted_launches(previous, unlisted, 100.0)
    assert result == expected
    assert sum(batch.count for batch in result) == unlisted


def test_owed_launches_are_pending_instances_asked_for_then() -> None:
    instances = unlisted_launch_instances((PendingLaunches(2, 10.0), PendingLaunches(1, 50.0)))
    assert [i.lifecycle_state for i in instances] == ["Pending"] * 3
    assert [i.launch_time.timestamp() for i in instances] == [10.0, 10.0, 50.0]
    assert len({i.instance_id for i in instances}) == 3
    assert all(i.instance_id.startswith("unlisted-") for i in instances)
