"""The real bootstrap in local mode against moto S3 and SSM: what it writes, and server and agent coming up.

One bootstrap run per module (it takes a few seconds of AWS CLI calls); the tests read what it left behind
and what the processes it started do. The processes are stopped by the pids the bootstrap recorded.
"""

from __future__ import annotations

import os
import shlex
import signal
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from warmfleet_inference.publish import PublishResult

from tests.conftest import free_port
from tests.functional.agent.standins import FakeImds
from tests.functional.bootstrap.conftest import INSTANCE_ID, VENV, VERSION, Stack, run_bootstrap, wait_until

# Real processes (the bootstrap, the AWS CLI, servers) against the moto server.
pytestmark = pytest.mark.slow


@dataclass
class Instance:
    stack: Stack
    root: Path
    port: int
    group: str
    result: subprocess.CompletedProcess[str]
    events: Any
    aws_cli: Path

    def script(self, name: str) -> list[str]:
        """The command `run-<name>` execs, as a list of words."""
        lines = (self.root / "opt/warmfleet/bin" / f"run-{name}").read_text().splitlines()
        assert lines[0] == "#!/usr/bin/env bash"
        words = shlex.split(lines[-1])
        assert words[0] == "exec"
        return words[1:]

    def pid(self, name: str) -> int:
        return int((self.root / "run/warmfleet" / f"{name}.pid").read_text())


def _stop(pid: int) -> None:
    """SIGTERM the process group the bootstrap started (it drains), SIGKILL it if it outlives 15 s."""
    try:
        os.killpg(pid, signal.SIGTERM)
        deadline = time.monotonic() + 15
        while _alive(pid) and time.monotonic() < deadline:
            time.sleep(0.1)
        if _alive(pid):
            os.killpg(pid, signal.SIGKILL)
    except ProcessLookupError:
        return


@pytest.fixture(scope="module")
def instance(aws_cli: Path, stack: Stack, published: PublishResult) -> Iterator[Instance]:
    # GIVEN the stack's parameters as the template writes them, and IMDS standing in for EC2's
    group = f"{stack.name}-fleet"
    sqs = stack.client("sqs")
    jobs, replies = (sqs.create_queue(QueueName=f"{group}-{n}")["QueueUrl"] for n in ("jobs", "replies"))
    stack.client("s3").create_bucket(Bucket=f"{group}-results")
    # The template writes both default result targets: the agent must start with both
    stack.put_parameters(
        group_name=group,
        model_version=VERSION,
        app_port="1",
        queue_url=jobs,
        reply_queue_url=replies,
        results_bucket=f"{group}-results",
    )
    events = stack.catch_instance_events(group)
    imds = FakeImds(INSTANCE_ID)
    workdir = tempfile.TemporaryDirectory(prefix="warmfleet-instance-")
    root, port = Path(workdir.name), free_port()
    # WHEN the bootstrap runs in local mode (the port overrides app-port: many local instances share a stack)
    result = run_bootstrap(
        stack,
        root,
        *("--no-systemd", "--reuse-venv", str(VENV), "--port", str(port), "--imds-url", imds.url),
        path_first=[aws_cli],
    )
    built = Instance(stack, root, port, group, result, events, aws_cli)
    try:
        yield built
    finally:
        for name in ("agent", "server"):
            if (root / "run/warmfleet" / f"{name}.pid").exists():
                _stop(built.pid(name))
        imds.stop()
        workdir.cleanup()


def test_the_bootstrap_succeeds_and_logs_each_step(instance: Instance) -> None:
    assert instance.result.returncode == 0, instance.result.stderr
    log = (instance.root / "var/log/warmfleet/bootstrap.log").read_text()
    for step in ("identity", "configuration", "artifact", "install", "render", "start", "finished"):
        assert f"warmfleet-bootstrap[{step}]" in log
    assert f"instance {INSTANCE_ID}" in log  # read from IMDSv2
    assert log.splitlines()[-1] in instance.result.stderr  # the console sees what the log file sees


def test_the_server_runs_the_published_model_with_the_version_settings(
    instance: Instance, published: PublishResult
) -> None:
    argv = instance.script("server")
    assert argv[:2] == [str(VENV / "bin/warmfleet-inference"), "serve"]
    script = (instance.root / "opt/warmfleet/bin/run-server").read_text()
    assert "\nexport AWS_REGION=us-east-1 AWS_DEFAULT_REGION=us-east-1\n" in script  # systemd passes none
    options = dict(zip(argv[2::2], argv[3::2], strict=True))
    assert options == {
        "--model": published.model_uri,
        "--sha256": published.model_sha256,
        "--name": "tiny-mlp",
        "--host": "127.0.0.1",
        "--port": str(instance.port),
        "--cache-dir": str(instance.root / "var/cache/warmfleet/models"),
        "--drain-timeout": "300",  # no stack drain timeout: the default, passed to server and agent alike
        "--max-batch-size": "8",
        "--warmup-iterations": "2",
        "--warmup-batch-sizes": "1,4",
    }


