"""The request message and result document schema, checked against the samples in events/queue/."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError
from warmfleet_inference.client import build_request
from warmfleet_inference.worker.schema import InferenceRequestMessage, ResultDocument, ResultStatus


@pytest.mark.parametrize(
    ("fixture", "target_kind"),
    [
        pytest.param("request-s3.json", "s3", id="s3"),
        pytest.param("request-reply-queue.json", "reply", id="reply-queue"),
        pytest.param("request-default-target.json", None, id="worker-default"),
    ],
)
def test_valid_requests_parse(queue_event: Any, fixture: str, target_kind: str | None) -> None:
    # GIVEN a documented sample request; WHEN parsed
    message = InferenceRequestMessage.model_validate(queue_event(fixture))
    # THEN its target is the one it names, and the server gets a KServe v2 request with the request id
    target = message.result_target
    kind = None if target is None else ("s3" if target.s3 else "reply")
    assert kind == target_kind
    request = message.to_infer_request()
    assert request["id"] == message.request_id
    assert request["inputs"] == queue_event(fixture)["inputs"]
    assert "resultTarget" not in request


@pytest.mark.parametrize(
    ("fixture", "complaint"),
    [
        pytest.param("request-malformed-no-inputs.json", "at least 1", id="no-inputs"),
        pytest.param("request-malformed-two-targets.json", "exactly one", id="two-targets"),
        pytest.param("request-malformed-bad-model-name.json", "pattern", id="path-in-model-name"),
    ],
)
def test_malformed_requests_are_refused(queue_event: Any, fixture: str, complaint: str) -> None:
    # GIVEN a malformed sample; WHEN parsed; THEN it is refused with the reason
    with pytest.raises(ValidationError, match=complaint):
        InferenceRequestMessage.model_validate(queue_event(fixture))


@pytest.mark.parametrize(
    ("fixture", "status"),
    [
        pytest.param("result-succeeded.json", ResultStatus.SUCCEEDED, id="succeeded"),
        pytest.param("result-failed.json", ResultStatus.FAILED, id="failed"),
    ],
)
def test_result_documents_round_trip(queue_event: Any, fixture: str, status: ResultStatus) -> None:
    # GIVEN a sample result; WHEN parsed and dumped again; THEN nothing is lost or renamed
    document = ResultDocument.model_validate(queue_event(fixture))
    assert document.status is status
    again = ResultDocument.model_validate_json(document.model_dump_json(by_alias=True))
    assert again == document


def test_the_client_builds_a_valid_message() -> None:
    # GIVEN a bucket; WHEN the client builds a request; THEN the result key defaults under results/
    message = build_request(
        "classifier",
        [{"name": "x", "shape": [1], "datatype": "FP32", "data": [1.0]}],
        results_bucket="bucket-1",
    )
    assert message.result_target is not None and message.result_target.s3 is not None
    assert message.result_target.s3.key == f"results/{message.request_id}.json"


def test_the_client_needs_exactly_one_target() -> None:
    with pytest.raises(ValueError, match="exactly one"):
        build_request("m", [{"name": "x", "shape": [1], "datatype": "FP32", "data": [1.0]}])
