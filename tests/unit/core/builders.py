"""Builders of decide() inputs for the core tests: typed models from a few keyword arguments."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from warmfleet.core import (
    DecisionInputs,
    GroupCapacity,
    History,
    Instance,
    LifecycleState,
    Policy,
    SignalPolicy,
    SignalReading,
)
from warmfleet.core.policy import Behavior, PanicPolicy

NOW = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
LONG_AGO = NOW - timedelta(days=1)


def fleet(
    ready: int = 0,
    warming: int = 0,
    stuck: int = 0,
    unhealthy: int = 0,
    standby: int = 0,
    terminating: int = 0,
    protected: int = 0,
    warming_age: float = 60.0,
) -> tuple[Instance, ...]:
    """Instances by kind; the first ``protected`` ready instances are protected from scale-in."""
    made: list[Instance] = []

    def add(state: LifecycleState, launched: datetime, healthy: bool = True) -> None:
        made.append(
            Instance(
                instance_id=f"i-{len(made):04d}",
                lifecycle_state=state,
                launch_time=launched,
                healthy=healthy,
                protected_from_scale_in=len(made) < protected,
            )
        )

    for _ in range(ready):
        add(LifecycleState.IN_SERVICE, LONG_AGO)
    for _ in range(warming):
        add(LifecycleState.PENDING_WAIT, NOW - timedelta(seconds=warming_age))
    for _ in range(stuck):
        add(LifecycleState.PENDING_WAIT, NOW - timedelta(hours=2))
    for _ in range(unhealthy):
        add(LifecycleState.IN_SERVICE, LONG_AGO, healthy=False)
    for _ in range(standby):
        add(LifecycleState.STANDBY, LONG_AGO)
    for _ in range(terminating):
        add(LifecycleState.TERMINATING_WAIT, LONG_AGO)
    return tuple(made)


def reading(
    name: str, value: float | None, age: float = 5.0, panic_value: float | None = None
) -> SignalReading:
    """A reading taken ``age`` seconds before NOW (``value=None``: missing)."""
    timestamp = NOW - timedelta(seconds=age) if value is not None else None
    return SignalReading(name=name, value=value, timestamp=timestamp, panic_value=panic_value)


def inputs(
    desired: int,
    *,
    instances: tuple[Instance, ...] | None = None,
    signals: tuple[SignalReading, ...] = (),
    min_size: int = 0,
    max_size: int = 100,
    alarms: tuple[str, ...] = (),
    floor: int | None = None,
    ceiling: int | None = None,
    paused: bool = False,
) -> DecisionInputs:
    """Inputs for a group at ``desired`` (``desired`` ready instances unless given)."""
    return DecisionInputs(
        group=GroupCapacity(min_size=min_size, max_size=max_size, desired_capacity=desired),
        instances=fleet(ready=desired) if instances is None else instances,
        signals=signals,
        active_alarms=alarms,
        schedule_floor=floor,
        schedule_ceiling=ceiling,
        paused=paused,
    )


GPU = SignalPolicy(name="gpu", target=50.0)
BACKLOG = SignalPolicy(name="backlog", kind="total", target=10.0, activation_threshold=0.0)


def policy(
    *signals: SignalPolicy,
    behavior: Behavior | None = None,
    panic: bool = False,
    **extra: object,
) -> Policy:
    """A policy over ``signals`` (GPU by default), panic off unless asked (its own tests turn it on)."""
    return Policy.model_validate(
        {
            "signals": signals or (GPU,),
            "behavior": behavior or Behavior(),
            "panic": PanicPolicy(enabled=panic),
            **extra,
        }
    )


EMPTY = History()
