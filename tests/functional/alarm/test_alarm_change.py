"""The alarm path's change to the shared state (pure): ALARM adds the alarm, OK removes it, and a change is
applied once per alarm and state timestamp; the policy gets each step's ceiling from ALARM_STEPS."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from warmfleet.aws.scaler_state import ScalerState
from warmfleet.config import AlarmConfig, AlarmStep
from warmfleet.core import Policy
from warmfleet.exceptions import ConfigurationError
from warmfleet.handlers.alarm import AlarmChange, policy_with_alarm_steps
from warmfleet.models import AlarmStateValue

T0 = datetime(2026, 11, 27, 10, 20, 20, tzinfo=UTC)
ALARM, OK = AlarmStateValue.ALARM, AlarmStateValue.OK


@pytest.mark.parametrize(
    ("active", "seen", "state", "at", "expected"),
    [
        pytest.param((), {}, ALARM, T0, ("InFlightHigh",), id="alarm-starts"),
        pytest.param(
            ("LatencyHigh",), {}, ALARM, T0, ("InFlightHigh", "LatencyHigh"), id="alarm-beside-another"
        ),
        pytest.param(
            ("InFlightHigh",), {"InFlightHigh": T0}, OK, T0 + timedelta(minutes=1), (), id="ok-ends"
        ),
        pytest.param((), {}, OK, T0, (), id="ok-without-alarm-recorded"),
        pytest.param(("InFlightHigh",), {"InFlightHigh": T0}, ALARM, T0, None, id="same-timestamp"),
        pytest.param((), {"InFlightHigh": T0}, ALARM, T0 - timedelta(seconds=1), None, id="older-than-last"),
    ],
)
def test_update(
    active: tuple[str, ...],
    seen: dict[str, datetime],
    state: AlarmStateValue,
    at: datetime,
    expected: tuple[str, ...] | None,
) -> None:
    # GIVEN the stored alarms WHEN a state change is applied THEN the active set, or None for a duplicate
    stored = ScalerState(active_alarms=active, alarm_changes=seen)
    updated = AlarmChange("InFlightHigh", state, at).update(stored)
    if expected is None:
        assert updated is None
    else:
        assert updated is not None
        assert updated.active_alarms == expected
        assert updated.alarm_changes["InFlightHigh"] == at


ARN = "arn:aws:cloudwatch:us-east-1:123456789012:alarm:s-inflight-high"


def config(step: AlarmStep) -> AlarmConfig:
    return AlarmConfig("g", "t", {ARN: step})


def test_policy_gets_the_ceiling() -> None:
    policy = Policy.model_validate({"alarm_steps": [{"alarm_name": "InFlightHigh", "add_instances": 2}]})
    merged = policy_with_alarm_steps(policy, config(AlarmStep("InFlightHigh", 2, 0.0, 7)))
    assert merged.alarm_steps[0].ceiling == 7
    assert policy.alarm_steps[0].ceiling is None


@pytest.mark.parametrize(
    ("policy_step", "message"),
    [
        pytest.param(None, "has none", id="missing"),
        pytest.param({"alarm_name": "InFlightHigh", "add_instances": 3}, "has \\(3, 0.0\\)", id="other-size"),
        pytest.param(
            {"alarm_name": "InFlightHigh", "add_instances": 2, "ceiling": 9}, "at 9", id="other-ceiling"
        ),
    ],
)
def test_twins_that_differ_are_refused(policy_step: dict[str, object] | None, message: str) -> None:
    policy = Policy.model_validate({"alarm_steps": [policy_step] if policy_step else []})
    with pytest.raises(ConfigurationError, match=message):
        policy_with_alarm_steps(policy, config(AlarmStep("InFlightHigh", 2, 0.0, 7)))
