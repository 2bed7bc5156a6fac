"""Submit an asynchronous inference request to the fleet's queue and wait for its result.

`submit()` sends one `InferenceRequestMessage` (see `warmfleet_inference.worker.schema`) and waits for the
`ResultDocument` the queue worker stores: it polls the S3 key, or long-polls the reply queue for the reply
whose `requestId` attribute matches (replies meant for another request are made visible again at once, but
a reply queue per client is the simple way). Polling S3 needs `s3:ListBucket` on the results bucket
besides `s3:GetObject`: without it S3 answers a missing key with 403, not 404, which is raised rather than
waited on. `warmfleet-inference submit` is the same function on the command line.

Example
-------
>>> result = submit(queue_url, model="classifier", inputs=[{"name": "input", "shape": [1, 4],
...                 "datatype": "FP32", "data": [0.1, 0.2, 0.3, 0.4]}],
...                 results_bucket="my-results", timeout=120)  # doctest: +SKIP
>>> result.status                                             # doctest: +SKIP
<ResultStatus.SUCCEEDED: 'succeeded'>
"""

from __future__ import annotations

import time
import uuid
from typing import TYPE_CHECKING, Any

import boto3

from warmfleet_inference.worker.results import REQUEST_ID_ATTRIBUTE, default_result_key
from warmfleet_inference.worker.schema import (
    InferenceRequestMessage,
    ResultDocument,
    ResultTarget,
    S3Location,
)

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client
    from mypy_boto3_sqs import SQSClient


def build_request(
    model: str,
    inputs: list[dict[str, Any]],
    *,
    results_bucket: str | None = None,
    result_key: str | None = None,
    reply_queue_url: str | None = None,
    request_id: str | None = None,
    outputs: list[dict[str, Any]] | None = None,
) -> InferenceRequestMessage:
    """Validate and build a request message; raises pydantic.ValidationError on bad input."""
    if (results_bucket is None) == (reply_queue_url is None):
        raise ValueError("give exactly one of results_bucket or reply_queue_url")
    request_id = request_id or uuid.uuid4().hex
    if results_bucket is not None:
        location = S3Location(bucket=results_bucket, key=result_key or default_result_key(request_id))
        target = ResultTarget(s3=location)
    else:
        target = ResultTarget(reply_queue_url=reply_queue_url)
    return InferenceRequestMessage.model_validate(
        {
            "requestId": request_id,
            "model": model,
            "inputs": inputs,
            "outputs": outputs,
            "resultTarget": target,
        }
    )


def send_request(sqs: SQSClient, queue_url: str, message: InferenceRequestMessage) -> str:
    """Put the message on the queue; returns the SQS message id."""
    body = message.model_dump_json(by_alias=True, exclude_none=True)
    return sqs.send_message(QueueUrl=queue_url, MessageBody=body)["MessageId"]


def wait_for_result(
    message: InferenceRequestMessage,
    *,
    s3: S3Client,
    sqs: SQSClient,
    timeout: float,
    poll_seconds: float = 0.5,
) -> ResultDocument:
    """Wait for the result of `message` at its result target; TimeoutError after `timeout` seconds."""
    target = message.result_target
    if target is None:
        raise ValueError("the message names no result target to wait on")
    deadline = time.monotonic() + timeout
    while (remaining := deadline - time.monotonic()) > 0:
        if target.s3 is not None:
            try:
                body = s3.get_object(Bucket=target.s3.bucket, Key=target.s3.key)["Body"].read()
                return ResultDocument.model_validate_json(body)
            except s3.exceptions.NoSuchKey:
                time.sleep(min(poll_seconds, remaining))
                continue
        assert target.reply_queue_url is not None
        found = _take_reply(sqs, target.reply_queue_url, message.request_id, min(20, max(1, int(remaining))))
        if found is not None:
            return found
    raise TimeoutError(f"no result for request {message.request_id} within {timeout:g}s")


def _take_reply(sqs: SQSClient, queue_url: str, request_id: str, wait_seconds: int) -> ResultDocument | None:
    response = sqs.receive_message(
        QueueUrl=queue_url,
        MaxNumberOfMessages=10,
        WaitTimeSeconds=wait_seconds,
        MessageAttributeNames=["All"],
    )
    found: ResultDocument | None = None
    for reply in response.get("Messages", []):
        attribute = reply.get("MessageAttributes", {}).get(REQUEST_ID_ATTRIBUTE)
        if found is None and attribute is not None and attribute.get("StringValue") == request_id:
            found = ResultDocument.model_validate_json(reply["Body"])
            sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=reply["ReceiptHandle"])
        else:  # someone else's reply: make it visible again for its owner
            sqs.change_message_visibility(
                QueueUrl=queue_url, ReceiptHandle=reply["ReceiptHandle"], VisibilityTimeout=0
            )
    return found


def submit(
    queue_url: str,
    *,
    model: str,
    inputs: list[dict[str, Any]],
    results_bucket: str | None = None,
    result_key: str | None = None,
    reply_queue_url: str | None = None,
    request_id: str | None = None,
    timeout: float = 300.0,
    s3: S3Client | None = None,
    sqs: SQSClient | None = None,
) -> ResultDocument:
    """Send one inference request to the queue and wait for its result (AWS settings from the environment)."""
    message = build_request(
        model,
        inputs,
        results_bucket=results_bucket,
        result_key=result_key,
        reply_queue_url=reply_queue_url,
        request_id=request_id,
    )
    sqs = sqs or boto3.client("sqs")
    s3 = s3 or boto3.client("s3")
    send_request(sqs, queue_url, message)
    return wait_for_result(message, s3=s3, sqs=sqs, timeout=timeout)
