"""The SQS queue worker for asynchronous inference, and the message schema it shares with `submit`.

`schema` holds the request message and result document, `worker` the receive / run / store / delete loop
with visibility extension and drain hand-back, `results` where a result is stored (S3 or a reply queue),
`outcomes` what a server reply means for the message, `settings` the worker's options, `cli` the `submit`
subcommand. The public names import on first use (they bring pydantic and httpx), so the command line's
`--help` stays fast.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
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

_LAZY = {
    "ReplyOutcome": "outcomes",
    "classify_reply": "outcomes",
    "ResultStore": "results",
    "InferenceRequestMessage": "schema",
    "ResultDocument": "schema",
    "ResultStatus": "schema",
    "ResultTarget": "schema",
    "S3Location": "schema",
    "WorkerSettings": "settings",
    "QueueWorker": "worker",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(f"{__name__}.{_LAZY[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


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
