"""Store a request's result where its message asked: an S3 object or a message on a reply queue.

The worker deletes a request message only after `ResultStore.store` returned, so a crash between the two
re-runs the request rather than losing its result (at-least-once, as SQS itself is). A reply message
carries the request id as the `requestId` message attribute, so a client can match it without parsing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from warmfleet_inference.worker.schema import ResultDocument, ResultTarget

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client
    from mypy_boto3_sqs import SQSClient

REQUEST_ID_ATTRIBUTE = "requestId"


def default_result_key(request_id: str) -> str:
    """The S3 key of a result when the message names a bucket only through the worker's default."""
    return f"results/{request_id}.json"


class ResultStore:
    """Writes `ResultDocument`s to S3 or to a reply queue."""

    def __init__(self, s3: S3Client, sqs: SQSClient) -> None:
        self._s3 = s3
        self._sqs = sqs

    def store(self, target: ResultTarget, document: ResultDocument) -> None:
        body = document.model_dump_json(by_alias=True)
        if target.s3 is not None:
            self._s3.put_object(
                Bucket=target.s3.bucket,
                Key=target.s3.key,
                Body=body.encode(),
                ContentType="application/json",
            )
            return
        assert target.reply_queue_url is not None  # ResultTarget guarantees exactly one
        self._sqs.send_message(
            QueueUrl=target.reply_queue_url,
            MessageBody=body,
            MessageAttributes={
                REQUEST_ID_ATTRIBUTE: {"DataType": "String", "StringValue": document.request_id}
            },
        )
