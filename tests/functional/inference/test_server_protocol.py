"""The real server over HTTP: the Open Inference Protocol routes, bad input refused before the model,
micro-batching of concurrent requests, and the metrics that count it all."""

from __future__ import annotations

import json
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import onnxruntime as ort
import pytest

from tests.functional.inference.conftest import ServerProcess, infer_body, sample_rows, start_server

pytestmark = pytest.mark.slow

MAX_BODY = 200_000
INFER = "/v2/models/mlp/infer"


@pytest.fixture(scope="module")
def server(reference_model: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    # A 50 ms window makes concurrent requests share a batch reliably on a busy 2-core machine.
    process = start_server(
        str(reference_model),
        tmp_path_factory.mktemp("logs"),
        "--batch-window-ms",
        "50",
        "--max-body-bytes",
        str(MAX_BODY),
        "--warmup-iterations",
        "1",
    )
    process.wait_until("ready")
    yield process
    assert process.stop() == 0


@pytest.mark.parametrize(
    ("path", "body"),
    [
        pytest.param("/health", {"status": "alive"}, id="health"),
        pytest.param("/ready", {"state": "ready"}, id="ready"),
        pytest.param("/v2/health/live", {"live": True}, id="v2-live"),
        pytest.param("/v2/health/ready", {"ready": True, "state": "ready"}, id="v2-ready"),
        pytest.param("/v2/models/mlp/ready", {"name": "mlp", "ready": True}, id="model-ready"),
        pytest.param("/v2/models", {"models": [{"name": "mlp", "ready": True}]}, id="model-index"),
    ],
)
def test_health_and_readiness_answer_200_when_warm(
    server: ServerProcess, path: str, body: dict[str, Any]
) -> None:
    # GIVEN a warm server / WHEN probed / THEN every probe answers 200 with its JSON
    response = server.client.get(path)
    assert (response.status_code, response.json()) == (200, body)


def test_model_metadata_names_inputs_and_outputs(server: ServerProcess) -> None:
    # GIVEN the server of mlp.onnx (named after its file stem) / WHEN asked for its metadata
    response = server.client.get("/v2/models/mlp")
    # THEN it lists the tensors with -1 for the batch dimension
    assert response.status_code == 200
    assert response.json() == {
        "name": "mlp",
        "versions": [],
        "platform": "onnxruntime_onnx",
        "inputs": [{"name": "input", "datatype": "FP32", "shape": [-1, 256]}],
        "outputs": [{"name": "output", "datatype": "FP32", "shape": [-1, 16]}],
    }


def test_infer_answers_what_onnx_runtime_computes(
    server: ServerProcess, reference_session: ort.InferenceSession
) -> None:
    # GIVEN three rows and a request id
    rows = sample_rows(3, seed=1)
    # WHEN inferred through the server
    response = server.client.post(INFER, json=infer_body(rows, id="r-1", outputs=[{"name": "output"}]))
    # THEN the answer is ONNX Runtime's own, in the protocol's response format
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["model_name"], body["id"]) == ("mlp", "r-1")
    [output] = body["outputs"]
    assert (output["name"], output["datatype"], output["shape"]) == ("output", "FP32", [3, 16])
    expected = reference_session.run(None, {"input": rows})[0]
    np.testing.assert_allclose(np.asarray(output["data"]).reshape(3, 16), expected, rtol=1e-5, atol=1e-5)


def test_concurrent_requests_are_batched_and_each_gets_its_own_rows(
    server: ServerProcess, reference_session: ort.InferenceSession
) -> None:
    # GIVEN twelve single-row requests sent at once
    batches_before = server.metric("warmfleet_batch_size_count")
    rows = [sample_rows(1, seed=100 + index) for index in range(12)]

    # WHEN they are answered
    with (
        httpx.Client(base_url=server.url, timeout=30, limits=httpx.Limits(max_connections=12)) as client,
        ThreadPoolExecutor(max_workers=12) as pool,
    ):
        responses = list(pool.map(lambda row: client.post(INFER, json=infer_body(row)), rows))
    # THEN every answer is its own row's, and the model ran fewer batches than there were requests
    for row, response in zip(rows, responses, strict=True):
        assert response.status_code == 200, response.text
        expected = reference_session.run(None, {"input": row})[0]
        np.testing.assert_allclose(
            response.json()["outputs"][0]["data"], expected.ravel(), rtol=1e-5, atol=1e-5
        )
    assert server.metric("warmfleet_batch_size_count") - batches_before < len(rows)


