"""The clients: a slice of a real request trace replayed through the balancer, time-compressed and thinned.

Arrivals come from trace A (the Azure LLM inference trace 2023, read by `warmfleet.sim.trace.load_trace`):
the slice `[offset, offset + duration * speed)` of the trace, compressed `speed` times so it plays in
`duration` wall seconds, keeping each request with probability `rate` (seeded), so a 2-core machine can
serve it. Each request is one Open Inference Protocol v2 `infer` of one row through the balancer; its
outcome (HTTP status, latency) is recorded. A request fails when it gets no answer or any answer but 200.
"""

from __future__ import annotations

import json
import random
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from warmfleet.local.stage import MODEL_NAME
from warmfleet.sim.trace import load_trace


@dataclass(frozen=True)
class Outcome:
    """One replayed request: when it was sent (fleet clock), how long it took, and its HTTP status."""

    sent_at: float
    seconds: float
    status: int
    error: str = ""

    @property
    def failed(self) -> bool:
        return self.status != 200


def arrivals(
    trace: Path, *, offset: float, duration: float, speed: float, rate: float, seed: int
) -> tuple[list[float], int]:
    """Send times (wall seconds from the start) of the kept requests, and how many the slice held."""
    loaded = load_trace([trace], offset_seconds=offset, duration_seconds=duration * speed, speed=speed)
    rng = random.Random(seed)
    kept = [request.arrival for request in loaded.requests if rng.random() < rate]
    return kept, len(loaded.requests)


def _body(input_dim: int, number: int) -> bytes:
    row = [((number * 7 + column) % 13) / 13.0 for column in range(input_dim)]
    return json.dumps(
        {"inputs": [{"name": "input", "shape": [1, input_dim], "datatype": "FP32", "data": row}]}
    ).encode()


class Replay:
    """Send `times` (seconds from `start()`) to `url` from a thread; `outcomes` fills in as they finish."""

    def __init__(
        self, url: str, times: Sequence[float], clock: Callable[[], float], *, input_dim: int = 8
    ) -> None:
        self._url = f"{url}/v2/models/{MODEL_NAME}/infer"
        self._times = list(times)
        self._clock = clock
        self._input_dim = input_dim
        self._opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        self.outcomes: list[Outcome] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="replay", daemon=True)
        # Enough clients for the bursts: at 1.5 s a request, 33 requests/s keep about 50 in flight.
        self._pool = ThreadPoolExecutor(max_workers=128, thread_name_prefix="client")

    def start(self) -> None:
        self._thread.start()

    @property
    def done(self) -> bool:
        return not self._thread.is_alive()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=10)
        self._pool.shutdown(wait=True, cancel_futures=False)

    def _now(self) -> float:
        return self._clock()

    def _run(self) -> None:
        started = time.monotonic()
        for number, at in enumerate(self._times):
            delay = at - (time.monotonic() - started)
            if delay > 0 and self._stop.wait(delay):
                break
            self._pool.submit(self._send, number)
        self._pool.shutdown(wait=True)

    def _send(self, number: int) -> None:
        sent_at = self._now()
        started = time.perf_counter()
        request = urllib.request.Request(
            self._url, data=_body(self._input_dim, number), headers={"Content-Type": "application/json"}
        )
        status, error = 0, ""
        try:
            with self._opener.open(request, timeout=30) as answer:
                answer.read()
                status = int(answer.status)
        except urllib.error.HTTPError as failure:
            status, error = int(failure.code), failure.read().decode(errors="replace")[:200]
        except OSError as failure:
            error = str(failure)
        outcome = Outcome(sent_at, time.perf_counter() - started, status, error)
        with self._lock:
            self.outcomes.append(outcome)
