"""The contracts validate: an invalid policy or input names the field; helpers on the models."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError
from warmfleet.core import DecisionInputs, History, Policy, ScheduledCapacity, SignalReading


@pytest.mark.parametrize(
    ("document", "field"),
    [
        pytest.param({"signals": []}, "signals", id="no-signal"),
        pytest.param({"signals": [{"name": "a", "target": 0}]}, "signals.0.target", id="zero-target"),
        pytest.param(
            {"signals": [{"name": "a", "target": 1, "kind": "median"}]}, "signals.0.kind", id="bad-kind"
        ),
        pytest.param(
            {"signals": [{"name": "a", "target": 1}, {"name": "a", "target": 2}]},
            "names must be unique",
            id="dup",
        ),
        pytest.param(
            {"behavior": {"scale_up": {"stabilization_window_seconds": 0, "policies": []}}},
            "behavior.scale_up",
            id="no-rate-policy",
        ),
        pytest.param(
            {
                "behavior": {
                    "scale_down": {
                        "stabilization_window_seconds": 0,
                        "select_policy": "Fastest",
                        "policies": [{"type": "Pods", "value": 1, "period_seconds": 15}],
                    }
                }
            },
            "behavior.scale_down.select_policy",
            id="bad-select-policy",
        ),
        pytest.param(
            {
                "behavior": {
                    "scale_down": {
                        "stabilization_window_seconds": 0,
                        "policies": [{"type": "Pods", "value": 1, "period_seconds": 3600}],
                    }
                }
            },
            "behavior.scale_down.policies.0.period_seconds",
            id="period-over-hpa-limit",
        ),
        pytest.param(
            {"panic": {"panic_threshold_percentage": 90}}, "panic.panic_threshold_percentage", id="panic"
        ),
        pytest.param(
            {"fallback": {"behavior": "currentReplicasIfLower"}}, "fallback.behavior", id="fallback-lowers"
        ),
        pytest.param({"warmup_budget_seconds": 0}, "warmup_budget_seconds", id="zero-budget"),
        pytest.param({"alarm_steps": [{"alarm_name": "a"}]}, "alarm_steps.0", id="empty-alarm-step"),
        pytest.param(
            {"schedules": [{"name": "n", "floor": 5, "ceiling": 2}]}, "schedules.0", id="floor-over-ceiling"
        ),
        pytest.param({"surprise": 1}, "surprise", id="unknown-field"),
    ],
)
def test_invalid_policy_names_the_field(document: dict[str, Any], field: str) -> None:
    # GIVEN an invalid policy document WHEN it is validated THEN the error names the field
    with pytest.raises(ValidationError) as error:
        Policy.model_validate(document)
    assert field in str(error.value)


@pytest.mark.parametrize(
    ("reading", "field"),
    [
        pytest.param({"name": "a", "value": "nan", "timestamp": "2026-01-01T00:00:00Z"}, "value", id="nan"),
        pytest.param({"name": "a", "value": -1, "timestamp": "2026-01-01T00:00:00Z"}, "value", id="negative"),
        pytest.param({"name": "a", "value": 1}, "timestamp", id="value-without-timestamp"),
        pytest.param(
            {"name": "a", "value": 1, "timestamp": "2026-01-01T00:00:00"}, "timestamp", id="naive-time"
        ),
    ],
)
def test_invalid_reading_names_the_field(reading: dict[str, Any], field: str) -> None:
    with pytest.raises(ValidationError) as error:
        SignalReading.model_validate(reading)
    assert field in str(error.value)


def test_inputs_reject_duplicate_signals_and_inverted_bounds() -> None:
    with pytest.raises(ValidationError, match="duplicate signal names"):
        DecisionInputs.model_validate(
            {
                "group": {"min_size": 0, "max_size": 1, "desired_capacity": 0},
                "signals": [{"name": "a"}, {"name": "a"}],
            }
        )
    with pytest.raises(ValidationError, match="min_size"):
        DecisionInputs.model_validate({"group": {"min_size": 2, "max_size": 1, "desired_capacity": 1}})


def test_history_rejects_a_bad_document() -> None:
    with pytest.raises(ValidationError, match=r"recommendations\.0\.replicas"):
        History.from_dict({"recommendations": [{"replicas": -1, "at": 0}]})
    with pytest.raises(ValidationError, match="version"):
        History.from_dict({"version": 99})


def test_schedule_bounds_take_the_highest_floor_and_lowest_ceiling() -> None:
    # GIVEN three schedule windows, two of them active
    policy = Policy(
        schedules=(
            ScheduledCapacity(name="day", floor=4),
            ScheduledCapacity(name="sale", floor=8, ceiling=20),
            ScheduledCapacity(name="night", ceiling=2),
        )
    )
    # THEN the active ones combine into one floor and one ceiling
    assert policy.schedule_bounds(("day", "sale")) == (8, 20)
    assert policy.schedule_bounds(()) == (None, None)
