"""The agent's main loop: warm-up gate, metrics every interval, termination watch and drain.

One thread, one schedule. Each pass does what is due — poll `/ready` until the server is warm (then send
`Instance Warm` and start the queue worker, or `Instance Warm-up Failed`), read the in-flight gauge (every
`inflight_sample` seconds while serving), publish one interval's metrics (in flight: the mean of the
interval's reads), read the IMDS target lifecycle state — and sleeps on an event that SIGTERM (or a
`Terminated` lifecycle state) sets, so termination is handled at once. The drain itself is
`DrainCoordinator`'s (`drain.py`); its outcome is sent as `Instance Drained` and ends the loop. AWS calls go
through the background publisher, so nothing here waits on them.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any, Protocol

import httpx

from warmfleet_inference.agent.drain import DrainCoordinator
from warmfleet_inference.agent.events import (
    DrainOutcome,
    DrainTrigger,
    InstanceIdentity,
    build_drained_event,
    build_warm_event,
    build_warmup_failed_event,
)
from warmfleet_inference.agent.gpu import GpuSampler
from warmfleet_inference.agent.imds import ImdsClient, is_terminating
from warmfleet_inference.agent.metrics import IntervalReading, build_metric_data
from warmfleet_inference.agent.prometheus import (
    HistogramCounts,
    MetricNames,
    interval_latency_p95_ms,
    read_server_snapshot,
)
from warmfleet_inference.agent.server_client import ServerClient, ServerState
from warmfleet_inference.agent.warmup import judge_warmup
from warmfleet_inference.process import DEFAULT_DRAIN_TIMEOUT_SECONDS

if TYPE_CHECKING:  # the worker imports the agent's server client: a runtime import would be circular
    from warmfleet_inference.worker.worker import QueueWorker

logger = logging.getLogger(__name__)


class Publisher(Protocol):
    def put_metric_data(self, data: list[dict[str, Any]]) -> None: ...
    def put_event(self, entry: dict[str, Any]) -> None: ...


class Phase(StrEnum):
    WARMING = "warming"
    SERVING = "serving"
    WARMUP_FAILED = "warmup-failed"  # keeps publishing and watching: the hook abandons the instance
    DRAINING = "draining"
    DRAINED = "drained"


@dataclass(frozen=True)
class AgentSettings:
    identity: InstanceIdentity
    interval: float = 10.0
    #: How often the in-flight gauge is read; each interval publishes the mean of its reads, so a burst
    #: between two publishes still shows (one read per interval can miss it entirely).
    inflight_sample: float = 1.0
    ready_poll: float = 1.0
    warmup_timeout: float = 900.0
    lifecycle_poll: float = 5.0
    drain_poll: float = 0.5
    drain_timeout: float = DEFAULT_DRAIN_TIMEOUT_SECONDS
    event_bus: str = "default"
    metric_names: MetricNames = field(default_factory=MetricNames)


class Agent:
    """Run with `run()`; `request_termination()` (thread- and signal-safe) starts the drain."""

    def __init__(
        self,
        settings: AgentSettings,
        *,
        server: ServerClient,
        publisher: Publisher,
        gpu: GpuSampler,
        imds: ImdsClient | None = None,
        worker: QueueWorker | None = None,
        clock: Callable[[], float] = time.monotonic,
        wall_clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.settings = settings
        self._server = server
        self._publisher = publisher
        self._gpu = gpu
        self._imds = imds
        self._worker = worker
        self._clock = clock
        self._wall_clock = wall_clock
        self._wake = threading.Event()
        self._trigger: DrainTrigger | None = None
        self.phase = Phase.WARMING
        self._answered = False
        self._previous_latency: HistogramCounts | None = None
        self._inflight_reads: list[float] = []
        self._scrape_failing = False
        self._lifecycle_state: str | None = None
        self._drain = DrainCoordinator(server, worker, settings.metric_names, settings.drain_timeout)
        self.outcome: DrainOutcome | None = None

    def request_termination(self, trigger: DrainTrigger) -> None:
        if self._trigger is None:
            self._trigger = trigger
        self._wake.set()

    @property
    def worker(self) -> QueueWorker | None:
        """The queue worker, when the agent runs one (`--queue-url`)."""
        return self._worker

    @property
    def drained(self) -> bool:
        return self.phase is Phase.DRAINED

    def run(self) -> DrainOutcome:
        """Loop until drained; returns how the drain went (also sent as `Instance Drained`)."""
        started = self._clock()
        due = dict.fromkeys(("ready", "metrics", "lifecycle", "drain", "sample"), started)
        while not self.drained:
            self._wake.clear()
            now = self._clock()
            if self._trigger is not None and self.phase is not Phase.DRAINING:
                self._guarded("starting the drain", self._begin_drain, now, self._trigger)
            if self.phase is Phase.WARMING and now >= due["ready"]:
                self._guarded("checking readiness", self._check_warmup, now - started)
                due["ready"] = now + self.settings.ready_poll
            watching = self._imds is not None and self.phase is not Phase.DRAINING
            if watching and now >= due["lifecycle"]:
                self._guarded("reading the lifecycle state", self._check_lifecycle_state)
                due["lifecycle"] = now + self.settings.lifecycle_poll
            if self.phase is Phase.SERVING and now >= due["sample"]:
                self._guarded("reading requests in flight", self._sample_in_flight)
                due["sample"] = now + self.settings.inflight_sample
            if now >= due["metrics"]:
                self._guarded("publishing metrics", self._publish_metrics)
                # Keep the cadence; after a stall, skip the missed intervals rather than bunching them.
                due["metrics"] += self.settings.interval
                due["metrics"] = due["metrics"] if due["metrics"] > now else now + self.settings.interval
            if self.phase is Phase.DRAINING and now >= due["drain"]:
                self._guarded("checking the drain", self._drain_step, now)
                due["drain"] = now + self.settings.drain_poll
            if not self.drained:
                self._wake.wait(max(0.0, min(self._next_due(due)) - self._clock()))
        assert self.outcome is not None
        return self.outcome

    def _next_due(self, due: dict[str, float]) -> list[float]:
        relevant = [due["metrics"]]
        relevant += [due["sample"]] if self.phase is Phase.SERVING else []
        relevant += [due["ready"]] if self.phase is Phase.WARMING else []
        relevant += [due["drain"]] if self.phase is Phase.DRAINING else []
        relevant += [due["lifecycle"]] if self._imds is not None and self.phase is not Phase.DRAINING else []
        return relevant

    @staticmethod
    def _guarded(what: str, step: Callable[..., None], *args: Any) -> None:
        """Run one step of the loop; a bug or an unexpected failure in it is logged, never fatal."""
        try:
            step(*args)
        except Exception:
            logger.exception("agent step failed while %s; continuing", what)

    def _check_warmup(self, waited: float) -> None:
        readiness = self._server.readiness()
        verdict = judge_warmup(
            readiness, answered_before=self._answered, waited=waited, timeout=self.settings.warmup_timeout
        )
        self._answered = self._answered or readiness.state is not ServerState.UNREACHABLE
        if verdict is None:
            return
        identity, bus = self.settings.identity, self.settings.event_bus
        if verdict.ready:
            warmup_seconds = self._server_warmup_seconds()
            warmup_seconds = waited if warmup_seconds is None else warmup_seconds
            self._publisher.put_event(build_warm_event(identity, warmup_seconds, bus=bus))
            logger.info("server is warm after %.1fs: sent Instance Warm", warmup_seconds)
            self.phase = Phase.SERVING
            if self._worker is not None:
                self._worker.start()
            return
        assert verdict.failure is not None
        self._publisher.put_event(
            build_warmup_failed_event(identity, verdict.failure, verdict.reason, waited, bus=bus)
        )
        logger.error("warm-up failed (%s): %s; sent Instance Warm-up Failed", verdict.failure, verdict.reason)
        self.phase = Phase.WARMUP_FAILED

    def _server_warmup_seconds(self) -> float | None:
        """The server's own measure of its warm-up (the `warmfleet_warmup_seconds` gauge), when it has one."""
        try:
            return read_server_snapshot(
                self._server.metrics_text(), self.settings.metric_names
            ).warmup_seconds
        except (httpx.HTTPError, ValueError):
            return None

    def _check_lifecycle_state(self) -> None:
        assert self._imds is not None
        try:
            state = self._imds.target_lifecycle_state()
        except (httpx.HTTPError, RuntimeError) as error:
            logger.warning("could not read the target lifecycle state from IMDS: %s", error)
            return
        self._lifecycle_state = state
        if is_terminating(state):
            logger.info("target lifecycle state is %s: draining", state)
            self.request_termination(DrainTrigger.LIFECYCLE_STATE)
            self._wake.set()

    def _sample_in_flight(self) -> None:
        try:
            snapshot = read_server_snapshot(self._server.metrics_text(), self.settings.metric_names)
        except (httpx.HTTPError, ValueError):
            return  # the publish's own scrape says why, once
        if snapshot.inflight is not None:
            self._inflight_reads.append(snapshot.inflight)

    def _publish_metrics(self) -> None:
        gpu = self._gpu.sample()
        in_flight, latency_ms = self._scrape()
        reads, self._inflight_reads = self._inflight_reads, []
        if in_flight is not None and reads:
            in_flight = (sum(reads) + in_flight) / (len(reads) + 1)
        busy = float(self._worker.busy) if self._worker is not None else None
        reading = IntervalReading(
            gpu_utilization=gpu.utilization_percent if gpu else None,
            gpu_memory_utilization=gpu.memory_percent if gpu else None,
            in_flight_requests=in_flight,
            request_latency_p95_ms=latency_ms,
            queue_worker_busy=busy,
        )
        identity = self.settings.identity
        data = build_metric_data(
            reading,
            group=identity.auto_scaling_group_name,
            instance_id=identity.instance_id,
            timestamp=self._wall_clock(),
        )
        if data:
            self._publisher.put_metric_data(data)

    def _scrape(self) -> tuple[float | None, float | None]:
        try:
            snapshot = read_server_snapshot(self._server.metrics_text(), self.settings.metric_names)
        except (httpx.HTTPError, ValueError) as error:
            if not self._scrape_failing:
                logger.warning("cannot read the server's metrics (said once until it recovers): %s", error)
            self._scrape_failing = True
            return None, None
        if self._scrape_failing:
            logger.info("server metrics readable again")
        self._scrape_failing = False
        latency_ms = None
        if snapshot.latency is not None:
            if self._previous_latency is not None:
                latency_ms = interval_latency_p95_ms(self._previous_latency, snapshot.latency)
            self._previous_latency = snapshot.latency
        return snapshot.inflight, latency_ms

    def _begin_drain(self, now: float, trigger: DrainTrigger | None) -> None:
        assert trigger is not None
        self.phase = Phase.DRAINING
        if self._imds is not None and trigger is DrainTrigger.SIGTERM:
            self._check_lifecycle_state()  # what the group intends: a termination, or a warm-pool stop
        self._drain.begin(now, trigger, self._lifecycle_state)

    def _drain_step(self, now: float) -> None:
        outcome = self._drain.step(now)
        if outcome is None:
            return
        self.outcome = outcome
        self._publisher.put_event(
            build_drained_event(self.settings.identity, outcome, bus=self.settings.event_bus)
        )
        logger.info("drained in %.1fs: sent Instance Drained", outcome.drain_seconds)
        self.phase = Phase.DRAINED
        if self._worker is not None:
            self._worker.close()
        self._gpu.close()
