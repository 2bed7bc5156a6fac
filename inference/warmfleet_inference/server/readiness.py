"""The server's readiness state machine: loading -> warming -> ready -> draining, or failed.

`GET /ready`, `GET /v2/health/ready`, the `warmfleet_ready` gauge and the infer route all read this one
object, so they never disagree. Transitions are a fixed table: anything else is refused (returns False)
rather than raised, because the loader thread and a drain request race by design — a drain that arrives
while the model is still warming wins, and the loader's later "ready" is simply not applied.

    loading --loaded--> warming --warmed--> ready
       |                   |                  |
       +--failed-----------+                  |
       +-------------------+------------------+--> draining   (failed may drain too)
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from enum import StrEnum


class ReadinessState(StrEnum):
    """Where the server is on its way to serving; the JSON of `GET /ready` carries the value."""

    LOADING = "loading"
    WARMING = "warming"
    READY = "ready"
    FAILED = "failed"
    DRAINING = "draining"


ALLOWED_TRANSITIONS: dict[ReadinessState, frozenset[ReadinessState]] = {
    ReadinessState.LOADING: frozenset(
        {ReadinessState.WARMING, ReadinessState.FAILED, ReadinessState.DRAINING}
    ),
    ReadinessState.WARMING: frozenset({ReadinessState.READY, ReadinessState.FAILED, ReadinessState.DRAINING}),
    ReadinessState.READY: frozenset({ReadinessState.DRAINING}),
    ReadinessState.FAILED: frozenset({ReadinessState.DRAINING}),
    ReadinessState.DRAINING: frozenset(),
}


@dataclass(frozen=True)
class ReadinessSnapshot:
    """One consistent reading of the state and why the server is in it."""

    state: ReadinessState
    reason: str

    @property
    def is_ready(self) -> bool:
        return self.state is ReadinessState.READY

    def as_json(self) -> dict[str, str]:
        if self.is_ready:
            return {"state": self.state.value}
        return {"state": self.state.value, "reason": self.reason}


class Readiness:
    """The current state; safe to read and advance from the event loop and the loader thread alike."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._snapshot = ReadinessSnapshot(ReadinessState.LOADING, "fetching and loading the model")

    def snapshot(self) -> ReadinessSnapshot:
        with self._lock:
            return self._snapshot

    def advance(self, target: ReadinessState, reason: str) -> bool:
        """Move to `target` if the table allows it from the current state; return whether it moved."""
        with self._lock:
            if target not in ALLOWED_TRANSITIONS[self._snapshot.state]:
                return False
            self._snapshot = ReadinessSnapshot(target, reason)
            return True
