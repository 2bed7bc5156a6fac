"""Loading a policy from files and from the scaler's environment, with errors naming the field."""

from __future__ import annotations

import pytest
from warmfleet.core import Policy
from warmfleet.exceptions import ConfigurationError
from warmfleet.policy_loader import load_policy, policy_from_environment

from tests.conftest import EVENTS, load_event


def test_scaler_environment_policy_is_the_default() -> None:
    # GIVEN the scaler's sample environment (POLICY="{}") THEN the policy is the documented default
    assert policy_from_environment(load_event("env/scaler.json")) == Policy()


def test_environment_policy_is_validated() -> None:
    # GIVEN a POLICY variable with an invalid field THEN the error names the variable and the field
    with pytest.raises(
        ConfigurationError, match=r"environment variable POLICY: invalid policy: panic\.enabled"
    ):
        policy_from_environment({"POLICY": '{"panic": {"enabled": "sometimes"}}'})


@pytest.mark.parametrize(
    ("env", "message"),
    [
        pytest.param({"POLICY": "{not json"}, "is not valid JSON", id="not-json"),
        pytest.param({"POLICY": "[1, 2]"}, "a policy must be a mapping", id="not-an-object"),
    ],
)
def test_environment_policy_errors(env: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigurationError, match=message):
        policy_from_environment(env)


def test_yaml_and_json_examples_load() -> None:
    # GIVEN the two example files THEN both load, with defaults filled in where the file is silent
    yaml_policy = load_policy(EVENTS / "decide" / "policy.yaml")
    json_policy = load_policy(EVENTS / "decide" / "policy.json")
    assert [s.name for s in yaml_policy.signals] == ["GPUUtilization", "InFlightRequests", "QueueBacklog"]
    assert json_policy.behavior.scale_up == Policy().behavior.scale_up
    assert json_policy.behavior.scale_down.stabilization_window_seconds == 120
