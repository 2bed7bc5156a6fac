"""The launch template's user data, run for real by bash with stand-ins for `aws` and `curl` on the PATH.

The shim must find the published bootstrap of ModelVersion through SSM, refuse it when its checksum does
not match, run it for this stack, and, when it fails itself, report `Instance Warm-up Failed` with a detail
the lifecycle function's own model accepts.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
from pathlib import Path
from typing import Any

import pytest
from warmfleet.models.instance import InstanceWarmupFailedDetail

from .template_support import STACK_NAME, Resolver

FAKE_AWS = r"""#!/bin/bash
# Stand-in for the AWS CLI: answers from files in $FAKE_DIR and records what it was asked.
echo "$*" >> "$FAKE_DIR/aws.calls"
case "$1 $2" in
  "ssm get-parameter")
    name=$4
    file="$FAKE_DIR/ssm/${name##*/}"
    [[ -f $file ]] || { echo "ParameterNotFound: $name" >&2; exit 254; }
    cat "$file" ;;
  "s3 cp")
    cp "$FAKE_DIR/s3/bootstrap.sh" "$5" ;;
  "events put-events")
    printf '%s' "$4" > "$FAKE_DIR/put-events.json" ;;
  *) echo "unexpected aws call: $*" >&2; exit 1 ;;
esac
"""
FAKE_CURL = r"""#!/bin/bash
# Stand-in for IMDSv2: a token for the PUT, the instance id for the GET.
case "$*" in
  *api/token*) echo "token-123" ;;
  *meta-data/instance-id*) echo "i-0a1b2c3d4e5f60718" ;;
  *) exit 22 ;;
