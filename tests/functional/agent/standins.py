"""Real HTTP stand-ins on 127.0.0.1 for what the agent talks to besides AWS: IMDSv2 and an inference server.

Both are small `ThreadingHTTPServer`s on a free loopback port, started and stopped by the test. The
inference server stand-in speaks the warmfleet server's contract (`/ready` states, `/metrics` Prometheus
text, `POST /drain` then exit, KServe v2 `infer`) with knobs the real server does not have: a chosen
readiness state, a per-request delay, and a count of inferences per request id (to prove none ran twice).
"""

from __future__ import annotations

import json
import math
import threading
import time
import uuid
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

LATENCY_BOUNDS = (0.01, 0.05, 0.1, 0.5, 1.0, 5.0, math.inf)


class _Handler(BaseHTTPRequestHandler):
    owner: Any

    def log_message(self, format: str, *args: Any) -> None:  # quiet: pytest shows failures anyway
        pass

    def _reply(self, status: int, body: Any, content_type: str = "application/json") -> None:
        data = body.encode() if isinstance(body, str) else json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _body(self) -> bytes:
        return self.rfile.read(int(self.headers.get("Content-Length", 0)))

    def do_GET(self) -> None:
        self.owner.handle_get(self)

    def do_PUT(self) -> None:
        self.owner.handle_put(self)

    def do_POST(self) -> None:
        self.owner.handle_post(self)


class _LoopbackServer:
    def __init__(self) -> None:
        handler = type("Handler", (_Handler,), {"owner": self})
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._httpd.server_address[1]}"
        self._thread = threading.Thread(target=self._httpd.serve_forever, args=(0.05,), daemon=True)
        self._thread.start()
        self._stopped = False

    def stop(self) -> None:
        if not self._stopped:
            self._stopped = True
            self._httpd.shutdown()
            self._httpd.server_close()

    def handle_get(self, request: _Handler) -> None:
        request._reply(404, {"error": "not found"})

    def handle_put(self, request: _Handler) -> None:
        request._reply(404, {"error": "not found"})

    def handle_post(self, request: _Handler) -> None:
        request._reply(404, {"error": "not found"})


class FakeImds(_LoopbackServer):
    """IMDSv2: token first, then metadata with the token; a 404 lifecycle state outside a group."""

    def __init__(self, instance_id: str, lifecycle_state: str | None = "InService") -> None:
        self.instance_id = instance_id
        self.lifecycle_state = lifecycle_state
        self.tokens: set[str] = set()
        self.refused_without_token = 0
        super().__init__()

    def handle_put(self, request: _Handler) -> None:
        if request.path != "/latest/api/token" or not request.headers.get(
            "X-aws-ec2-metadata-token-ttl-seconds"
        ):
            request._reply(400, "missing TTL header", "text/plain")
            return
        token = uuid.uuid4().hex
        self.tokens.add(token)
        request._reply(200, token, "text/plain")

    def handle_get(self, request: _Handler) -> None:
        if request.headers.get("X-aws-ec2-metadata-token") not in self.tokens:
            self.refused_without_token += 1
            request._reply(401, "", "text/plain")
            return
        values = {
            "/latest/meta-data/instance-id": self.instance_id,
            "/latest/meta-data/autoscaling/target-lifecycle-state": self.lifecycle_state,
        }
        value = values.get(request.path)
        if value is None:
            request._reply(404, "", "text/plain")
        else:
            request._reply(200, value, "text/plain")


class FakeInferenceServer(_LoopbackServer):
    """The warmfleet server's HTTP contract, in-process, with test knobs."""

    def __init__(self, model: str = "classifier", state: str = "ready", infer_delay: float = 0.0) -> None:
        self.model = model
        self.state = state
        self.reason = ""
        self.plain_readiness = False  # answer /ready like a bring-your-own server: status code only
        self.infer_delay = infer_delay
        self.warmup_seconds: float | None = 4.25
        self.inflight = 0
        self.inferences: Counter[str] = Counter()
        self.drain_requests = 0
        self._buckets = dict.fromkeys(LATENCY_BOUNDS, 0)
        self._sum = 0.0
        self._lock = threading.Lock()
        super().__init__()

    def handle_get(self, request: _Handler) -> None:
        if request.path == "/ready":
            if self.plain_readiness:
                request._reply(200 if self.state == "ready" else 503, "", "text/plain")
            elif self.state == "ready":
                request._reply(200, {"state": "ready"})
            else:
                request._reply(503, {"state": self.state, "reason": self.reason})
        elif request.path == "/metrics":
            request._reply(200, self.metrics_text(), "text/plain; version=0.0.4")
        else:
            super().handle_get(request)

    def metrics_text(self) -> str:
        with self._lock:
            lines = [
                f"warmfleet_inflight_requests {self.inflight}",
                f"warmfleet_ready {int(self.state == 'ready')}",
            ]
            if self.warmup_seconds is not None:
                lines.append(f"warmfleet_warmup_seconds {self.warmup_seconds}")
            for bound, count in self._buckets.items():
                label = "+Inf" if math.isinf(bound) else repr(bound)
                lines.append(f'warmfleet_request_latency_seconds_bucket{{le="{label}"}} {count}')
            lines += [
                f"warmfleet_request_latency_seconds_sum {self._sum}",
                f"warmfleet_request_latency_seconds_count {self._buckets[math.inf]}",
            ]
        return "\n".join(lines) + "\n"

    def handle_post(self, request: _Handler) -> None:
        if request.path == "/drain":
            self.drain_requests += 1
            self.state = "draining"
            request._reply(202, {"state": "draining"})
            threading.Thread(target=self._exit_when_idle, daemon=True).start()
        elif request.path.startswith("/v2/models/") and request.path.endswith("/infer"):
            self._infer(request, request.path.split("/")[3])
        else:
            super().handle_post(request)

    def _exit_when_idle(self) -> None:
        while self.inflight:
            time.sleep(0.02)
        self.stop()  # the real server exits 0 once its drain is done

    def _infer(self, request: _Handler, model: str) -> None:
        body = json.loads(request._body() or b"{}")
        if self.state != "ready":
            request._reply(503, {"error": f"server is {self.state}"})
            return
        if model != self.model:
            request._reply(404, {"error": f"unknown model {model!r}"})
            return
        inputs = body.get("inputs", [])
        if any(len(tensor["data"]) != math.prod(tensor["shape"]) for tensor in inputs):
            request._reply(400, {"error": "data length does not match shape"})
            return
        started = time.monotonic()
        with self._lock:
            self.inflight += 1
            self.inferences[body.get("id", "")] += 1
        time.sleep(self.infer_delay)
        total = sum(sum(tensor["data"]) for tensor in inputs)
        with self._lock:
            self.inflight -= 1
            self._observe(time.monotonic() - started)
        outputs = [{"name": "output", "shape": [1], "datatype": "FP32", "data": [total]}]
        request._reply(200, {"model_name": model, "id": body.get("id"), "outputs": outputs})

    def _observe(self, seconds: float) -> None:
        self._sum += seconds
        for bound in LATENCY_BOUNDS:
            if seconds <= bound:
                self._buckets[bound] += 1
