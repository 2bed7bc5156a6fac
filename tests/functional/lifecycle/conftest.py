"""The lifecycle gate wired as in Lambda, with the parts AWS would provide replaced where moto cannot:
DynamoDB on the moto server, the hook state machine in memory, the instance's address on loopback, and a
real inference server (or a scripted one for the failures a real server will not produce on demand)."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import boto3
import pytest
from botocore.config import Config
from warmfleet.aws import DynamoActionStore, RolloutSignals
from warmfleet.config import LifecycleConfig
from warmfleet.handlers import lifecycle
from warmfleet.lifecycle import InMemoryLifecycleHooks, LifecycleGate, build_gate

from tests.conftest import load_event
from tests.functional.inference.conftest import ServerProcess, start_server

GROUP = "warmfleet-dev-fleet"
LAUNCH_HOOK = "warmfleet-dev-launch-hook"
TERMINATE_HOOK = "warmfleet-dev-terminate-hook"
INSTANCE = "i-0a1b2c3d4e5f60718"


def event_time(fixture: str) -> float:
    return datetime.fromisoformat(load_event(fixture)["time"].replace("Z", "+00:00")).timestamp()


@dataclass
class FakeClock:
    now: float

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@dataclass
class RecordingMetrics:
    """Stands in for Powertools Metrics inside the gate (the app test checks the real EMF output)."""

    values: list[tuple[str, str, float]] = field(default_factory=list)

    def add_metric(self, name: str, unit: str, value: float) -> None:
        self.values.append((name, str(unit), value))

    def names(self) -> list[str]:
        return [name for name, _, _ in self.values]


@dataclass
class StaticAddresses:
    """Every live instance answers on loopback (the test's server); a removed one is gone."""

    hooks: InMemoryLifecycleHooks
    host: str = "127.0.0.1"

    def private_ip(self, instance_id: str) -> str | None:
        return None if self.hooks.state(instance_id) in (None, "Terminated") else self.host


@dataclass
class World:
    gate: LifecycleGate
    hooks: InMemoryLifecycleHooks
    store: DynamoActionStore
    clock: FakeClock
    metrics: RecordingMetrics
    config: LifecycleConfig

    def handle(self, fixture: str) -> dict[str, Any]:
        return lifecycle.handle(load_event(fixture), self.config, lambda: self.gate)

    def launch(self, fixture: str = "lifecycle/launch.json") -> str:
        """AWS holds the fixture's instance in Pending:Wait with the fixture's token (no event sent)."""
        detail = load_event(fixture)["detail"]
        return self.hooks.launch(
            GROUP,
            detail["EC2InstanceId"],
            LAUNCH_HOOK,
            self.config.hook_heartbeat_seconds,
            token=detail["LifecycleActionToken"],
        )

    def terminate(self, fixture: str = "lifecycle/terminate.json") -> str:
        """Terminating:Wait, with DrainTimeoutSeconds as the hook timeout (as the template sets it)."""
        detail = load_event(fixture)["detail"]
        return self.hooks.terminate(
            GROUP,
            detail["EC2InstanceId"],
            TERMINATE_HOOK,
            self.config.drain_timeout_seconds,
            token=detail["LifecycleActionToken"],
        )


@pytest.fixture(scope="module")
def dynamodb(moto_server: str) -> Any:
    return boto3.client("dynamodb", endpoint_url=moto_server, region_name="us-east-1")


def create_state_table(dynamodb: Any) -> str:
    """The state table as the template defines it (pk/sk strings, on demand); a fresh one per test."""
    name = f"state-{uuid.uuid4().hex[:12]}"
    dynamodb.create_table(
        TableName=name,
        AttributeDefinitions=[
            {"AttributeName": "pk", "AttributeType": "S"},
            {"AttributeName": "sk", "AttributeType": "S"},
        ],
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
        BillingMode="PAY_PER_REQUEST",
    )
    return name


@pytest.fixture
def make_world(dynamodb: Any) -> Callable[..., World]:
    def make(port: int = 9, rollout: RolloutSignals | None = None, **env: str) -> World:
        table = create_state_table(dynamodb)
        values = {**load_event("env/lifecycle.json"), "STATE_TABLE": table, "APP_PORT": str(port), **env}
        config = LifecycleConfig.from_env(values)
        clock = FakeClock(event_time("lifecycle/launch.json"))
        hooks = InMemoryLifecycleHooks(clock)
        store = DynamoActionStore(dynamodb, table, GROUP, config.warmup_budget_seconds)
        metrics = RecordingMetrics()
        gate = build_gate(
            config,
            store=store,
            hooks=hooks,
            addresses=StaticAddresses(hooks),
            metrics=metrics,
            clock=clock,
            rollout=rollout,
        )
        return World(gate, hooks, store, clock, metrics, config)

    return make


@pytest.fixture(scope="session")
def model_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("lifecycle-model") / "mlp.onnx"
    command = [str(Path(sys.executable).parent / "warmfleet-inference"), "make-model", str(path)]
    subprocess.run(command, check=True, capture_output=True)
    return path


@pytest.fixture(scope="session")
def warm_server(model_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    """The real inference server, warm, on 127.0.0.1 (one per session, stopped by its pid)."""
    server = start_server(str(model_path), tmp_path_factory.mktemp("lifecycle-logs"), "--host", "127.0.0.1")
    try:
        server.wait_until("ready")
        yield server
    finally:
        server.stop()


def server_port(server: ServerProcess) -> int:
    return int(server.url.rsplit(":", 1)[1])


@dataclass
class ScriptedServer:
    """A loopback HTTP server answering each (method, path) with a scripted (status, JSON body)."""

    routes: dict[tuple[str, str], tuple[int, Any]]
    port: int = 0
    requests: list[tuple[str, str, Any]] = field(default_factory=list)
    _server: ThreadingHTTPServer | None = None

    def start(self) -> ScriptedServer:
        script = self

        class Handler(BaseHTTPRequestHandler):
            def _answer(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = json.loads(self.rfile.read(length)) if length else None
                script.requests.append((self.command, self.path, body))
                status, payload = script.routes.get((self.command, self.path), (404, {"error": "no route"}))
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = _answer  # noqa: N815 - http.server's naming

            def log_message(self, *args: Any) -> None:
                return None

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = int(self._server.server_address[1])
        threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()


@pytest.fixture
def scripted() -> Iterator[Callable[[dict[tuple[str, str], tuple[int, Any]]], ScriptedServer]]:
    servers: list[ScriptedServer] = []

    def start(routes: dict[tuple[str, str], tuple[int, Any]]) -> ScriptedServer:
        servers.append(ScriptedServer(routes).start())
        return servers[-1]

    yield start
    for server in servers:
        server.stop()


@dataclass
class AwsErrorServer:
    """A loopback endpoint that answers every AWS Query-protocol call (Auto Scaling's, CloudFormation's) with
    one error, as AWS does: HTTP `status` and an `ErrorResponse` document; `actions` lists the calls it
    received."""

    code: str
    status: int
    actions: list[str] = field(default_factory=list)
    _server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def start(self) -> AwsErrorServer:
        endpoint = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                form = parse_qs(self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode())
                endpoint.actions.append(form.get("Action", ["?"])[0])
                body = (
                    "<ErrorResponse><Error><Type>Sender</Type>"
                    f"<Code>{endpoint.code}</Code><Message>{endpoint.code} from the test endpoint</Message>"
                    "</Error><RequestId>0f0e0d0c-0000-4000-8000-000000000000</RequestId></ErrorResponse>"
                ).encode()
                self.send_response(endpoint.status)
                self.send_header("Content-Type", "text/xml")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                return None

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    def autoscaling(self) -> Any:
        return self.client("autoscaling")

    def client(self, service: str) -> Any:
        """A client of a Query-protocol `service` on this endpoint with botocore's adaptive retries (as the
        functions use), two attempts at most so that a throttled call gives up quickly."""
        retries = Config(retries={"mode": "adaptive", "total_max_attempts": 2})
        return boto3.client(service, endpoint_url=self.url, region_name="us-east-1", config=retries)  # type: ignore[call-overload]


@pytest.fixture
def aws_error_server() -> Iterator[Callable[[str, int], AwsErrorServer]]:
    servers: list[AwsErrorServer] = []

    def start(code: str, status: int) -> AwsErrorServer:
        servers.append(AwsErrorServer(code, status).start())
        return servers[-1]

    yield start
    for server in servers:
        server.stop()
