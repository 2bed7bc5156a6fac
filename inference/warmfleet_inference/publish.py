"""`warmfleet-inference publish`: build and upload one version of the instance artifact and its parameters.

It stages, under `s3://BUCKET/warmfleet/VERSION/`: the project's wheel (`wheels/`), the pinned runtime
requirements (`requirements.txt`), the model (`model/NAME.onnx` and its `.sha256`; the user's ONNX file or the
reference model `make-model` writes), the bootstrap script and its systemd units, and `manifest.json` listing
the sha256 of each; then it writes the version's parameters under `/warmfleet/STACK/versions/VERSION/` (see
`publishing.names`). Everything is checked and built before the first upload, the manifest is uploaded after
the files it lists and the parameters after the manifest, so a failure at any point never leaves a version
that looks published. A published version is immutable: publishing it again is refused unless `--force`.

Example
-------
    warmfleet-inference publish --bucket my-artifacts --version 2026-11-27.1 --model resnet50.onnx
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from warmfleet_inference.artifact import CHECKSUM_SUFFIX, sha256_of_file
from warmfleet_inference.publishing.build import (
    DEFAULT_ONNXRUNTIME_GPU,
    PROJECT_DISTRIBUTION,
    Accelerator,
    build_wheel,
    find_project_dir,
    pinned_requirements,
    requirements_text,
)
from warmfleet_inference.publishing.manifest import FileRole, Manifest, ManifestFile, manifest_file
from warmfleet_inference.publishing.names import (
    MANIFEST_NAME,
    VersionParameter,
    artifact_prefix,
    validate_version,
    version_prefix,
)

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client
    from mypy_boto3_ssm import SSMClient

DEFAULT_STACK_NAME = "warmfleet"
DEFAULT_MODEL_NAME = "warmfleet-mlp"
_UNITS = ("warmfleet-server.service", "warmfleet-agent.service")


@dataclass(frozen=True)
class ServerSettings:
    """The server options a version carries (`serve --max-batch-size` …); None leaves the server's default."""

    max_batch_size: int | None = None
    batch_window_ms: float | None = None
    warmup_iterations: int | None = None
    warmup_batch_sizes: str | None = None

    def __post_init__(self) -> None:
        for name in ("max_batch_size", "warmup_iterations"):
            value = getattr(self, name)
            if value is not None and value < 1:
                raise ValueError(f"--{name.replace('_', '-')} must be at least 1, got {value}")
        if self.batch_window_ms is not None and self.batch_window_ms < 0:
            raise ValueError(f"--batch-window-ms cannot be negative, got {self.batch_window_ms}")
        sizes = self.warmup_batch_sizes
        if sizes is not None and not all(
            part.strip().isdigit() and int(part) > 0 for part in sizes.split(",")
        ):
            raise ValueError(f"--warmup-batch-sizes must be positive integers separated by commas: {sizes!r}")

    def parameters(self) -> dict[VersionParameter, str]:
        values = {
            VersionParameter.MAX_BATCH_SIZE: self.max_batch_size,
            VersionParameter.BATCH_WINDOW_MS: self.batch_window_ms,
            VersionParameter.WARMUP_ITERATIONS: self.warmup_iterations,
            VersionParameter.WARMUP_BATCH_SIZES: self.warmup_batch_sizes,
        }
        return {
            name: f"{value:g}" if isinstance(value, float) else str(value)
            for name, value in values.items()
            if value is not None
        }


@dataclass(frozen=True)
class PublishRequest:
    """What to publish and where; `model` None publishes the reference model."""

    bucket: str
    version: str
    stack_name: str = DEFAULT_STACK_NAME
    model: Path | None = None
    model_name: str | None = None
    accelerator: Accelerator = Accelerator.GPU
    onnxruntime_gpu: str = DEFAULT_ONNXRUNTIME_GPU
    server: ServerSettings = field(default_factory=ServerSettings)
    force: bool = False
    project_dir: Path | None = None


@dataclass(frozen=True)
class PublishResult:
    """Where the version went: its S3 prefix, the manifest and model, and every SSM parameter written."""

    prefix_uri: str
    manifest_uri: str
    manifest_sha256: str
    model_uri: str
    model_sha256: str
    parameters: dict[str, str]


