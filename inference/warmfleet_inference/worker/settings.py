"""The queue worker's settings (one frozen dataclass; the agent's command line fills it)."""

from __future__ import annotations

from dataclasses import dataclass

from warmfleet_inference.worker.schema import ResultTarget


@dataclass(frozen=True)
class WorkerSettings:
    queue_url: str
    instance_id: str
    default_target: ResultTarget | None = None
    concurrency: int = 4
    wait_seconds: int = 20
    visibility_timeout: int = 60
    retry_delay: int = 10
    max_receive_count: int | None = None  # from the queue's redrive policy; None when it has none
