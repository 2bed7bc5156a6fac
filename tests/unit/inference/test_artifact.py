"""Local artifacts: checksum from --sha256 or the sibling file, verified in place; mismatches refused."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from warmfleet_inference.artifact import (
    artifact_stem,
    fetch_artifact,
    parse_checksum,
    sha256_of_file,
    split_s3_uri,
)
from warmfleet_inference.exceptions import (
    ArtifactNotFoundError,
    ChecksumMismatchError,
    InvalidArtifactReferenceError,
    WarmfleetInferenceError,
)

PAYLOAD = b"not really onnx, but bytes are bytes"
DIGEST = hashlib.sha256(PAYLOAD).hexdigest()


@pytest.fixture
def artifact(tmp_path: Path) -> Path:
    path = tmp_path / "models" / "resnet.onnx"
    path.parent.mkdir()
    path.write_bytes(PAYLOAD)
    return path


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param(DIGEST, DIGEST, id="bare-digest"),
        pytest.param(f"{DIGEST.upper()}  resnet.onnx\n", DIGEST, id="sha256sum-line-upper-case"),
    ],
)
def test_checksums_are_read_in_both_usual_forms(text: str, expected: str) -> None:
    # GIVEN / WHEN / THEN a bare digest and a sha256sum line both give the lower-case digest
    assert parse_checksum(text, "test") == expected


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("", id="empty"),
        pytest.param("abc123", id="too-short"),
        pytest.param("z" * 64, id="not-hex"),
    ],
)
def test_a_malformed_checksum_is_refused(text: str) -> None:
    # GIVEN / WHEN / THEN anything but 64 hex characters is refused, naming its source
    with pytest.raises(InvalidArtifactReferenceError, match=r"model\.sha256 does not hold a sha256 digest"):
        parse_checksum(text, "model.sha256")


def test_a_local_artifact_with_a_matching_sibling_checksum_is_verified_in_place(artifact: Path) -> None:
    # GIVEN an artifact and its sibling checksum file
    Path(f"{artifact}.sha256").write_text(f"{DIGEST}  resnet.onnx\n")
    # WHEN fetched
    fetched = fetch_artifact(str(artifact), cache_dir=artifact.parent / "cache")
    # THEN it is the same file, verified, not copied into the cache
    assert fetched.path == artifact.resolve() and fetched.sha256 == DIGEST and not fetched.downloaded
    assert not (artifact.parent / "cache").exists()


def test_an_explicit_checksum_wins_over_the_sibling(artifact: Path) -> None:
    # GIVEN a wrong sibling file but the right --sha256
    Path(f"{artifact}.sha256").write_text("0" * 64)
    # WHEN fetched with the explicit digest / THEN it is accepted
    assert fetch_artifact(str(artifact), artifact.parent, sha256=DIGEST).sha256 == DIGEST


def test_a_checksum_mismatch_is_refused(artifact: Path) -> None:
    # GIVEN a sibling checksum that does not match the bytes
    Path(f"{artifact}.sha256").write_text("0" * 64)
    # WHEN fetched / THEN it is refused with both digests in the message
    expected = f"checksum mismatch .* expected sha256 {'0' * 64}, got {DIGEST}"
    with pytest.raises(ChecksumMismatchError, match=expected):
        fetch_artifact(str(artifact), artifact.parent)


def test_an_artifact_without_a_checksum_is_refused(artifact: Path) -> None:
    # GIVEN no --sha256 and no sibling file / WHEN fetched / THEN it is refused, saying how to fix it
    with pytest.raises(ArtifactNotFoundError, match=r"no checksum for .*pass --sha256 or write"):
        fetch_artifact(str(artifact), artifact.parent)


def test_a_missing_artifact_is_refused(tmp_path: Path) -> None:
    # GIVEN / WHEN a path that does not exist / THEN it is refused
    with pytest.raises(ArtifactNotFoundError, match="does not exist"):
        fetch_artifact(str(tmp_path / "absent.onnx"), tmp_path, sha256=DIGEST)


def test_the_file_digest_is_sha256(artifact: Path) -> None:
    assert sha256_of_file(artifact) == DIGEST


@pytest.mark.parametrize(
    ("uri", "stem"),
    [
        pytest.param("s3://bucket/models/v3/resnet50.onnx", "resnet50", id="s3"),
        pytest.param("/opt/models/mlp.onnx", "mlp", id="local"),
    ],
)
def test_the_default_model_name_is_the_file_stem(uri: str, stem: str) -> None:
    assert artifact_stem(uri) == stem


@pytest.mark.parametrize(
    "uri",
    [
        pytest.param("s3://bucket", id="no-key"),
        pytest.param("s3:///key", id="no-bucket"),
        pytest.param("s3://bucket/dir/", id="a-prefix"),
    ],
)
def test_malformed_s3_uris_are_refused(uri: str) -> None:
    with pytest.raises(InvalidArtifactReferenceError, match="not an S3 object URI"):
        split_s3_uri(uri)


@pytest.mark.parametrize(
    ("error", "builtin"),
    [
        pytest.param(ArtifactNotFoundError, FileNotFoundError, id="not-found"),
        pytest.param(ChecksumMismatchError, ValueError, id="mismatch"),
        pytest.param(InvalidArtifactReferenceError, ValueError, id="malformed"),
    ],
)
def test_artifact_errors_are_the_instance_sides_and_still_the_builtins(
    error: type[Exception], builtin: type[Exception]
) -> None:
    # GIVEN / WHEN one of the artifact errors / THEN a caller can catch it as the instance side's own, or as
    # the built-in it replaced (callers written against FileNotFoundError/ValueError keep working)
    assert issubclass(error, WarmfleetInferenceError) and issubclass(error, builtin)
    assert str(error("the reason")) == "the reason"  # what /ready shows
