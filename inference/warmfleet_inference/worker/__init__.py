"""The SQS queue worker for asynchronous inference, and the message schema it shares with `submit`.

`schema` holds the request message and result document, `worker` the receive / run / store / delete loop
with visibility extension and drain hand-back, `results` where a result is stored (S3 or a reply queue),
`outcomes` what a server reply means for the message.
"""

from __future__ import annotations

from warmfleet_inference.worker.outcomes import ReplyOutcome, classify_reply
from warmfleet_inference.worker.results import ResultStore
from warmfleet_inference.worker.schema import (
    InferenceRequestMessage,
    ResultDocument,
    ResultStatus,
    ResultTarget,
    S3Location,
)
from warmfleet_inference.worker.settings import WorkerSettings
from warmfleet_inference.worker.worker import QueueWorker

__all__ = [
    "InferenceRequestMessage",
    "QueueWorker",
    "ReplyOutcome",
    "ResultDocument",
    "ResultStatus",
    "ResultStore",
    "ResultTarget",
    "S3Location",
    "WorkerSettings",
    "classify_reply",
]
