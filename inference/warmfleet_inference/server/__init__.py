"""The warmfleet inference server: ONNX Runtime behind the Open Inference Protocol v2 REST API.

Modules, in the order a request meets them: `serve` (uvicorn, SIGTERM as drain), `app` (the routes),
`validation` (request JSON to arrays, or a precise 4xx), `batching` (dynamic micro-batching), `model` (the
ONNX Runtime session, provider choice, metadata, warm-up); around them `runtime` (load in the background,
readiness, drain), `readiness` (the state machine) and `metrics` (Prometheus text).
"""

from __future__ import annotations

from warmfleet_inference.server.readiness import ReadinessState
from warmfleet_inference.server.runtime import ServerConfig
from warmfleet_inference.server.serve import serve

__all__ = ["ReadinessState", "ServerConfig", "serve"]
