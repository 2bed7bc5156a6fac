"""The local balancer over real loopback HTTP: bursts of concurrent clients, round robin, deregistration.

The upstream is a small threaded server that holds each request a moment (as the inference server's batch
window does), so a burst of clients is really concurrent at the balancer.
"""

from __future__ import annotations

import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from warmfleet.local.network import Balancer

HOLD_SECONDS = 0.2


class _Upstream(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 1024


def _upstream(name: str) -> _Upstream:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: object) -> None:
            return None

        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            time.sleep(HOLD_SECONDS)
            body = name.encode()
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    server = _Upstream(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


@pytest.fixture
def balancer() -> Iterator[tuple[Balancer, dict[str, int]]]:
    upstreams = {name: _upstream(name) for name in ("i-a", "i-b")}
    created = Balancer()
    for name, server in upstreams.items():
        created.register(name, server.server_address[1])
    yield created, {name: server.server_address[1] for name, server in upstreams.items()}
    created.close()
    for server in upstreams.values():
        server.shutdown()
        server.server_close()


def _post(url: str, path: str = "/v2/models/m/infer") -> tuple[int, str]:
    request = urllib.request.Request(url + path, data=b"{}", headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:
            return int(answer.status), answer.read().decode()
    except urllib.error.HTTPError as error:
        return int(error.code), error.read().decode()


def test_a_burst_of_concurrent_clients_is_served_in_turn(balancer: tuple[Balancer, dict[str, int]]) -> None:
    # GIVEN two targets WHEN 64 clients send 4 rounds of requests at once
    proxy, _ = balancer
    with ThreadPoolExecutor(max_workers=64) as pool:
        answers = list(pool.map(lambda _: _post(proxy.url), range(256)))
    # THEN every request is answered 200 (no connection reset), half by each target
    assert Counter(status for status, _ in answers) == {200: 256}
    assert Counter(body for _, body in answers) == {"i-a": 128, "i-b": 128}
    assert proxy.served == {"i-a": 128, "i-b": 128}


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        pytest.param("/drain", 403, id="drain-is-never-forwarded"),
        pytest.param("/metrics", 403, id="only-the-inference-api"),
        pytest.param("/v2/models/m/infer", 200, id="inference-api-forwarded"),
    ],
)
def test_only_the_inference_api_is_forwarded(
    balancer: tuple[Balancer, dict[str, int]], path: str, expected: int
) -> None:
    proxy, _ = balancer
    assert _post(proxy.url, path)[0] == expected


def test_a_deregistered_target_gets_nothing_and_none_left_is_503(
    balancer: tuple[Balancer, dict[str, int]],
) -> None:
    proxy, _ = balancer
    # GIVEN one target deregistered WHEN requests come THEN all go to the other
    proxy.deregister("i-a")
    assert {_post(proxy.url)[1] for _ in range(4)} == {"i-b"}
    # GIVEN none left WHEN a request comes THEN the balancer answers 503, as an ALB with no healthy target
    proxy.deregister("i-b")
    assert _post(proxy.url)[0] == 503
