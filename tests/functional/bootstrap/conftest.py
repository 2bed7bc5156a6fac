"""Fixtures for the publisher and bootstrap tests: a published version on the suite's moto server.

`published` publishes one version once per module (a small model, a few server settings) for a stack of
its own; `Stack.copy_version_to` gives another test stack the same version's parameters without publishing
again. The bootstrap runs as the real script in a subprocess, with the AWS CLI pointed at moto through
`AWS_ENDPOINT_URL`, an install root in a private temporary directory, and the suite's own environment
(`--reuse-venv`).
"""

from __future__ import annotations

import json
import os
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3
import pytest
from warmfleet_inference.model_factory import ModelSpec, write_model
from warmfleet_inference.publish import PublishRequest, PublishResult, ServerSettings, publish

from tests.conftest import ROOT

BOOTSTRAP = ROOT / "inference" / "bootstrap.sh"
VENV = Path(sys.executable).parent.parent
INSTANCE_ID = "i-0123456789abcdef0"
VERSION = "2026-11-27.1"


def wait_until(predicate: Callable[[], Any], timeout: float, what: str) -> Any:
    """Poll `predicate` until it is truthy; fail the test naming `what` after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    pytest.fail(f"timed out after {timeout}s waiting for {what}")


@dataclass
class Stack:
    """One test stack: its name, bucket and clients on the moto server."""

    endpoint: str
    name: str
    bucket: str
    clients: dict[str, Any] = field(default_factory=dict)

    def client(self, service: str) -> Any:
        if service not in self.clients:
            self.clients[service] = boto3.client(service, endpoint_url=self.endpoint)  # type: ignore[call-overload]
        return self.clients[service]

    def put_parameters(self, **values: str) -> None:
        """Write stack-level parameters the way the template does (`group_name` -> `group-name`)."""
        for key, value in values.items():
            name = f"/warmfleet/{self.name}/{key.replace('_', '-')}"
            self.client("ssm").put_parameter(Name=name, Value=value, Type="String", Overwrite=True)

    def parameters(self, path: str = "") -> dict[str, str]:
        pages = self.client("ssm").get_paginator("get_parameters_by_path")
        found: dict[str, str] = {}
        for page in pages.paginate(Path=f"/warmfleet/{self.name}{path}", Recursive=True):
            found |= {p["Name"]: p["Value"] for p in page["Parameters"]}
        return found

    def copy_version_to(self, other: Stack, version: str = VERSION) -> None:
        """Give `other` this stack's parameters of `version`, as if it had been published for it too."""
        prefix = f"/warmfleet/{self.name}/versions/{version}/"
        for name, value in self.parameters(f"/versions/{version}").items():
            target = f"/warmfleet/{other.name}/versions/{version}/{name.removeprefix(prefix)}"
            other.client("ssm").put_parameter(Name=target, Value=value, Type="String", Overwrite=True)

    def sibling(self) -> Stack:
        """Another stack on the same server and bucket."""
        return Stack(self.endpoint, f"wf{uuid.uuid4().hex[:10]}", self.bucket, self.clients)

    def env(self, *path_first: Path) -> dict[str, str]:
        """The environment of a process that uses this stack: AWS on moto, `path_first` before the PATH."""
        env = dict(os.environ, AWS_ENDPOINT_URL=self.endpoint)
        env["PATH"] = os.pathsep.join([*map(str, path_first), env["PATH"]])
        return env

    def catch_instance_events(self, group: str) -> Callable[[], list[dict[str, Any]]]:
        """Route this group's instance events to a queue, as production routes them to the lifecycle fn."""
        sqs, events = self.client("sqs"), self.client("events")
        url = sqs.create_queue(QueueName=f"{group}-events")["QueueUrl"]
        arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        pattern = {"source": ["warmfleet.instance"], "detail": {"autoScalingGroupName": [group]}}
        events.put_rule(Name=f"{group}-events", EventPattern=json.dumps(pattern))
        events.put_targets(Rule=f"{group}-events", Targets=[{"Id": "catcher", "Arn": arn}])
        seen: list[dict[str, Any]] = []

        def collect() -> list[dict[str, Any]]:
            for message in sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", []):
                seen.append(json.loads(message["Body"]))
                sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
            return seen

        return collect


