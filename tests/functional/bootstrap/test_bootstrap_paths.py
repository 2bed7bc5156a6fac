"""The bootstrap's other paths: systemd units and a container image (against recording stand-ins for
`systemctl` and `docker`, as no systemd or Docker engine runs here), the install into its own venv (dry
run), and every failure exiting non-zero with a message that names it, reported when it can be."""

from __future__ import annotations

import json
import shlex
from pathlib import Path

import pytest
from warmfleet_inference.process import DEFAULT_DRAIN_TIMEOUT_SECONDS, DRAIN_STOP_MARGIN_SECONDS
from warmfleet_inference.publish import PublishResult

from tests.functional.bootstrap.conftest import (
    INSTANCE_ID,
    VENV,
    VERSION,
    Stack,
    read_calls,
    recording_command,
    run_bootstrap,
    wait_until,
)

# Real processes (the bootstrap, the AWS CLI, servers) against the moto server.
pytestmark = pytest.mark.slow

# In another region than the stack (us-east-1): the login must ask that region.
ECR_IMAGE = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/triton:24.08-py3"


def _stack_for(stack: Stack, **parameters: str) -> Stack:
    """A new stack with the published version's parameters and these stack-level ones."""
    other = stack.sibling()
    stack.copy_version_to(other)
    other.put_parameters(**parameters)
    return other


def _exec_words(root: Path, name: str) -> list[str]:
    words = shlex.split((root / "opt/warmfleet/bin" / f"run-{name}").read_text().splitlines()[-1])
    assert words[0] == "exec"
    return words[1:]


def test_systemd_units_run_the_container_image_with_the_agent_beside_it(
    aws_cli: Path, stack: Stack, published: PublishResult, scratch: Path
) -> None:
    # GIVEN a stack whose server is a container image in ECR, with bring-your-own URLs and a queue
    other = _stack_for(
        stack,
        group_name="byo-fleet",
        model_version=VERSION,
        app_port="8080",
        container_image=ECR_IMAGE,
        container_port="8000",
        ready_url="http://127.0.0.1:8080/v2/health/ready",
        metrics_url="http://127.0.0.1:8002/metrics",
        queue_url="https://sqs.us-east-1.amazonaws.com/123456789012/jobs",
        drain_timeout_seconds="600",
    )
    fakes = scratch / "bin"
    systemctl, docker = recording_command(fakes, "systemctl"), recording_command(fakes, "docker")
    aws = recording_command(fakes, "aws", then_run=aws_cli / "aws")
    root = scratch / "root"
    # WHEN the bootstrap runs in its systemd mode
    result = run_bootstrap(
        other, root, "--reuse-venv", str(VENV), "--instance-id", INSTANCE_ID, path_first=[fakes, aws_cli]
    )
    assert result.returncode == 0, result.stderr
    # THEN it logged in to the registry with a password from the registry's own region,
    assert [call for call in read_calls(aws) if call[0] == "ecr"] == [
        ["ecr", "get-login-password", "--region", "eu-west-1"]
    ]
    # pulled the image, and enabled and (re)started both units
    registry = ECR_IMAGE.split("/", maxsplit=1)[0]
    assert read_calls(docker) == [
        ["login", "--username", "AWS", "--password-stdin", registry],
        ["pull", ECR_IMAGE],
    ]
    units = ["warmfleet-server.service", "warmfleet-agent.service"]
    assert read_calls(systemctl) == [["daemon-reload"], ["enable", *units], ["restart", *units]]
    # AND the units run the rendered scripts under the install prefix, with their restart policies
    server_unit = (root / "etc/systemd/system/warmfleet-server.service").read_text()
    agent_unit = (root / "etc/systemd/system/warmfleet-agent.service").read_text()
    assert f"ExecStart={root}/opt/warmfleet/bin/run-server\n" in server_unit
    assert "Restart=on-failure\n" in server_unit and "StartLimitBurst=3\n" in server_unit
    assert f"ExecStart={root}/opt/warmfleet/bin/run-agent\n" in agent_unit
    assert "@PREFIX@" not in server_unit + agent_unit
    # AND systemd waits for the stack's drain (+ the margin) before it kills either process
    assert _stop_timeouts(root) == {"server": 630, "agent": 630}
    # AND the server is the image on the GPUs, given the model to serve; nothing was started directly
    server = _exec_words(root, "server")
    assert server[:7] == [
        "docker",
        "run",
        "--rm",
        "--name",
        f"warmfleet-server-{INSTANCE_ID}",
        "--gpus",
        "all",
    ]
    assert server[-1] == ECR_IMAGE
    assert server[server.index("--stop-timeout") + 1] == "600"  # a `docker stop` allows the drain too
    assert "8080:8000" in server and f"WARMFLEET_MODEL_URI={published.model_uri}" in server
    assert f"WARMFLEET_MODEL_SHA256={published.model_sha256}" in server
    agent = dict(zip(_exec_words(root, "agent")[2::2], _exec_words(root, "agent")[3::2], strict=True))
    assert agent["--ready-url"] == "http://127.0.0.1:8080/v2/health/ready"
    assert agent["--metrics-url"] == "http://127.0.0.1:8002/metrics"
    assert agent["--queue-url"].endswith("/jobs") and agent["--server"] == "http://127.0.0.1:8080"
    assert agent["--drain-timeout"] == "600"
    assert not list((root / "run/warmfleet").glob("*.pid"))


