"""The asynchronous inference message and its result: the contract between `submit` and the queue worker.

A request message (the SQS body, JSON, camelCase):

```json
{"requestId": "r-123", "model": "classifier",
 "inputs": [{"name": "input", "shape": [1, 4], "datatype": "FP32", "data": [0.1, 0.2, 0.3, 0.4]}],
 "outputs": [{"name": "output"}], "parameters": {},
 "resultTarget": {"s3": {"bucket": "results", "key": "results/r-123.json"}}}
```

`inputs`, `outputs` and `parameters` are those of the Open Inference Protocol (KServe v2) inference request
(https://kserve.github.io/website/latest/modelserving/data_plane/v2_protocol/), passed to the server as
they are. `resultTarget` is `{"s3": {"bucket", "key"}}` or `{"replyQueueUrl": "..."}`; without one the
worker uses its configured default. The result (the S3 object, or the reply message body) is a
`ResultDocument`. Samples: `events/queue/`.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator
from pydantic.alias_generators import to_camel

REQUEST_ID_PATTERN = r"^[A-Za-z0-9._:-]{1,128}$"
MODEL_NAME_PATTERN = r"^[A-Za-z0-9._-]{1,128}$"


class _Contract(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, frozen=True, extra="forbid")


class InputTensor(_Contract):
    """One KServe v2 request input."""

    name: str = Field(min_length=1)
    shape: list[int]
    datatype: str = Field(min_length=1)
    data: list[Any]
    parameters: dict[str, Any] | None = None


class RequestedOutput(_Contract):
    name: str = Field(min_length=1)
    parameters: dict[str, Any] | None = None


class S3Location(_Contract):
    bucket: str = Field(min_length=3, max_length=63)
    key: str = Field(min_length=1, max_length=1024)


class ResultTarget(_Contract):
    """Where the result goes: exactly one of an S3 object or a reply queue."""

    s3: S3Location | None = None
    reply_queue_url: str | None = Field(default=None, min_length=1)

    @model_validator(mode="after")
    def _exactly_one(self) -> ResultTarget:
        if (self.s3 is None) == (self.reply_queue_url is None):
            raise ValueError("resultTarget needs exactly one of 's3' or 'replyQueueUrl'")
        return self


class InferenceRequestMessage(_Contract):
    """The body of a request message on the inference queue."""

    request_id: str = Field(pattern=REQUEST_ID_PATTERN)
    model: str = Field(pattern=MODEL_NAME_PATTERN)
    inputs: list[InputTensor] = Field(min_length=1)
    outputs: list[RequestedOutput] | None = None
    parameters: dict[str, Any] | None = None
    result_target: ResultTarget | None = None

    def to_infer_request(self) -> dict[str, Any]:
        """The KServe v2 inference request the server receives (the request id becomes its `id`)."""
        request = self.model_dump(
            include={"inputs", "outputs", "parameters"}, exclude_none=True, by_alias=True
        )
        return {"id": self.request_id, **request}


class ResultStatus(StrEnum):
    SUCCEEDED = "succeeded"
    FAILED = "failed"


class ResultDocument(_Contract):
    """What the worker stores for a request: the server's KServe v2 response, or why it failed for good."""

    schema_version: Literal[1] = 1
    request_id: str
    model: str
    status: ResultStatus
    response: dict[str, Any] | None = None
    error: str | None = None
    instance_id: str
    completed_at: datetime
    receive_count: int = Field(ge=1)
