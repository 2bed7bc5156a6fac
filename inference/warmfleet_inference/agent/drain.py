"""The drain coordinator: stop taking work, let what was accepted finish, say how it went.

`begin()` stops the queue worker receiving and asks the server to drain (`POST /drain`: readiness turns
503 `draining`, accepted requests complete, then the server exits). `step()` is called every drain poll
and returns the `DrainOutcome` once the server has no request in flight (or has exited) and the worker
holds no message — or once the drain timeout has passed, after handing every message still held back to
the queue, so none is lost and none is finished twice. The agent's loop sends the outcome as
`Instance Drained`.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import httpx

from warmfleet_inference.agent.events import DrainOutcome, DrainTrigger
from warmfleet_inference.agent.prometheus import MetricNames, read_server_snapshot
from warmfleet_inference.agent.server_client import ServerClient

if TYPE_CHECKING:  # the worker imports the agent's server client: a runtime import would be circular
    from warmfleet_inference.worker.worker import QueueWorker

logger = logging.getLogger(__name__)


class DrainCoordinator:
    """One drain of one instance; `begin()` once, then `step()` until it returns an outcome."""

    def __init__(
        self, server: ServerClient, worker: QueueWorker | None, metric_names: MetricNames, timeout: float
    ) -> None:
        self._server = server
        self._worker = worker
        self._metric_names = metric_names
        self._timeout = timeout
        self._started = 0.0
        self._trigger = DrainTrigger.SIGTERM
        self._target_state: str | None = None
        self._released_before = 0

    def begin(self, now: float, trigger: DrainTrigger, target_lifecycle_state: str | None) -> None:
        logger.info("draining (%s): stopping the queue worker and asking the server to drain", trigger)
        self._started, self._trigger, self._target_state = now, trigger, target_lifecycle_state
        if self._worker is not None:
            self._released_before = self._worker.released
            self._worker.stop_receiving()
        if not self._server.drain():
            logger.warning("the server did not accept POST /drain (gone already, or no drain endpoint)")

    def step(self, now: float) -> DrainOutcome | None:
        """The outcome once the drain is done or timed out; None while work is still finishing."""
        in_flight = self._server_in_flight()
        worker_idle = self._worker is None or self._worker.idle
        elapsed = now - self._started
        # Only what this drain handed back (a busy server's 429s before it are not part of it).
        released = self._worker.released - self._released_before if self._worker is not None else 0
        if in_flight == 0 and worker_idle:
            return DrainOutcome(
                drain_seconds=elapsed,
                trigger=self._trigger,
                released_messages=released,
                target_lifecycle_state=self._target_state,
            )
        if elapsed < self._timeout:
            return None
        cut = self._worker.release_held() if self._worker is not None else 0
        logger.error(
            "drain timeout after %.0fs: %d request(s) in flight, %d message(s) handed back",
            elapsed,
            in_flight,
            cut,
        )
        return DrainOutcome(
            drain_seconds=elapsed,
            trigger=self._trigger,
            timed_out=True,
            released_messages=released,
            cut_in_flight_requests=in_flight,
            cut_held_messages=cut,
            target_lifecycle_state=self._target_state,
        )

    def _server_in_flight(self) -> int:
        """Requests still in flight; 0 once the server has exited (it exits when its drain is done)."""
        try:
            snapshot = read_server_snapshot(self._server.metrics_text(), self._metric_names)
        except httpx.TransportError:
            return 0
        except (httpx.HTTPError, ValueError) as error:
            logger.warning("cannot read in-flight requests while draining: %s", error)
            return 1
        return int(snapshot.inflight or 0)
