"""Fixtures of the template tests: the template (SAM and transformed), one `sam build` and one checkov scan
per session (started in the background once collection shows they are needed), and one moto server per
session (a real process on 127.0.0.1, stopped by its pid)."""

from __future__ import annotations

import io
import json
import os
import shutil
import socket
import subprocess
import tempfile
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from .template_support import (
    ARTIFACT_BUCKET,
    CODE_BUCKET,
    CODE_LOCATIONS,
    MODEL_ARTIFACT_URI,
    REGION,
    ROOT,
    TEST_IMAGE_PARAMETER,
    VENV_BIN,
    aws_client,
    code_key,
    load_sam_template,
    python313_missing_reason,
    tool_env,
    transform,
)


@pytest.fixture(scope="session")
def sam_template() -> dict[str, Any]:
    return load_sam_template()


@pytest.fixture(scope="session")
def transformed(sam_template: dict[str, Any]) -> dict[str, Any]:
    return transform(sam_template)


# The slow tools (sam build; the checkov environment and scan) start in the background as soon as
# collection shows that a selected test needs them, so they overlap the quick tests instead of adding up.
_BACKGROUND: dict[str, tuple[Path, subprocess.Popen[bytes]]] = {}
CHECKOV_CONFIG = ROOT / ".checkov.yaml"


def _launch(name: str, argv: list[str], work: Path, cwd: Path) -> None:
    with (work / f"{name}.out").open("wb") as out, (work / f"{name}.err").open("wb") as err:
        _BACKGROUND[name] = (work, subprocess.Popen(argv, cwd=cwd, env=tool_env(), stdout=out, stderr=err))


def _start_sam_build() -> None:
    work = Path(tempfile.mkdtemp(prefix="warmfleet-sam-"))
    argv = [str(VENV_BIN / "sam"), "build", "--template-file", str(ROOT / "template.yaml")]
    argv += ["--build-dir", str(work / "build"), "--cache-dir", str(work / "cache")]
    _launch("sam-build", argv, work, ROOT)


def _start_checkov() -> None:
    work = Path(tempfile.mkdtemp(prefix="warmfleet-checkov-"))
    (work / "transformed.json").write_text(json.dumps(transform(load_sam_template()), indent=1))
    script = (
        f'checkov="$("{ROOT / "tools" / "checkov-env.sh"}" | tail -n 1)" && '
        f'"$checkov" --config-file "{CHECKOV_CONFIG}" -f transformed.json -o json'
    )
    _launch("checkov", ["bash", "-c", script], work, work)


def pytest_collection_finish(session: pytest.Session) -> None:
    # After deselection (-m, -k): only what the selected tests use is started.
    needed = {name for item in session.items for name in getattr(item, "fixturenames", ())}
    if "sam_build_dir" in needed and "sam-build" not in _BACKGROUND and python313_missing_reason() is None:
        _start_sam_build()
    if "checkov_report" in needed and "checkov" not in _BACKGROUND:
        _start_checkov()


def pytest_sessionfinish() -> None:
    for work, process in _BACKGROUND.values():
        if process.poll() is None:
            process.kill()
            process.wait()
        shutil.rmtree(work, ignore_errors=True)


def _finished(name: str, timeout: float) -> tuple[Path, str]:
    """Wait for a background tool; its folder and stdout, or a failure with its stderr."""
    work, process = _BACKGROUND[name]
    returncode = process.wait(timeout=timeout)
    out = (work / f"{name}.out").read_text(errors="replace")
    err = (work / f"{name}.err").read_text(errors="replace")
    assert out.strip() or returncode == 0, f"{name} failed ({returncode}):\n{out[-3000:]}\n{err[-3000:]}"
    if name == "sam-build":
        assert returncode == 0, f"sam build failed:\n{out[-3000:]}\n{err[-3000:]}"
    return work, out


@pytest.fixture(scope="session")
def sam_build_dir() -> Path:
    """`sam build` of the layer and the three functions (python3.13, arm64), into a temporary folder."""
    reason = python313_missing_reason()
    if reason:
        pytest.skip(reason)
    if "sam-build" not in _BACKGROUND:
        _start_sam_build()
    work, _ = _finished("sam-build", timeout=600)
    return work / "build"


@pytest.fixture(scope="session")
def checkov_report() -> dict[str, Any]:
    """checkov's JSON report on the transformed template, run from its own tool environment."""
    if "checkov" not in _BACKGROUND:
        _start_checkov()
    _, out = _finished("checkov", timeout=900)
    report = json.loads(out)
    return report[0] if isinstance(report, list) else dict(report)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="session")
def moto_endpoint(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A moto server process; the URL says `localhost` because moto's CloudFormation only reads a
    TemplateURL on its own S3 when the URL's host is localhost."""
    port = _free_port()
    log = (tmp_path_factory.mktemp("moto") / "moto.log").open("w")
    env = dict(os.environ, MOTO_EC2_LOAD_DEFAULT_AMIS="false")
    process = subprocess.Popen(
        [str(VENV_BIN / "moto_server"), "-H", "127.0.0.1", "-p", str(port)],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"moto_server did not start (exit code {process.poll()})") from None
                time.sleep(0.1)
        yield f"http://localhost:{port}"
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


def _zip_folder(folder: Path) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for path in sorted(folder.rglob("*.py")):
            archive.write(path, path.relative_to(folder))
    return buffer.getvalue()


@pytest.fixture(scope="session")
def moto_account(moto_endpoint: str) -> dict[str, str]:
    """An account on the moto server with a VPC, four subnets in two zones, a route table, a GPU AMI, an
    ACM certificate and the buckets a deploy needs; the template parameters that name them."""
    ec2 = aws_client("ec2", moto_endpoint)
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    subnets = [
        ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.0.{index}.0/24", AvailabilityZone=f"{REGION}{zone}")[
            "Subnet"
        ]["SubnetId"]
        for index, zone in enumerate("abab")
    ]
    route_table = ec2.create_route_table(VpcId=vpc)["RouteTable"]["RouteTableId"]
    image = ec2.register_image(Name="gpu-base", RootDeviceName="/dev/sda1")["ImageId"]
    aws_client("ssm", moto_endpoint).put_parameter(Name=TEST_IMAGE_PARAMETER, Value=image, Type="String")
    certificate = aws_client("acm", moto_endpoint).request_certificate(DomainName="inference.example.com")
    s3 = aws_client("s3", moto_endpoint)
    s3.create_bucket(Bucket=CODE_BUCKET)
    s3.create_bucket(Bucket=ARTIFACT_BUCKET)
    for logical_id, folder in CODE_LOCATIONS.items():
        s3.put_object(Bucket=CODE_BUCKET, Key=code_key(logical_id), Body=_zip_folder(ROOT / folder))
    return {
        "VpcId": vpc,
        "PublicSubnetIds": ",".join(subnets[:2]),
        "PrivateSubnetIds": ",".join(subnets[2:]),
        "ImageId": TEST_IMAGE_PARAMETER,
        "ModelArtifactUri": MODEL_ARTIFACT_URI,
        "ModelVersion": "v1",
        "image": image,
        "route_table": route_table,
        "certificate": certificate["CertificateArn"],
        "endpoint": moto_endpoint,
    }
