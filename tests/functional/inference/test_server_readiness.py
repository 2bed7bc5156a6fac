"""Readiness over HTTP: loading -> warming -> ready in that order, and nothing served before ready."""

from __future__ import annotations

import time
from pathlib import Path

import httpx
import pytest

from tests.functional.inference.conftest import infer_body, sample_rows, start_server

pytestmark = pytest.mark.slow

ORDER = ["loading", "warming", "ready"]


def test_the_server_reports_loading_then_warming_then_ready_and_serves_only_when_ready(
    reference_model: Path, logs: Path
) -> None:
    # GIVEN a server with a long warm-up (100 inferences of 32 rows)
    server = start_server(
        str(reference_model), logs, "--warmup-iterations", "100", "--warmup-batch-sizes", "32"
    )
    seen: list[str] = []
    refused_while_warming: httpx.Response | None = None
    deadline = time.monotonic() + 120
    # WHEN /ready is polled until ready, trying an infer and the metadata while it is warming
    while not seen or seen[-1] != "ready":
        assert time.monotonic() < deadline, f"never ready; saw {seen}"
        response = server.client.get("/ready")
        state = response.json()["state"]
        assert response.status_code == (200 if state == "ready" else 503)
        if not seen or seen[-1] != state:
            seen.append(state)
        if state == "warming" and refused_while_warming is None:
            refused_while_warming = server.client.post(
                "/v2/models/mlp/infer", json=infer_body(sample_rows(1))
            )
            assert server.client.get("/v2/models/mlp").status_code == 503
            assert server.metric("warmfleet_ready") == 0
        time.sleep(0.01)
    # THEN the states came in order, warming was seen, and the request made while warming was refused 503
    assert seen == [state for state in ORDER if state in seen] and "warming" in seen, seen
    assert refused_while_warming is not None and refused_while_warming.status_code == 503
    assert refused_while_warming.headers["retry-after"] == "1"
    assert "is warming: running 100 warm-up inference(s)" in refused_while_warming.json()["error"]
    # AND once ready it serves, and the metrics say it is ready and how long warm-up took
    assert server.client.post("/v2/models/mlp/infer", json=infer_body(sample_rows(1))).status_code == 200
    assert server.metric("warmfleet_ready") == 1 and server.metric("warmfleet_warmup_seconds") > 0
    # AND the 100 warm-up runs were not counted as served batches
    assert server.metric("warmfleet_batch_size_count") == 1
    # AND the request path is uvicorn[standard]'s: httptools parsing HTTP on a uvloop event loop
    log = server.log.read_text()
    assert "HTTP protocol HttpToolsProtocol" in log and "event loop uvloop.Loop" in log
    assert server.stop() == 0