def _private_directory(prefix: str) -> Iterator[Path]:
    # Not pytest's tmp_path: on a machine where other pytest sessions start meanwhile, their retention
    # policy may delete this session's numbered directory while a bootstrapped instance still runs in it.
    with tempfile.TemporaryDirectory(prefix=prefix) as directory:
        yield Path(directory)


@pytest.fixture
def scratch() -> Iterator[Path]:
    """An empty directory of this test's own (an install root, stand-in commands)."""
    yield from _private_directory("warmfleet-test-")


@pytest.fixture(scope="session")
def session_scratch() -> Iterator[Path]:
    yield from _private_directory("warmfleet-session-")


@pytest.fixture(scope="session")
def aws_cli(session_scratch: Path) -> Path:
    """A directory holding the AWS CLI the bootstrap uses (the instance AMI ships it; pyenv provides it here).

    A pyenv shim costs about a second per call on a busy machine, so the CLI it resolves to is linked
    directly; put the directory first on the PATH.
    """
    found = shutil.which("aws")
    if found is None:
        pytest.skip("the AWS CLI (`aws`) is not on the PATH; the bootstrap reads SSM and S3 with it")
    resolved = subprocess.run(["pyenv", "which", "aws"], capture_output=True, text=True, check=False)
    target = (
        Path(resolved.stdout.strip()) if resolved.returncode == 0 and resolved.stdout.strip() else Path(found)
    )
    directory = session_scratch / "aws-cli"
    directory.mkdir()
    (directory / "aws").symlink_to(target)
    return directory


@pytest.fixture(scope="session")
def stack(moto_server: str) -> Stack:
    created = Stack(moto_server, f"wf{uuid.uuid4().hex[:10]}", f"artifacts-{uuid.uuid4().hex[:12]}")
    created.client("s3").create_bucket(Bucket=created.bucket)
    return created


@pytest.fixture(scope="session")
def tiny_model(session_scratch: Path) -> Path:
    """A small real ONNX model, so the server loads and warms it in a moment."""
    path = session_scratch / "model" / "tiny-mlp.onnx"
    write_model(path, ModelSpec(input_dim=8, hidden_dim=16, layers=2, output_dim=4))
    return path


@pytest.fixture(scope="session")
def published(stack: Stack, tiny_model: Path) -> PublishResult:
    request = PublishRequest(
        bucket=stack.bucket,
        version=VERSION,
        stack_name=stack.name,
        model=tiny_model,
        server=ServerSettings(max_batch_size=8, warmup_iterations=2, warmup_batch_sizes="1,4"),
    )
    return publish(request, stack.client("s3"), stack.client("ssm"))


def run_bootstrap(
    stack: Stack,
    root: Path,
    *args: str,
    path_first: Sequence[Path],
    python: str | None = sys.executable,
    timeout: float = 180,
) -> subprocess.CompletedProcess[str]:
    """Run the real bootstrap script for `stack` into `root`; region given, instance id from `args`/IMDS.

    `path_first` goes before the PATH: the `aws_cli` fixture's directory, and any recording stand-ins.
    `python` None leaves the bootstrap to find its interpreter, as on an instance.
    """
    command = [
        "bash",
        str(BOOTSTRAP),
        "--stack-name",
        stack.name,
        "--root",
        str(root),
        "--region",
        "us-east-1",
    ]
    command += [*(["--python", python] if python else []), *args]
    return subprocess.run(
        command,
        env=stack.env(*path_first),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def recording_command(directory: Path, name: str, then_run: Path | None = None) -> Path:
    """A stand-in `name` on PATH that appends its arguments (one line, JSON) to `directory/name.calls`.

    With `then_run` it records and then runs that command with the same arguments (a recording wrapper).
    """
    directory.mkdir(parents=True, exist_ok=True)
    script = directory / name
    log = directory / f"{name}.calls"
    finish = (
        f'exec {shlex.quote(str(then_run))} "$@"\n'
        if then_run is not None
        # `docker login --password-stdin` reads the password from a pipe; nothing else reads stdin.
        else 'case " $* " in *" --password-stdin "*) cat > /dev/null ;; esac\n'
    )
    script.write_text(
        "#!/usr/bin/env bash\n"
        f"{sys.executable} -c 'import json, sys; print(json.dumps(sys.argv[1:]))' \"$@\" >> {log}\n" + finish,
        encoding="utf-8",
    )
    script.chmod(0o755)
    return log


def read_calls(log: Path) -> list[list[str]]:
    return [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []
