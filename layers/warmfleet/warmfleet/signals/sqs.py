"""SQS collector: the queue backlog (visible + in flight [+ delayed]) as a total signal, like KEDA's.

GetQueueAttributes answers at once from the queue itself, so the reading is as fresh as the call; CloudWatch's
AWS/SQS metrics lag by minutes and are left to the alarms. KEDA counts visible and in-flight messages and,
optionally, delayed ones (https://keda.sh/docs/latest/scalers/aws-sqs/); its rule (each attribute a base-10
int64, a missing or unparsable one fails the reading) is `warmfleet.core.peers.keda_sqs`'s, used here as is.
`parse_queue_attributes` is pure; a reading KEDA's rule refuses is missing, never zero.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING

from warmfleet.core.inputs import SignalReading
from warmfleet.core.peers.keda_sqs import DELAYED, IN_FLIGHT, VISIBLE, queue_length_from_attributes

if TYPE_CHECKING:
    from mypy_boto3_sqs import SQSClient

__all__ = ["ATTRIBUTES", "DELAYED", "IN_FLIGHT", "VISIBLE", "collect_backlog", "parse_queue_attributes"]

ATTRIBUTES = (VISIBLE, IN_FLIGHT, DELAYED)


def parse_queue_attributes(
    attributes: Mapping[str, str], *, name: str, now: datetime, include_delayed: bool = False
) -> SignalReading:
    """The backlog reading of one GetQueueAttributes answer (KEDA's scaleOnInFlight on, scaleOnDelayed
    as `include_delayed`).

    Examples
    --------
    >>> from datetime import UTC, datetime
    >>> now = datetime(2026, 1, 1, tzinfo=UTC)
    >>> parse_queue_attributes({VISIBLE: "7", IN_FLIGHT: "3", DELAYED: "5"}, name="backlog", now=now).value
    10.0
    >>> parse_queue_attributes({VISIBLE: "1.5", IN_FLIGHT: "0"}, name="backlog", now=now).value is None
    True
    """
    requested = ATTRIBUTES if include_delayed else (VISIBLE, IN_FLIGHT)
    length = queue_length_from_attributes(requested, attributes)
    # SQS never counts below zero: a negative count (KEDA would add it in) is a broken answer, not a backlog.
    negative = any(str(attributes.get(attribute, "")).startswith("-") for attribute in requested)
    if length.error is not None or negative:
        return SignalReading(name=name, value=None, timestamp=None)
    return SignalReading(name=name, value=float(length.length), timestamp=now)


def collect_backlog(
    client: SQSClient, queue_url: str, *, name: str, now: datetime, include_delayed: bool = False
) -> SignalReading:
    response = client.get_queue_attributes(QueueUrl=queue_url, AttributeNames=list(ATTRIBUTES))  # type: ignore[arg-type]
    attributes: dict[str, str] = {str(key): value for key, value in response.get("Attributes", {}).items()}
    return parse_queue_attributes(attributes, name=name, now=now, include_delayed=include_delayed)
