"""The agent loop with in-memory fakes: order of events, failing steps survived, no busy wait."""

from __future__ import annotations

import json
import threading
from typing import Any

import httpx
import pytest
from warmfleet_inference.agent.events import DrainTrigger, InstanceIdentity
from warmfleet_inference.agent.gpu import GpuSampler
from warmfleet_inference.agent.loop import Agent, AgentSettings, Phase
from warmfleet_inference.agent.server_client import Readiness, ServerState

METRICS = "warmfleet_inflight_requests 0\nwarmfleet_warmup_seconds 2.5\n"


class FakeServer:
    """A server that is ready at once and exits when asked to drain."""

    def __init__(self) -> None:
        self.gone = False
        self.scrapes = 0

    def readiness(self) -> Readiness:
        return Readiness(ServerState.UNREACHABLE if self.gone else ServerState.READY)

    def metrics_text(self) -> str:
        self.scrapes += 1
        if self.gone:
            raise httpx.ConnectError("connection refused")
        return METRICS

    def drain(self) -> bool:
        self.gone = True
        return True


class RecordingPublisher:
    def __init__(self, broken_metrics: bool = False) -> None:
        self.broken_metrics = broken_metrics
        self.events: list[dict[str, Any]] = []
        self.metric_calls = 0
        self.metric_data: list[dict[str, Any]] = []

    def put_metric_data(self, data: list[dict[str, Any]]) -> None:
        self.metric_calls += 1
        self.metric_data.extend(data)
        if self.broken_metrics:
            raise RuntimeError("a bug in the publisher")

    def put_event(self, entry: dict[str, Any]) -> None:
        self.events.append(entry)


class BurstyServer(FakeServer):
    """Requests in flight read 12 one time in four and 0 otherwise: a burst one read per interval can miss."""

    def metrics_text(self) -> str:
        text = super().metrics_text()
        in_flight = 12 if self.scrapes % 4 == 0 else 0
        return text.replace("warmfleet_inflight_requests 0", f"warmfleet_inflight_requests {in_flight}")


def run_agent(publisher: RecordingPublisher, server: FakeServer, inflight_sample: float = 1.0) -> Agent:
    settings = AgentSettings(
        identity=InstanceIdentity("i-0123456789abcdef0", "g", "v1"),
        interval=0.05,
        inflight_sample=inflight_sample,
        ready_poll=0.01,
        drain_poll=0.2,
    )
    agent = Agent(settings, server=server, publisher=publisher, gpu=GpuSampler(None))  # type: ignore[arg-type]
    thread = threading.Thread(target=agent.run, daemon=True)
    thread.start()
    deadline = threading.Event()
    while agent.phase is Phase.WARMING and not deadline.wait(0.01):
        pass
    deadline.wait(0.2)  # a few metric intervals
    agent.request_termination(DrainTrigger.SIGTERM)
    thread.join(5)
    assert not thread.is_alive()
    return agent


@pytest.mark.parametrize(
    "broken_metrics", [pytest.param(False, id="healthy"), pytest.param(True, id="broken")]
)
def test_warm_then_drained_even_when_a_step_keeps_failing(broken_metrics: bool) -> None:
    # GIVEN a ready server, and a publisher whose metric path works or raises every time
    publisher = RecordingPublisher(broken_metrics)
    # WHEN the agent runs a few intervals and is then terminated
    agent = run_agent(publisher, FakeServer())
    # THEN it sent Warm (with the server's warm-up time), kept publishing, and ended with Drained
    assert [e["DetailType"] for e in publisher.events] == ["Instance Warm", "Instance Drained"]
    assert json.loads(publisher.events[0]["Detail"])["warmupSeconds"] == 2.5
    assert publisher.metric_calls >= 2
    assert agent.outcome is not None and agent.outcome.trigger is DrainTrigger.SIGTERM


def test_no_busy_wait_while_draining() -> None:
    # GIVEN a server that is gone once drained, and a drain poll of 0.2 s
    server = FakeServer()
    publisher = RecordingPublisher()
    # WHEN the agent drains
    run_agent(publisher, server)
    # THEN the whole run scraped the server a bounded number of times (one per interval or drain check)
    assert server.scrapes < 20


def test_in_flight_is_the_mean_of_the_intervals_reads() -> None:
    # GIVEN a server whose in-flight gauge reads 12 one time in four and 0 otherwise, read every 5 ms
    publisher = RecordingPublisher()
    # WHEN the agent publishes every 50 ms while serving
    run_agent(publisher, BurstyServer(), inflight_sample=0.005)
    # THEN a publish sends the mean of its interval's reads: a value no single read gives
    published = [d["Value"] for d in publisher.metric_data if d["MetricName"] == "InFlightRequests"]
    assert any(0 < value < 12 for value in published), published
