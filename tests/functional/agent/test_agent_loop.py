"""The agent end to end on moto: warm-up events, both dimension sets, GPU present/absent/failing, drains.

The agent is composed by the CLI's own `build_agent` from parsed options (IMDS stand-in for the instance id
and lifecycle state, the inference-server stand-in, moto for AWS) and runs in a thread; the tests read back
what CloudWatch stored and what an EventBridge rule delivered to its SQS target.
"""

from __future__ import annotations

import argparse
import json
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pynvml
import pytest
from warmfleet_inference.agent.cli import add_agent_parser
from warmfleet_inference.agent.compose import build_agent
from warmfleet_inference.agent.events import DrainTrigger
from warmfleet_inference.agent.loop import Agent
from warmfleet_inference.agent.publisher import BackgroundPublisher
from warmfleet_inference.worker.schema import ResultDocument

from tests.conftest import load_event
from tests.functional.agent.conftest import Aws, EventCatcher, s3_request, wait_until
from tests.functional.agent.standins import FakeImds, FakeInferenceServer


class RunningAgent:
    def __init__(self, agent: Agent, publisher: BackgroundPublisher) -> None:
        self.agent = agent
        self.publisher = publisher
        self.thread = threading.Thread(target=agent.run, daemon=True)
        self.thread.start()

    def finished(self) -> bool:
        return not self.thread.is_alive()


@pytest.fixture
def agents() -> Iterator[Any]:
    running: list[RunningAgent] = []

    def start(*argv: str) -> RunningAgent:
        parser = argparse.ArgumentParser()
        add_agent_parser(parser.add_subparsers())
        agent, publisher = build_agent(parser.parse_args(["agent", *argv]))
        running.append(RunningAgent(agent, publisher))
        return running[-1]

    yield start
    for item in running:
        item.agent.request_termination(DrainTrigger.SIGTERM)
        item.thread.join(10)
        item.publisher.close(5)


def fast_options(name: str, server: FakeInferenceServer, imds: FakeImds) -> list[str]:
    return [
        "--group", name, "--server", server.url, "--imds-url", imds.url, "--model-version", "v7",
        "--interval", "0.3", "--ready-poll", "0.1", "--lifecycle-poll", "0.1",
    ]  # fmt: skip


def install_gpus(monkeypatch: pytest.MonkeyPatch, mode: str) -> dict[str, Any]:
    """Monkeypatch pynvml: one GPU at 65% / half its memory, no GPU at all, or one that fails mid-run."""
    state = {"reads": 0, "failing": False}

    def init() -> None:
        if mode == "absent":
            raise pynvml.NVMLError(pynvml.NVML_ERROR_LIBRARY_NOT_FOUND)

    def utilization(_handle: int) -> Any:
        state["reads"] += 1
        if state["failing"]:
            raise pynvml.NVMLError(pynvml.NVML_ERROR_GPU_IS_LOST)
        return type("Utilization", (), {"gpu": 65})()

    monkeypatch.setattr(pynvml, "nvmlInit", init)
    monkeypatch.setattr(pynvml, "nvmlShutdown", lambda: None)
    monkeypatch.setattr(pynvml, "nvmlDeviceGetCount", lambda: 1)
    monkeypatch.setattr(pynvml, "nvmlDeviceGetHandleByIndex", lambda index: index)
    monkeypatch.setattr(pynvml, "nvmlDeviceGetUtilizationRates", utilization)
    monkeypatch.setattr(
        pynvml, "nvmlDeviceGetMemoryInfo", lambda _h: type("Memory", (), {"used": 4, "total": 8})()
    )
    return state


def metric_names(aws: Aws, group: str, instance_id: str | None = None) -> set[str]:
    dimensions = [{"Name": "AutoScalingGroupName", "Value": group}]
    if instance_id is not None:
        dimensions.append({"Name": "InstanceId", "Value": instance_id})
    metrics = aws.cloudwatch.list_metrics(Namespace="warmfleet", Dimensions=dimensions)["Metrics"]
    return {m["MetricName"] for m in metrics if len(m["Dimensions"]) == len(dimensions)}


def metric_values(aws: Aws, metric: str, dimensions: list[dict[str, str]]) -> list[float]:
    now = datetime.now(UTC)
    query = {
        "Id": "m",
        "MetricStat": {
            "Metric": {"Namespace": "warmfleet", "MetricName": metric, "Dimensions": dimensions},
            "Period": 1,
            "Stat": "Maximum",
        },
    }
    result = aws.cloudwatch.get_metric_data(
        MetricDataQueries=[query], StartTime=now - timedelta(minutes=5), EndTime=now + timedelta(minutes=1)
    )
    return list(result["MetricDataResults"][0]["Values"])


