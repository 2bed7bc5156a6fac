"""Fixtures shared by every test tier: the event fixtures in `events/`, the function entry points, a
Lambda context, fake AWS credentials, an AWS call counter and a moto server on loopback."""

from __future__ import annotations

import ast
import importlib.util
import json
import os
import socket
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import botocore.client
import pytest
from moto.server import ThreadedMotoServer

ROOT = Path(__file__).resolve().parent.parent
EVENTS = ROOT / "events"
FUNCTIONS = ROOT / "functions"

# Tests never reach real AWS: fake credentials and a fixed region, set before any client exists.
os.environ.update(
    {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_REGION": "us-east-1",
        "MOTO_EC2_LOAD_DEFAULT_AMIS": "false",
        "POWERTOOLS_SERVICE_NAME": "warmfleet-test",
        "POWERTOOLS_METRICS_NAMESPACE": "warmfleet",
    }
)
for _variable in ("AWS_PROFILE", "AWS_ENDPOINT_URL"):
    os.environ.pop(_variable, None)


def load_event(relative: str) -> Any:
    """The parsed JSON of `events/<relative>`: the only way tests get an event."""
    return json.loads((EVENTS / relative).read_text())


def imported_modules(path: Path) -> list[str]:
    """Every module a Python file imports (`import a.b` gives "a.b", `from a.b import c` gives "a.b")."""
    names: list[str] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            names.append(node.module or "")
    return names


def load_function(name: str) -> ModuleType:
    """Import `functions/<name>/app.py` under a unique module name (each folder has its own `app`)."""
    spec = importlib.util.spec_from_file_location(f"function_{name}_app", FUNCTIONS / name / "app.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@dataclass
class FakeLambdaContext:
    function_name: str = "warmfleet-test"
    function_version: str = "$LATEST"
    memory_limit_in_mb: int = 256
    invoked_function_arn: str = "arn:aws:lambda:us-east-1:123456789012:function:warmfleet-test"
    aws_request_id: str = "0f0e0d0c-0b0a-4909-8807-060504030201"
    log_group_name: str = "/aws/lambda/warmfleet-test"
    log_stream_name: str = "2026/11/27/[$LATEST]0123456789abcdef"

    def get_remaining_time_in_millis(self) -> int:
        return 30_000


@pytest.fixture
def lambda_context() -> FakeLambdaContext:
    return FakeLambdaContext()


# botocore's private dispatch, which every operation of every client goes through; the type stubs do not
# declare it, so it is reached by name (typed below) rather than as an attribute mypy cannot see.
MAKE_API_CALL = "_make_api_call"
ApiCall = Callable[[Any, str, dict[str, Any]], Any]


@pytest.fixture
def aws_calls(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every botocore API call made during the test, as `service.Operation` (nothing reaches the network)."""
    calls: list[str] = []
    original: ApiCall = getattr(botocore.client.BaseClient, MAKE_API_CALL)

    def counting(self: Any, operation_name: str, api_params: dict[str, Any]) -> Any:
        calls.append(f"{self.meta.service_model.service_name}.{operation_name}")
        return original(self, operation_name, api_params)

    monkeypatch.setattr(botocore.client.BaseClient, MAKE_API_CALL, counting)
    return calls


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="session")
def moto_server() -> Iterator[str]:
    """A moto server (all services) on 127.0.0.1 for the session; yields its endpoint URL."""
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.stop()


@pytest.fixture
def function_env(monkeypatch: pytest.MonkeyPatch) -> Callable[[str], None]:
    """Set the environment of one function as the template would (values from `events/env/<name>.json`)."""

    def apply(name: str) -> None:
        for key, value in load_event(f"env/{name}.json").items():
            monkeypatch.setenv(key, value)

    return apply
