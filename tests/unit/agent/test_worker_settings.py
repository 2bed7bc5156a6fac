"""The queue worker's default result target: what a message that names none gets."""

from __future__ import annotations

import pytest
from warmfleet_inference.worker.settings import WorkerSettings

QUEUE = "https://sqs.us-east-1.amazonaws.com/123456789012/jobs"
REPLY = "https://sqs.us-east-1.amazonaws.com/123456789012/replies"


@pytest.mark.parametrize(
    ("results_bucket", "reply_queue_url", "expected"),
    [
        pytest.param("results-1", None, ("s3", "results-1"), id="bucket-only"),
        pytest.param(None, REPLY, ("reply", REPLY), id="reply-queue-only"),
        pytest.param("results-1", REPLY, ("s3", "results-1"), id="both-the-bucket-first"),
        pytest.param(None, None, None, id="neither"),
    ],
)
def test_default_target(
    results_bucket: str | None, reply_queue_url: str | None, expected: tuple[str, str] | None
) -> None:
    # GIVEN a worker configured with these defaults (the stack provisions both, the bootstrap passes both)
    settings = WorkerSettings(
        queue_url=QUEUE, instance_id="i-0", results_bucket=results_bucket, reply_queue_url=reply_queue_url
    )
    # WHEN a message names no result target
    target = settings.default_target("r-1")
    # THEN its result goes to the bucket when there is one, else the reply queue, else nowhere
    if expected is None:
        assert target is None
        return
    assert target is not None
    found = ("s3", target.s3.bucket) if target.s3 is not None else ("reply", target.reply_queue_url)
    assert found == expected
    if target.s3 is not None:
        assert target.s3.key == "results/r-1.json"