def test_the_agent_watches_that_server_for_this_group_and_version(instance: Instance) -> None:
    argv = instance.script("agent")
    assert argv[:2] == [str(VENV / "bin/warmfleet-inference"), "agent"]
    options = dict(zip(argv[2::2], argv[3::2], strict=True))
    assert options["--group"] == instance.group
    assert options["--server"] == f"http://127.0.0.1:{instance.port}"
    assert (options["--instance-id"], options["--model-version"]) == (INSTANCE_ID, VERSION)
    assert options["--drain-timeout"] == "300"  # the server's own
    # Both default result targets, as the stack provisions them (the agent's bucket comes first)
    assert options["--queue-url"].endswith(f"/{instance.group}-jobs")
    assert options["--reply-queue-url"].endswith(f"/{instance.group}-replies")
    assert options["--results-bucket"] == f"{instance.group}-results"


def test_every_release_file_is_kept_verified_and_the_model_is_left_to_the_server(
    instance: Instance, published: PublishResult
) -> None:
    release = instance.root / "opt/warmfleet/releases" / VERSION
    kept = {str(path.relative_to(release)) for path in release.rglob("*") if path.is_file()}
    assert kept == {
        "manifest.json",
        "requirements.txt",
        "bootstrap.sh",
        "systemd/warmfleet-server.service",
        "systemd/warmfleet-agent.service",
        "wheels/warmfleet-0.1.0-py3-none-any.whl",
    }
    config = (instance.root / "etc/warmfleet/version.env").read_text()
    assert f"VER_MODEL_SHA256={published.model_sha256}" in config


def test_the_server_comes_up_ready_from_the_published_artifact(
    instance: Instance, published: PublishResult
) -> None:
    # WHEN the server started by the bootstrap is asked whether it is ready
    def ready() -> bool:
        try:
            return httpx.get(f"http://127.0.0.1:{instance.port}/ready", timeout=2).status_code == 200
        except httpx.HTTPError:
            return False

    # THEN it becomes ready, having fetched the model through its verified cache from S3
    wait_until(ready, 90, "the bootstrapped server to answer GET /ready with 200")
    cached = instance.root / "var/cache/warmfleet/models" / published.model_sha256 / "tiny-mlp.onnx"
    assert cached.is_file()
    # AND the recorded pid is that server's, so the local fleet can stop it
    command_line = Path(f"/proc/{instance.pid('server')}/cmdline").read_bytes().split(b"\0")
    assert b"serve" in command_line and str(instance.port).encode() in command_line


def _agent_available() -> bool:
    probe = subprocess.run(
        [str(VENV / "bin/warmfleet-inference"), "agent", "--help"],
        capture_output=True,
        text=True,
        check=False,
    )
    return probe.returncode == 0 and "--group" in probe.stdout


def test_the_agent_reports_the_instance_warm(instance: Instance) -> None:
    if not _agent_available():
        pytest.skip("`warmfleet-inference agent` is not registered in the CLI yet (issue 8)")
    # WHEN the agent started by the bootstrap sees the server ready
    event = wait_until(
        lambda: next((e for e in instance.events() if e["detail-type"] == "Instance Warm"), None),
        120,
        "Instance Warm from the bootstrapped agent",
    )
    # THEN it reports this instance warm, for this group and version
    assert event["detail"]["instanceId"] == INSTANCE_ID
    assert (event["detail"]["autoScalingGroupName"], event["detail"]["modelVersion"]) == (
        instance.group,
        VERSION,
    )


def test_a_second_bootstrap_refuses_while_the_first_instance_runs(instance: Instance) -> None:
    # GIVEN the running instance / WHEN the bootstrap runs again into the same root
    wait_until(lambda: _alive(instance.pid("server")), 5, "the server process")
    script = instance.root / "opt/warmfleet/bin/run-server"
    written = script.stat().st_mtime_ns
    again = run_bootstrap(
        instance.stack,
        instance.root,
        *("--no-systemd", "--reuse-venv", str(VENV), "--instance-id", INSTANCE_ID),
        path_first=[instance.aws_cli],
    )
    # THEN it refuses, naming the running process, before touching any of that instance's files
    assert again.returncode == 1
    assert f"server already running (pid {instance.pid('server')})" in again.stderr
    assert script.stat().st_mtime_ns == written
    assert _alive(instance.pid("server"))


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True
