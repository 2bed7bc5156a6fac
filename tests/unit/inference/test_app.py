"""The routes before the model is loaded, in process (no lifespan, so nothing loads): what a server that is
still loading answers, and who may drain it."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest
from warmfleet_inference.server.app import create_app
from warmfleet_inference.server.runtime import ServerConfig, ServerRuntime


def _loading_runtime() -> ServerRuntime:
    return ServerRuntime(ServerConfig(model_uri="s3://bucket/models/mlp.onnx", port=0), started_at=0.0)


def _call(runtime: ServerRuntime, method: str, path: str, client_host: str, **kwargs: Any) -> httpx.Response:
    """One request through ASGI, from `client_host`; the lifespan (which would start loading) never runs."""

    async def call() -> httpx.Response:
        transport = httpx.ASGITransport(app=create_app(runtime), client=(client_host, 40000))
        async with httpx.AsyncClient(transport=transport, base_url="http://server") as client:
            return await client.request(method, path, **kwargs)

    return asyncio.run(call())


@pytest.mark.parametrize(
    ("method", "path", "status", "fragment"),
    [
        pytest.param("GET", "/health", 200, "alive", id="health-is-alive"),
        pytest.param("GET", "/v2/health/live", 200, "true", id="v2-live"),
        pytest.param("GET", "/ready", 503, '"state":"loading"', id="ready-says-loading"),
        pytest.param("GET", "/v2/health/ready", 503, '"ready":false', id="v2-ready-false"),
        pytest.param("GET", "/v2/models/mlp", 503, "is loading", id="metadata-not-yet"),
        pytest.param("GET", "/v2/models/mlp/ready", 503, '"ready":false', id="model-ready-false"),
        pytest.param("POST", "/v2/models/mlp/infer", 503, "is loading", id="infer-refused"),
        pytest.param("POST", "/v2/models/other/infer", 404, "unknown model 'other'", id="unknown-model"),
        pytest.param("GET", "/v2/models/other", 404, "this server serves 'mlp'", id="unknown-model-metadata"),
        pytest.param("GET", "/metrics", 200, "warmfleet_ready 0", id="metrics-not-ready"),
    ],
)
def test_a_loading_server_answers_probes_and_refuses_work(
    method: str, path: str, status: int, fragment: str
) -> None:
    # GIVEN a server whose model is still loading / WHEN called
    response = _call(_loading_runtime(), method, path, "127.0.0.1", json={"inputs": []})
    # THEN it answers with the status and says why
    assert response.status_code == status
    assert fragment in response.text
    if status == 503:
        assert response.headers.get("retry-after") == "1" or path.endswith("ready")


@pytest.mark.parametrize(
    "client_host",
    [
        pytest.param("10.0.1.23", id="the-load-balancer"),
        pytest.param("2001:db8::5", id="ipv6"),
        pytest.param("testclient", id="not-an-address"),
    ],
)
def test_drain_is_refused_from_anywhere_but_loopback(client_host: str) -> None:
    # GIVEN a loading server reached from a non-loopback client
    runtime = _loading_runtime()
    # WHEN asked to drain
    response = _call(runtime, "POST", "/drain", client_host)
    # THEN it refuses, and its state is unchanged
    assert response.status_code == 403 and "loopback" in response.json()["error"]
    assert runtime.readiness.snapshot().state == "loading"


def test_drain_from_loopback_drains_a_loading_server() -> None:
    # GIVEN a loading server with nothing in flight, whose exit request is recorded
    runtime = _loading_runtime()
    exits: list[bool] = []
    runtime.request_exit = exits.append

    async def scenario() -> httpx.Response:
        transport = httpx.ASGITransport(app=create_app(runtime), client=("127.0.0.1", 40000))
        async with httpx.AsyncClient(transport=transport, base_url="http://server") as client:
            response = await client.post("/drain")
            await asyncio.sleep(0.05)
            return response

    # WHEN drained from the instance itself
    response = asyncio.run(scenario())
    # THEN it turns draining at once and asks to exit, not forced, since nothing was in flight
    assert response.status_code == 202 and response.json()["state"] == "draining"
    assert runtime.readiness.snapshot().state == "draining" and exits == [False]
