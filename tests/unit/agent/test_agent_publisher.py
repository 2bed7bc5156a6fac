"""The background publisher: never blocks the caller, retries with backoff, gives stale metrics up."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from warmfleet_inference.agent.publisher import BackgroundPublisher


class FlakyCloudWatch:
    """Fails the first `failures` calls; can be held blocked to prove the caller never waits."""

    def __init__(self, failures: int = 0) -> None:
        self.failures = failures
        self.calls: list[list[dict[str, Any]]] = []
        self.release = threading.Event()
        self.release.set()

    def put_metric_data(self, Namespace: str, MetricData: list[dict[str, Any]]) -> None:  # noqa: N803 - boto3
        self.release.wait()
        self.calls.append(MetricData)
        if len(self.calls) <= self.failures:
            raise ConnectionError("endpoint unreachable")


class FlakyEvents:
    def __init__(self, refusals: int = 0) -> None:
        self.refusals = refusals
        self.calls: list[dict[str, Any]] = []

    def put_events(self, Entries: list[dict[str, Any]]) -> dict[str, Any]:  # noqa: N803 - boto3
        self.calls.append(Entries[0])
        if len(self.calls) <= self.refusals:
            return {"FailedEntryCount": 1, "Entries": [{"ErrorCode": "ThrottlingException"}]}
        return {"FailedEntryCount": 0, "Entries": [{"EventId": "1"}]}


def publisher(cloudwatch: Any, events: Any, **options: Any) -> BackgroundPublisher:
    return BackgroundPublisher(cloudwatch, events, base_delay=0.01, max_delay=0.05, **options)


DATUM = [{"MetricName": "InFlightRequests", "Value": 1.0}]
EVENT = {"Source": "warmfleet.instance", "DetailType": "Instance Warm", "Detail": "{}"}


def test_enqueueing_never_waits_on_aws() -> None:
    # GIVEN CloudWatch hanging on every call
    cloudwatch = FlakyCloudWatch()
    cloudwatch.release.clear()
    sender = publisher(cloudwatch, FlakyEvents())
    # WHEN the loop publishes three intervals
    for _ in range(3):
        sender.put_metric_data(DATUM)
    # THEN it returned at once: nothing was sent yet, and everything goes once CloudWatch answers
    assert cloudwatch.calls == []
    cloudwatch.release.set()
    assert sender.close(timeout=5)
    assert len(cloudwatch.calls) == 3


@pytest.mark.parametrize(
    ("failures", "attempts", "sent"),
    [
        pytest.param(2, 4, 1, id="recovers-within-attempts"),
        pytest.param(10, 3, 0, id="given-up-after-attempts"),
    ],
)
def test_a_failed_metric_publish_is_retried_then_given_up(failures: int, attempts: int, sent: int) -> None:
    # GIVEN CloudWatch failing `failures` times
    cloudwatch = FlakyCloudWatch(failures)
    sender = publisher(cloudwatch, FlakyEvents(), metric_attempts=attempts)
    # WHEN one batch is published
    sender.put_metric_data(DATUM)
    assert sender.flush(timeout=5)
    # THEN it was tried until it went through or its attempts ran out
    assert len(cloudwatch.calls) == min(failures + 1, attempts)
    assert sender.sent_metric_batches == sent
    sender.close(1)


def test_an_event_refused_by_eventbridge_is_retried_until_sent() -> None:
    # GIVEN PutEvents refusing the entry five times (more than any metric batch would get)
    events = FlakyEvents(refusals=5)
    sender = publisher(FlakyCloudWatch(), events, metric_attempts=2)
    # WHEN an instance event is published
    sender.put_event(EVENT)
    # THEN it is retried until it goes through
    assert sender.close(timeout=5)
    assert len(events.calls) == 6
    assert sender.sent_events == 1


def test_a_full_backlog_drops_the_oldest_metrics_never_an_event() -> None:
    # GIVEN CloudWatch hanging and a backlog of two metric batches
    cloudwatch = FlakyCloudWatch()
    cloudwatch.release.clear()
    events = FlakyEvents()
    sender = publisher(cloudwatch, events, max_pending_metric_batches=2)
    sender.put_metric_data([{"MetricName": "first"}])  # taken by the thread, waiting on CloudWatch
    threading.Event().wait(0.05)
    # WHEN more batches and an event pile up
    sender.put_event(EVENT)
    for name in ("second", "third", "fourth"):
        sender.put_metric_data([{"MetricName": name}])
    cloudwatch.release.set()
    assert sender.close(timeout=5)
    # THEN the oldest waiting batch was dropped, the newest kept, and the event sent
    assert [call[0]["MetricName"] for call in cloudwatch.calls] == ["first", "third", "fourth"]
    assert len(events.calls) == 1
