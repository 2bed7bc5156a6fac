"""Shared helpers for the agent's and the queue worker's unit tests: fixture files, nothing else."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[3]
QUEUE_EVENTS = REPO / "events" / "queue"
PROMETHEUS_FIXTURES = Path(__file__).resolve().parent / "fixtures"


@pytest.fixture
def queue_event() -> Any:
    def load(name: str) -> Any:
        return json.loads((QUEUE_EVENTS / name).read_text())

    return load


@pytest.fixture
def prometheus_text() -> Any:
    def load(name: str) -> str:
        return (PROMETHEUS_FIXTURES / name).read_text()

    return load
