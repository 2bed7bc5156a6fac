"""Bring your own server: the agent gates and drains a server this project did not write.

The server is `inference/byo/kserve_standin.py`: Flask on Werkzeug's HTTP server (from PyPI), with Triton's
paths and semantics (`/v2/health/ready` answering 400 until warm, Triton's own metric names, no drain
endpoint). The agent runs as a real process, configured as the bootstrap configures it for such a server:
`--ready-url` and `--metrics-url` pointing at the stand-in.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from tests.conftest import ROOT, free_port
from tests.functional.agent.standins import FakeImds
from tests.functional.bootstrap.conftest import INSTANCE_ID, Stack, wait_until

STANDIN = ROOT / "inference" / "byo" / "kserve_standin.py"
# The agent's own subcommand, built the way `warmfleet-inference` builds it (the CLI registers the same
# parser), so this test does not depend on the order in which the subcommands land.
AGENT = (
    "import argparse, logging, sys\n"
    "from warmfleet_inference.agent.cli import add_agent_parser\n"
    "logging.basicConfig(level=logging.INFO)\n"
    "parser = argparse.ArgumentParser()\n"
    "add_agent_parser(parser.add_subparsers())\n"
    "args = parser.parse_args(sys.argv[1:])\n"
    "sys.exit(args.run(args))\n"
)

# Real processes (the bootstrap, the AWS CLI, servers) against the moto server.
pytestmark = pytest.mark.slow


@dataclass
class Standin:
    url: str
    process: subprocess.Popen[str]


def _start(
    command: list[str], env: dict[str, str] | None = None, *, capture: bool = False
) -> subprocess.Popen[str]:
    """Start `command` in its own session; its output is piped only when `capture` (someone must read it)."""
    return subprocess.Popen(
        command,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE if capture else subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )


def _stop(process: subprocess.Popen[str]) -> None:
    """Stop the process group by its pid: SIGTERM, then SIGKILL after 15 s."""
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


@contextmanager
def running_standin(warmup_seconds: float) -> Iterator[Standin]:
    """The stand-in as its own process on a free port, listening once this enters; stopped by its pid."""
    port = free_port()
    process = _start(
        [sys.executable, str(STANDIN), "--port", str(port), "--warmup-seconds", str(warmup_seconds)]
    )
    url = f"http://127.0.0.1:{port}"

    def live() -> bool:
        try:
            return httpx.get(f"{url}/v2/health/live", timeout=1).status_code == 200
        except httpx.HTTPError:
            return False

    try:
        wait_until(live, 20, "the bring-your-own stand-in to listen")
        yield Standin(url, process)
    finally:
        _stop(process)


@pytest.fixture
def standin() -> Iterator[Standin]:
    with running_standin(warmup_seconds=3) as started:
        yield started


def test_the_standin_is_another_http_stack_with_triton_semantics(standin: Standin) -> None:
    # GIVEN the stand-in, still warming / WHEN asked whether it is ready, and for its metrics
    not_ready = httpx.get(f"{standin.url}/v2/health/ready")
    metrics = httpx.get(f"{standin.url}/metrics").text
    # THEN it is Werkzeug answering Triton's way: 400 with no body while warming, Triton's metric names
    assert not_ready.headers["Server"].startswith("Werkzeug/")
    assert (not_ready.status_code, not_ready.content) == (400, b"")
    assert "nv_inference_pending_request_count{" in metrics and "warmfleet_" not in metrics
    # AND once warm, a canary inference has a checkable answer
    wait_until(lambda: httpx.get(f"{standin.url}/v2/health/ready").status_code == 200, 10, "warm")
    request = {
        "inputs": [{"name": "input", "datatype": "FP32", "shape": [2, 4], "data": [1, 2, 3, 4, 0, 0, 0, 1]}]
    }
    reply = httpx.post(f"{standin.url}/v2/models/standin/infer", json=request)
    assert reply.status_code == 200 and reply.json()["outputs"][0]["data"] == [10.0, 1.0]
    bad = httpx.post(f"{standin.url}/v2/models/standin/infer", json={"inputs": [{"shape": [1, 3]}]})
    assert bad.status_code == 400


def _events_of(collect: Any, detail_type: str) -> list[dict[str, Any]]:
    return [event for event in collect() if event["detail-type"] == detail_type]


def test_the_agent_gates_and_drains_a_server_it_did_not_start(stack: Stack) -> None:
    # GIVEN an agent pointed at a bring-your-own server's readiness and metrics URLs, started first (as
    # systemd may start it before the server listens)
    group = f"{stack.name}-byo"
    collect = stack.catch_instance_events(group)
    imds = FakeImds(INSTANCE_ID)
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    options = ["--group", group, "--server", url, "--instance-id", INSTANCE_ID, "--imds-url", imds.url]
    options += ["--model-version", "byo-1", "--interval", "1", "--ready-poll", "0.2"]
    options += ["--ready-url", f"{url}/v2/health/ready", "--metrics-url", f"{url}/metrics"]
    agent = _start([sys.executable, "-c", AGENT, "agent", *options], env=stack.env(), capture=True)
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.extend(agent.stdout or []), daemon=True)
    reader.start()
    try:
        wait_until(lambda: any("agent started" in line for line in lines), 30, "the agent's loop to start")
        # WHEN the server comes up only then, and needs 2 s to warm
        process = _start(
            [sys.executable, str(STANDIN), "--port", str(port), "--warmup-seconds", "2"],
        )
        try:
            warm = wait_until(lambda: _events_of(collect, "Instance Warm"), 60, "Instance Warm")[0]
            # THEN the agent reports the instance warm only once it answers ready, timed by the agent
            assert warm["detail"]["instanceId"] == INSTANCE_ID and warm["detail"]["modelVersion"] == "byo-1"
            assert warm["detail"]["warmupSeconds"] >= 2
            assert httpx.get(f"{url}/v2/health/ready").status_code == 200
            assert not _events_of(collect, "Instance Warm-up Failed")
            # WHEN the instance is terminated (SIGTERM, as systemd sends it)
            os.killpg(agent.pid, signal.SIGTERM)
            assert agent.wait(timeout=30) == 0
            # THEN the agent drains a server it did not start and reports the instance drained
            drained = wait_until(lambda: _events_of(collect, "Instance Drained"), 20, "Instance Drained")[0]
            assert drained["detail"]["instanceId"] == INSTANCE_ID
        finally:
            _stop(process)
    finally:
        _stop(agent)
        reader.join(timeout=5)
        imds.stop()
    assert not [line for line in lines if "Traceback" in line], "".join(lines)
