"""Fixture loaders for the agent's and the queue worker's unit tests.

Queue messages come from `events/queue/` through the suite's `load_event`; the Prometheus scrapes the
agent parses are text, not events, so they sit beside these tests in `fixtures/`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.conftest import load_event

PROMETHEUS_FIXTURES = Path(__file__).resolve().parent / "fixtures"


@pytest.fixture
def queue_event() -> Any:
    def load(name: str) -> Any:
        return load_event(f"queue/{name}")

    return load


@pytest.fixture
def prometheus_text() -> Any:
    def load(name: str) -> str:
        return (PROMETHEUS_FIXTURES / name).read_text()

    return load
