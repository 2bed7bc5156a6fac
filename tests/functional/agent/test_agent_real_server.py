"""The agent as its own process beside the real inference server: warm, serve the queue, SIGTERM, drained.

Everything is real except AWS (moto on loopback): `warmfleet-inference serve` on a tiny model made by
`make-model`, the agent process started from its argparse entry (`add_agent_parser`) with its own signal
handling, the `submit` client. The events are read back through an EventBridge rule and parsed with the
lifecycle function's own model, so producer and consumer are checked against each other.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from warmfleet.models.instance import InstanceEvent
from warmfleet_inference.client import submit
from warmfleet_inference.worker.schema import ResultStatus

from tests.functional.agent.conftest import Aws, EventCatcher, wait_until
from tests.functional.inference.conftest import BIN, ServerProcess, start_server

INSTANCE_ID = "i-0123456789abcdef0"
# The agent's argparse entry, run the way the console script will once `agent` is registered in cli.py.
AGENT_ENTRY = (
    "import argparse, logging, sys\n"
    "from warmfleet_inference.agent.cli import add_agent_parser\n"
    "logging.basicConfig(level=logging.INFO)\n"
    "parser = argparse.ArgumentParser()\n"
    "add_agent_parser(parser.add_subparsers())\n"
    "args = parser.parse_args(sys.argv[1:])\n"
    "sys.exit(args.run(args))\n"
)


def as_lifecycle_event(delivered: dict[str, Any]) -> InstanceEvent:
    """Parse a delivered event with the lifecycle function's model (moto's envelope omits `account`)."""
    return InstanceEvent.model_validate({"account": "123456789012", **delivered})


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """FP32 [-1, 4] -> [-1, 3], one hidden layer: loads and warms in well under a second."""
    path = tmp_path_factory.mktemp("agent-model") / "tiny.onnx"
    command = [str(BIN / "warmfleet-inference"), "make-model", str(path), "--input-dim", "4"]
    command += ["--hidden-dim", "8", "--layers", "1", "--output-dim", "3"]
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    return path


@pytest.fixture
def real_server(tiny_model: Path, tmp_path: Path) -> Iterator[ServerProcess]:
    server = start_server(str(tiny_model), tmp_path, "--warmup-batch-sizes", "1", "--warmup-iterations", "1")
    yield server
    server.stop()


@pytest.mark.slow
def test_agent_process_warms_serves_the_queue_and_drains_on_sigterm(
    aws: Aws, name: str, events: EventCatcher, real_server: ServerProcess, tmp_path: Path
) -> None:
    # GIVEN the real server, a queue, a results bucket, and the agent process beside them
    queue_url = aws.queue(name)
    aws.s3.create_bucket(Bucket=name)
    log = tmp_path / "agent.log"
    argv = ["agent", "--group", name, "--server", real_server.url, "--instance-id", INSTANCE_ID]
    argv += ["--model-version", "v42", "--interval", "0.5", "--ready-poll", "0.1", "--queue-url", queue_url]
    argv += ["--queue-wait-seconds", "1"]
    with log.open("wb") as sink:
        agent = subprocess.Popen(
            [sys.executable, "-c", AGENT_ENTRY, *argv], stdout=sink, stderr=subprocess.STDOUT
        )
    try:
        # WHEN the server is warm
        warm = as_lifecycle_event(events.wait_for("Instance Warm", timeout=30))
        # THEN Instance Warm carries the server's own warm-up time, parsed by the lifecycle model
        assert (warm.detail.instance_id, warm.detail.model_version) == (INSTANCE_ID, "v42")
        assert getattr(warm.detail, "warmup_seconds", 0) > 0
        # WHEN a client submits an asynchronous request through the queue
        inputs = [{"name": "input", "shape": [1, 4], "datatype": "FP32", "data": [0.1, 0.2, 0.3, 0.4]}]
        result = submit(
            queue_url, model="tiny", inputs=inputs, results_bucket=name, timeout=30, sqs=aws.sqs, s3=aws.s3
        )
        # THEN the real model answered it
        assert result.status is ResultStatus.SUCCEEDED, result.error
        assert result.response is not None and result.response["outputs"][0]["shape"] == [1, 3]
        assert result.instance_id == INSTANCE_ID

        # AND the in-flight metric reached CloudWatch under both dimension sets
        def published(dimensions: list[dict[str, str]]) -> bool:
            listed = aws.cloudwatch.list_metrics(
                Namespace="warmfleet", MetricName="InFlightRequests", Dimensions=dimensions
            )["Metrics"]
            return any(len(metric["Dimensions"]) == len(dimensions) for metric in listed)

        group = [{"Name": "AutoScalingGroupName", "Value": name}]
        wait_until(lambda: published(group), 10, "InFlightRequests by group")
        wait_until(
            lambda: published([*group, {"Name": "InstanceId", "Value": INSTANCE_ID}]), 10, "by instance"
        )
        # WHEN the instance gets SIGTERM
        os.kill(agent.pid, signal.SIGTERM)
        # THEN the server drains and exits 0, the agent sends Instance Drained and exits 0
        assert real_server.process.wait(timeout=30) == 0
        assert agent.wait(timeout=30) == 0, log.read_text()
        drained = as_lifecycle_event(events.wait_for("Instance Drained"))
        assert drained.detail.instance_id == INSTANCE_ID
        assert events.seen[-1]["detail"]["trigger"] == "sigterm"
        assert aws.queue_depth(queue_url) == (0, 0)
    finally:
        if agent.poll() is None:
            os.kill(agent.pid, signal.SIGKILL)
            agent.wait(timeout=10)
