"""The publisher's names, settings and manifest: what is accepted, what is refused, and what round-trips."""

from __future__ import annotations

import json

import pytest
from warmfleet_inference.publish import ServerSettings
from warmfleet_inference.publishing.build import Accelerator, pinned_requirements, requirements_text
from warmfleet_inference.publishing.manifest import FileRole, Manifest, ManifestFile
from warmfleet_inference.publishing.names import (
    VersionParameter,
    artifact_prefix,
    stack_prefix,
    validate_version,
    version_prefix,
)


@pytest.mark.parametrize(
    "version",
    [
        pytest.param("2026-11-27.1", id="date-and-counter"),
        pytest.param("v1", id="short"),
        pytest.param("1.0.0_rc1", id="underscore"),
        pytest.param("a" * 64, id="longest"),
    ],
)
def test_valid_versions_name_a_prefix_and_a_parameter_path(version: str) -> None:
    # GIVEN a version made of the allowed characters / WHEN it names the prefix and path
    # THEN both carry it unchanged
    assert artifact_prefix(version) == f"warmfleet/{version}/"
    assert version_prefix("dev-stack", version) == f"/warmfleet/dev-stack/versions/{version}"


@pytest.mark.parametrize(
    "version",
    [
        pytest.param("", id="empty"),
        pytest.param("../etc", id="path-traversal"),
        pytest.param("v1/v2", id="slash"),
        pytest.param(".hidden", id="leading-dot"),
        pytest.param("has space", id="space"),
        pytest.param("a" * 65, id="too-long"),
    ],
)
def test_invalid_versions_are_refused_with_the_rule(version: str) -> None:
    # GIVEN a version that cannot name an S3 prefix and an SSM level / WHEN validated / THEN it is refused
    with pytest.raises(ValueError, match="invalid version"):
        validate_version(version)


@pytest.mark.parametrize(
    "stack",
    [
        pytest.param("1stack", id="leading-digit"),
        pytest.param("my_stack", id="underscore"),
        pytest.param("", id="empty"),
    ],
)
def test_invalid_stack_names_are_refused(stack: str) -> None:
    with pytest.raises(ValueError, match="invalid stack name"):
        stack_prefix(stack)


@pytest.mark.parametrize(
    ("settings", "expected"),
    [
        pytest.param(ServerSettings(), {}, id="none-given-none-written"),
        pytest.param(
            ServerSettings(
                max_batch_size=32, batch_window_ms=2.5, warmup_iterations=3, warmup_batch_sizes="1,8"
            ),
            {
                VersionParameter.MAX_BATCH_SIZE: "32",
                VersionParameter.BATCH_WINDOW_MS: "2.5",
                VersionParameter.WARMUP_ITERATIONS: "3",
                VersionParameter.WARMUP_BATCH_SIZES: "1,8",
            },
            id="all-given",
        ),
        pytest.param(
            ServerSettings(batch_window_ms=0.0), {VersionParameter.BATCH_WINDOW_MS: "0"}, id="zero-window"
        ),
    ],
)
def test_server_settings_become_only_the_parameters_given(
    settings: ServerSettings, expected: dict[VersionParameter, str]
) -> None:
    assert settings.parameters() == expected


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        pytest.param({"max_batch_size": 0}, "--max-batch-size", id="zero-batch"),
        pytest.param({"warmup_iterations": -1}, "--warmup-iterations", id="negative-warmup"),
        pytest.param({"batch_window_ms": -0.5}, "--batch-window-ms", id="negative-window"),
        pytest.param({"warmup_batch_sizes": "1,x"}, "--warmup-batch-sizes", id="not-integers"),
        pytest.param({"warmup_batch_sizes": "0"}, "--warmup-batch-sizes", id="zero-size"),
    ],
)
def test_bad_server_settings_are_refused_naming_the_option(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        ServerSettings(**kwargs)  # type: ignore[arg-type]


def _manifest() -> Manifest:
    return Manifest(
        version="v1",
        package_name="warmfleet",
        package_version="0.1.0",
        accelerator="gpu",
        model_name="m",
        model_uri="s3://b/warmfleet/v1/model/m.onnx",
        model_sha256="a" * 64,
        created_at="2026-11-27T00:00:00+00:00",
        files=(ManifestFile("model/m.onnx", FileRole.MODEL, 10, "a" * 64),),
        server={"server/max-batch-size": "8"},
    )


def test_manifest_round_trips_through_its_json() -> None:
    # GIVEN a manifest / WHEN written and read back / THEN it is equal, and the JSON carries the schema
    manifest = _manifest()
    assert Manifest.from_json(manifest.to_json()) == manifest
    assert json.loads(manifest.to_json())["schema"] == 1


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        pytest.param(lambda body: body.update(schema=2), "schema 2", id="future-schema"),
        pytest.param(lambda body: body.pop("model_sha256"), "model_sha256", id="missing-field"),
        pytest.param(lambda body: body["files"][0].update(role="rootkit"), "rootkit", id="unknown-role"),
    ],
)
def test_a_malformed_manifest_is_refused(mutate: object, message: str) -> None:
    body = json.loads(_manifest().to_json())
    mutate(body)  # type: ignore[operator]
    with pytest.raises(ValueError, match=message):
        Manifest.from_json(json.dumps(body), "s3://b/warmfleet/v1/manifest.json")


def test_gpu_requirements_swap_onnxruntime_for_onnxruntime_gpu_and_pin_everything() -> None:
    # GIVEN this environment / WHEN the GPU and CPU requirements are pinned
    gpu = pinned_requirements(Accelerator.GPU, onnxruntime_gpu="1.31.1")
    cpu = pinned_requirements(Accelerator.CPU)
    # THEN both pin every package exactly, the GPU build never carries the CPU package, and no dev tool leaks
    names = {pin.split("==")[0].split("[")[0] for pin in gpu}
    assert all("==" in pin for pin in gpu + cpu)
    assert "onnxruntime-gpu[cuda,cudnn]==1.31.1" in gpu and "onnxruntime" not in names
    assert any(pin.startswith("onnxruntime==") for pin in cpu)
    assert {"fastapi", "uvicorn", "httpx", "boto3", "numpy", "nvidia-ml-py"} <= names
    assert names.isdisjoint({"pytest", "moto", "mypy", "ruff", "aws-sam-cli", "warmfleet"})
    assert "--no-deps" in requirements_text(gpu, Accelerator.GPU)
