"""Every file in `events/` parses with the model of the function that receives it; `invalid-*` ones fail."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel
from warmfleet.exceptions import InvalidEventError
from warmfleet.handlers.outcome import parse_event
from warmfleet.models import (
    AlarmStateChangeEvent,
    InstanceDrainedDetail,
    InstanceEvent,
    InstanceWarmDetail,
    InstanceWarmupFailedDetail,
    LifecycleActionEvent,
    ScalerTick,
    SweepTick,
)

from tests.conftest import EVENTS, load_event


def _lifecycle_model(event: Any) -> type[BaseModel]:
    return SweepTick if "warmfleet" in event else LifecycleActionEvent


MODEL_BY_FOLDER: dict[str, Callable[[Any], type[BaseModel]]] = {
    "lifecycle": _lifecycle_model,
    "instance": lambda _event: InstanceEvent,
    "alarm": lambda _event: AlarmStateChangeEvent,
    "scaler": lambda _event: ScalerTick,
}

FIXTURES = sorted(
    p.relative_to(EVENTS) for folder in MODEL_BY_FOLDER for p in (EVENTS / folder).glob("*.json")
)


def test_every_function_folder_has_fixtures() -> None:
    # GIVEN the folders of events the functions receive THEN each holds valid and invalid samples
    for folder in MODEL_BY_FOLDER:
        names = [p.name for p in (EVENTS / folder).glob("*.json")]
        assert any(not n.startswith("invalid-") for n in names), folder
        assert any(n.startswith("invalid-") for n in names), folder


@pytest.mark.parametrize("relative", FIXTURES, ids=str)
def test_fixture_parses_with_its_model(relative: Path) -> None:
    # GIVEN a sample event WHEN it is parsed with its function's model
    event = load_event(str(relative))
    model = MODEL_BY_FOLDER[relative.parts[0]](event)
    if relative.name.startswith("invalid-"):
        # THEN an invalid sample is refused with a message naming what is wrong
        with pytest.raises(InvalidEventError, match=r"not a valid|expected a JSON object"):
            parse_event(model, event)
    else:
        # THEN a valid (or merely foreign) sample parses
        assert isinstance(parse_event(model, event), model)


@pytest.mark.parametrize(
    ("relative", "detail_model"),
    [
        pytest.param("instance/warm.json", InstanceWarmDetail, id="warm"),
        pytest.param("instance/warmup-failed.json", InstanceWarmupFailedDetail, id="warmup-failed"),
        pytest.param("instance/drained.json", InstanceDrainedDetail, id="drained"),
    ],
)
def test_instance_detail_type_selects_the_detail_model(relative: str, detail_model: type[BaseModel]) -> None:
    parsed = parse_event(InstanceEvent, load_event(relative))
    assert type(parsed.detail) is detail_model


@pytest.mark.parametrize(
    ("relative", "from_pool", "to_pool"),
    [
        pytest.param("lifecycle/launch.json", False, False, id="launch"),
        pytest.param("lifecycle/launch-from-warm-pool.json", True, False, id="launch-from-pool"),
        pytest.param("lifecycle/launch-to-warm-pool.json", False, True, id="launch-into-pool"),
        pytest.param("lifecycle/terminate-to-warm-pool.json", False, True, id="terminate-into-pool"),
    ],
)
def test_warm_pool_origin_and_destination(relative: str, from_pool: bool, to_pool: bool) -> None:
    detail = parse_event(LifecycleActionEvent, load_event(relative)).detail
    assert (detail.from_warm_pool, detail.to_warm_pool) == (from_pool, to_pool)


def test_alarm_arn_comes_from_resources() -> None:
    parsed = parse_event(AlarmStateChangeEvent, load_event("alarm/alarm.json"))
    assert parsed.alarm_arn == "arn:aws:cloudwatch:us-east-1:123456789012:alarm:warmfleet-dev-inflight-high"
