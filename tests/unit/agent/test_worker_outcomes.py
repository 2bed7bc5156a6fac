"""What each server reply means for a queue message."""

from __future__ import annotations

import pytest
from warmfleet_inference.worker.outcomes import ReplyOutcome, classify_reply


@pytest.mark.parametrize(
    ("status", "outcome"),
    [
        pytest.param(200, ReplyOutcome.SUCCEEDED, id="ok"),
        pytest.param(503, ReplyOutcome.HAND_BACK, id="draining"),
        pytest.param(429, ReplyOutcome.HAND_BACK, id="overloaded"),
        pytest.param(400, ReplyOutcome.PERMANENT_FAILURE, id="bad-input"),
        pytest.param(404, ReplyOutcome.PERMANENT_FAILURE, id="unknown-model"),
        pytest.param(500, ReplyOutcome.TRANSIENT_FAILURE, id="server-error"),
        pytest.param(502, ReplyOutcome.TRANSIENT_FAILURE, id="bad-gateway"),
    ],
)
def test_classify_reply(status: int, outcome: ReplyOutcome) -> None:
    assert classify_reply(status) is outcome
