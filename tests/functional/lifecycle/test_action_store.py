"""The DynamoDB action store on moto: round trip, one partition per group, conditional writes, TTL."""

from __future__ import annotations

from typing import Any

import pytest
from warmfleet.aws import DynamoActionStore
from warmfleet.exceptions import ConcurrentUpdateError
from warmfleet.lifecycle import ActionKind, ActionPhase, ActionRecord, AgentReport, HookResult

from tests.functional.lifecycle.conftest import create_state_table

RECORD = ActionRecord(
    instance_id="i-0a1b2c3d4e5f60718",
    kind=ActionKind.LAUNCH,
    phase=ActionPhase.WAITING,
    hook_name="launch-hook",
    token="c8a2f6b4-7d3e-4f1a-9b2c-0d1e2f3a4b5c",
    started_at=1_795_000_000.25,
    heartbeat_deadline=1_795_000_600.25,
    report=AgentReport.WARM,
    report_reason="",
    verify_failures=1,
)


@pytest.fixture
def store(dynamodb: Any) -> DynamoActionStore:
    return DynamoActionStore(dynamodb, create_state_table(dynamodb), "fleet", open_lifetime=1800)


def test_round_trip_and_listing(store: DynamoActionStore) -> None:
    # GIVEN a launch and a terminate record (the latter adopted: no token)
    terminate = ActionRecord(
        "i-0b2c3d4e5f6071829", ActionKind.TERMINATE, ActionPhase.DRAINING, "t", None, 5.0, 5.0, adopted=True
    )
    store.save(RECORD, None)
    store.save(terminate, None)
    # WHEN they are read back
    # THEN they are equal, and the group's listing has both
    assert store.get(RECORD.instance_id, ActionKind.LAUNCH) == RECORD
    assert store.get(RECORD.instance_id, ActionKind.TERMINATE) is None
    assert sorted(store.list(), key=lambda r: r.instance_id) == [RECORD, terminate]


def test_conditional_writes_let_one_writer_win(store: DynamoActionStore) -> None:
    store.save(RECORD, None)
    # WHEN a second writer creates the same record, or updates from a stale version
    with pytest.raises(ConcurrentUpdateError):
        store.save(RECORD, None)
    closed = RECORD.completed(HookResult.CONTINUE, "verified", RECORD.started_at + 200)
    store.save(closed, RECORD)
    with pytest.raises(ConcurrentUpdateError):
        store.save(RECORD.evolve(verify_failures=2), RECORD)
    # THEN only the winner's write stands
    assert store.get(RECORD.instance_id, ActionKind.LAUNCH) == closed


def test_items_follow_the_table_contract(store: DynamoActionStore, dynamodb: Any) -> None:
    # GIVEN an open and a closed record
    store.save(RECORD, None)
    closed_at = RECORD.started_at + 100
    store.save(RECORD.completed(HookResult.ABANDON, "warmup-failed", closed_at), RECORD)
    # WHEN the raw item is read
    table = store._table  # the raw item is what the template's TTL and other readers see
    item = dynamodb.get_item(
        TableName=table, Key={"pk": {"S": "lifecycle#fleet"}, "sk": {"S": f"{RECORD.instance_id}#launch"}}
    )["Item"]
    # THEN pk/sk follow the shared table's scheme and expiresAt is epoch seconds a week after closing
    assert item["expiresAt"] == {"N": str(int(closed_at + 7 * 24 * 3600))}
    assert item["result"] == {"S": "ABANDON"}
