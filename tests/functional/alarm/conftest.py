"""The alarm function beside the scaler on the moto server: one group, one state item, one fake clock, and
the REAL handlers of both functions (`warmfleet.handlers.alarm.handle`, `warmfleet.handlers.scaler.handle`).

The scaler's fleet fixtures (`make_fleet`: group, queue, table, pause parameter) are reused; the alarm
function gets its configuration from `events/env/alarm.json` (ALARM_STEPS) with the group and table of the
fleet, and its windows from `events/schedule/env-windows.json` when a test asks for them.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import pytest
from warmfleet.config import AlarmConfig
from warmfleet.handlers import alarm, scaler
from warmfleet.schedules import ScheduleWindow, load_windows

from tests.conftest import load_event
from tests.functional.scaler.conftest import (  # noqa: F401 - fixtures shared with the scaler's tests
    POLICY,
    Fleet,
    launch_template,
    make_fleet,
    state_table,
)

#: The scaler's test policy with the alarm steps of events/env/alarm.json (the tick keeps them too).
ALARM_POLICY: dict[str, Any] = {
    **POLICY,
    "alarm_steps": [
        {"alarm_name": "InFlightHigh", "add_instances": 2},
        {"alarm_name": "LatencyHigh", "add_percent": 50},
    ],
}
INFLIGHT_ARN = "arn:aws:cloudwatch:us-east-1:123456789012:alarm:warmfleet-dev-inflight-high"
LATENCY_ARN = "arn:aws:cloudwatch:us-east-1:123456789012:alarm:warmfleet-dev-latency-high"


def env_windows() -> tuple[ScheduleWindow, ...]:
    return load_windows(load_event("schedule/env-windows.json")["SCHEDULE_WINDOWS"])


@dataclass
class Stack:
    """One fleet and its two functions (each its own warm container, sharing the table and the clock)."""

    fleet: Fleet
    alarm_config: AlarmConfig
    windows: tuple[ScheduleWindow, ...] = ()
    overrides: dict[str, Any] = field(default_factory=dict)
    _alarm_runtime: alarm.AlarmRuntime | None = None
    _tick_runtime: scaler.ScalerRuntime | None = None

    def alarm_runtime(self) -> alarm.AlarmRuntime:
        if self._alarm_runtime is None:
            built = scaler.build_runtime(
                self.fleet.config, client=self.fleet.client, clock=self.fleet.clock, windows=self.windows
            )
            for name, value in self.overrides.items():
                setattr(built, name, value)
            self._alarm_runtime = alarm.AlarmRuntime(built, self.fleet.config)
        return self._alarm_runtime

    def tick_runtime(self, _config: Any = None) -> scaler.ScalerRuntime:
        if self._tick_runtime is None:
            self._tick_runtime = scaler.build_runtime(
                self.fleet.config, client=self.fleet.client, clock=self.fleet.clock, windows=self.windows
            )
            for name, value in self.overrides.items():
                setattr(self._tick_runtime, name, value)
        return self._tick_runtime

    def send(self, event: dict[str, Any] | str) -> dict[str, Any]:
        """Deliver an event (a fixture path or a dict) to the real alarm handler."""
        payload = load_event(event) if isinstance(event, str) else event
        return alarm.handle(payload, self.alarm_config, self.alarm_runtime)

    def tick(self, *, advance: float = 15) -> dict[str, Any]:
        """One scaler tick through its real handler, then the clock moves on."""
        outcome = scaler.handle(load_event("scaler/tick.json"), self.fleet.config, self.tick_runtime)
        self.fleet.clock.advance(advance)
        return outcome

    def stored(self) -> dict[str, Any]:
        item = self.fleet.stored_item()
        assert item is not None
        return {"tick": json.loads(item["tick"]["S"]), "history": json.loads(item["history"]["S"])}


def state_time(fixture: str) -> datetime:
    """The alarm state timestamp of an `events/alarm/` fixture (what orders the changes)."""
    stamp = load_event(fixture)["detail"]["state"]["timestamp"]
    return datetime.strptime(stamp, "%Y-%m-%dT%H:%M:%S.%f%z").replace(microsecond=0)


@pytest.fixture
def make_stack(make_fleet: Callable[..., Fleet], state_table: str) -> Callable[..., Stack]:  # noqa: F811
    """`make_stack(desired=2, policy=..., windows=..., alarm_steps=...)`: a fleet and its alarm function."""

    def build(
        *,
        windows: tuple[ScheduleWindow, ...] = (),
        alarm_steps: str | None = None,
        policy: dict[str, Any] | None = None,
        **fleet_options: Any,
    ) -> Stack:
        fleet = make_fleet(policy=policy if policy is not None else ALARM_POLICY, **fleet_options)
        env = {
            **load_event("env/alarm.json"),
            "GROUP_NAME": fleet.group,
            "STATE_TABLE": state_table,
        }
        if alarm_steps is not None:
            env["ALARM_STEPS"] = alarm_steps
        return Stack(fleet=fleet, alarm_config=AlarmConfig.from_env(env), windows=windows)

    return build