esac
"""
# Stand-ins for the AMI's python3 (with or without venv's ensurepip) and for apt-get, which installs it.
FAKE_PYTHON3 = r"""#!/bin/bash
echo "$*" >> "$FAKE_DIR/python3.calls"
[[ -f $FAKE_DIR/venv-installed ]]
"""
FAKE_APT_GET = r"""#!/bin/bash
echo "$*" >> "$FAKE_DIR/apt-get.calls"
[[ -f $FAKE_DIR/apt-fails ]] && { echo "E: Unable to locate package python3-venv" >&2; exit 100; }
[[ " $* " == *" install "* ]] && touch "$FAKE_DIR/venv-installed"
exit 0
"""
FAKE_BOOTSTRAP = """#!/bin/bash
echo "$@" > "$FAKE_DIR/bootstrap.args"
"""


@pytest.fixture(scope="module")
def user_data(sam_template: dict[str, Any]) -> str:
    resolver = Resolver(sam_template, {"ModelVersion": "2026-11-27.1"})
    data = sam_template["Resources"]["LaunchTemplate"]["Properties"]["LaunchTemplateData"]
    script = str(resolver.resolve(data["UserData"]["Fn::Base64"]))
    assert script.startswith("#!/bin/bash\n")
    return script


def _run(
    user_data: str,
    tmp_path: Path,
    parameters: dict[str, str],
    *,
    venv_installed: bool = True,
    apt_fails: bool = False,
) -> subprocess.CompletedProcess[str]:
    bin_dir, ssm, s3 = tmp_path / "bin", tmp_path / "ssm", tmp_path / "s3"
    for folder in (bin_dir, ssm, s3):
        folder.mkdir()
    fakes = {"aws": FAKE_AWS, "curl": FAKE_CURL, "python3": FAKE_PYTHON3, "apt-get": FAKE_APT_GET}
    for name, text in fakes.items():
        (bin_dir / name).write_text(text)
        (bin_dir / name).chmod(0o755)
    if venv_installed:
        (tmp_path / "venv-installed").touch()
    if apt_fails:
        (tmp_path / "apt-fails").touch()
    (s3 / "bootstrap.sh").write_text(FAKE_BOOTSTRAP)
    for name, value in parameters.items():
        (ssm / name).write_text(value + "\n")
    # The instance's console and /opt are swapped for the test's folder; nothing else changes.
    script = "\n".join(line for line in user_data.splitlines() if not line.startswith("exec > >("))
    script = script.replace("/opt/warmfleet", str(tmp_path / "opt"))
    return subprocess.run(
        ["bash", "-c", script],
        env={"PATH": f"{bin_dir}:/usr/bin:/bin", "FAKE_DIR": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )


def test_user_data_is_valid_bash(user_data: str) -> None:
    result = subprocess.run(["bash", "-n", "-c", user_data], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr


def test_runs_the_published_bootstrap_for_this_stack(user_data: str, tmp_path: Path) -> None:
    # GIVEN a published version whose bootstrap's checksum is in SSM
    digest = hashlib.sha256(FAKE_BOOTSTRAP.encode()).hexdigest()
    parameters = {
        "bootstrap-uri": "s3://artifacts/warmfleet/2026-11-27.1/bootstrap.sh",
        "bootstrap-sha256": digest,
    }
    # WHEN the user data runs
    result = _run(user_data, tmp_path, parameters)
    # THEN it read the version's parameters, and ran the bootstrap for this stack and region
    assert result.returncode == 0, result.stderr
    calls = (tmp_path / "aws.calls").read_text()
    assert f"--name /warmfleet/{STACK_NAME}/versions/2026-11-27.1/bootstrap-uri" in calls
    assert (tmp_path / "bootstrap.args").read_text().split() == [
        "--stack-name",
        STACK_NAME,
        "--region",
        "us-east-1",
    ]
    assert not (tmp_path / "put-events.json").exists()


@pytest.mark.parametrize(
    ("parameters", "failed_step"),
    [
        pytest.param({}, "read-bootstrap-parameters", id="version-not-published"),
        pytest.param(
            {"bootstrap-uri": "s3://artifacts/warmfleet/v/bootstrap.sh", "bootstrap-sha256": "0" * 64},
            "verify-bootstrap",
            id="checksum-mismatch",
        ),
    ],
)
def test_a_failure_is_reported_as_warmup_failed(
    user_data: str, tmp_path: Path, parameters: dict[str, str], failed_step: str
) -> None:
    # GIVEN a step of the shim that fails WHEN the user data runs
    result = _run(user_data, tmp_path, parameters)
    # THEN it fails, the bootstrap never ran, and one instance event says where it failed
    assert result.returncode != 0
    assert not (tmp_path / "bootstrap.args").exists()
    (entry,) = json.loads((tmp_path / "put-events.json").read_text())
    assert (entry["Source"], entry["DetailType"]) == ("warmfleet.instance", "Instance Warm-up Failed")
    detail = InstanceWarmupFailedDetail.model_validate_json(entry["Detail"])
    assert detail.instance_id == "i-0a1b2c3d4e5f60718"
    assert detail.auto_scaling_group_name == f"{STACK_NAME}-fleet"
    assert detail.model_version == "2026-11-27.1"
    assert detail.reason == f"user data failed at {failed_step}"


def _published() -> dict[str, str]:
    return {
        "bootstrap-uri": "s3://artifacts/warmfleet/2026-11-27.1/bootstrap.sh",
        "bootstrap-sha256": hashlib.sha256(FAKE_BOOTSTRAP.encode()).hexdigest(),
    }


@pytest.mark.parametrize(
    ("venv_installed", "apt_calls"),
    [
        pytest.param(True, [], id="venv-on-the-ami"),
        pytest.param(
            False,
            [
                "-o DPkg::Lock::Timeout=300 -q update",
                "-o DPkg::Lock::Timeout=300 -q install -y python3-venv",
            ],
            id="ubuntu-without-python3-venv",
        ),
    ],
)
def test_python_venv_is_installed_only_when_missing(
    user_data: str, tmp_path: Path, venv_installed: bool, apt_calls: list[str]
) -> None:
    # GIVEN an AMI whose python3 has (or lacks) venv's ensurepip WHEN the user data runs
    result = _run(user_data, tmp_path, _published(), venv_installed=venv_installed)
    # THEN apt-get installs python3-venv only when it is missing, and the bootstrap runs either way
    assert result.returncode == 0, result.stderr
    calls = tmp_path / "apt-get.calls"
    assert (calls.read_text().splitlines() if calls.exists() else []) == apt_calls
    assert (tmp_path / "bootstrap.args").exists()


def test_a_failed_venv_install_is_reported(user_data: str, tmp_path: Path) -> None:
    # GIVEN an AMI without python3-venv and no way to install it (no egress to the Ubuntu archive)
    result = _run(user_data, tmp_path, _published(), venv_installed=False, apt_fails=True)
    # THEN the bootstrap never runs and the launch is reported failed at that step
    assert result.returncode != 0
    assert not (tmp_path / "bootstrap.args").exists()
    (entry,) = json.loads((tmp_path / "put-events.json").read_text())
    assert InstanceWarmupFailedDetail.model_validate_json(entry["Detail"]).reason == (
        "user data failed at python-venv"
    )
