"""The control plane of the demo: the real Lambda handlers, invoked the way AWS would invoke them.

`EventRouter` drains the queue that moto's EventBridge rules fill (the lifecycle function's three rules
from `template.yaml`) and hands each event to the real `warmfleet.handlers.lifecycle.handle`, whose gate
completes actions on the fleet's hook state machine, verifies instances over the fleet's "VPC" and keeps its
records in moto's DynamoDB. `Scaler` invokes the real `warmfleet.handlers.scaler.handle` with
`{"warmfleet": "tick"}`, its clients on moto (the group seen through `group_view`). The sweep payload goes
to the lifecycle handler on its own schedule. Both schedules are compressed: the demo ticks every few
seconds instead of every 15 s and 60 s.
"""

from __future__ import annotations

import contextlib
import io
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from warmfleet.aws import DynamoActionStore
from warmfleet.config import LifecycleConfig, ScalerConfig
from warmfleet.handlers import lifecycle, scaler
from warmfleet.lifecycle import build_gate
from warmfleet.local.fleet import LocalFleet
from warmfleet.local.group_view import FleetAddresses, FleetEc2, GroupAutoScaling, VpcHttpClient
from warmfleet.local.stage import (
    ACCOUNT,
    APP_PORT,
    GROUP,
    LAUNCH_HOOK,
    MODEL_NAME,
    TABLE,
    TERMINATE_HOOK,
    Stage,
)

TICK = {"warmfleet": "tick"}
SWEEP = {"warmfleet": "sweep"}


@dataclass
class GateMetrics:
    """The gate's `MetricsSink`: what the lifecycle function would publish (WarmupSeconds, DrainSeconds)."""

    values: list[tuple[str, float]] = field(default_factory=list)

    def add_metric(self, name: str, unit: str, value: float) -> None:
        self.values.append((name, float(value)))


def lifecycle_config(*, drain_timeout: int, heartbeat: int) -> LifecycleConfig:
    """The lifecycle function's settings as the template would give them for the demo's stack."""
    return LifecycleConfig(
        group_name=GROUP,
        state_table=TABLE,
        launch_hook_name=LAUNCH_HOOK,
        terminate_hook_name=TERMINATE_HOOK,
        warmup_budget_seconds=heartbeat * 2,
        hook_heartbeat_seconds=heartbeat,
        drain_timeout_seconds=drain_timeout,
        app_port=APP_PORT,
        verify_timeout_seconds=5,
        verify_attempts=3,
        model_name=MODEL_NAME,
    )


class EventRouter:
    """moto's EventBridge → SQS → the lifecycle handler, in this process; `outcomes` keeps what it said."""

    def __init__(
        self, stage: Stage, fleet: LocalFleet, config: LifecycleConfig, clock: Callable[[], float]
    ) -> None:
        self._sqs = stage.client("sqs")
        self._queue = stage.events_queue_url
        self._config = config
        self._clock = clock
        self.metrics = GateMetrics()
        store = DynamoActionStore(stage.client("dynamodb"), TABLE, GROUP, config.warmup_budget_seconds)
        self._gate = build_gate(
            config,
            store=store,
            hooks=fleet.hooks,
            addresses=FleetAddresses(fleet),
            metrics=self.metrics,
            http=VpcHttpClient(fleet),
        )
        self.outcomes: list[dict[str, Any]] = []

    def invoke(self, event: dict[str, Any]) -> dict[str, Any]:
        outcome = lifecycle.handle(event, self._config, lambda: self._gate)
        self.outcomes.append({"t": round(self._clock(), 2), "event": _name(event), **outcome})
        return outcome

    def drain(self) -> int:
        """Deliver every event waiting in the queue; returns how many."""
        delivered = 0
        while True:
            answer = self._sqs.receive_message(QueueUrl=self._queue, MaxNumberOfMessages=10)
            messages = answer.get("Messages", [])
            if not messages:
                return delivered
            for message in messages:
                event = json.loads(message["Body"])
                # moto's EventBridge leaves `account` out of the events it delivers; AWS always sets it.
                event.setdefault("account", ACCOUNT)
                self.invoke(event)
                self._sqs.delete_message(QueueUrl=self._queue, ReceiptHandle=message["ReceiptHandle"])
                delivered += 1

    def sweep(self) -> dict[str, Any]:
        return self.invoke(dict(SWEEP))


def _name(event: dict[str, Any]) -> str:
    return str(event.get("detail-type") or next(iter(event.values()), "?"))


class Scaler:
    """The scaler function on a compressed tick; `actions` keeps every tick that changed the group."""

    def __init__(
        self, stage: Stage, fleet: LocalFleet, policy: dict[str, Any], clock: Callable[[], float]
    ) -> None:
        self._config = ScalerConfig(GROUP, TABLE, None, dict(policy), None, False)
        self._clock = clock

        def client(service: str) -> Any:
            moto = stage.client(service)
            if service == "autoscaling":
                return GroupAutoScaling(moto, fleet)
            if service == "ec2":
                return FleetEc2(moto, fleet)
            return moto

        self._runtime = scaler.build_runtime(self._config, client=client)
        #: Every tick's decision (time, desired, reason, message); `actions` those that changed the group.
        self.decisions: list[dict[str, Any]] = []
        self.actions: list[dict[str, Any]] = []

    def tick(self) -> dict[str, Any]:
        # The tick's EMF documents go to stdout, as in Lambda; the demo keeps its own output readable.
        with contextlib.redirect_stdout(io.StringIO()):
            outcome = scaler.handle(dict(TICK), self._config, lambda _: self._runtime)
        acted = outcome.get("actions") or {}
        decision = {
            "t": round(self._clock(), 2),
            "previous": outcome.get("previous"),
            "desired": outcome.get("desired"),
            "reason": outcome.get("reason"),
            "message": outcome.get("message"),
        }
        self.decisions.append(decision)
        if acted.get("setDesired") is not None or acted.get("terminated"):
            self.actions.append({**decision, "terminated": list(acted.get("terminated") or [])})
        return dict(outcome)
