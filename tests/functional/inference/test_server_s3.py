"""Models from S3 (moto's server on loopback): verified against the sibling checksum, cached by digest so
a warm-pool instance skips the download, and refused — `/ready` 503 `failed` — when the checksum is wrong."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest
from mypy_boto3_s3 import S3Client

from tests.functional.inference.conftest import infer_body, sample_rows, start_server

pytestmark = pytest.mark.slow

BUCKET = "warmfleet-artifacts"


@pytest.fixture(scope="module")
def s3(moto_server: str) -> Iterator[S3Client]:
    client = boto3.client("s3", endpoint_url=moto_server, region_name="us-east-1")
    client.create_bucket(Bucket=BUCKET)
    yield client


def _upload(s3: S3Client, model: Path, key: str, checksum: str | None) -> None:
    s3.upload_file(str(model), BUCKET, key)
    if checksum is not None:
        s3.put_object(Bucket=BUCKET, Key=f"{key}.sha256", Body=f"{checksum}  {Path(key).name}\n".encode())


def test_a_model_with_a_bad_checksum_is_refused(
    s3: S3Client, moto_server: str, small_model: Path, logs: Path
) -> None:
    # GIVEN a model in S3 whose published checksum is not its own
    wrong = hashlib.sha256(b"another model").hexdigest()
    _upload(s3, small_model, "models/bad/mlp.onnx", wrong)
    cache = logs / "cache"
    # WHEN a server is started on it
    server = start_server(
        f"s3://{BUCKET}/models/bad/mlp.onnx",
        logs,
        "--cache-dir",
        str(cache),
        env={"AWS_ENDPOINT_URL": moto_server},
    )
    # THEN /ready reports failed with the reason, the process stays alive, and nothing is served or cached
    state = server.wait_until("failed")
    assert (
        f"checksum mismatch for s3://{BUCKET}/models/bad/mlp.onnx: expected sha256 {wrong}" in state["reason"]
    )
    assert server.client.get("/health").status_code == 200
    assert server.client.get("/ready").status_code == 503
    refused = server.client.post("/v2/models/mlp/infer", json=infer_body(sample_rows(1)))
    assert refused.status_code == 503 and "failed" in refused.json()["error"]
    assert server.metric("warmfleet_ready") == 0
    assert not any(path.is_file() for path in cache.rglob("*"))
    assert server.stop() == 0


def test_a_verified_model_is_cached_and_a_restart_skips_the_download(
    s3: S3Client, moto_server: str, small_model: Path, logs: Path
) -> None:
    # GIVEN a model in S3 with its correct checksum beside it
    digest = small_model.with_name("mlp.onnx.sha256").read_text().split()[0]
    _upload(s3, small_model, "models/v1/mlp.onnx", digest)
    cache = logs / "cache"
    uri = f"s3://{BUCKET}/models/v1/mlp.onnx"
    env = {"AWS_ENDPOINT_URL": moto_server}
    # WHEN a server starts on it
    first = start_server(uri, logs, "--cache-dir", str(cache), "--warmup-iterations", "0", env=env)
    first.wait_until("ready")
    # THEN it downloaded the model into the cache, by digest, and serves it
    assert (cache / digest / "mlp.onnx").read_bytes() == small_model.read_bytes()
    assert first.client.post("/v2/models/mlp/infer", json=infer_body(sample_rows(2))).status_code == 200
    assert first.stop() == 0
    assert f"downloading {uri}" in first.log.read_text()
    # WHEN the object disappears from S3 and a server restarts with the digest (a warm-pool instance)
    s3.delete_object(Bucket=BUCKET, Key="models/v1/mlp.onnx")
    second = start_server(
        uri, logs, "--cache-dir", str(cache), "--sha256", digest, "--warmup-iterations", "0", env=env
    )
    # THEN it is ready from the cache without downloading
    second.wait_until("ready")
    assert "found in the cache" in second.log.read_text() and "downloading" not in second.log.read_text()
    assert second.stop() == 0
