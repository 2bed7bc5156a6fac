"""DynamoDB records of lifecycle actions in the stack's state table (pk/sk strings, TTL on `expiresAt`).

All of one group's actions share the partition `lifecycle#<group>` (the sort key is `<instance>#<kind>`), so
the sweep reads them with one Query and an event reads its action with one GetItem. Writes are conditional on
the version read (`attribute_not_exists(pk)` for a new record), which makes two deliveries of one event race
safely: the loser gets `ConcurrentUpdateError` and does nothing, the winner acts. Records expire through the
table's TTL a while after they close, long enough to recognise a late or repeated event.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any

from boto3.dynamodb.types import TypeDeserializer, TypeSerializer
from botocore.exceptions import ClientError

from warmfleet.exceptions import ConcurrentUpdateError
from warmfleet.lifecycle.records import ActionKind, ActionPhase, ActionRecord, AgentReport, HookResult

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

PK_PREFIX = "lifecycle#"
# How long a record outlives its action: late and duplicate events within this window are recognised.
KEEP_CLOSED_SECONDS = 7 * 24 * 3600
KEEP_OPEN_EXTRA_SECONDS = 24 * 3600

_serializer = TypeSerializer()
_deserializer = TypeDeserializer()


def _to_item(record: ActionRecord, partition: str, open_lifetime: float) -> dict[str, Any]:
    closed_at = record.completed_at
    expires = (
        (closed_at + KEEP_CLOSED_SECONDS) if closed_at is not None else record.started_at + open_lifetime
    )
    plain: dict[str, Any] = {
        "pk": partition,
        "sk": f"{record.instance_id}#{record.kind}",
        "instanceId": record.instance_id,
        "kind": str(record.kind),
        "phase": str(record.phase),
        "hookName": record.hook_name,
        "startedAt": Decimal(str(record.started_at)),
        "heartbeatDeadline": Decimal(str(record.heartbeat_deadline)),
        "adopted": record.adopted,
        "warmPool": record.warm_pool,
        "report": str(record.report),
        "reportReason": record.report_reason,
        "verifyFailures": record.verify_failures,
        "closeReason": record.close_reason,
        "version": record.version,
        "expiresAt": int(expires),
    }
    if record.token is not None:
        plain["token"] = record.token
    if record.result is not None:
        plain["result"] = str(record.result)
    if closed_at is not None:
        plain["completedAt"] = Decimal(str(closed_at))
    return {key: _serializer.serialize(value) for key, value in plain.items()}


def _from_item(item: dict[str, Any]) -> ActionRecord:
    plain = {key: _deserializer.deserialize(value) for key, value in item.items()}
    return ActionRecord(
        instance_id=str(plain["instanceId"]),
        kind=ActionKind(plain["kind"]),
        phase=ActionPhase(plain["phase"]),
        hook_name=str(plain["hookName"]),
        token=plain.get("token"),
        started_at=float(plain["startedAt"]),
        heartbeat_deadline=float(plain["heartbeatDeadline"]),
        adopted=bool(plain["adopted"]),
        warm_pool=bool(plain.get("warmPool", False)),
        report=AgentReport(plain.get("report", AgentReport.NONE)),
        report_reason=str(plain.get("reportReason", "")),
        verify_failures=int(plain.get("verifyFailures", 0)),
        result=HookResult(plain["result"]) if "result" in plain else None,
        close_reason=str(plain.get("closeReason", "")),
        completed_at=float(plain["completedAt"]) if "completedAt" in plain else None,
        version=int(plain["version"]),
    )


class DynamoActionStore:
    """The lifecycle actions of one group in the state table, through an injected boto3 DynamoDB client."""

    def __init__(
        self, client: DynamoDBClient, table_name: str, group_name: str, open_lifetime: float
    ) -> None:
        self._client = client
        self._table = table_name
        self._partition = f"{PK_PREFIX}{group_name}"
        self._open_lifetime = open_lifetime + KEEP_OPEN_EXTRA_SECONDS

    def get(self, instance_id: str, kind: ActionKind) -> ActionRecord | None:
        response = self._client.get_item(
            TableName=self._table,
            Key={"pk": {"S": self._partition}, "sk": {"S": f"{instance_id}#{kind}"}},
            ConsistentRead=True,
        )
        item = response.get("Item")
        return None if item is None else _from_item(item)

    def list(self) -> list[ActionRecord]:
        records: list[ActionRecord] = []
        paginator = self._client.get_paginator("query")
        for page in paginator.paginate(
            TableName=self._table,
            KeyConditionExpression="pk = :pk",
            ExpressionAttributeValues={":pk": {"S": self._partition}},
            ConsistentRead=True,
        ):
            records.extend(_from_item(item) for item in page.get("Items", []))
        return records

    def save(self, record: ActionRecord, previous: ActionRecord | None) -> None:
        """Write `record` if the stored one is still `previous` (None: none stored), else raise."""
        if previous is None:
            condition: dict[str, Any] = {"ConditionExpression": "attribute_not_exists(pk)"}
        else:
            condition = {
                "ConditionExpression": "#version = :version",
                "ExpressionAttributeNames": {"#version": "version"},
                "ExpressionAttributeValues": {":version": {"N": str(previous.version)}},
            }
        try:
            self._client.put_item(
                TableName=self._table,
                Item=_to_item(record, self._partition, self._open_lifetime),
                **condition,
            )
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException":
                raise ConcurrentUpdateError(
                    f"the {record.kind} record of {record.instance_id} changed since it was read"
                ) from None
            raise
