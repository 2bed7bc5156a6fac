"""The scaler's state in the stack's DynamoDB table: the decision history and what the tick remembers.

One item per group and mode: pk `scaler#<group>`, sk `state` (live) or `dry-run` (a dry run keeps its own
history, so switching it off never inherits decisions that were not carried out). Every write is conditional
on the version read (`attribute_not_exists(pk)` for the first), so of two overlapping invocations — a tick
and the alarm path — only one stores its decision; the other gets `ConcurrentUpdateError` and must not act.
The winner stores before it acts, which is what makes "only one acts" true.

The alarm function uses the same store: `load()`, change what it owns (`active_alarms`, `alarm_changes`,
the history from its own `decide()`), `save(previous, new)`; each decision records the schedule windows
then open or pre-warming in `active_schedules`. The item carries a TTL (`expiresAt`) so the
state of a deleted group goes away; a live group rewrites it every tick.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools import Logger
from botocore.exceptions import ClientError
from pydantic import ValidationError

from warmfleet.core.history import History
from warmfleet.exceptions import ConcurrentUpdateError
from warmfleet.signals.group import PendingLaunches

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

logger = Logger(child=True)

PK_PREFIX = "scaler#"
#: The state outlives its last write by this long (a live group rewrites it four times a minute).
KEEP_SECONDS = 30 * 24 * 3600


class StateKind(StrEnum):
    LIVE = "state"
    DRY_RUN = "dry-run"


@dataclass(frozen=True)
class ScalerState:
    """What one invocation reads and the next one gets back (version 0: never stored)."""

    history: History = field(default_factory=History)
    version: int = 0
    launch_times: dict[str, datetime] = field(default_factory=dict)
    pending_launches: tuple[PendingLaunches, ...] = ()
    last_failed_activity_at: datetime | None = None
    active_alarms: tuple[str, ...] = ()
    active_schedules: tuple[str, ...] = ()
    # The state timestamp of the last change applied per alarm: a redelivered or older event changes nothing.
    alarm_changes: dict[str, datetime] = field(default_factory=dict)
    writer: str = ""
    updated_at: datetime | None = None

    def evolve(self, **changes: Any) -> ScalerState:
        return replace(self, **changes)


def state_to_item(state: ScalerState, *, group: str, kind: StateKind, now: datetime) -> dict[str, Any]:
    """The DynamoDB item (low-level attribute values) of `state`, version bumped by `save`."""
    document = {
        "launchTimes": {key: value.isoformat() for key, value in sorted(state.launch_times.items())},
        "pendingLaunches": [{"count": p.count, "since": p.since} for p in state.pending_launches],
        "lastFailedActivityAt": state.last_failed_activity_at.isoformat()
        if state.last_failed_activity_at
        else None,
        "activeAlarms": list(state.active_alarms),
        "activeSchedules": list(state.active_schedules),
        "alarmChanges": {key: value.isoformat() for key, value in sorted(state.alarm_changes.items())},
    }
    return {
        "pk": {"S": f"{PK_PREFIX}{group}"},
        "sk": {"S": str(kind)},
        "version": {"N": str(state.version)},
        "history": {"S": json.dumps(state.history.to_dict(), separators=(",", ":"))},
        "tick": {"S": json.dumps(document, separators=(",", ":"))},
        "writer": {"S": state.writer or "unknown"},
        "updatedAt": {"S": now.isoformat()},
        "expiresAt": {"N": str(int((now + timedelta(seconds=KEEP_SECONDS)).timestamp()))},
    }


def state_from_item(item: dict[str, Any]) -> ScalerState:
    """Parse a stored item; a history that no longer validates is dropped (logged) and starts empty.

    An empty history is what a restarted HPA controller starts from too: windows refill within minutes,
    whereas refusing to decide would leave the group unmanaged until someone deletes the item.
    """
    version = int(item["version"]["N"])
    try:
        history = History.from_dict(json.loads(item["history"]["S"]))
    except (ValidationError, ValueError, KeyError) as error:
        logger.error(
            "stored scaler history is invalid; starting from an empty one", extra={"error": str(error)}
        )
        history = History()
    try:
        document = json.loads(item.get("tick", {}).get("S", "{}"))
        failed_at = document.get("lastFailedActivityAt")
        return ScalerState(
            history=history,
            version=version,
            launch_times={k: datetime.fromisoformat(v) for k, v in document.get("launchTimes", {}).items()},
            pending_launches=tuple(
                PendingLaunches(int(p["count"]), float(p["since"]))
                for p in document.get("pendingLaunches", [])
            ),
            last_failed_activity_at=datetime.fromisoformat(failed_at) if failed_at else None,
            active_alarms=tuple(str(a) for a in document.get("activeAlarms", [])),
            active_schedules=tuple(str(s) for s in document.get("activeSchedules", [])),
            alarm_changes={k: datetime.fromisoformat(v) for k, v in document.get("alarmChanges", {}).items()},
            writer=item.get("writer", {}).get("S", ""),
            updated_at=datetime.fromisoformat(item["updatedAt"]["S"]) if "updatedAt" in item else None,
        )
    except (ValueError, KeyError, TypeError, AttributeError) as error:
        logger.error("stored scaler state is invalid; keeping only its history", extra={"error": str(error)})
        return ScalerState(history=history, version=version)


class ScalerStateStore:
    """Load and conditionally save one group's scaler state through an injected DynamoDB client.

    Examples
    --------
    >>> store = ScalerStateStore(client, "warmfleet-dev-state", "warmfleet-dev-fleet")  # doctest: +SKIP
    >>> state = store.load()                                                               # doctest: +SKIP
    >>> store.save(state, state.evolve(history=decision.history), now=now, writer="tick")  # doctest: +SKIP
    """

    def __init__(
        self, client: DynamoDBClient, table: str, group: str, kind: StateKind = StateKind.LIVE
    ) -> None:
        self._client = client
        self._table = table
        self._group = group
        self._kind = kind
        # The state this store saved last: a warm Lambda container's next tick decides from it without a
        # GetItem. The conditional write still guards it: if anyone stored since, the save fails and the
        # next load reads the table again.
        self._last_saved: ScalerState | None = None

    @property
    def key(self) -> dict[str, Any]:
        return {"pk": {"S": f"{PK_PREFIX}{self._group}"}, "sk": {"S": str(self._kind)}}

    def load(self, *, reuse_last_saved: bool = False) -> ScalerState:
        """The stored state (strongly consistent read), or a new one.

        `reuse_last_saved` returns what this store saved last instead, without a read; `save` is what tells
        whether it was still the latest.
        """
        if reuse_last_saved and self._last_saved is not None:
            return self._last_saved
        response = self._client.get_item(TableName=self._table, Key=self.key, ConsistentRead=True)
        item = response.get("Item")
        return state_from_item(item) if item else ScalerState()

    def save(self, previous: ScalerState, new: ScalerState, *, now: datetime, writer: str) -> ScalerState:
        """Store `new` if the item is still at `previous.version`; return it as stored (version + 1).

        Raises `ConcurrentUpdateError` when another invocation stored first: the caller must not act.
        """
        stored = new.evolve(version=previous.version + 1, writer=writer, updated_at=now)
        if previous.version == 0:
            condition: dict[str, Any] = {"ConditionExpression": "attribute_not_exists(pk)"}
        else:
            condition = {
                "ConditionExpression": "#version = :expected",
                "ExpressionAttributeNames": {"#version": "version"},
                "ExpressionAttributeValues": {":expected": {"N": str(previous.version)}},
            }
        try:
            self._client.put_item(
                TableName=self._table,
                Item=state_to_item(stored, group=self._group, kind=self._kind, now=now),
                **condition,
            )
        except ClientError as error:
            self._last_saved = None
            if error.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException":
                raise ConcurrentUpdateError(
                    f"scaler state of {self._group} changed since version {previous.version} was read"
                ) from None
            raise
        self._last_saved = stored
        return stored
