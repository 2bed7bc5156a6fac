"""The queue worker's settings (one frozen dataclass; the agent's command line fills it).

A request message names its own result target; the worker's results bucket and reply queue are only the
default for a message that names none. The stack provisions both (and the bootstrap passes both), so both
may be given: the results bucket is then the default, being the durable store with no size limit (an SQS
message body stops at 256 KiB).
"""

from __future__ import annotations

from dataclasses import dataclass

from warmfleet_inference.worker.results import default_result_key
from warmfleet_inference.worker.schema import ResultTarget, S3Location


@dataclass(frozen=True)
class WorkerSettings:
    queue_url: str
    instance_id: str
    results_bucket: str | None = None  # default target: s3://BUCKET/results/ID.json
    reply_queue_url: str | None = None  # default target when there is no results bucket
    concurrency: int = 4
    wait_seconds: int = 20
    visibility_timeout: int = 60
    retry_delay: int = 10
    max_receive_count: int | None = None  # from the queue's redrive policy; None when it has none

    def __post_init__(self) -> None:
        if self.concurrency < 1 or self.visibility_timeout < 3 or not 0 <= self.wait_seconds <= 20:
            raise ValueError("concurrency >= 1, visibility timeout >= 3 s and a wait of 0-20 s are required")

    def default_target(self, request_id: str) -> ResultTarget | None:
        """Where a message that names no result target has its result stored: the results bucket when
        there is one, else the reply queue, else nowhere (None: the message is poison)."""
        if self.results_bucket:
            return ResultTarget(s3=S3Location(bucket=self.results_bucket, key=default_result_key(request_id)))
        if self.reply_queue_url:
            return ResultTarget(reply_queue_url=self.reply_queue_url)
        return None
