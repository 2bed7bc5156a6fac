"""The Lambda entry point `functions/scaler/app.py` on the moto server: the composition root builds its own
boto3 clients (adaptive retries) from the environment, once per container, and a tick scales the group."""

from __future__ import annotations

import json
import os
from collections.abc import Callable

import pytest

from tests.conftest import FakeLambdaContext, load_event, load_function
from tests.functional.scaler.conftest import POLICY, Fleet


def test_tick_through_the_entry_point(
    make_fleet: Callable[..., Fleet],
    moto_server: str,
    monkeypatch: pytest.MonkeyPatch,
    lambda_context: FakeLambdaContext,
) -> None:
    # GIVEN the function's environment as the template sets it, pointed at the moto server, and a group at
    # twice its in-flight target
    fleet = make_fleet(desired=2)
    config = fleet.config
    assert config.queue_url and config.pause_parameter
    for key, value in {
        "AWS_ENDPOINT_URL": moto_server,
        "GROUP_NAME": config.group_name,
        "STATE_TABLE": config.state_table,
        "QUEUE_URL": config.queue_url,
        "POLICY": json.dumps(POLICY),
        "PAUSE_PARAMETER": config.pause_parameter,
        "DRY_RUN": "false",
    }.items():
        monkeypatch.setenv(key, value)
    fleet.put_in_flight(8)  # the entry point runs on the real clock, which the fleet's clock started from
    app = load_function("scaler")
    # WHEN a tick arrives
    first = app.lambda_handler(load_event("scaler/tick.json"), lambda_context)
    # THEN it scales out
    assert (first["status"], first["reason"], first["desired"]) == ("done", "ScaleUp", 4)
    assert fleet.desired() == 4
    # AND the next tick of the container reuses its runtime (clients, state cache)
    runtime = app.runtime(app.ScalerConfig.from_env(os.environ))
    assert app.lambda_handler(load_event("scaler/tick.json"), lambda_context)["status"] == "done"
    assert app.runtime(app.ScalerConfig.from_env(os.environ)) is runtime
    retries = runtime.actuator.client.meta.config.retries
    assert retries["mode"] == "adaptive"
