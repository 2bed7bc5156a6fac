"""Send metrics and instance events to AWS from a background thread, retried with backoff.

The agent's loop (and the server beside it) must never wait on CloudWatch or EventBridge: the loop only
enqueues, and one daemon thread sends, retrying a failed call with exponential backoff. Metrics go stale,
so a metric batch is given up after a few attempts and, when the backlog overflows, the oldest batch is
dropped; instance events are the lifecycle hook's only signal, so they are retried until `close()`'s
deadline. Both are logged when given up, never raised into the loop.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from warmfleet_inference.agent.metrics import NAMESPACE, batches

if TYPE_CHECKING:
    from mypy_boto3_cloudwatch import CloudWatchClient
    from mypy_boto3_events import EventBridgeClient

logger = logging.getLogger(__name__)


@dataclass
class _Job:
    description: str
    send: Callable[[], None]
    max_attempts: int | None  # None: until close()
    attempts: int = 0


class BackgroundPublisher:
    """Queue PutMetricData and PutEvents calls and send them on a daemon thread.

    Example
    -------
    >>> publisher = BackgroundPublisher(cloudwatch, events)  # doctest: +SKIP
    >>> publisher.put_metric_data(data)                       # returns at once  # doctest: +SKIP
    >>> publisher.close(timeout=10)                           # flushes what it can  # doctest: +SKIP
    """

    def __init__(
        self,
        cloudwatch: CloudWatchClient,
        events: EventBridgeClient,
        *,
        max_pending_metric_batches: int = 30,
        metric_attempts: int = 4,
        base_delay: float = 0.5,
        max_delay: float = 20.0,
    ) -> None:
        self._cloudwatch = cloudwatch
        self._events = events
        self._max_pending = max_pending_metric_batches
        self._metric_attempts = metric_attempts
        self._base_delay = base_delay
        self._max_delay = max_delay
        self._jobs: deque[_Job] = deque()
        self._condition = threading.Condition()
        self._stopping = threading.Event()
        self._busy = False
        self.sent_metric_batches = 0
        self.sent_events = 0
        self._thread = threading.Thread(target=self._run, name="warmfleet-publisher", daemon=True)
        self._thread.start()

    def put_metric_data(self, data: list[dict[str, Any]]) -> None:
        """Enqueue one interval's MetricData (split into as few PutMetricData calls as fit)."""
        for batch in batches(data):
            self._enqueue(
                _Job(f"{len(batch)} metric data", self._metric_sender(batch), self._metric_attempts)
            )

    def put_event(self, entry: dict[str, Any]) -> None:
        """Enqueue one PutEvents entry; retried until `close()` gives up."""
        self._enqueue(_Job(f"event {entry.get('DetailType')!r}", self._event_sender(entry), None))

    def flush(self, timeout: float) -> bool:
        """Wait until everything queued was sent or given up; False if `timeout` passed first."""
        deadline = time.monotonic() + timeout
        with self._condition:
            while self._jobs or self._busy:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self._condition.wait(remaining)
        return True

    def close(self, timeout: float) -> bool:
        """Flush for up to `timeout` seconds, then stop the thread; False if something was left unsent."""
        flushed = self.flush(timeout)
        self._stopping.set()
        with self._condition:
            left = len(self._jobs)
            self._condition.notify_all()
        if left:
            logger.error("publisher closed with %d unsent call(s)", left)
        self._thread.join(timeout=self._max_delay)
        return flushed

    def _enqueue(self, job: _Job) -> None:
        with self._condition:
            metric_jobs = [queued for queued in self._jobs if queued.max_attempts is not None]
            if job.max_attempts is not None and len(metric_jobs) >= self._max_pending:
                self._jobs.remove(metric_jobs[0])
                logger.warning(
                    "metric backlog full: dropped the oldest batch (%s)", metric_jobs[0].description
                )
            self._jobs.append(job)
            self._condition.notify_all()

    def _metric_sender(self, batch: list[dict[str, Any]]) -> Callable[[], None]:
        def send() -> None:
            self._cloudwatch.put_metric_data(Namespace=NAMESPACE, MetricData=batch)  # type: ignore[arg-type]
            self.sent_metric_batches += 1

        return send

    def _event_sender(self, entry: dict[str, Any]) -> Callable[[], None]:
        def send() -> None:
            response = self._events.put_events(Entries=[entry])  # type: ignore[list-item]
            if response.get("FailedEntryCount", 0):
                failure = response["Entries"][0]
                raise RuntimeError(f"PutEvents refused the entry: {failure.get('ErrorCode')} {failure}")
            self.sent_events += 1

        return send

    def _next_job(self) -> _Job | None:
        with self._condition:
            while not self._jobs and not self._stopping.is_set():
                self._condition.wait()
            if not self._jobs:
                return None
            self._busy = True
            return self._jobs.popleft()

    def _done(self) -> None:
        with self._condition:
            self._busy = False
            self._condition.notify_all()

    def _run(self) -> None:
        while (job := self._next_job()) is not None:
            try:
                self._attempt(job)
            finally:
                self._done()

    def _attempt(self, job: _Job) -> None:
        while True:
            job.attempts += 1
            try:
                job.send()
                return
            except Exception as error:  # any AWS or network failure: retried, never raised into the loop
                exhausted = job.max_attempts is not None and job.attempts >= job.max_attempts
                if exhausted or self._stopping.is_set():
                    logger.error(
                        "gave up sending %s after %d attempt(s): %s", job.description, job.attempts, error
                    )
                    return
                delay = min(self._max_delay, self._base_delay * 2 ** (job.attempts - 1))
                logger.warning(
                    "sending %s failed (attempt %d), retrying in %.1fs: %s",
                    job.description,
                    job.attempts,
                    delay,
                    error,
                )
                if self._stopping.wait(delay):
                    logger.error("gave up sending %s: publisher closing", job.description)
                    return
