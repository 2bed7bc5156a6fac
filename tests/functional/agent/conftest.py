"""Fixtures for the agent's and the worker's functional tests: moto clients, queues, an event catcher.

Everything AWS goes to the suite's moto server (`moto_server`, on loopback); each test uses names of its
own (group, queues, bucket) so tests sharing that server never see each other's data. Instance events
are caught the way production routes them: an EventBridge rule on the default bus with an SQS target.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import boto3
import pytest

from tests.conftest import load_event
from tests.functional.agent.standins import FakeImds, FakeInferenceServer


def wait_until(predicate: Callable[[], Any], timeout: float, what: str) -> Any:
    """Poll `predicate` until it is truthy; fail the test naming `what` after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)
    pytest.fail(f"timed out after {timeout}s waiting for {what}")


def s3_request(bucket: str, request_id: str) -> dict[str, Any]:
    """The documented S3-target sample request, with its own id and bucket."""
    target = {"s3": {"bucket": bucket, "key": f"results/{request_id}.json"}}
    request: dict[str, Any] = load_event("queue/request-s3.json")
    return request | {"requestId": request_id, "resultTarget": target}


@dataclass
class Aws:
    endpoint: str
    cloudwatch: Any
    events: Any
    sqs: Any
    s3: Any

    def queue(self, name: str, **attributes: str) -> str:
        return str(self.sqs.create_queue(QueueName=name, Attributes=attributes)["QueueUrl"])

    def queue_arn(self, url: str) -> str:
        return str(
            self.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        )

    def queue_with_dlq(self, name: str, max_receive_count: int) -> tuple[str, str]:
        dlq = self.queue(f"{name}-dlq")
        policy = {"deadLetterTargetArn": self.queue_arn(dlq), "maxReceiveCount": str(max_receive_count)}
        return self.queue(name, RedrivePolicy=json.dumps(policy)), dlq

    def drain_queue(self, url: str, wait: int = 0) -> list[dict[str, Any]]:
        messages: list[dict[str, Any]] = []
        while True:
            got = self.sqs.receive_message(
                QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=wait, MessageAttributeNames=["All"]
            ).get("Messages", [])
            if not got:
                return messages
            messages += got
            for message in got:
                self.sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])

    def queue_depth(self, url: str) -> tuple[int, int]:
        attributes = self.sqs.get_queue_attributes(
            QueueUrl=url,
            AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
        )["Attributes"]
        return int(attributes["ApproximateNumberOfMessages"]), int(
            attributes["ApproximateNumberOfMessagesNotVisible"]
        )


@pytest.fixture
def aws(moto_server: str, monkeypatch: pytest.MonkeyPatch) -> Aws:
    """boto3 clients on the moto server; AWS_ENDPOINT_URL is set too, as the agent's CLI reads it."""
    monkeypatch.setenv("AWS_ENDPOINT_URL", moto_server)
    return Aws(
        endpoint=moto_server,
        cloudwatch=boto3.client("cloudwatch"),
        events=boto3.client("events"),
        sqs=boto3.client("sqs"),
        s3=boto3.client("s3"),
    )


@pytest.fixture
def name() -> str:
    """A fresh name for this test's group, queues and bucket."""
    return f"wf-{uuid.uuid4().hex[:10]}"


class EventCatcher:
    """An EventBridge rule for one group's instance events, delivering to an SQS queue."""

    def __init__(self, aws: Aws, group: str) -> None:
        self._aws = aws
        self.queue_url = aws.queue(f"{group}-events")
        pattern = {"source": ["warmfleet.instance"], "detail": {"autoScalingGroupName": [group]}}
        aws.events.put_rule(Name=f"{group}-instance-events", EventPattern=json.dumps(pattern))
        aws.events.put_targets(
            Rule=f"{group}-instance-events", Targets=[{"Id": "catcher", "Arn": aws.queue_arn(self.queue_url)}]
        )
        self.seen: list[dict[str, Any]] = []

    def collect(self) -> list[dict[str, Any]]:
        self.seen += [json.loads(m["Body"]) for m in self._aws.drain_queue(self.queue_url)]
        return self.seen

    def wait_for(self, detail_type: str, timeout: float = 10.0) -> dict[str, Any]:
        def found() -> dict[str, Any] | None:
            return next((e for e in self.collect() if e["detail-type"] == detail_type), None)

        event: dict[str, Any] = wait_until(found, timeout, f"event {detail_type!r}")
        return event


@pytest.fixture
def events(aws: Aws, name: str) -> EventCatcher:
    return EventCatcher(aws, name)


@pytest.fixture
def server() -> Iterator[FakeInferenceServer]:
    standin = FakeInferenceServer()
    yield standin
    standin.stop()


@pytest.fixture
def imds(name: str) -> Iterator[FakeImds]:
    standin = FakeImds(instance_id=f"i-{uuid.uuid4().hex[:17]}")
    yield standin
    standin.stop()
