"""A bring-your-own server stand-in on Flask/Werkzeug: the KServe v2 / Triton HTTP surface, not warmfleet's.

The agent must gate, measure and drain servers it did not write (vLLM, Triton, TGI). This process is such a
server for the tests and the demo: a different HTTP stack (Werkzeug's threaded server, from PyPI) answering
the paths Triton and KServe answer, with their semantics rather than warmfleet's:

- `GET /v2/health/ready`: 200 with an empty body once warm, 400 before (Triton answers 400, not 503, and
  no JSON state), so the agent can read readiness from the HTTP status alone;
- `GET /v2/health/live`: 200 while the process runs;
- `GET /metrics`: Prometheus text with Triton's own metric names (`nv_inference_request_success`,
  `nv_inference_pending_request_count`, `nv_inference_request_duration_us`), none of warmfleet's;
- `GET /v2/models/{name}` and `POST /v2/models/{name}/infer`: the v2 metadata and an inference that returns
  the sum of each input row, so a canary request has a checkable answer.

It has no drain endpoint: like most servers, it stops on SIGTERM.

Run it with `python inference/byo/kserve_standin.py --port 8000 --warmup-seconds 2`.
"""

from __future__ import annotations

import argparse
import threading
import time
from collections.abc import Sequence
from typing import Any

from flask import Flask, Response, jsonify, request
from werkzeug.serving import make_server

MODEL_NAME = "standin"
INPUT_WIDTH = 4


def create_app(warmup_seconds: float, started: float | None = None) -> Flask:
    """The Flask app; it turns ready `warmup_seconds` after `started` (default: now)."""
    app = Flask("kserve_standin")
    ready_at = (started if started is not None else time.monotonic()) + warmup_seconds
    lock = threading.Lock()
    counters = {"success": 0, "pending": 0, "duration_us": 0}

    @app.get("/v2/health/live")
    def live() -> Response:
        return Response(status=200)

    @app.get("/v2/health/ready")
    def ready() -> Response:
        return Response(status=200 if time.monotonic() >= ready_at else 400)

    @app.get("/metrics")
    def metrics() -> Response:
        with lock:
            snapshot = dict(counters)
        labels = f'model="{MODEL_NAME}",version="1"'
        lines = [
            "# HELP nv_inference_request_success Number of successful inference requests",
            "# TYPE nv_inference_request_success counter",
            f"nv_inference_request_success{{{labels}}} {snapshot['success']}",
            "# HELP nv_inference_pending_request_count Instantaneous number of pending requests",
            "# TYPE nv_inference_pending_request_count gauge",
            f"nv_inference_pending_request_count{{{labels}}} {snapshot['pending']}",
            "# HELP nv_inference_request_duration_us Cumulative inference request duration in microseconds",
            "# TYPE nv_inference_request_duration_us counter",
            f"nv_inference_request_duration_us{{{labels}}} {snapshot['duration_us']}",
        ]
        return Response("\n".join(lines) + "\n", mimetype="text/plain; version=0.0.4")

    @app.get(f"/v2/models/{MODEL_NAME}")
    def metadata() -> Any:
        tensor = {"datatype": "FP32", "shape": [-1, INPUT_WIDTH]}
        return jsonify(
            name=MODEL_NAME,
            platform="standin",
            inputs=[{"name": "input"} | tensor],
            outputs=[{"name": "output", "datatype": "FP32", "shape": [-1, 1]}],
        )

    @app.post(f"/v2/models/{MODEL_NAME}/infer")
    def infer() -> Any:
        if time.monotonic() < ready_at:
            return jsonify(error="model is not ready"), 400
        begun = time.monotonic()
        with lock:
            counters["pending"] += 1
        try:
            body = request.get_json(silent=True) or {}
            rows = _rows(body)
            if rows is None:
                return jsonify(error=f"expected one FP32 input of shape [N, {INPUT_WIDTH}]"), 400
            sums = [sum(row) for row in rows]
            output = {"name": "output", "datatype": "FP32", "shape": [len(sums), 1], "data": sums}
            return jsonify(model_name=MODEL_NAME, id=body.get("id", ""), outputs=[output])
        finally:
            with lock:
                counters["pending"] -= 1
                counters["success"] += 1
                counters["duration_us"] += int((time.monotonic() - begun) * 1e6)

    return app


def _rows(body: dict[str, Any]) -> list[list[float]] | None:
    """The input's rows, or None when the request is not one FP32 [N, INPUT_WIDTH] tensor."""
    inputs = body.get("inputs")
    if not isinstance(inputs, list) or len(inputs) != 1 or not isinstance(inputs[0], dict):
        return None
    tensor = inputs[0]
    shape, data = tensor.get("shape"), tensor.get("data")
    if tensor.get("datatype") != "FP32" or not isinstance(shape, list) or len(shape) != 2:
        return None
    if shape[1] != INPUT_WIDTH or not isinstance(data, list) or len(data) != shape[0] * INPUT_WIDTH:
        return None
    if not all(isinstance(value, int | float) for value in data):
        return None
    return [[float(value) for value in data[i : i + INPUT_WIDTH]] for i in range(0, len(data), INPUT_WIDTH)]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--warmup-seconds", type=float, default=0.0, help="how long until ready")
    args = parser.parse_args(argv)
    server = make_server(args.host, args.port, create_app(args.warmup_seconds), threaded=True)
    print(f"kserve stand-in on http://{args.host}:{args.port}", flush=True)
    server.serve_forever()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
