"""Fetch a model artifact from S3 or a local path, verify its sha256 and keep it in a local cache.

The inference server loads its model through `fetch_artifact`, and the artifact publisher uses the same
checksum helpers, so what is published is exactly what is verified. An artifact is refused unless its sha256
is known (passed in, or read from the sibling `URI.sha256` that `make-model` and the publisher write) and
matches. Downloads land in `cache_dir/<sha256>/<file name>` through a temporary file and an atomic rename, so
an instance leaving a warm pool finds the verified file already on disk and skips the download, and a
half-written file is never taken for a good one.

Failures raise the instance side's own exceptions (`warmfleet_inference.exceptions`) with a message that says
what is wrong: `ArtifactNotFoundError` (no artifact, no checksum), `ChecksumMismatchError` and
`InvalidArtifactReferenceError` (malformed URI or checksum); they are also `FileNotFoundError` and
`ValueError`, as these were before.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, BinaryIO

from warmfleet_inference.exceptions import (
    ArtifactNotFoundError,
    ChecksumMismatchError,
    InvalidArtifactReferenceError,
)

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

LOGGER = logging.getLogger(__name__)
CHECKSUM_SUFFIX = ".sha256"
_HEX_DIGEST = re.compile(r"^[0-9a-f]{64}$")
_CHUNK_BYTES = 1 << 20


@dataclass(frozen=True)
class Artifact:
    """A verified artifact on local disk; `downloaded` is False when the cache or a local path served it."""

    uri: str
    path: Path
    sha256: str
    downloaded: bool


def default_cache_dir() -> Path:
    """`$XDG_CACHE_HOME/warmfleet/artifacts`, or `~/.cache/warmfleet/artifacts`."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "warmfleet" / "artifacts"


def artifact_stem(uri: str) -> str:
    """The artifact's file stem (`s3://b/models/resnet.onnx` -> `resnet`): the model's default name."""
    return PurePosixPath(uri.split("://", 1)[-1]).stem


def parse_checksum(text: str, source: str) -> str:
    """Read a sha256 digest from `text`: a bare hex digest or a `sha256sum` line (`HEX  NAME`)."""
    token = text.strip().split(maxsplit=1)[0].lower() if text.strip() else ""
    if not _HEX_DIGEST.match(token):
        raise InvalidArtifactReferenceError(
            f"{source} does not hold a sha256 digest (64 hex characters): {text[:80]!r}"
        )
    return token


def sha256_of_file(path: Path) -> str:
    """The hex sha256 of a file, read in 1 MiB chunks."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(_CHUNK_BYTES), b""):
            digest.update(chunk)
    return digest.hexdigest()


def split_s3_uri(uri: str) -> tuple[str, str]:
    """`s3://bucket/key` -> (bucket, key)."""
    bucket, _, key = uri.removeprefix("s3://").partition("/")
    if not uri.startswith("s3://") or not bucket or not key or key.endswith("/"):
        raise InvalidArtifactReferenceError(f"not an S3 object URI (s3://bucket/key): {uri!r}")
    return bucket, key


def fetch_artifact(
    uri: str,
    cache_dir: Path,
    sha256: str | None = None,
    s3_client: S3Client | None = None,
) -> Artifact:
    """Return the verified artifact at `uri` (an `s3://` URI or a local path).

    Parameters
    ----------
    uri : the artifact; its checksum is `sha256` when given, else the sibling `uri + ".sha256"`.
    cache_dir : where S3 artifacts are kept, by digest; local paths are verified in place, never copied.
    sha256 : the expected hex digest, overriding the sibling file.
    s3_client : injected for tests; by default a boto3 client (which honours `AWS_ENDPOINT_URL`).
    """
    expected = parse_checksum(sha256, "--sha256") if sha256 is not None else None
    if not uri.startswith("s3://"):
        return _verify_local(uri, expected)
    bucket, key = split_s3_uri(uri)
    # The client is made only when S3 must be asked: a warm-pool restart given --sha256 never touches it.
    client = s3_client
    if expected is None:
        client = client or _default_s3_client()
        expected = parse_checksum(_read_s3_text(client, bucket, key + CHECKSUM_SUFFIX), uri + CHECKSUM_SUFFIX)
    target = cache_dir / expected / PurePosixPath(key).name
    if target.is_file() and sha256_of_file(target) == expected:
        LOGGER.info("artifact %s found in the cache at %s; no download", uri, target)
        return Artifact(uri=uri, path=target, sha256=expected, downloaded=False)
    client = client or _default_s3_client()
    target.parent.mkdir(parents=True, exist_ok=True)
    LOGGER.info("downloading %s to %s", uri, target)
    fd, temporary = tempfile.mkstemp(dir=target.parent, prefix=".download-")
    try:
        with os.fdopen(fd, "wb") as handle:
            actual = _download(client, bucket, key, handle)
        _require_match(uri, expected, actual)
        os.replace(temporary, target)
    finally:
        Path(temporary).unlink(missing_ok=True)
    return Artifact(uri=uri, path=target, sha256=expected, downloaded=True)


def _verify_local(uri: str, expected: str | None) -> Artifact:
    path = Path(uri.removeprefix("file://")).expanduser()
    if not path.is_file():
        raise ArtifactNotFoundError(f"model artifact {uri} does not exist or is not a file")
    if expected is None:
        sibling = Path(f"{path}{CHECKSUM_SUFFIX}")
        if not sibling.is_file():
            raise ArtifactNotFoundError(
                f"no checksum for {uri}: pass --sha256 or write {sibling} (make-model and publish do)"
            )
        expected = parse_checksum(sibling.read_text(encoding="utf-8"), str(sibling))
    _require_match(uri, expected, sha256_of_file(path))
    return Artifact(uri=uri, path=path.resolve(), sha256=expected, downloaded=False)


def _require_match(uri: str, expected: str, actual: str) -> None:
    if actual != expected:
        raise ChecksumMismatchError(f"checksum mismatch for {uri}: expected sha256 {expected}, got {actual}")


def _default_s3_client() -> S3Client:
    import boto3  # noqa: PLC0415 - only S3 artifacts need boto3; local serving starts faster without it

    return boto3.client("s3")


def _read_s3_text(client: S3Client, bucket: str, key: str) -> str:
    try:
        body = client.get_object(Bucket=bucket, Key=key)["Body"].read()
    except client.exceptions.NoSuchKey as error:
        message = f"no checksum object s3://{bucket}/{key}: pass --sha256 or publish it"
        raise ArtifactNotFoundError(message) from error
    return bytes(body).decode("utf-8", errors="replace")


def _download(client: S3Client, bucket: str, key: str, handle: BinaryIO) -> str:
    try:
        body = client.get_object(Bucket=bucket, Key=key)["Body"]
    except client.exceptions.NoSuchKey as error:
        raise ArtifactNotFoundError(f"model artifact s3://{bucket}/{key} does not exist") from error
    digest = hashlib.sha256()
    for chunk in body.iter_chunks(chunk_size=_CHUNK_BYTES):
        digest.update(chunk)
        handle.write(chunk)
    return digest.hexdigest()
