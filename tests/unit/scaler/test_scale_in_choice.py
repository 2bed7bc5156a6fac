"""Which instances a scale-in removes first, and the scaler state's DynamoDB item (pure)."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from warmfleet.aws.autoscaling import GroupActuator, choose_instances_to_remove
from warmfleet.aws.scaler_state import ScalerState, StateKind, state_from_item, state_to_item
from warmfleet.core import History, Instance
from warmfleet.signals.group import PendingLaunches

AT = datetime(2026, 11, 27, 4, 0, tzinfo=UTC)


def instance(
    instance_id: str, state: str = "InService", *, healthy: bool = True, protected: bool = False
) -> Instance:
    return Instance(
        instance_id=instance_id,
        lifecycle_state=state,
        launch_time=AT,
        healthy=healthy,
        protected_from_scale_in=protected,
    )


GROUP = [
    instance("i-busy"),
    instance("i-idle"),
    instance("i-light"),
    instance("i-unknown"),
    instance("i-sick", healthy=False),
    instance("i-warming", "Pending:Wait"),
    instance("i-protected", protected=True),
    instance("i-leaving", "Terminating:Wait"),
    instance("i-standby", "Standby"),
]
IN_FLIGHT: dict[str, float | None] = {
    "i-busy": 7.0,
    "i-idle": 0.0,
    "i-light": 1.0,
    "i-unknown": None,
    "i-protected": 0.0,
}


@pytest.mark.parametrize(
    ("count", "expected"),
    [
        pytest.param(1, ["i-sick"], id="unhealthy-first"),
        pytest.param(2, ["i-sick", "i-warming"], id="then-not-ready"),
        pytest.param(4, ["i-sick", "i-warming", "i-idle", "i-light"], id="then-least-busy"),
        pytest.param(
            6, ["i-sick", "i-warming", "i-idle", "i-light", "i-busy", "i-unknown"], id="unknown-work-last"
        ),
        pytest.param(
            20,
            ["i-sick", "i-warming", "i-idle", "i-light", "i-busy", "i-unknown"],
            id="never-protected-leaving-or-standby",
        ),
        pytest.param(0, [], id="none"),
    ],
)
def test_removal_order(count: int, expected: list[str]) -> None:
    assert choose_instances_to_remove(GROUP, IN_FLIGHT, count) == expected


def test_state_item_round_trip() -> None:
    # GIVEN a state with everything the tick and the alarm path remember
    state = ScalerState(
        history=History(signal_failures={"InFlightRequests": 2}, alarm_floors={"InFlightHigh": 5}),
        version=7,
        launch_times={"i-a": AT},
        pending_launches=(PendingLaunches(2, 1000.5),),
        last_failed_activity_at=AT,
        active_alarms=("InFlightHigh",),
        active_schedules=("business-hours",),
        writer="tick",
    )
    # WHEN written and read back
    item = state_to_item(state, group="g", kind=StateKind.LIVE, now=AT)
    back = state_from_item(item)
    # THEN nothing is lost, keyed and expiring as the table expects
    assert (item["pk"]["S"], item["sk"]["S"]) == ("scaler#g", "state")
    assert int(item["expiresAt"]["N"]) > AT.timestamp()
    assert back.evolve(updated_at=None) == state


def test_corrupt_history_reads_as_empty() -> None:
    item = state_to_item(ScalerState(version=3), group="g", kind=StateKind.DRY_RUN, now=AT)
    item["history"] = {"S": json.dumps({"recommendations": "lots"})}
    back = state_from_item(item)
    assert (back.version, back.history) == (3, History())


class RecordingAutoScaling:
    """Records the scaling calls; fails the ones named in `failing`."""

    def __init__(self, failing: frozenset[str] = frozenset()) -> None:
        self.calls: list[tuple[str, object]] = []
        self.failing = failing

    def set_desired_capacity(self, **kwargs: object) -> None:
        self.calls.append(("SetDesiredCapacity", kwargs["DesiredCapacity"]))
        assert kwargs["HonorCooldown"] is False

    def terminate_instance_in_auto_scaling_group(self, **kwargs: object) -> None:
        if kwargs["InstanceId"] in self.failing:
            raise RuntimeError("ScalingActivityInProgress")
        assert kwargs["ShouldDecrementDesiredCapacity"] is True
        self.calls.append(("Terminate", kwargs["InstanceId"]))


RUNNING = [instance("i-busy"), instance("i-idle"), instance("i-light")]
WORK: dict[str, float | None] = {"i-busy": 5.0, "i-idle": 0.0, "i-light": 1.0}


@pytest.mark.parametrize(
    ("desired", "current", "in_flight", "unlisted", "failing", "expected"),
    [
        pytest.param(5, 3, WORK, 0, frozenset(), [("SetDesiredCapacity", 5)], id="scale-out-sets-desired"),
        pytest.param(3, 3, WORK, 0, frozenset(), [], id="unchanged-calls-nothing"),
        pytest.param(
            1,
            3,
            WORK,
            0,
            frozenset(),
            [("Terminate", "i-idle"), ("Terminate", "i-light")],
            id="scale-in-terminates-least-busy",
        ),
        pytest.param(
            1, 3, None, 0, frozenset(), [("SetDesiredCapacity", 1)], id="work-unknown-group-chooses"
        ),
        pytest.param(
            3, 5, WORK, 2, frozenset(), [("SetDesiredCapacity", 3)], id="owed-launches-cancelled-first"
        ),
        pytest.param(
            2,
            5,
            WORK,
            2,
            frozenset(),
            [("Terminate", "i-idle"), ("SetDesiredCapacity", 2)],
            id="owed-then-running",
        ),
        pytest.param(
            1,
            3,
            WORK,
            0,
            frozenset({"i-idle"}),
            [("Terminate", "i-light"), ("SetDesiredCapacity", 1)],
            id="failed-terminate-left-to-the-group",
        ),
    ],
)
def test_actuator_reaches_desired(
    desired: int,
    current: int,
    in_flight: dict[str, float | None] | None,
    unlisted: int,
    failing: frozenset[str],
    expected: list[tuple[str, object]],
) -> None:
    # GIVEN three running instances and a decision from `current` to `desired`
    client = RecordingAutoScaling(failing)
    actuator = GroupActuator(client, "g")  # type: ignore[arg-type]
    # WHEN applied
    report = actuator.apply(
        desired=desired, current=current, instances=RUNNING, in_flight=in_flight, unlisted=unlisted
    )
    # THEN only the needed calls are made, and failures are reported, not raised
    assert client.calls == expected
    assert len(report.errors) == len(failing)
