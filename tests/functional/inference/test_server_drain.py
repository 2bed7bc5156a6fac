"""Drain with requests in flight: ready turns 503 draining, new requests get 503 with Retry-After, every
accepted request is answered 200, then the process exits 0 (or 3 when the drain timeout passes first)."""

from __future__ import annotations

import os
import signal
import time
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import httpx
import numpy as np
import onnxruntime as ort
import pytest
from warmfleet_inference.process import ExitCode

from tests.functional.inference.conftest import ServerProcess, infer_body, sample_rows, start_server

pytestmark = pytest.mark.slow

INFER = "/v2/models/mlp/infer"
IN_FLIGHT = 6
# Accepted requests wait this long in the batcher (24 rows never fill a batch of 32), which holds them in
# flight while the test drains the server and checks what new requests get.
WINDOW_MS = "2500"


def _trigger(server: ServerProcess, trigger: str) -> None:
    if trigger == "SIGTERM":
        os.kill(server.process.pid, signal.SIGTERM)
    else:
        response = server.client.post("/drain")
        assert (response.status_code, response.json()["state"]) == (202, "draining")


def _send_and_wait_in_flight(
    server: ServerProcess, client: httpx.Client, pool: ThreadPoolExecutor, rows: list[np.ndarray]
) -> list[Future[httpx.Response]]:
    futures = [pool.submit(client.post, INFER, json=infer_body(batch)) for batch in rows]
    deadline = time.monotonic() + 10
    while server.metric("warmfleet_inflight_requests") < len(rows):
        assert time.monotonic() < deadline, "requests never got in flight"
        time.sleep(0.01)
    return futures


@pytest.mark.parametrize("trigger", [pytest.param("POST /drain", id="drain-request"), "SIGTERM"])
def test_a_drain_answers_every_accepted_request_and_exits_0(
    trigger: str, reference_model: Path, reference_session: ort.InferenceSession, logs: Path
) -> None:
    # GIVEN a warm server holding six requests of four rows in flight
    server = start_server(
        str(reference_model), logs, "--batch-window-ms", WINDOW_MS, "--warmup-iterations", "0"
    )
    server.wait_until("ready")
    rows = [sample_rows(4, seed=index) for index in range(IN_FLIGHT)]
    with (
        httpx.Client(base_url=server.url, timeout=30, limits=httpx.Limits(max_connections=16)) as client,
        ThreadPoolExecutor(max_workers=IN_FLIGHT) as pool,
    ):
        accepted = _send_and_wait_in_flight(server, client, pool, rows)
        # WHEN the drain is triggered
        _trigger(server, trigger)
        # THEN readiness turns 503 draining, with the reason
        state = server.wait_until("draining", timeout_s=5)
        assert trigger in state["reason"]
        assert server.client.get("/ready").status_code == 503
        # AND a new request is refused 503 with Retry-After, while the server still listens
        late = client.post(INFER, json=infer_body(sample_rows(1)))
        assert late.status_code == 503 and late.headers["retry-after"] == "1"
        assert "draining" in late.json()["error"]
        # AND every accepted request is answered 200 with its own result
        for batch, future in zip(rows, accepted, strict=True):
            response = future.result(timeout=30)
            assert response.status_code == 200, response.text
            expected = reference_session.run(None, {"input": batch})[0]
            np.testing.assert_allclose(
                response.json()["outputs"][0]["data"], expected.ravel(), rtol=1e-5, atol=1e-5
            )
    # AND the process exits 0 on its own
    assert server.process.wait(timeout=15) == 0
    assert "drained in" in server.log.read_text()


def test_a_drain_that_outlasts_its_timeout_exits_3_not_restarted(reference_model: Path, logs: Path) -> None:
    # GIVEN a server whose drain timeout is shorter than its requests' wait
    server = start_server(
        str(reference_model),
        logs,
        "--batch-window-ms",
        "5000",
        "--drain-timeout",
        "0.3",
        "--warmup-iterations",
        "0",
    )
    server.wait_until("ready")
    with (
        httpx.Client(base_url=server.url, timeout=30) as client,
        ThreadPoolExecutor(max_workers=2) as pool,
    ):
        stuck = _send_and_wait_in_flight(server, client, pool, [sample_rows(1), sample_rows(1, seed=1)])
        # WHEN drained
        server.client.post("/drain")
        # THEN it gives up after the timeout and exits DRAIN_CUT_SHORT (not a crash's 1), saying so
        assert server.process.wait(timeout=15) == ExitCode.DRAIN_CUT_SHORT
        for future in stuck:
            future.exception(timeout=30)
    assert "drain timed out after 0 s with 2 request(s) in flight" in server.log.read_text()


def test_a_drain_during_warm_up_exits_0_and_never_turns_ready(reference_model: Path, logs: Path) -> None:
    # GIVEN a server in a long warm-up
    server = start_server(
        str(reference_model), logs, "--warmup-iterations", "2000", "--warmup-batch-sizes", "32"
    )
    server.wait_until("warming")
    # WHEN it gets SIGTERM before it is warm
    os.kill(server.process.pid, signal.SIGTERM)
    # THEN it exits 0 without waiting for the warm-up, and never reported ready
    assert server.process.wait(timeout=15) == 0
    log = server.log.read_text()
    assert "drain requested by SIGTERM with 0 request(s) in flight" in log and "ready after" not in log