def publish(request: PublishRequest, s3: S3Client, ssm: SSMClient) -> PublishResult:
    """Check, build, upload and register one version; raise ValueError/FileNotFoundError before any write."""
    version = validate_version(request.version)
    parameter_root = version_prefix(request.stack_name, version)
    key_prefix = artifact_prefix(version)
    _check_destination(request, s3, key_prefix)
    project_dir = request.project_dir or find_project_dir()
    with tempfile.TemporaryDirectory(prefix="warmfleet-publish-") as scratch:
        stage = Path(scratch)
        files = _stage(request, project_dir, stage)
        model = next(item for item in files if item.role is FileRole.MODEL)
        wheel = next(item for item in files if item.role is FileRole.WHEEL)
        model_uri = f"s3://{request.bucket}/{key_prefix}{model.path}"
        model_name = request.model_name or Path(model.path).stem
        manifest = Manifest(
            version=version,
            package_name=PROJECT_DISTRIBUTION,
            # The version the wheel was built with (its file name: NAME-VERSION-TAGS.whl), which is what
            # the bootstrap compares a reused environment against.
            package_version=Path(wheel.path).name.split("-")[1],
            accelerator=request.accelerator.value,
            model_name=model_name,
            model_uri=model_uri,
            model_sha256=model.sha256,
            created_at=datetime.now(UTC).isoformat(timespec="seconds"),
            files=tuple(files),
            server={name.value: value for name, value in request.server.parameters().items()},
        )
        (stage / MANIFEST_NAME).write_text(manifest.to_json(), encoding="utf-8")
        manifest_sha256 = sha256_of_file(stage / MANIFEST_NAME)
        (stage / f"{MANIFEST_NAME}{CHECKSUM_SUFFIX}").write_text(
            f"{manifest_sha256}  {MANIFEST_NAME}\n", encoding="utf-8"
        )
        # The manifest goes last: a version is published only once everything it lists is there.
        for item in files:
            s3.upload_file(str(stage / item.path), request.bucket, key_prefix + item.path)
        for name in (f"{MANIFEST_NAME}{CHECKSUM_SUFFIX}", MANIFEST_NAME):
            s3.upload_file(str(stage / name), request.bucket, key_prefix + name)
    bootstrap = next(item for item in files if item.role is FileRole.BOOTSTRAP)
    values: dict[VersionParameter, str] = {
        VersionParameter.MANIFEST_URI: f"s3://{request.bucket}/{key_prefix}{MANIFEST_NAME}",
        VersionParameter.MANIFEST_SHA256: manifest_sha256,
        VersionParameter.MODEL_URI: model_uri,
        VersionParameter.MODEL_SHA256: model.sha256,
        VersionParameter.MODEL_NAME: model_name,
        VersionParameter.BOOTSTRAP_URI: f"s3://{request.bucket}/{key_prefix}{bootstrap.path}",
        VersionParameter.BOOTSTRAP_SHA256: bootstrap.sha256,
    } | request.server.parameters()
    parameters = {f"{parameter_root}/{name.value}": value for name, value in values.items()}
    for name, value in parameters.items():
        ssm.put_parameter(Name=name, Value=value, Type="String", Overwrite=True)
    return PublishResult(
        prefix_uri=f"s3://{request.bucket}/{key_prefix}",
        manifest_uri=values[VersionParameter.MANIFEST_URI],
        manifest_sha256=manifest_sha256,
        model_uri=model_uri,
        model_sha256=model.sha256,
        parameters=parameters,
    )


def _check_destination(request: PublishRequest, s3: S3Client, key_prefix: str) -> None:
    try:
        s3.head_bucket(Bucket=request.bucket)
    except s3.exceptions.ClientError as error:
        raise ValueError(f"bucket {request.bucket!r} is not reachable: {error}") from error
    existing = s3.list_objects_v2(Bucket=request.bucket, Prefix=key_prefix + MANIFEST_NAME, MaxKeys=1)
    if existing.get("KeyCount", 0) and not request.force:
        raise ValueError(
            f"version {request.version!r} is already published at s3://{request.bucket}/{key_prefix}: "
            "versions are immutable; publish a new version (or pass --force to replace it)"
        )
    if request.model is not None and not request.model.is_file():
        raise FileNotFoundError(f"model {request.model} does not exist or is not a file")


