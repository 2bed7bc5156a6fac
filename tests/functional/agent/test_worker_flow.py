"""The queue worker end to end on moto: S3 and reply-queue results, poison messages, long work, hand-back."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from typing import Any

import pytest
from warmfleet_inference.agent.server_client import ServerClient
from warmfleet_inference.client import submit
from warmfleet_inference.worker import QueueWorker, ResultDocument, ResultStatus, ResultStore, WorkerSettings

from tests.conftest import load_event
from tests.functional.agent.conftest import Aws, s3_request, wait_until
from tests.functional.agent.standins import FakeInferenceServer

INPUTS = [{"name": "input", "shape": [1, 4], "datatype": "FP32", "data": [0.5, 1.0, 1.5, 2.0]}]


@pytest.fixture
def workers(aws: Aws) -> Iterator[list[QueueWorker]]:
    started: list[QueueWorker] = []
    yield started
    for worker in started:
        worker.close()


def start_worker(
    aws: Aws, server: FakeInferenceServer, queue_url: str, started: list[QueueWorker], **settings: Any
) -> QueueWorker:
    options: dict[str, Any] = {
        "concurrency": 2,
        "wait_seconds": 1,
        "visibility_timeout": 30,
        "retry_delay": 0,
    }
    options |= settings
    worker = QueueWorker(
        WorkerSettings(queue_url=queue_url, instance_id=f"i-worker{len(started)}", **options),
        aws.sqs,
        ResultStore(aws.s3, aws.sqs),
        ServerClient(server.url),
    )
    worker.start()
    started.append(worker)
    return worker


def test_s3_round_trip(aws: Aws, name: str, server: FakeInferenceServer, workers: list[QueueWorker]) -> None:
    # GIVEN a worker on a queue and a results bucket
    queue_url = aws.queue(name)
    aws.s3.create_bucket(Bucket=name)
    start_worker(aws, server, queue_url, workers)
    # WHEN a client submits a request with an S3 result target and waits
    result = submit(
        queue_url, model="classifier", inputs=INPUTS, results_bucket=name, timeout=15, sqs=aws.sqs, s3=aws.s3
    )
    # THEN the server's answer is the stored result, inferred once, and the message is gone
    assert result.status is ResultStatus.SUCCEEDED
    assert result.response is not None and result.response["outputs"][0]["data"] == [5.0]
    assert server.inferences[result.request_id] == 1
    wait_until(lambda: aws.queue_depth(queue_url) == (0, 0), 5, "the message to be deleted")


def test_reply_queue_round_trip_leaves_other_replies(
    aws: Aws, name: str, server: FakeInferenceServer, workers: list[QueueWorker]
) -> None:
    # GIVEN a reply queue that already holds another client's reply
    queue_url, reply_url = aws.queue(name), aws.queue(f"{name}-replies")
    other = load_event("queue/result-succeeded.json")
    aws.sqs.send_message(
        QueueUrl=reply_url,
        MessageBody=json.dumps(other),
        MessageAttributes={"requestId": {"DataType": "String", "StringValue": other["requestId"]}},
    )
    start_worker(aws, server, queue_url, workers)
    # WHEN a client submits with the reply queue as target
    result = submit(
        queue_url,
        model="classifier",
        inputs=INPUTS,
        reply_queue_url=reply_url,
        timeout=15,
        sqs=aws.sqs,
        s3=aws.s3,
    )
    # THEN it gets its own reply, and the other client's reply is still there for its owner
    assert result.status is ResultStatus.SUCCEEDED
    left = aws.drain_queue(reply_url)
    assert [json.loads(m["Body"])["requestId"] for m in left] == [other["requestId"]]


def test_a_message_without_target_uses_the_worker_default(
    aws: Aws, name: str, server: FakeInferenceServer, workers: list[QueueWorker]
) -> None:
    # GIVEN the documented sample without a result target, and a worker with a default bucket
    queue_url = aws.queue(name)
    aws.s3.create_bucket(Bucket=name)
    request = load_event("queue/request-default-target.json")
    aws.sqs.send_message(QueueUrl=queue_url, MessageBody=json.dumps(request))
    start_worker(aws, server, queue_url, workers, results_bucket=name)

    # WHEN the worker runs it; THEN the result lands at results/<requestId>.json
    def stored() -> ResultDocument | None:
        try:
            body = aws.s3.get_object(Bucket=name, Key=f"results/{request['requestId']}.json")["Body"].read()
        except aws.s3.exceptions.NoSuchKey:
            return None
        return ResultDocument.model_validate_json(body)

    document = wait_until(stored, 10, "the default-target result")
    assert document.status is ResultStatus.SUCCEEDED
    assert document.response["outputs"][0]["data"] == [10.0]


@pytest.mark.parametrize(
    "fixture",
    [
        pytest.param("request-malformed-no-inputs.json", id="no-inputs"),
        pytest.param("request-malformed-two-targets.json", id="two-targets"),
    ],
)
def test_malformed_messages_are_left_to_the_dlq(
    aws: Aws,
    name: str,
    server: FakeInferenceServer,
    workers: list[QueueWorker],
    caplog: pytest.LogCaptureFixture,
    fixture: str,
) -> None:
    # GIVEN a queue whose redrive policy moves a message to the DLQ after 2 receives
    queue_url, dlq_url = aws.queue_with_dlq(name, max_receive_count=2)
    aws.sqs.send_message(QueueUrl=queue_url, MessageBody=json.dumps(load_event(f"queue/{fixture}")))
    # WHEN the worker receives the malformed message
    with caplog.at_level(logging.WARNING, logger="warmfleet_inference.worker"):
        start_worker(aws, server, queue_url, workers, max_receive_count=2)
        wait_until(lambda: aws.queue_depth(dlq_url)[0] == 1, 10, "the poison message in the DLQ")
    # THEN it never reached the server, was never deleted, and the log says why
    assert not server.inferences
    assert any("poison message (malformed" in record.message for record in caplog.records)


def test_a_request_the_server_refuses_gets_a_failed_result_then_the_dlq(
    aws: Aws, name: str, server: FakeInferenceServer, workers: list[QueueWorker]
) -> None:
    # GIVEN a request whose data does not match its shape (the server answers 400 every time)
    queue_url, dlq_url = aws.queue_with_dlq(name, max_receive_count=2)
    aws.s3.create_bucket(Bucket=name)
    bad_inputs = [{"name": "input", "shape": [1, 5], "datatype": "FP32", "data": [1.0, 2.0]}]
    start_worker(aws, server, queue_url, workers, max_receive_count=2)
    # WHEN it is submitted
    result = submit(
        queue_url,
        model="classifier",
        inputs=bad_inputs,
        results_bucket=name,
        timeout=15,
        sqs=aws.sqs,
        s3=aws.s3,
    )
    # THEN on its last receive the client is told why, and the message itself goes to the DLQ
    assert result.status is ResultStatus.FAILED
    assert result.error is not None and "permanent-failure" in result.error and "shape" in result.error
    assert result.receive_count == 2
    wait_until(lambda: aws.queue_depth(dlq_url)[0] == 1, 10, "the refused message in the DLQ")


def test_long_work_keeps_its_message_invisible(
    aws: Aws, name: str, server: FakeInferenceServer, workers: list[QueueWorker]
) -> None:
    # GIVEN inference that takes longer than the visibility timeout (4 s against 3 s)
    server.infer_delay = 4.0
    queue_url = aws.queue(name)
    aws.s3.create_bucket(Bucket=name)
    worker = start_worker(aws, server, queue_url, workers, concurrency=1, visibility_timeout=3)
    aws.sqs.send_message(QueueUrl=queue_url, MessageBody=json.dumps(s3_request(name, "long-1")))
    wait_until(lambda: worker.busy == 1, 5, "the worker to take the message")
    # WHEN another consumer polls while the work goes on
    stolen = aws.sqs.receive_message(QueueUrl=queue_url, WaitTimeSeconds=5).get("Messages", [])
    # THEN it gets nothing: the heartbeat extended the visibility; the request ran once
    assert stolen == []
    wait_until(lambda: worker.completed == 1, 10, "the long request to complete")
    assert server.inferences["long-1"] == 1


def test_a_cut_short_message_is_finished_by_one_instance_only(
    aws: Aws, name: str, server: FakeInferenceServer, workers: list[QueueWorker]
) -> None:
    # GIVEN worker A holding a slow request when its drain times out
    server.infer_delay = 2.0
    queue_url = aws.queue(name)
    aws.s3.create_bucket(Bucket=name)
    first = start_worker(aws, server, queue_url, workers, concurrency=1)
    aws.sqs.send_message(QueueUrl=queue_url, MessageBody=json.dumps(s3_request(name, "cut-1")))
    wait_until(lambda: server.inflight == 1, 5, "the request to reach the server")
    first.stop_receiving()
    # WHEN A hands its message back, and worker B (another instance) takes it
    assert first.release_held() == 1
    other_server = FakeInferenceServer()
    try:
        second = start_worker(aws, other_server, queue_url, workers)
        wait_until(lambda: second.completed == 1, 10, "instance B to finish the message")
        wait_until(lambda: server.inflight == 0, 5, "A's abandoned inference to end")
    finally:
        other_server.stop()
    # THEN only B stored a result and deleted the message; A's late answer was dropped
    body = aws.s3.get_object(Bucket=name, Key="results/cut-1.json")["Body"].read()
    assert ResultDocument.model_validate_json(body).instance_id == "i-worker1"
    assert first.completed == 0
    assert aws.queue_depth(queue_url) == (0, 0)
