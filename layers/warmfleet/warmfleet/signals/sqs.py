"""SQS collector: the queue backlog (visible + in flight [+ delayed]) as a total signal, like KEDA's.

GetQueueAttributes answers at once from the queue itself, so the reading is as fresh as the call; CloudWatch's
AWS/SQS metrics lag by minutes and are left to the alarms. KEDA counts visible and in-flight messages and,
optionally, delayed ones (https://keda.sh/docs/latest/scalers/aws-sqs/). `parse_queue_attributes` is pure;
an attribute that is absent or not a number makes the signal missing, never zero.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING

from warmfleet.core.inputs import SignalReading

if TYPE_CHECKING:
    from mypy_boto3_sqs import SQSClient

VISIBLE = "ApproximateNumberOfMessages"
IN_FLIGHT = "ApproximateNumberOfMessagesNotVisible"
DELAYED = "ApproximateNumberOfMessagesDelayed"
ATTRIBUTES = (VISIBLE, IN_FLIGHT, DELAYED)


def parse_queue_attributes(
    attributes: Mapping[str, str], *, name: str, now: datetime, include_delayed: bool = False
) -> SignalReading:
    """The backlog reading of one GetQueueAttributes answer.

    Examples
    --------
    >>> from datetime import UTC, datetime
    >>> now = datetime(2026, 1, 1, tzinfo=UTC)
    >>> parse_queue_attributes({VISIBLE: "7", IN_FLIGHT: "3", DELAYED: "5"}, name="backlog", now=now).value
    10.0
    """
    wanted = (VISIBLE, IN_FLIGHT, DELAYED) if include_delayed else (VISIBLE, IN_FLIGHT)
    total = 0.0
    for attribute in wanted:
        raw = attributes.get(attribute)
        try:
            count = float(raw) if raw is not None else None
        except ValueError:
            count = None
        if count is None or count < 0:
            return SignalReading(name=name, value=None, timestamp=None)
        total += count
    return SignalReading(name=name, value=total, timestamp=now)


def collect_backlog(
    client: SQSClient, queue_url: str, *, name: str, now: datetime, include_delayed: bool = False
) -> SignalReading:
    response = client.get_queue_attributes(QueueUrl=queue_url, AttributeNames=list(ATTRIBUTES))  # type: ignore[arg-type]
    attributes: dict[str, str] = {str(key): value for key, value in response.get("Attributes", {}).items()}
    return parse_queue_attributes(attributes, name=name, now=now, include_delayed=include_delayed)
