"""The real inference server as a subprocess: `warmfleet-inference serve` on 127.0.0.1, a free port, stopped
by its process id; and the reference model, written once per session by `make-model`."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import onnxruntime as ort
import pytest

from tests.conftest import free_port

BIN = Path(sys.executable).parent
START_TIMEOUT_S = 60.0


@dataclass
class ServerProcess:
    """One `warmfleet-inference serve` process and an HTTP client for it."""

    process: subprocess.Popen[bytes]
    url: str
    log: Path
    client: httpx.Client = field(init=False)

    def __post_init__(self) -> None:
        self.client = httpx.Client(base_url=self.url, timeout=30.0)

    def ready_state(self) -> dict[str, Any]:
        return dict(self.client.get("/ready").json())

    def wait_until(self, state: str, timeout_s: float = START_TIMEOUT_S) -> dict[str, Any]:
        """Poll `GET /ready` until it reports `state`; fail with the log if it never does."""
        deadline = time.monotonic() + timeout_s
        last: dict[str, Any] = {}
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                pytest.fail(f"server exited with {self.process.returncode}:\n{self.log.read_text()}")
            try:
                last = self.ready_state()
            except httpx.TransportError:
                last = {"state": "not listening"}
            if last.get("state") == state:
                return last
            time.sleep(0.02)
        pytest.fail(f"server never reached {state!r} (last: {last}):\n{self.log.read_text()}")

    def metric(self, name: str) -> float:
        for line in self.client.get("/metrics").text.splitlines():
            if line.startswith(f"{name} "):
                return float(line.rsplit(" ", 1)[1])
        raise AssertionError(f"metric {name} not exposed")

    def stop(self) -> int:
        """SIGTERM (the drain), then SIGKILL by pid if it has not exited within 15 s; return the exit code."""
        self.client.close()
        if self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGTERM)
            try:
                return self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.kill(self.process.pid, signal.SIGKILL)
        return self.process.wait(timeout=15)


def start_server(
    model: str, log_dir: Path, *options: str, env: dict[str, str] | None = None
) -> ServerProcess:
    """Start `warmfleet-inference serve --model MODEL` with `options`; returns once it listens."""
    port = free_port()
    log = log_dir / f"server-{port}.log"
    command = [str(BIN / "warmfleet-inference"), "serve", "--model", model, "--port", str(port), *options]
    with log.open("wb") as sink:
        process = subprocess.Popen(
            command, stdout=sink, stderr=subprocess.STDOUT, env={**os.environ, **(env or {})}
        )
    server = ServerProcess(process, f"http://127.0.0.1:{port}", log)
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"server exited with {process.returncode}:\n{log.read_text()}")
        try:
            if server.client.get("/health").status_code == 200:
                return server
        except httpx.TransportError:
            time.sleep(0.02)
    server.stop()
    pytest.fail(f"server never listened:\n{log.read_text()}")


@pytest.fixture(scope="session")
def reference_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The default reference model (`make-model`), with its `.sha256`, as `mlp.onnx`."""
    path = tmp_path_factory.mktemp("model") / "mlp.onnx"
    result = subprocess.run(
        [str(BIN / "warmfleet-inference"), "make-model", str(path)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return path


@pytest.fixture(scope="session")
def small_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny model with the reference interface (`mlp.onnx`, FP32 [-1, 256] -> [-1, 16]), quick in S3."""
    path = tmp_path_factory.mktemp("small") / "mlp.onnx"
    command = [
        str(BIN / "warmfleet-inference"),
        "make-model",
        str(path),
        "--hidden-dim",
        "16",
        "--layers",
        "1",
    ]
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    return path


@pytest.fixture(scope="session")
def reference_session(reference_model: Path) -> ort.InferenceSession:
    """ONNX Runtime in this process on the same model: what the server's answers must equal."""
    return ort.InferenceSession(str(reference_model), providers=["CPUExecutionProvider"])


def infer_body(rows: np.ndarray, **extra: Any) -> dict[str, Any]:
    return {
        "inputs": [
            {"name": "input", "shape": list(rows.shape), "datatype": "FP32", "data": rows.ravel().tolist()}
        ],
        **extra,
    }


def sample_rows(count: int, seed: int = 0, width: int = 256) -> np.ndarray:
    return np.random.default_rng(seed).standard_normal((count, width)).astype(np.float32)


@pytest.fixture
def logs(tmp_path: Path) -> Iterator[Path]:
    yield tmp_path
