"""`warmfleet-inference publish` against moto S3 and SSM: what lands where, and what is refused unchanged."""

from __future__ import annotations

import argparse
import hashlib
import json
from pathlib import Path

import pytest
from warmfleet_inference.artifact import fetch_artifact
from warmfleet_inference.publish import PublishRequest, PublishResult, add_publish_parser, publish
from warmfleet_inference.publishing.manifest import FileRole, Manifest

from tests.functional.bootstrap.conftest import VERSION, Stack

# Builds wheels and models and uploads them to the moto server.
pytestmark = pytest.mark.slow


def _object(stack: Stack, key: str) -> bytes:
    return bytes(stack.client("s3").get_object(Bucket=stack.bucket, Key=key)["Body"].read())


def _keys(stack: Stack, prefix: str) -> set[str]:
    listed = stack.client("s3").list_objects_v2(Bucket=stack.bucket, Prefix=prefix)
    return {item["Key"] for item in listed.get("Contents", [])}


def test_a_version_lands_under_its_prefix_with_every_file_checksummed(
    stack: Stack, published: PublishResult
) -> None:

    # GIVEN a published version / WHEN its objects and manifest are read back from S3
    prefix = f"warmfleet/{VERSION}/"
    manifest = Manifest.from_json(_object(stack, prefix + "manifest.json").decode())
    # THEN the prefix holds exactly the manifest, its checksum and the files it lists
    listed = {prefix + item.path for item in manifest.files}
    assert _keys(stack, prefix) == listed | {prefix + "manifest.json", prefix + "manifest.json.sha256"}
    assert {item.role for item in manifest.files} == set(FileRole)
    # AND every file's bytes match the manifest's sha256 and size, and the manifest matches SSM's digest
    for item in manifest.files:
        body = _object(stack, prefix + item.path)
        assert (hashlib.sha256(body).hexdigest(), len(body)) == (item.sha256, item.size), item.path
    assert hashlib.sha256(_object(stack, prefix + "manifest.json")).hexdigest() == published.manifest_sha256
    assert (manifest.version, manifest.package_name, manifest.accelerator) == (VERSION, "warmfleet", "gpu")
    requirements = _object(stack, prefix + "requirements.txt").decode()
    assert "onnxruntime-gpu[cuda,cudnn]==" in requirements and "\nonnxruntime==" not in requirements


def test_the_version_parameters_point_at_what_was_uploaded(stack: Stack, published: PublishResult) -> None:
    # GIVEN a published version / WHEN its SSM parameters are read
    root = f"/warmfleet/{stack.name}/versions/{VERSION}"
    parameters = stack.parameters(f"/versions/{VERSION}")
    # THEN they are exactly those reported, with the model, manifest, bootstrap and server settings
    assert parameters == published.parameters
    assert parameters[f"{root}/model-uri"] == f"s3://{stack.bucket}/warmfleet/{VERSION}/model/tiny-mlp.onnx"
    assert parameters[f"{root}/model-name"] == "tiny-mlp"
    assert parameters[f"{root}/bootstrap-uri"].endswith(f"/warmfleet/{VERSION}/bootstrap.sh")
    assert (parameters[f"{root}/server/max-batch-size"], parameters[f"{root}/server/warmup-batch-sizes"]) == (
        "8",
        "1,4",
    )
    # AND the stack-level parameters (the template's) are left alone
    assert not [name for name in parameters if not name.startswith(root + "/")]


def test_the_server_fetches_and_verifies_the_published_model(
    stack: Stack, published: PublishResult, tiny_model: Path, tmp_path: Path
) -> None:
    # GIVEN the published model / WHEN the server's fetcher loads it by URI, checksum from its sibling
    artifact = fetch_artifact(published.model_uri, tmp_path, s3_client=stack.client("s3"))
    # THEN it is the user's file, verified
    assert artifact.sha256 == published.model_sha256
    assert artifact.path.read_bytes() == tiny_model.read_bytes()


def test_publishing_a_version_again_is_refused_and_changes_nothing(
    stack: Stack, published: PublishResult, tiny_model: Path
) -> None:
    # GIVEN a published version
    before = (_object(stack, f"warmfleet/{VERSION}/manifest.json"), stack.parameters())
    # WHEN it is published again without --force
    request = PublishRequest(bucket=stack.bucket, version=VERSION, stack_name=stack.name, model=tiny_model)
    with pytest.raises(ValueError, match="already published"):
        publish(request, stack.client("s3"), stack.client("ssm"))
    # THEN the manifest and every parameter are unchanged
    assert (_object(stack, f"warmfleet/{VERSION}/manifest.json"), stack.parameters()) == before


@pytest.mark.parametrize(
    ("bucket", "model_bytes", "message"),
    [
        pytest.param(None, b"not a protobuf at all", "not a valid ONNX model", id="garbage-model"),
        pytest.param("no-such-bucket-wf", None, "not reachable", id="missing-bucket"),
    ],
)
def test_bad_input_is_refused_before_anything_is_written(
    stack: Stack, tmp_path: Path, bucket: str | None, model_bytes: bytes | None, message: str
) -> None:
    # GIVEN a bad model file or a bucket that does not exist
    model = tmp_path / "bad.onnx"
    model.write_bytes(model_bytes or b"")
    target = stack.sibling()
    request = PublishRequest(
        bucket=bucket or stack.bucket,
        version="2026-11-27.bad",
        stack_name=target.name,
        model=model if model_bytes is not None else None,
    )
    # WHEN it is published / THEN it is refused, and no object and no parameter of that version exists
    with pytest.raises(ValueError, match=message):
        publish(request, stack.client("s3"), stack.client("ssm"))
    assert _keys(stack, "warmfleet/2026-11-27.bad/") == set()
    assert target.parameters() == {}


def _cli(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    add_publish_parser(parser.add_subparsers(dest="command"))
    return parser.parse_args(["publish", *argv])


def test_the_cli_publishes_the_reference_model_and_prints_the_deploy_parameters(
    stack: Stack, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # GIVEN the publish subcommand pointed at moto, without --model
    monkeypatch.setenv("AWS_ENDPOINT_URL", stack.endpoint)
    target = stack.sibling()
    args = _cli(["--bucket", stack.bucket, "--version", "ref-1", "--stack-name", target.name])
    # WHEN it runs
    assert args.run(args) == 0
    out, err = capsys.readouterr()
    # THEN it published the reference model under its own name and said how to deploy it
    result = json.loads(out)
    assert result["model_uri"] == f"s3://{stack.bucket}/warmfleet/ref-1/model/warmfleet-mlp.onnx"
    assert target.parameters()[f"/warmfleet/{target.name}/versions/ref-1/model-name"] == "warmfleet-mlp"
    assert f"ModelVersion=ref-1 ModelArtifactUri=s3://{stack.bucket}/warmfleet/ref-1/" in err


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        pytest.param(["--version", "../x"], "invalid version", id="bad-version"),
        pytest.param(["--version", "v2", "--max-batch-size", "0"], "--max-batch-size", id="bad-setting"),
        pytest.param(["--version", "v2", "--model", "/nonexistent.onnx"], "does not exist", id="no-model"),
    ],
)
def test_the_cli_exits_1_with_one_clear_line(
    stack: Stack,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    argv: list[str],
    message: str,
) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL", stack.endpoint)
    args = _cli(["--bucket", stack.bucket, *argv])
    assert args.run(args) == 1
    err = capsys.readouterr().err
    assert err.startswith("warmfleet-inference publish: error:") and message in err
