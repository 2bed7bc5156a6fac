"""The HTTP routes: the Open Inference Protocol v2 REST API plus health, readiness, metrics and drain.

Protocol: https://kserve.github.io/website/latest/modelserving/data_plane/v2_protocol/ — errors are
`{"error": "<message>"}` as it prescribes. Bodies are read and parsed by hand (no request model) so that a
batch of floats is not validated twice and an oversized body is cut off at `max_body_bytes` with 413.
Infer order: unknown model 404, not ready 503 (with Retry-After), then the request is admitted (counted in
flight, so a drain waits for it), its body read (413), validated (400) and batched (200, or 500 if the
model itself fails). `POST /drain` is accepted only from loopback: the ALB forwards every path, and a client
must not be able to drain an instance.
"""

from __future__ import annotations

import ipaddress
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import numpy as np
import orjson
from fastapi import FastAPI, Request, Response

from warmfleet_inference import __version__
from warmfleet_inference.server.batching import Tensors
from warmfleet_inference.server.metrics import CONTENT_TYPE
from warmfleet_inference.server.model import ModelMetadata
from warmfleet_inference.server.runtime import ServerRuntime
from warmfleet_inference.server.validation import InferRequest, RequestError, parse_infer_request


def _json(status: int, payload: dict[str, Any], headers: dict[str, str] | None = None) -> Response:
    # orjson writes NumPy arrays directly, without a detour through Python lists.
    body = orjson.dumps(payload, option=orjson.OPT_SERIALIZE_NUMPY)
    return Response(body, status_code=status, media_type="application/json", headers=headers)


def _error(status: int, message: str, headers: dict[str, str] | None = None) -> Response:
    return _json(status, {"error": message}, headers)


def _is_loopback(host: str | None) -> bool:
    try:
        return host is not None and ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


async def _read_body(request: Request, limit: int) -> bytes | None:
    """The body, or None as soon as it is known to exceed `limit` bytes (declared or streamed)."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        return None
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


def create_app(runtime: ServerRuntime) -> FastAPI:
    """The FastAPI application serving `runtime`'s model."""

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        runtime.start()
        yield
        await runtime.stop()

    app = FastAPI(title="warmfleet inference server", version=__version__, lifespan=lifespan)
    _add_health_routes(app, runtime)
    _add_model_routes(app, runtime)
    _add_control_routes(app, runtime)
    return app


def _not_ready(runtime: ServerRuntime) -> Response:
    snapshot = runtime.readiness.snapshot()
    message = f"model {runtime.config.model_name!r} is {snapshot.state}: {snapshot.reason}"
    return _error(503, message, headers={"Retry-After": str(runtime.config.retry_after_s)})


def _unknown_model(runtime: ServerRuntime, name: str) -> Response | None:
    if name == runtime.config.model_name:
        return None
    return _error(404, f"unknown model {name!r}; this server serves {runtime.config.model_name!r}")


def _add_health_routes(app: FastAPI, runtime: ServerRuntime) -> None:
    @app.get("/health")
    async def health() -> Response:
        return _json(200, {"status": "alive"})

    @app.get("/ready")
    async def ready() -> Response:
        snapshot = runtime.readiness.snapshot()
        return _json(200 if snapshot.is_ready else 503, snapshot.as_json())

    @app.get("/v2")
    async def server_metadata() -> Response:
        return _json(200, {"name": "warmfleet", "version": __version__, "extensions": []})

    @app.get("/v2/health/live")
    async def live() -> Response:
        return _json(200, {"live": True})

    @app.get("/v2/health/ready")
    async def v2_ready() -> Response:
        snapshot = runtime.readiness.snapshot()
        return _json(200 if snapshot.is_ready else 503, {"ready": snapshot.is_ready, **snapshot.as_json()})


def _add_model_routes(app: FastAPI, runtime: ServerRuntime) -> None:
    config = runtime.config

    # Not in the v2 protocol (Triton lists through POST /v2/repository/index): the lifecycle function
    # discovers the model to probe here when the stack does not configure MODEL_NAME.
    @app.get("/v2/models")
    async def model_index() -> Response:
        is_ready = runtime.readiness.snapshot().is_ready
        return _json(200, {"models": [{"name": config.model_name, "ready": is_ready}]})

    @app.get("/v2/models/{name}")
    async def model_metadata(name: str) -> Response:
        if (unknown := _unknown_model(runtime, name)) is not None:
            return unknown
        if runtime.model is None:
            return _not_ready(runtime)
        return _json(200, runtime.model.metadata.as_json())

    @app.get("/v2/models/{name}/ready")
    async def model_ready(name: str) -> Response:
        if (unknown := _unknown_model(runtime, name)) is not None:
            return unknown
        is_ready = runtime.readiness.snapshot().is_ready
        return _json(200 if is_ready else 503, {"name": name, "ready": is_ready})

    @app.post("/v2/models/{name}/infer")
    async def infer(name: str, request: Request) -> Response:
        started = time.perf_counter()
        response = await _infer(name, request)
        runtime.metrics.record_response(response.status_code, time.perf_counter() - started)
        return response

    async def _infer(name: str, request: Request) -> Response:
        if (unknown := _unknown_model(runtime, name)) is not None:
            return unknown
        model, batcher = runtime.model, runtime.batcher
        if not runtime.readiness.snapshot().is_ready or model is None or batcher is None:
            return _not_ready(runtime)
        runtime.admit()
        try:
            body = await _read_body(request, config.max_body_bytes)
            if body is None:
                limit = config.max_body_bytes
                return _error(413, f"request body exceeds the limit of {limit} bytes (--max-body-bytes)")
            parsed = parse_infer_request(body, model.metadata, config.max_batch_size)
            if isinstance(parsed, RequestError):
                return _error(parsed.status, parsed.message)
            try:
                outputs = await batcher.infer(parsed.inputs, parsed.rows)
            except Exception as error:  # the model failed on valid input: a server error, said as such
                return _error(500, f"inference failed: {error}")
            return _json(200, _infer_response(model.metadata, parsed, outputs))
        finally:
            runtime.release()


def _infer_response(metadata: ModelMetadata, parsed: InferRequest, outputs: Tensors) -> dict[str, Any]:
    specs = {spec.name: spec for spec in metadata.outputs}
    payload: dict[str, Any] = {
        "model_name": metadata.name,
        "outputs": [
            {
                "name": name,
                "datatype": specs[name].datatype,
                "shape": list(outputs[name].shape),
                "data": _flat(outputs[name]),
            }
            for name in parsed.outputs
        ],
    }
    if parsed.request_id is not None:
        payload["id"] = parsed.request_id
    return payload


def _flat(array: np.ndarray) -> Any:
    """Row-major data for the response: the array itself for orjson, a list for strings (BYTES)."""
    flat = np.ascontiguousarray(array).ravel()
    return flat.tolist() if flat.dtype == np.object_ else flat


def _add_control_routes(app: FastAPI, runtime: ServerRuntime) -> None:
    @app.post("/drain")
    async def drain(request: Request) -> Response:
        if not _is_loopback(request.client.host if request.client else None):
            return _error(403, "drain is accepted only from the instance itself (loopback)")
        runtime.begin_drain("POST /drain")
        return _json(202, runtime.readiness.snapshot().as_json())

    @app.get("/metrics")
    async def metrics() -> Response:
        return Response(runtime.metrics.render(), media_type=CONTENT_TYPE)