def _stop_timeouts(root: Path) -> dict[str, int]:
    """TimeoutStopSec of each unit's drop-in, which overrides the unit's own."""
    found = {}
    for name in ("server", "agent"):
        drop_in = root / f"etc/systemd/system/warmfleet-{name}.service.d/drain-timeout.conf"
        header, setting = drop_in.read_text().splitlines()
        assert header == "[Service]" and setting.startswith("TimeoutStopSec=")
        found[name] = int(setting.removeprefix("TimeoutStopSec="))
    return found


def test_without_a_stack_drain_timeout_server_agent_and_systemd_share_the_default(
    aws_cli: Path, stack: Stack, published: PublishResult, scratch: Path
) -> None:
    # GIVEN a stack running the bundled server, with no drain-timeout-seconds parameter
    other = _stack_for(stack, group_name="default-drain-fleet", model_version=VERSION)
    fakes, root = scratch / "bin", scratch / "root"
    recording_command(fakes, "systemctl")
    # WHEN the bootstrap runs in its systemd mode
    result = run_bootstrap(
        other, root, "--reuse-venv", str(VENV), "--instance-id", INSTANCE_ID, path_first=[aws_cli, fakes]
    )
    assert result.returncode == 0, result.stderr
    # THEN server and agent drain for the processes' own default, and systemd waits that long plus the margin
    default = int(DEFAULT_DRAIN_TIMEOUT_SECONDS)
    for name in ("server", "agent"):
        words = _exec_words(root, name)
        assert words[words.index("--drain-timeout") + 1] == str(default), name
    expected = default + DRAIN_STOP_MARGIN_SECONDS
    assert _stop_timeouts(root) == {"server": expected, "agent": expected}


def test_a_dry_run_shows_the_install_into_its_own_venv_from_a_wheelhouse(
    aws_cli: Path, stack: Stack, published: PublishResult, scratch: Path
) -> None:
    # GIVEN a stack and a wheelhouse (a subnet without internet access)
    other = _stack_for(stack, group_name="dry-fleet", model_version=VERSION)
    root, wheelhouse = scratch / "root", scratch / "wheelhouse"
    # WHEN the bootstrap runs without --reuse-venv, as on an instance, but as a dry run in local mode
    args = ["--no-systemd", "--dry-run", "--wheelhouse", str(wheelhouse), "--instance-id", INSTANCE_ID]
    result = run_bootstrap(other, root, *args, path_first=[aws_cli], python=None)
    assert result.returncode == 0, result.stderr
    # THEN the commands it would run create its own venv, install the pinned requirements from the
    # wheelhouse only, then the verified wheel without dependencies, then start both processes
    release, venv = root / "opt/warmfleet/releases" / VERSION, root / "opt/warmfleet/venv"
    commands = [
        shlex.split(line) for line in (root / "var/log/warmfleet/commands.log").read_text().splitlines()
    ]
    # With no --python it found an interpreter >= 3.11 itself, as it does on an instance
    interpreter = commands[0][0]
    assert interpreter in {"python3.13", "python3.12", "python3.11", "python3"}
    pip = [
        str(venv / "bin/python"),
        "-m",
        "pip",
        "install",
        "--quiet",
        "--disable-pip-version-check",
        "--no-input",
    ]
    assert commands == [
        [interpreter, "-m", "venv", str(venv)],
        [
            *pip,
            "--no-index",
            "--find-links",
            str(wheelhouse),
            "--requirement",
            str(release / "requirements.txt"),
        ],
        [*pip, "--no-deps", "--force-reinstall", str(release / "wheels/warmfleet-0.1.0-py3-none-any.whl")],
        [str(root / "opt/warmfleet/bin/run-server")],
        [str(root / "opt/warmfleet/bin/run-agent")],
    ]
    assert _exec_words(root, "server")[0] == str(venv / "bin/warmfleet-inference")
    assert not venv.exists() and not list((root / "run/warmfleet").glob("*.pid"))


