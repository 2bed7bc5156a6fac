"""`warmfleet-inference submit` (its argparse entry) against moto and a running queue worker."""

from __future__ import annotations

import argparse
import json
from collections.abc import Iterator

import pytest
from warmfleet_inference.agent.server_client import ServerClient
from warmfleet_inference.worker import QueueWorker, ResultStore, WorkerSettings
from warmfleet_inference.worker.cli import add_submit_parser

from tests.functional.agent.conftest import Aws
from tests.functional.agent.standins import FakeInferenceServer

INPUTS = '[{"name": "input", "shape": [1, 2], "datatype": "FP32", "data": [1.5, 2.5]}]'


def run_submit(*argv: str) -> int:
    parser = argparse.ArgumentParser()
    add_submit_parser(parser.add_subparsers())
    args = parser.parse_args(["submit", *argv])
    return int(args.run(args))


@pytest.fixture
def queue_with_worker(aws: Aws, name: str, server: FakeInferenceServer) -> Iterator[str]:
    queue_url = aws.queue(name)
    aws.s3.create_bucket(Bucket=name)
    settings = WorkerSettings(queue_url=queue_url, instance_id="i-submit", wait_seconds=1)
    worker = QueueWorker(settings, aws.sqs, ResultStore(aws.s3, aws.sqs), ServerClient(server.url))
    worker.start()
    yield queue_url
    worker.close()


def test_submit_prints_the_result_and_exits_0(
    name: str, queue_with_worker: str, capsys: pytest.CaptureFixture[str]
) -> None:
    # GIVEN a queue served by a worker; WHEN a request is submitted from the command line
    code = run_submit("--queue-url", queue_with_worker, "--model", "classifier", "--inputs", INPUTS,
                      "--results-bucket", name, "--request-id", "cli-1", "--timeout", "15")  # fmt: skip
    # THEN the result document is printed and the exit code says it succeeded
    printed = json.loads(capsys.readouterr().out)
    assert code == 0
    assert (printed["requestId"], printed["status"]) == ("cli-1", "succeeded")
    assert printed["response"]["outputs"][0]["data"] == [4.0]


@pytest.mark.parametrize(
    ("inputs", "message"),
    [
        pytest.param("not json", "Expecting value", id="not-json"),
        pytest.param('{"name": "input"}', "JSON list", id="not-a-list"),
        pytest.param("[]", "at least 1", id="no-inputs"),
        pytest.param("@/nonexistent/inputs.json", "No such file", id="missing-file"),
    ],
)
def test_bad_inputs_exit_2_and_send_nothing(
    aws: Aws, name: str, inputs: str, message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    # GIVEN an empty queue; WHEN the inputs are unusable
    queue_url = aws.queue(name)
    code = run_submit("--queue-url", queue_url, "--model", "m", "--inputs", inputs, "--results-bucket", name)
    # THEN the command says why, exits 2, and the queue is still empty
    assert code == 2
    assert message in capsys.readouterr().err
    assert aws.queue_depth(queue_url) == (0, 0)


def test_no_result_in_time_exits_1(aws: Aws, name: str, capsys: pytest.CaptureFixture[str]) -> None:
    # GIVEN a queue nobody serves; WHEN a request is submitted with a short timeout
    queue_url = aws.queue(name)
    aws.s3.create_bucket(Bucket=name)
    code = run_submit("--queue-url", queue_url, "--model", "m", "--inputs", INPUTS, "--results-bucket", name,
                      "--timeout", "1")  # fmt: skip
    # THEN it gives up with exit 1, and the request stays queued for when a worker comes
    assert code == 1
    assert "no result for request" in capsys.readouterr().err
    assert aws.queue_depth(queue_url) == (1, 0)
