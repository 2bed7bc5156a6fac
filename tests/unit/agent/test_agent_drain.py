"""The drain coordinator's verdicts: done, still waiting, or timed out with the work handed back."""

from __future__ import annotations

import httpx
import pytest
from warmfleet_inference.agent.drain import DrainCoordinator
from warmfleet_inference.agent.events import DrainOutcome, DrainTrigger
from warmfleet_inference.agent.prometheus import MetricNames


class FakeServer:
    def __init__(self, in_flight: int | None) -> None:
        self.in_flight = in_flight  # None: the server has exited
        self.drain_requests = 0

    def drain(self) -> bool:
        self.drain_requests += 1
        return self.in_flight is not None

    def metrics_text(self) -> str:
        if self.in_flight is None:
            raise httpx.ConnectError("connection refused")
        return f"warmfleet_inflight_requests {self.in_flight}\n"


class FakeWorker:
    def __init__(self, held: int) -> None:
        self.held = held
        self.released = 2  # handed back before the drain: not this drain's
        self.receiving = True

    @property
    def idle(self) -> bool:
        return self.held == 0

    def stop_receiving(self) -> None:
        self.receiving = False
        self.released += 1  # one message arrived with the last poll and went straight back

    def release_held(self) -> int:
        cut, self.held = self.held, 0
        return cut


DONE = DrainOutcome(1.0, DrainTrigger.SIGTERM, released_messages=1)
CUT = DrainOutcome(
    30.0,
    DrainTrigger.SIGTERM,
    timed_out=True,
    released_messages=1,
    cut_in_flight_requests=2,
    cut_held_messages=1,
)


@pytest.mark.parametrize(
    ("in_flight", "held", "elapsed", "expected"),
    [
        pytest.param(0, 0, 1.0, DONE, id="done"),
        pytest.param(None, 0, 1.0, DONE, id="server-exited"),
        pytest.param(3, 0, 5.0, None, id="requests-in-flight"),
        pytest.param(0, 1, 5.0, None, id="message-held"),
        pytest.param(2, 1, 30.0, CUT, id="timed-out"),
    ],
)
def test_drain_step(in_flight: int | None, held: int, elapsed: float, expected: DrainOutcome | None) -> None:
    # GIVEN a drain begun at t=100 with a 30 s timeout
    server, worker = FakeServer(in_flight), FakeWorker(held)
    drain = DrainCoordinator(server, worker, MetricNames(), timeout=30.0)  # type: ignore[arg-type]
    drain.begin(100.0, DrainTrigger.SIGTERM, None)
    # WHEN checked `elapsed` seconds later
    outcome = drain.step(100.0 + elapsed)
    # THEN the worker stopped receiving, the server was asked once, and the verdict is as expected
    assert (worker.receiving, server.drain_requests) == (False, 1)
    assert outcome == expected