def _stage(request: PublishRequest, project_dir: Path, stage: Path) -> list[ManifestFile]:
    """Lay out every file but the manifest in `stage` as it will be in S3; return their manifest entries."""
    entries: list[tuple[str, FileRole]] = []
    # The user's model first: checking it is quick, and a bad one must stop the publish before the build.
    model_path = _stage_model(request, stage / "model")
    entries.append((f"model/{model_path.name}", FileRole.MODEL))
    entries.append((f"model/{model_path.name}{CHECKSUM_SUFFIX}", FileRole.MODEL_CHECKSUM))
    wheel = build_wheel(project_dir, stage / "wheels")
    entries.append((f"wheels/{wheel.name}", FileRole.WHEEL))
    pins = pinned_requirements(request.accelerator, request.onnxruntime_gpu)
    (stage / "requirements.txt").write_text(requirements_text(pins, request.accelerator), encoding="utf-8")
    entries.append(("requirements.txt", FileRole.REQUIREMENTS))
    shutil.copy2(project_dir / "inference" / "bootstrap.sh", stage / "bootstrap.sh")
    entries.append(("bootstrap.sh", FileRole.BOOTSTRAP))
    (stage / "systemd").mkdir()
    for unit in _UNITS:
        shutil.copy2(project_dir / "inference" / "systemd" / unit, stage / "systemd" / unit)
        entries.append((f"systemd/{unit}", FileRole.SYSTEMD_UNIT))
    return [manifest_file(stage, path, role, sha256_of_file(stage / path)) for path, role in entries]


def _stage_model(request: PublishRequest, model_dir: Path) -> Path:
    """Copy the user's ONNX file (checked by the ONNX checker) or write the reference model."""
    import onnx  # noqa: PLC0415 - heavy; only publishing needs it

    from warmfleet_inference.model_factory import ModelSpec, write_model  # noqa: PLC0415 - imports onnx

    model_dir.mkdir(parents=True)
    if request.model is None:
        target = model_dir / f"{DEFAULT_MODEL_NAME}.onnx"
        write_model(target, ModelSpec())
        return target
    try:
        onnx.checker.check_model(str(request.model))
    except Exception as error:  # ValidationError, protobuf's DecodeError for a file that is not ONNX, …
        raise ValueError(f"model {request.model} is not a valid ONNX model: {error}") from error
    target = model_dir / request.model.name
    shutil.copy2(request.model, target)
    target.with_name(target.name + CHECKSUM_SUFFIX).write_text(
        f"{sha256_of_file(target)}  {target.name}\n", encoding="utf-8"
    )
    return target


def add_publish_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register `warmfleet-inference publish`."""
    parser = subparsers.add_parser(
        "publish",
        help="build and upload the instance artifact and its SSM parameters",
        description=__doc__.split("\n\n")[0] if __doc__ else None,
    )
    parser.add_argument("--bucket", required=True, help="the S3 bucket for the artifacts")
    parser.add_argument(
        "--version", required=True, help="the version to publish (immutable), e.g. 2026-11-27.1"
    )
    parser.add_argument("--model", type=Path, help="your ONNX model (default: the reference model)")
    parser.add_argument("--model-name", help="the model's name on the server (default: the file stem)")
    parser.add_argument("--stack-name", default=DEFAULT_STACK_NAME, help="whose SSM parameters to write")
    parser.add_argument("--accelerator", type=Accelerator, choices=list(Accelerator), default=Accelerator.GPU)
    parser.add_argument("--onnxruntime-gpu", default=DEFAULT_ONNXRUNTIME_GPU, help="onnxruntime-gpu version")
    parser.add_argument("--max-batch-size", type=int)
    parser.add_argument("--batch-window-ms", type=float)
    parser.add_argument("--warmup-iterations", type=int)
    parser.add_argument("--warmup-batch-sizes", help="comma-separated batch sizes, e.g. 1,8,32")
    parser.add_argument("--force", action="store_true", help="replace a version that is already published")
    parser.add_argument(
        "--project-dir", type=Path, help="the warmfleet checkout to build (default: this one)"
    )
    parser.set_defaults(run=run_publish)


def run_publish(args: argparse.Namespace) -> int:
    """The `publish` subcommand: print the result as JSON, or a one-line error and exit 1."""
    import boto3  # noqa: PLC0415 - the other subcommands do not need it

    try:
        request = PublishRequest(
            bucket=args.bucket,
            version=args.version,
            stack_name=args.stack_name,
            model=args.model,
            model_name=args.model_name,
            accelerator=args.accelerator,
            onnxruntime_gpu=args.onnxruntime_gpu,
            server=ServerSettings(
                max_batch_size=args.max_batch_size,
                batch_window_ms=args.batch_window_ms,
                warmup_iterations=args.warmup_iterations,
                warmup_batch_sizes=args.warmup_batch_sizes,
            ),
            force=args.force,
            project_dir=args.project_dir,
        )
        result = publish(request, boto3.client("s3"), boto3.client("ssm"))
    except (ValueError, FileNotFoundError, RuntimeError) as error:
        print(f"warmfleet-inference publish: error: {error}", file=sys.stderr)
        return 1
    print(json.dumps(result.__dict__, indent=2))
    print(
        f"published {request.version}; deploy it with ModelVersion={request.version} "
        f"ModelArtifactUri={result.prefix_uri}",
        file=sys.stderr,
    )
    return 0