def group_dimension(group: str) -> dict[str, str]:
    return {"Name": "AutoScalingGroupName", "Value": group}


def instance_dimension(imds: FakeImds) -> dict[str, str]:
    return {"Name": "InstanceId", "Value": imds.instance_id}


ALWAYS = {"InFlightRequests", "RequestLatencyP95"}
GPU = {"GPUUtilization", "GPUMemoryUtilization"}


@pytest.mark.parametrize(
    ("mode", "expected"),
    [
        pytest.param("present", ALWAYS | GPU, id="gpu"),
        pytest.param("absent", ALWAYS, id="no-gpu"),
        pytest.param("failing", ALWAYS | GPU, id="nvml-failing-mid-run"),
    ],
)
def test_warm_metrics_and_lifecycle_drain(
    aws: Aws,
    name: str,
    events: EventCatcher,
    server: FakeInferenceServer,
    imds: FakeImds,
    agents: Any,
    monkeypatch: pytest.MonkeyPatch,
    mode: str,
    expected: set[str],
) -> None:
    # GIVEN a warming server, NVML in the given mode, and an instance in service
    gpus = install_gpus(monkeypatch, mode)
    server.state = "warming"
    running = agents(*fast_options(name, server, imds))
    # WHEN the server becomes ready
    server.state = "ready"
    warm = events.wait_for("Instance Warm")
    # THEN Instance Warm names this instance (from IMDSv2) and the server's own warm-up time
    assert warm["source"] == "warmfleet.instance"
    identity = {"instanceId": imds.instance_id, "autoScalingGroupName": name, "modelVersion": "v7"}
    assert warm["detail"] == identity | {"warmupSeconds": 4.25}
    # WHEN requests flow (and, in the failing mode, NVML breaks and then recovers)
    for _ in range(3):
        httpx.post(f"{server.url}/v2/models/classifier/infer", json=load_event("queue/request-s3.json"))
    if mode == "failing":
        wait_until(lambda: gpus["reads"] >= 2, 5, "a GPU reading")
        gpus["failing"] = True
        reads = gpus["reads"]
        wait_until(lambda: gpus["reads"] >= reads + 2, 5, "NVML retries while failing")
        gpus["failing"] = False
    # THEN every expected metric is published under both dimension sets, and only those
    wait_until(lambda: metric_names(aws, name) == expected, 10, f"metrics {sorted(expected)}")
    assert metric_names(aws, name, imds.instance_id) == expected
    if "GPUUtilization" in expected:
        wait_until(lambda: 65.0 in metric_values(aws, "GPUUtilization", [
            {"Name": "AutoScalingGroupName", "Value": name}, {"Name": "InstanceId", "Value": imds.instance_id}
        ]), 5, "a GPU reading after NVML recovered")  # fmt: skip
    assert running.agent.phase == "serving"
    # WHEN the Auto Scaling group marks the instance for termination
    imds.lifecycle_state = "Terminated"
    drained = events.wait_for("Instance Drained")
    # THEN the agent drained the server and said so, with nothing cut short
    assert server.drain_requests == 1
    assert drained["detail"]["trigger"] == "lifecycle-state"
    assert drained["detail"]["targetLifecycleState"] == "Terminated"
    assert drained["detail"]["cutShort"] == {"inFlightRequests": 0, "heldMessages": 0}
    wait_until(running.finished, 5, "the agent loop to end")


@pytest.mark.parametrize(
    ("state", "reason", "reason_code", "reason_part"),
    [
        pytest.param("failed", "checksum mismatch", "server-failed", "checksum mismatch", id="server-failed"),
        pytest.param("loading", "downloading", "timeout", "last state loading: downloading", id="timeout"),
    ],
)
def test_warmup_failure_is_reported(
    aws: Aws,
    name: str,
    events: EventCatcher,
    server: FakeInferenceServer,
    imds: FakeImds,
    agents: Any,
    state: str,
    reason: str,
    reason_code: str,
    reason_part: str,
) -> None:
    # GIVEN a server that fails its warm-up, or never finishes it within the timeout
    server.state, server.reason = state, reason
    running = agents(*fast_options(name, server, imds), "--warmup-timeout", "0.5")
    # WHEN the agent watches it; THEN Instance Warm-up Failed says why, and no Instance Warm is sent
    failed = events.wait_for("Instance Warm-up Failed")
    assert failed["detail"]["reasonCode"] == reason_code
    assert reason_part in failed["detail"]["reason"]
    assert failed["detail"]["instanceId"] == imds.instance_id
    assert running.agent.phase == "warmup-failed"
    # AND a later termination still drains and reports
    imds.lifecycle_state = "Warmed:Terminated"
    events.wait_for("Instance Drained")
    assert [e["detail-type"] for e in events.seen] == ["Instance Warm-up Failed", "Instance Drained"]


