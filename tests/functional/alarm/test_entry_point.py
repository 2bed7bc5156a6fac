"""The Lambda entry point `functions/alarm/app.py` on the moto server: the composition root builds the
scaler's runtime from the environment (POLICY, ALARM_STEPS, SCHEDULE_WINDOWS) once per container, and an
alarm scales the group; a configuration whose steps or windows disagree is refused before anything acts."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from warmfleet.exceptions import ConfigurationError

from tests.conftest import FakeLambdaContext, load_event, load_function
from tests.functional.alarm.conftest import ALARM_POLICY
from tests.functional.scaler.conftest import Fleet


def environment(fleet: Fleet, moto_server: str, **changes: str) -> dict[str, str]:
    config = fleet.config
    assert config.queue_url and config.pause_parameter
    return {
        **load_event("env/alarm.json"),
        **load_event("schedule/env-windows.json"),
        "AWS_ENDPOINT_URL": moto_server,
        "GROUP_NAME": config.group_name,
        "STATE_TABLE": config.state_table,
        "QUEUE_URL": config.queue_url,
        "POLICY": json.dumps(
            {
                **ALARM_POLICY,
                "schedules": [
                    {"name": "busy-hours", "schedule_expression": "cron(0 8 ? * MON-FRI *)", "floor": 2}
                ],
            }
        ),
        "PAUSE_PARAMETER": config.pause_parameter,
        "DRY_RUN": "false",
        **changes,
    }


def test_alarm_through_the_entry_point(
    make_fleet: Callable[..., Fleet],
    moto_server: str,
    monkeypatch: pytest.MonkeyPatch,
    lambda_context: FakeLambdaContext,
) -> None:
    # GIVEN the alarm function's environment as the template sets it, pointed at the moto server
    fleet = make_fleet(desired=2)
    for key, value in environment(fleet, moto_server).items():
        monkeypatch.setenv(key, value)
    fleet.put_in_flight(4)
    app = load_function("alarm")
    # WHEN the in-flight alarm goes to ALARM
    outcome = app.lambda_handler(load_event("alarm/alarm.json"), lambda_context)
    # THEN its step applies, and the container keeps its runtime (windows included) for the next event
    assert (outcome["status"], outcome["reason"], fleet.desired()) == ("done", "AlarmStep", 4)
    runtime = app.runtime()
    assert [window.name for window in runtime.scaler.windows] == ["busy-hours"]
    assert runtime.scaler.actuator.client.meta.config.retries["mode"] == "adaptive"
    assert app.lambda_handler(load_event("alarm/alarm.json"), lambda_context)["reason"] == "duplicate"
    assert app.runtime() is runtime


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        pytest.param(
            {"POLICY": json.dumps({"signals": [{"name": "InFlightRequests", "target": 4}]})},
            "POLICY.alarm_steps has none",
            id="policy-without-the-steps",
        ),
        pytest.param({"SCHEDULE_WINDOWS": ""}, "does not declare", id="policy-window-without-its-twin"),
        pytest.param(
            {"SCHEDULE_WINDOWS": '[{"name": "busy-hours", "expression": "cron(0 8 * * *)"}]'},
            "SCHEDULE_WINDOWS\\[0\\] is invalid",
            id="invalid-window",
        ),
    ],
)
def test_a_configuration_that_disagrees_is_refused(
    make_fleet: Callable[..., Fleet],
    moto_server: str,
    monkeypatch: pytest.MonkeyPatch,
    lambda_context: FakeLambdaContext,
    aws_calls: list[str],
    changes: dict[str, Any],
    message: str,
) -> None:
    # GIVEN an environment whose steps or windows disagree
    fleet = make_fleet(desired=2)
    for key, value in environment(fleet, moto_server, **changes).items():
        monkeypatch.setenv(key, value)
    aws_calls.clear()
    # WHEN an alarm arrives THEN a ConfigurationError names the mistake, and nothing was called or scaled
    with pytest.raises(ConfigurationError, match=message):
        load_function("alarm").lambda_handler(load_event("alarm/alarm.json"), lambda_context)
    assert aws_calls == []
    assert fleet.desired() == 2
