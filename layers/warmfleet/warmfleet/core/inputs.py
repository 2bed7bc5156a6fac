"""What ``decide()`` observes: the group, its instances, the signal readings, alarms, schedule, pause.

Validated pydantic models, frozen, constructible from plain data
(``DecisionInputs.model_validate(dict)``) so that the scaler, the alarm path, the
simulator and the local fleet build them the same way. A missing signal is an
absent reading or a reading whose ``value`` is None, never zero. Lifecycle states
are the EC2 Auto Scaling ones
(https://docs.aws.amazon.com/autoscaling/ec2/userguide/ec2-auto-scaling-lifecycle.html).
"""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import Annotated, Self

from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict, Field, model_validator


class LifecycleState(StrEnum):
    """``LifecycleState`` of an instance in an Auto Scaling group, as the API spells it.

    >>> LifecycleState("Pending:Wait") in LAUNCHING_STATES
    True"""

    PENDING = "Pending"
    PENDING_WAIT = "Pending:Wait"
    PENDING_PROCEED = "Pending:Proceed"
    QUARANTINED = "Quarantined"
    IN_SERVICE = "InService"
    TERMINATING = "Terminating"
    TERMINATING_WAIT = "Terminating:Wait"
    TERMINATING_PROCEED = "Terminating:Proceed"
    TERMINATED = "Terminated"
    DETACHING = "Detaching"
    DETACHED = "Detached"
    ENTERING_STANDBY = "EnteringStandby"
    STANDBY = "Standby"
    WARMED_PENDING = "Warmed:Pending"
    WARMED_PENDING_WAIT = "Warmed:Pending:Wait"
    WARMED_PENDING_PROCEED = "Warmed:Pending:Proceed"
    WARMED_TERMINATING = "Warmed:Terminating"
    WARMED_TERMINATING_WAIT = "Warmed:Terminating:Wait"
    WARMED_TERMINATING_PROCEED = "Warmed:Terminating:Proceed"
    WARMED_TERMINATED = "Warmed:Terminated"
    WARMED_STOPPED = "Warmed:Stopped"
    WARMED_RUNNING = "Warmed:Running"
    WARMED_HIBERNATED = "Warmed:Hibernated"


#: States of an instance that is launching into the group (capacity already bought).
LAUNCHING_STATES = frozenset(
    {LifecycleState.PENDING, LifecycleState.PENDING_WAIT, LifecycleState.PENDING_PROCEED}
)


def _in_utc(value: datetime) -> datetime:
    # The stdlib's UTC, not pydantic's parsed offset: ``decide()`` reads every reading's and launch's
    # ``timestamp()``, which costs about five times as much on pydantic's own ``TzInfo``.
    return value if value.tzinfo is UTC else value.astimezone(UTC)


#: A timezone-aware time, normalised to UTC when the model is built (the same instant).
UtcDatetime = Annotated[AwareDatetime, AfterValidator(_in_utc)]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class GroupCapacity(_Frozen):
    """The group's ``MinSize``, ``MaxSize`` and current ``DesiredCapacity``.

    >>> GroupCapacity(min_size=1, max_size=10, desired_capacity=3).desired_capacity
    3"""

    min_size: int = Field(ge=0)
    max_size: int = Field(ge=0)
    desired_capacity: int = Field(ge=0)

    @model_validator(mode="after")
    def _min_not_above_max(self) -> Self:
        if self.min_size > self.max_size:
            raise ValueError(f"min_size ({self.min_size}) is above max_size ({self.max_size})")
        return self


class Instance(_Frozen):
    """One instance of the group as ``DescribeAutoScalingGroups`` reports it.

    >>> Instance.model_validate({"instance_id": "i-1", "lifecycle_state": "InService",
    ...                          "launch_time": "2026-01-01T00:00:00Z"}).healthy
    True"""

    instance_id: str = Field(min_length=1)
    lifecycle_state: LifecycleState
    launch_time: UtcDatetime
    healthy: bool = True
    protected_from_scale_in: bool = False
    in_flight: float | None = Field(default=None, ge=0)


class SignalReading(_Frozen):
    """The latest value of one signal; ``value=None`` means missing (never read as zero).

    ``value`` is a per-instance average or a total, as the signal's policy says.
    ``panic_value``, when a collector can read the short panic window, is used for
    the panic test instead of ``value``.

    >>> SignalReading(name="QueueBacklog", value=None).value is None  # missing, not zero
    True
    """

    name: str = Field(min_length=1)
    value: float | None = Field(default=None, ge=0, allow_inf_nan=False)
    timestamp: UtcDatetime | None = None
    panic_value: float | None = Field(default=None, ge=0, allow_inf_nan=False)

    @model_validator(mode="after")
    def _timestamp_with_value(self) -> Self:
        if self.value is not None and self.timestamp is None:
            raise ValueError(f"timestamp: signal {self.name!r} has a value but no timestamp")
        return self


class DecisionInputs(_Frozen):
    """Everything ``decide()`` observes about the group at ``now``.

    Examples
    --------
    >>> inputs = DecisionInputs.model_validate({
    ...     "group": {"min_size": 1, "max_size": 10, "desired_capacity": 2},
    ...     "signals": [{"name": "gpu", "value": 90.0, "timestamp": "2026-01-01T00:00:00Z"}],
    ... })
    >>> inputs.group.desired_capacity, inputs.paused
    (2, False)
    """

    group: GroupCapacity
    instances: tuple[Instance, ...] = ()
    signals: tuple[SignalReading, ...] = ()
    active_alarms: tuple[str, ...] = ()
    schedule_floor: int | None = Field(default=None, ge=0)
    schedule_ceiling: int | None = Field(default=None, ge=0)
    paused: bool = False

    @model_validator(mode="after")
    def _unique_names(self) -> Self:
        names = [reading.name for reading in self.signals]
        if len(names) != len(set(names)):
            raise ValueError(f"signals: duplicate signal names in {names}")
        ids = [instance.instance_id for instance in self.instances]
        if len(ids) != len(set(ids)):
            raise ValueError("instances: duplicate instance ids")
        return self
