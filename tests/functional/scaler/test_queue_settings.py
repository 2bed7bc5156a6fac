"""`QUEUE_COUNT_DELAYED` reaches the SQS collector (KEDA's scaleOnDelayed): delayed jobs count as backlog."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import pytest

from tests.functional.scaler.conftest import Fleet


@pytest.mark.parametrize(
    "count_delayed",
    [pytest.param(False, id="delayed-not-counted"), pytest.param(True, id="delayed-counted")],
)
def test_queue_count_delayed_reaches_the_collector(
    make_fleet: Callable[..., Fleet], count_delayed: bool
) -> None:
    # GIVEN the scaler configured with or without delayed messages in the backlog
    fleet = make_fleet(desired=1)
    config = replace(fleet.config, queue_count_delayed=count_delayed)
    # WHEN the function builds its runtime from that configuration
    runtime = fleet.new_runtime(config)
    # THEN the SQS collector counts delayed messages exactly when asked to
    assert runtime.collectors.include_delayed is count_delayed