def _raw(content: bytes | str) -> dict[str, Any]:
    return {"content": content, "headers": {"content-type": "application/json"}}


def _json_of(rows: np.ndarray, **changes: Any) -> dict[str, Any]:
    body = infer_body(rows)
    body["inputs"][0].update(changes)
    return {"json": body}


ONE_ROW = sample_rows(1)
BAD_REQUESTS = [
    pytest.param(
        "/v2/models/resnet/infer", _json_of(ONE_ROW), 404, "unknown model 'resnet'", id="unknown-model"
    ),
    pytest.param(INFER, _raw(b'{"inputs": ['), 400, "malformed JSON", id="malformed-json"),
    pytest.param(
        INFER, _json_of(ONE_ROW, name="pixels"), 400, "unknown input 'pixels'", id="wrong-input-name"
    ),
    pytest.param(INFER, _json_of(ONE_ROW, shape=[1, 128]), 400, "has shape [1, 128]", id="wrong-shape"),
    pytest.param(INFER, _json_of(ONE_ROW, datatype="INT64"), 400, "datatype 'INT64'", id="wrong-datatype"),
    pytest.param(
        INFER, _json_of(ONE_ROW, data=[0.0] * 255), 400, "has 255 elements", id="wrong-element-count"
    ),
    pytest.param(
        INFER,
        _json_of(ONE_ROW, data=["0.5"] * 256),
        400,
        "FP32 but its data holds string values",
        id="string-where-fp32",
    ),
    pytest.param(
        INFER,
        _json_of(sample_rows(33)),
        400,
        "batch of 33 rows; the server takes 1 to 32",
        id="batch-above-maximum",
    ),
    pytest.param(
        INFER,
        _raw(json.dumps(infer_body(sample_rows(32))) + " " * MAX_BODY),
        413,
        f"exceeds the limit of {MAX_BODY} bytes",
        id="oversized-body",
    ),
    pytest.param(
        INFER, {"content": iter([b" " * 65_536] * 4)}, 413, "exceeds the limit", id="oversized-chunked"
    ),
]


@pytest.mark.parametrize(("path", "request_kwargs", "status", "message"), BAD_REQUESTS)
def test_bad_input_gets_a_precise_4xx_and_never_reaches_the_model(
    server: ServerProcess, path: str, request_kwargs: dict[str, Any], status: int, message: str
) -> None:
    # GIVEN the model's batch count and the count of answers with this status
    batches_before = server.metric("warmfleet_batch_size_count")
    answered_before = _requests_with_status(server, status)
    # WHEN the bad request is sent
    response = server.client.post(path, **request_kwargs)
    # THEN it is refused with the status and a message naming the problem, counted, and the model never ran
    assert response.status_code == status, response.text
    assert message in response.json()["error"]
    assert _requests_with_status(server, status) == answered_before + 1
    assert server.metric("warmfleet_batch_size_count") == batches_before
    # AND the server still serves
    assert server.client.post(INFER, json=infer_body(ONE_ROW)).status_code == 200


def _requests_with_status(server: ServerProcess, status: int) -> float:
    for line in server.client.get("/metrics").text.splitlines():
        if line.startswith(f'warmfleet_requests_total{{status="{status}"}} '):
            return float(line.rsplit(" ", 1)[1])
    return 0.0


def test_metrics_are_prometheus_text_with_the_contract_names(server: ServerProcess) -> None:
    # GIVEN a server that has answered requests / WHEN scraped
    response = server.client.get("/metrics")
    # THEN the exposition is text/plain 0.0.4 with every contract metric
    assert response.headers["content-type"].startswith("text/plain; version=0.0.4")
    for name in [
        "warmfleet_inflight_requests",
        "warmfleet_request_latency_seconds_count",
        "warmfleet_batch_size_count",
        "warmfleet_ready",
        "warmfleet_warmup_seconds",
    ]:
        assert server.metric(name) >= 0
    assert server.metric("warmfleet_ready") == 1 and server.metric("warmfleet_warmup_seconds") > 0
    assert 'warmfleet_requests_total{status="200"}' in response.text
