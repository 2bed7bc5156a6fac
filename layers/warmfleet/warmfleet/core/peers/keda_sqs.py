"""KEDA's ``aws-sqs-queue`` scaler: trigger metadata, the queue length and the activity test.

Mirrors ``pkg/scalers/aws_sqs_queue_scaler.go`` of kedacore/keda
(https://keda.sh/docs/latest/scalers/aws-sqs/): the scaler asks ``GetQueueAttributes`` for
``ApproximateNumberOfMessages``, plus ``...NotVisible`` when ``scaleOnInFlight`` (default true) and
``...Delayed`` when ``scaleOnDelayed`` (default false); the length is their sum, each parsed as a base-10
int64, and any missing or unparsable attribute fails the whole call. The length is reported as an
``AverageValue`` metric against ``queueLength`` (default 5), and the trigger is active iff
``length > activationQueueLength`` (default 0). The AWS call itself is not here: the caller passes the
returned attributes (or the API error) in, so this module stays pure.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

from warmfleet.core.rules.activation import INT64_MAX, is_active

VISIBLE = "ApproximateNumberOfMessages"
IN_FLIGHT = "ApproximateNumberOfMessagesNotVisible"
DELAYED = "ApproximateNumberOfMessagesDelayed"

DEFAULT_QUEUE_LENGTH = 5
DEFAULT_ACTIVATION_QUEUE_LENGTH = 0
INT64_MIN = -(2**63)

_GO_TRUE = frozenset({"1", "t", "T", "TRUE", "true", "True"})
_GO_FALSE = frozenset({"0", "f", "F", "FALSE", "false", "False"})
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*:")
_GO_INT = re.compile(r"^[+-]?[0-9]+$")


def parse_go_bool(text: str) -> bool:
    """Go's ``strconv.ParseBool``; raises ValueError for anything else."""
    if text in _GO_TRUE:
        return True
    if text in _GO_FALSE:
        return False
    raise ValueError(f"strconv.ParseBool: parsing {text!r}: invalid syntax")


def parse_go_int64(text: str) -> int:
    """Go's ``strconv.ParseInt(s, 10, 64)``: optional sign, decimal digits only, int64 range."""
    if not _GO_INT.match(text):
        raise ValueError(f"strconv.ParseInt: parsing {text!r}: invalid syntax")
    value = int(text)
    if not INT64_MIN <= value <= INT64_MAX:
        raise ValueError(f"strconv.ParseInt: parsing {text!r}: value out of range")
    return value


@dataclass(frozen=True, slots=True)
class SqsQueueMetadata:
    """A parsed ``aws-sqs-queue`` trigger (authentication left out: it never changes a decision)."""

    queue_url: str
    queue_name: str
    aws_region: str
    target_queue_length: int = DEFAULT_QUEUE_LENGTH
    activation_queue_length: int = DEFAULT_ACTIVATION_QUEUE_LENGTH
    scale_on_in_flight: bool = True
    scale_on_delayed: bool = False
    aws_endpoint: str = ""

    @property
    def requested_attributes(self) -> tuple[str, ...]:
        """The attributes the scaler requests, in KEDA's order."""
        names = [VISIBLE]
        if self.scale_on_in_flight:
            names.append(IN_FLIGHT)
        if self.scale_on_delayed:
            names.append(DELAYED)
        return tuple(names)


def queue_name_from_url(queue_url: str) -> str:
    """The queue name: the last of exactly two path segments of a URL, or the value itself.

    A value that Go's ``url.ParseRequestURI`` rejects (no scheme, not an absolute path) is a plain
    queue name.

    >>> queue_name_from_url("https://sqs.eu-west-1.amazonaws.com/account_id/DeleteArtifactQ")
    'DeleteArtifactQ'
    >>> queue_name_from_url("my-queue")
    'my-queue'
    """
    if _SCHEME.match(queue_url):
        path = urlsplit(queue_url).path
    elif queue_url.startswith("/"):
        path = queue_url.split("?", 1)[0]
    else:
        return queue_url
    parts = path.split("/")
    if len(parts) != 3 or not parts[2]:
        raise ValueError("cannot get queueName from queueURL")
    return parts[2]


_NORMALIZED = str.maketrans({character: "-" for character in '/.:%()" <>|+[]'})


