"""The local fleet's network: the load balancer in front of the InService instances, and the instance
metadata service (IMDSv2) each instance's agent reads its target lifecycle state from.

`RoundRobin` is the balancer's pure choice. `Balancer` is a small threaded HTTP proxy on 127.0.0.1 that, like
an ALB target group, sends each request to the next registered target and answers 503 when there is none;
it forwards only the inference API (`/v2/...`), never `/drain`. `MetadataService` answers IMDSv2's token
and `autoscaling/target-lifecycle-state` for every instance under its own path prefix
(`http://127.0.0.1:PORT/<instance-id>`), the URL the bootstrap gives that instance's agent.
"""

from __future__ import annotations

import http.client
import threading
from collections.abc import Callable, Sequence
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

#: Headers a proxy must not forward (RFC 9110 section 7.6.1), plus the ones it sets itself.
_HOP_BY_HOP = frozenset(
    {"connection", "keep-alive", "proxy-connection", "transfer-encoding", "upgrade", "te", "host"}
)


class RoundRobin:
    """The next target in turn; `None` when there is none (the ALB's 503).

    >>> balancer = RoundRobin()
    >>> [balancer.choose(["a", "b"]) for _ in range(3)], balancer.choose([])
    (['a', 'b', 'a'], None)
    """

    def __init__(self) -> None:
        self._turn = 0
        self._lock = threading.Lock()

    def choose(self, targets: Sequence[str]) -> str | None:
        if not targets:
            return None
        with self._lock:
            chosen = targets[self._turn % len(targets)]
            self._turn += 1
        return chosen


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    # socketserver's default listen backlog is 5: a burst of a trace's clients overflows it and the kernel
    # resets connections (measured: 63 of 320 requests from 64 clients at once). An ALB does not.
    request_queue_size = 128


def _start(handler: type[BaseHTTPRequestHandler]) -> tuple[_Server, threading.Thread]:
    server = _Server(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, name=handler.__name__, daemon=True)
    thread.start()
    return server, thread


class Balancer:
    """Round-robin HTTP proxy to the registered targets (`register` / `deregister` by instance id)."""

    def __init__(self) -> None:
        self._targets: dict[str, int] = {}
        self._lock = threading.Lock()
        self._choice = RoundRobin()
        self.served: dict[str, int] = {}
        self._server, self._thread = _start(self._handler())

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def register(self, instance_id: str, port: int) -> None:
        with self._lock:
            self._targets[instance_id] = port

    def deregister(self, instance_id: str) -> None:
        with self._lock:
            self._targets.pop(instance_id, None)

    def targets(self) -> tuple[str, ...]:
        with self._lock:
            return tuple(sorted(self._targets))

    def _pick(self) -> tuple[str, int] | None:
        with self._lock:
            chosen = self._choice.choose(sorted(self._targets))
            if chosen is None:
                return None
            self.served[chosen] = self.served.get(chosen, 0) + 1
            return chosen, self._targets[chosen]

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        balancer = self

        class Proxy(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: object) -> None:
                return None

            def do_GET(self) -> None:
                self._forward()

            def do_POST(self) -> None:
                self._forward()

            def _reply(self, status: int, body: bytes, headers: Sequence[tuple[str, str]] = ()) -> None:
                self.send_response(status)
                for name, value in headers:
                    if name.lower() not in _HOP_BY_HOP and name.lower() != "content-length":
                        self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def _forward(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                if not self.path.startswith("/v2/"):
                    self._reply(403, b'{"error": "only the inference API is forwarded"}')
                    return
                target = balancer._pick()
                if target is None:
                    self._reply(503, b'{"error": "no InService target"}')
                    return
                headers = {k: v for k, v in self.headers.items() if k.lower() not in _HOP_BY_HOP}
                connection = http.client.HTTPConnection("127.0.0.1", target[1], timeout=60)
                try:
                    connection.request(self.command, self.path, body=body or None, headers=headers)
                    answer = connection.getresponse()
                    self._reply(answer.status, answer.read(), answer.getheaders())
                except OSError as error:
                    self._reply(502, f'{{"error": "target {target[0]}: {error}"}}'.encode())
                finally:
                    connection.close()

        return Proxy


class MetadataService:
    """IMDSv2 for every local instance: `state_of(instance_id)` gives its target lifecycle state."""

    TOKEN = "local-imds-token"

    def __init__(self, state_of: Callable[[str], str | None]) -> None:
        self._state_of = state_of
        self._server, self._thread = _start(self._handler())

    def url_for(self, instance_id: str) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/{instance_id}"

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        service = self

        class Imds(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: object) -> None:
                return None

            def _reply(self, status: int, text: str) -> None:
                body = text.encode()
                self.send_response(status)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_PUT(self) -> None:
                if self.path.endswith("/latest/api/token"):
                    self._reply(200, service.TOKEN)
                else:
                    self._reply(404, "not found")

            def do_GET(self) -> None:
                if self.headers.get("X-aws-ec2-metadata-token") != service.TOKEN:
                    self._reply(401, "unauthorized")
                    return
                instance_id, _, rest = self.path.lstrip("/").partition("/")
                state = service._state_of(instance_id)
                if state is None:
                    self._reply(404, "not found")
                elif rest == "latest/meta-data/autoscaling/target-lifecycle-state":
                    self._reply(200, state)
                elif rest == "latest/meta-data/instance-id":
                    self._reply(200, instance_id)
                else:
                    self._reply(404, "not found")

        return Imds