def _republish_with_tampered_requirements(stack: Stack, published: PublishResult, version: str) -> None:
    """Copy the published version to `version`, then change requirements.txt after the manifest was made."""
    s3 = stack.client("s3")
    source, target = f"warmfleet/{VERSION}/", f"warmfleet/{version}/"
    for item in s3.list_objects_v2(Bucket=stack.bucket, Prefix=source)["Contents"]:
        key = target + item["Key"].removeprefix(source)
        s3.copy_object(Bucket=stack.bucket, Key=key, CopySource={"Bucket": stack.bucket, "Key": item["Key"]})
    manifest = json.loads(s3.get_object(Bucket=stack.bucket, Key=source + "manifest.json")["Body"].read())
    body = json.dumps(manifest | {"version": version}).encode()
    s3.put_object(Bucket=stack.bucket, Key=target + "manifest.json", Body=body)
    s3.put_object(Bucket=stack.bucket, Key=target + "requirements.txt", Body=b"evil-package==6.6.6\n")
    import hashlib  # noqa: PLC0415

    for name, value in {
        "manifest-uri": f"s3://{stack.bucket}/{target}manifest.json",
        "manifest-sha256": hashlib.sha256(body).hexdigest(),
        "model-uri": published.model_uri,
        "model-sha256": published.model_sha256,
        "model-name": "tiny-mlp",
    }.items():
        stack.client("ssm").put_parameter(
            Name=f"/warmfleet/{stack.name}/versions/{version}/{name}", Value=value, Type="String"
        )


@pytest.mark.parametrize(
    ("case", "message", "reported"),
    [
        pytest.param(
            "unpublished",
            "version 9.9.9 is not published: SSM parameter /warmfleet/{stack}/versions/9.9.9/manifest-uri"
            " is missing",
            False,
            id="version-not-published",
        ),
        pytest.param(
            "bad-digest",
            "checksum mismatch for {root}/opt/warmfleet/releases/{version}/manifest.json",
            False,
            id="manifest-digest-mismatch",
        ),
        pytest.param(
            "tampered",
            "checksum mismatch for {root}/opt/warmfleet/releases/tampered-1/requirements.txt",
            True,
            id="file-changed-after-publishing",
        ),
        pytest.param(
            "zero-drain",
            "SSM parameter /warmfleet/{stack}/drain-timeout-seconds is not a positive whole number",
            False,
            id="drain-timeout-zero",
        ),
        pytest.param("no-venv", "--reuse-venv {root}/missing does not exist", True, id="reused-venv-missing"),
        pytest.param(
            "empty-wheelhouse",
            "'{root}/opt/warmfleet/venv/bin/python -m pip install --quiet --disable-pip-version-check"
            " --no-input --no-index --find-links {root}/wheelhouse --requirement"
            " {root}/opt/warmfleet/releases/{version}/requirements.txt' exited with status 1",
            True,
            id="pip-install-fails",
        ),
    ],
)
def test_a_failure_exits_1_naming_it_and_is_reported_once_the_wheel_is_in_hand(
    aws_cli: Path,
    stack: Stack,
    published: PublishResult,
    scratch: Path,
    case: str,
    message: str,
    reported: bool,
) -> None:
    # GIVEN a stack broken in one way
    group = f"fail-{case}"
    version = {"unpublished": "9.9.9", "tampered": "tampered-1"}.get(case, VERSION)
    other = _stack_for(stack, group_name=group, model_version=version)
    if case == "bad-digest":
        other.client("ssm").put_parameter(
            Name=f"/warmfleet/{other.name}/versions/{VERSION}/manifest-sha256", Value="0" * 64, Overwrite=True
        )
    if case == "tampered":
        _republish_with_tampered_requirements(other, published, version)
    if case == "zero-drain":
        other.put_parameters(drain_timeout_seconds="0")
    events = other.catch_instance_events(group)
    root = scratch / "root"
    # WHEN the bootstrap runs
    install = {
        "no-venv": ["--reuse-venv", str(root / "missing")],
        # The real install path: its own venv, then pip, here from a wheelhouse that holds nothing.
        "empty-wheelhouse": ["--wheelhouse", str(root / "wheelhouse")],
    }.get(case, ["--reuse-venv", str(VENV)])
    (root / "wheelhouse").mkdir(parents=True)
    result = run_bootstrap(
        other, root, "--no-systemd", *install, "--instance-id", INSTANCE_ID, path_first=[aws_cli]
    )
    # THEN it exits 1 with a message naming the problem, and starts nothing
    assert result.returncode == 1
    assert message.format(stack=other.name, root=root, version=version) in result.stderr
    assert not (root / "opt/warmfleet/bin/run-server").exists()
    assert not list((root / "run/warmfleet").glob("*.pid"))
    # AND once it has the wheel, it reports Instance Warm-up Failed with that reason through EventBridge
    if reported:
        event = wait_until(events, 10, "Instance Warm-up Failed")[0]
        assert event["detail-type"] == "Instance Warm-up Failed"
        assert event["detail"]["instanceId"] == INSTANCE_ID and event["detail"]["modelVersion"] == version
        assert event["detail"]["reasonCode"] == "bootstrap-failed"  # built from the wheel's own events module
        assert message.format(stack=other.name, root=root, version=version) in event["detail"]["reason"]
        assert "reported Instance Warm-up Failed" in result.stderr
    else:
        assert "cannot send Instance Warm-up Failed" in result.stderr
        assert events() == []