def sqs_metric_name(trigger_index: int, queue_name: str) -> str:
    """The HPA external metric name: ``s<index>-aws-sqs-<queue>``, normalised like KEDA's ``NormalizeString``.

    >>> sqs_metric_name(1, "DeleteArtifactQ")
    's1-aws-sqs-DeleteArtifactQ'
    """
    return f"s{trigger_index}-" + f"aws-sqs-{queue_name}".translate(_NORMALIZED)


def _optional(metadata: Mapping[str, str], key: str) -> str | None:
    value = metadata.get(key)
    return value if value else None


def parse_sqs_metadata(
    trigger_metadata: Mapping[str, str],
    resolved_env: Mapping[str, str] | None = None,
    auth_params: Mapping[str, str] | None = None,
) -> SqsQueueMetadata:
    """Parse trigger metadata like KEDA's typed scaler config; raises ValueError with KEDA's reason.

    ``queueURL`` comes from the metadata or, through ``queueURLFromEnv``, from the resolved environment of
    the scale target (passed in: this module never reads ``os.environ``); ``awsRegion`` from the metadata
    or the authentication parameters.
    """
    env = resolved_env or {}
    auth = auth_params or {}
    queue_length = _optional(trigger_metadata, "queueLength")
    activation = _optional(trigger_metadata, "activationQueueLength")
    in_flight = _optional(trigger_metadata, "scaleOnInFlight")
    delayed = _optional(trigger_metadata, "scaleOnDelayed")
    queue_url = _optional(trigger_metadata, "queueURL")
    if queue_url is None:
        env_key = _optional(trigger_metadata, "queueURLFromEnv")
        if env_key is None:
            raise ValueError("no queueURL given")
        queue_url = env.get(env_key) or None
        if queue_url is None:
            raise ValueError(f"queueURLFromEnv `{env_key}` env variable value is empty")
    region = _optional(trigger_metadata, "awsRegion") or _optional(auth, "awsRegion")
    if region is None:
        raise ValueError("no awsRegion given")
    return SqsQueueMetadata(
        queue_url=queue_url,
        queue_name=queue_name_from_url(queue_url),
        aws_region=region,
        target_queue_length=DEFAULT_QUEUE_LENGTH if queue_length is None else parse_go_int64(queue_length),
        activation_queue_length=(
            DEFAULT_ACTIVATION_QUEUE_LENGTH if activation is None else parse_go_int64(activation)
        ),
        scale_on_in_flight=True if in_flight is None else parse_go_bool(in_flight),
        scale_on_delayed=False if delayed is None else parse_go_bool(delayed),
        aws_endpoint=trigger_metadata.get("awsEndpoint", ""),
    )


@dataclass(frozen=True, slots=True)
class QueueLength:
    """The summed length, or ``-1`` with the reason the attributes could not be used."""

    length: int
    error: str | None = None


def queue_length_from_attributes(requested: tuple[str, ...], attributes: Mapping[str, object]) -> QueueLength:
    """Sum the requested attributes (base-10 int64 strings); unrequested ones are ignored.

    >>> queue_length_from_attributes((VISIBLE, IN_FLIGHT), {VISIBLE: "3", IN_FLIGHT: "2", DELAYED: "9"})
    QueueLength(length=5, error=None)
    >>> queue_length_from_attributes((VISIBLE,), {}).length
    -1
    """
    total = 0
    for name in requested:
        if name not in attributes:
            return QueueLength(-1, f"metric {name} not found in SQS queue attributes")
        try:
            total += parse_go_int64(str(attributes[name]))
        except ValueError as error:
            return QueueLength(-1, str(error))
    return QueueLength(total)


@dataclass(frozen=True, slots=True)
class SqsMetric:
    """``GetMetricsAndActivity``: the length as the metric value and the activity, or an error."""

    value: int | None
    active: bool
    error: str | None = None


def sqs_metric_and_activity(
    metadata: SqsQueueMetadata, attributes: Mapping[str, object] | None, api_error: str | None = None
) -> SqsMetric:
    """The scaler's metric for one poll; ``attributes`` is what ``GetQueueAttributes`` returned."""
    if api_error is not None or attributes is None:
        return SqsMetric(None, False, api_error or "GetQueueAttributes returned no attributes")
    length = queue_length_from_attributes(metadata.requested_attributes, attributes)
    if length.error is not None:
        return SqsMetric(None, False, length.error)
    return SqsMetric(length.length, is_active(length.length, metadata.activation_queue_length))
