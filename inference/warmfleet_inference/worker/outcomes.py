"""What the server's answer to an inference means for the queue message that carried it.

Pure. A 2xx is a result to store; 503 (draining, not ready) and 429 mean "not here, not now": the message
goes straight back to the queue for another instance, which is what keeps a drain from losing work; any
other 4xx means the request itself is wrong and retrying cannot help (it goes to the DLQ after
`maxReceiveCount` receives); a 5xx or an unreachable server may be transient and is retried.
"""

from __future__ import annotations

from enum import StrEnum


class ReplyOutcome(StrEnum):
    """What the server's answer means for the message."""

    SUCCEEDED = "succeeded"
    HAND_BACK = "hand-back"  # 503: this server is draining or not ready; another instance should take it
    PERMANENT_FAILURE = "permanent-failure"  # 4xx: the request itself is wrong; retrying will not help
    TRANSIENT_FAILURE = "transient-failure"  # 5xx, transport error: retried, DLQ if it keeps failing


def classify_reply(status_code: int) -> ReplyOutcome:
    if 200 <= status_code < 300:
        return ReplyOutcome.SUCCEEDED
    if status_code in (503, 429):
        return ReplyOutcome.HAND_BACK
    if 400 <= status_code < 500:
        return ReplyOutcome.PERMANENT_FAILURE
    return ReplyOutcome.TRANSIENT_FAILURE