def test_drain_with_messages_held_loses_nothing(
    aws: Aws, name: str, events: EventCatcher, server: FakeInferenceServer, imds: FakeImds, agents: Any
) -> None:
    # GIVEN six queued requests and an agent whose worker holds two slow ones at a time
    server.infer_delay = 1.0
    queue_url = aws.queue(name)
    aws.s3.create_bucket(Bucket=name)
    request_ids = [f"held-{n}" for n in range(6)]
    for request_id in request_ids:
        aws.sqs.send_message(QueueUrl=queue_url, MessageBody=json.dumps(s3_request(name, request_id)))
    running = agents(
        *fast_options(name, server, imds), "--queue-url", queue_url, "--worker-concurrency", "2",
        "--queue-wait-seconds", "1", "--visibility-timeout", "30", "--retry-delay", "0",
    )  # fmt: skip
    worker = running.agent._worker
    wait_until(
        lambda: worker is not None and worker.busy == 2 and server.inflight == 2, 10, "two held messages"
    )
    # AND the worker's load is published under both dimension sets while it holds them
    group_only = [group_dimension(name)]
    with_instance = [group_dimension(name), instance_dimension(imds)]
    wait_until(
        lambda: 2.0 in metric_values(aws, "QueueWorkerBusy", group_only), 10, "QueueWorkerBusy by group"
    )
    wait_until(lambda: 2.0 in metric_values(aws, "QueueWorkerBusy", with_instance), 10, "... by instance")
    # WHEN SIGTERM arrives while they are held
    running.agent.request_termination(DrainTrigger.SIGTERM)
    drained = events.wait_for("Instance Drained")
    # THEN the held requests finished before Instance Drained, and nothing else was started
    assert drained["detail"]["trigger"] == "sigterm"
    assert drained["detail"]["targetLifecycleState"] == "InService"  # a SIGTERM the group did not ask for
    assert drained["detail"]["timedOut"] is False
    assert drained["detail"]["cutShort"] == {"inFlightRequests": 0, "heldMessages": 0}
    first_instance = set(server.inferences)
    assert len(first_instance) >= 2
    # WHEN another instance takes over the queue
    successor = FakeInferenceServer()
    successor_imds = FakeImds(instance_id="i-successor")
    try:
        agents(*fast_options(f"{name}", successor, successor_imds), "--queue-url", queue_url,
               "--queue-wait-seconds", "1", "--retry-delay", "0")  # fmt: skip
        wait_until(lambda: len(_results(aws, name)) == 6, 15, "all six results")
    finally:
        successor.stop()
        successor_imds.stop()
    # THEN every request has exactly one result and ran exactly once across both instances
    assert sorted(_results(aws, name)) == sorted(request_ids)
    assert all(count == 1 for count in (server.inferences + successor.inferences).values())
    assert set(server.inferences).isdisjoint(successor.inferences)
    wait_until(lambda: aws.queue_depth(queue_url) == (0, 0), 5, "an empty queue")


def _results(aws: Aws, bucket: str) -> list[str]:
    listing = aws.s3.list_objects_v2(Bucket=bucket, Prefix="results/").get("Contents", [])
    documents = [aws.s3.get_object(Bucket=bucket, Key=item["Key"])["Body"].read() for item in listing]
    return [ResultDocument.model_validate_json(body).request_id for body in documents]


def test_a_drain_timeout_hands_held_work_back_and_says_so(
    aws: Aws, name: str, events: EventCatcher, server: FakeInferenceServer, imds: FakeImds, agents: Any
) -> None:
    # GIVEN an agent holding one request that takes far longer than the drain timeout
    server.infer_delay = 3.0
    queue_url = aws.queue(name)
    aws.s3.create_bucket(Bucket=name)
    aws.sqs.send_message(QueueUrl=queue_url, MessageBody=json.dumps(s3_request(name, "slow-1")))
    running = agents(
        *fast_options(name, server, imds), "--queue-url", queue_url, "--queue-wait-seconds", "1",
        "--drain-timeout", "0.5",
    )  # fmt: skip
    wait_until(lambda: server.inflight == 1, 10, "the request to reach the server")
    # WHEN the instance is terminated
    imds.lifecycle_state = "Terminated"
    drained = events.wait_for("Instance Drained")
    # THEN the event says the drain timed out and what it cut short, in numbers and in words
    detail = drained["detail"]
    assert detail["timedOut"] is True
    assert detail["cutShort"] == {"inFlightRequests": 1, "heldMessages": 1}
    assert "drain timeout" in detail["reason"]
    # AND the cut message is back on the queue for another instance, not lost
    wait_until(lambda: aws.queue_depth(queue_url) == (1, 0), 5, "the message back on the queue")
    wait_until(running.finished, 5, "the agent loop to end")
