"""Infer request validation: valid bodies become arrays, every kind of bad input becomes a precise 4xx."""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pytest
from warmfleet_inference.server.model import ModelMetadata, TensorSpec
from warmfleet_inference.server.validation import InferRequest, RequestError, parse_infer_request

FP32_MODEL = ModelMetadata(
    name="mlp",
    inputs=(TensorSpec("input", "FP32", np.dtype(np.float32), (-1, 3)),),
    outputs=(
        TensorSpec("output", "FP32", np.dtype(np.float32), (-1, 2)),
        TensorSpec("logits", "FP32", np.dtype(np.float32), (-1, 2)),
    ),
)
TWO_INPUT_MODEL = ModelMetadata(
    name="pair",
    inputs=(
        TensorSpec("ids", "INT32", np.dtype(np.int32), (-1, 2)),
        TensorSpec("mask", "BOOL", np.dtype(np.bool_), (-1, 2)),
    ),
    outputs=(TensorSpec("score", "FP32", np.dtype(np.float32), (-1, 1)),),
)
MAX_BATCH = 4


def _body(inputs: Any, **extra: Any) -> bytes:
    return json.dumps({"inputs": inputs, **extra}).encode()


def _input(data: Any, shape: Any = (1, 3), datatype: Any = "FP32", name: Any = "input") -> dict[str, Any]:
    return {
        "name": name,
        "shape": list(shape) if isinstance(shape, tuple) else shape,
        "datatype": datatype,
        "data": data,
    }


@pytest.mark.parametrize(
    ("body", "rows", "expected"),
    [
        pytest.param(_body([_input([1.0, 2.5, -3])]), 1, [[1.0, 2.5, -3.0]], id="flat-with-an-integer"),
        pytest.param(_body([_input([[1, 2, 3], [4, 5, 6]], (2, 3))]), 2, [[1, 2, 3], [4, 5, 6]], id="nested"),
        pytest.param(_body([_input([0.5] * 12, (4, 3))]), 4, [[0.5] * 3] * 4, id="max-batch"),
        pytest.param(
            _body([_input([1, 2, 3])], parameters={"binary_data_output": False}),
            1,
            [[1, 2, 3]],
            id="a-boolean-parameter-beside-numeric-data",
        ),
    ],
)
def test_valid_requests_become_float32_arrays(body: bytes, rows: int, expected: list[list[float]]) -> None:
    # GIVEN a valid body / WHEN parsed
    parsed = parse_infer_request(body, FP32_MODEL, MAX_BATCH)
    # THEN it holds the rows as FP32, and every output is wanted by default
    assert isinstance(parsed, InferRequest)
    assert parsed.rows == rows and parsed.outputs == ("output", "logits") and parsed.request_id is None
    assert parsed.inputs["input"].dtype == np.float32
    np.testing.assert_array_equal(parsed.inputs["input"], np.asarray(expected, dtype=np.float32))


def test_id_and_requested_outputs_are_kept() -> None:
    # GIVEN a request with an id and one requested output
    body = _body([_input([1, 2, 3])], id="req-7", outputs=[{"name": "logits"}])
    # WHEN parsed / THEN both are carried to the response
    parsed = parse_infer_request(body, FP32_MODEL, MAX_BATCH)
    assert isinstance(parsed, InferRequest)
    assert parsed.request_id == "req-7" and parsed.outputs == ("logits",)


def test_a_two_input_model_takes_ints_and_booleans() -> None:
    # GIVEN INT32 and BOOL inputs with two rows
    body = _body(
        [
            {"name": "ids", "shape": [2, 2], "datatype": "INT32", "data": [1, 2, 3, 4]},
            {"name": "mask", "shape": [2, 2], "datatype": "BOOL", "data": [True, False, True, True]},
        ]
    )
    # WHEN parsed / THEN each array has its model dtype
    parsed = parse_infer_request(body, TWO_INPUT_MODEL, MAX_BATCH)
    assert isinstance(parsed, InferRequest)
    assert parsed.inputs["ids"].dtype == np.int32 and parsed.inputs["mask"].dtype == np.bool_


def _pair(ids: Any, mask: Any = None, ids_shape: Any = (1, 2)) -> bytes:
    mask_entry = {"name": "mask", "shape": [1, 2], "datatype": "BOOL", "data": mask or [True, True]}
    return _body([{"name": "ids", "shape": list(ids_shape), "datatype": "INT32", "data": ids}, mask_entry])


@pytest.mark.parametrize(
    ("body", "model", "message"),
    [
        pytest.param(
            b"{not json",
            FP32_MODEL,
            "malformed JSON: unexpected character, expected a string key at line 1 column 2",
            id="malformed-json",
        ),
        pytest.param(
            b"", FP32_MODEL, "malformed JSON: Input is a zero-length, empty document", id="empty-body"
        ),
        pytest.param(b"\xff\xfe\x00", FP32_MODEL, "malformed JSON", id="not-utf8"),
        pytest.param(
            b'{"inputs": [{"name": "input", "shape": [1, 3], "datatype": "FP32", "data": [NaN, 1, 2]}]}',
            FP32_MODEL,
            "malformed JSON: unexpected character",
            id="nan-constant",
        ),
        pytest.param(b"[1, 2]", FP32_MODEL, "must be a JSON object", id="not-an-object"),
        pytest.param(b'{"outputs": []}', FP32_MODEL, "'inputs' must be a non-empty list", id="no-inputs"),
        pytest.param(_body([]), FP32_MODEL, "'inputs' must be a non-empty list", id="empty-inputs"),
        pytest.param(_body(["input"]), FP32_MODEL, "inputs[0] must be an object", id="input-not-object"),
        pytest.param(_body([{"shape": [1, 3]}]), FP32_MODEL, "inputs[0] has no 'name'", id="no-name"),
        pytest.param(
            _body([_input([1, 2, 3], name="pixels")]),
            FP32_MODEL,
            "unknown input 'pixels'; model 'mlp' expects inputs ['input']",
            id="wrong-input-name",
        ),
        pytest.param(
            _body([_input([1, 2, 3], datatype="FP64")]),
            FP32_MODEL,
            "datatype 'FP64'; the model wants FP32",
            id="wrong-datatype",
        ),
        pytest.param(
            _body([_input([1, 2, 3], shape=(3,))]),
            FP32_MODEL,
            "has shape [3]; the model expects [-1, 3]",
            id="wrong-rank",
        ),
        pytest.param(
            _body([_input([1, 2, 3, 4], shape=(1, 4))]),
            FP32_MODEL,
            "has shape [1, 4]; the model expects [-1, 3]",
            id="wrong-inner-dimension",
        ),
        pytest.param(
            _body([_input([1, 2, 3], shape="1x3")]),
            FP32_MODEL,
            "'shape' must be a list of non-negative integers",
            id="shape-not-a-list",
        ),
        pytest.param(
            _body([_input([1, 2, 3], shape=[1.0, 3])]),
            FP32_MODEL,
            "'shape' must be a list of non-negative integers",
            id="shape-of-floats",
        ),
        pytest.param(
            _body([_input([], shape=(0, 3))]),
            FP32_MODEL,
            "batch of 0 rows; the server takes 1 to 4",
            id="empty-batch",
        ),
        pytest.param(
            _body([_input([0.0] * 15, shape=(5, 3))]),
            FP32_MODEL,
            "batch of 5 rows; the server takes 1 to 4",
            id="batch-above-maximum",
        ),
        pytest.param(
            _body([_input([1, 2])]), FP32_MODEL, "has 2 elements; shape [1, 3] needs 3", id="too-few-elements"
        ),
        pytest.param(
            _body([_input([1, 2, 3, 4])]),
            FP32_MODEL,
            "has 4 elements; shape [1, 3] needs 3",
            id="too-many-elements",
        ),
        pytest.param(
            _body([_input([[1, 2], [3]], shape=(1, 3))]),
            FP32_MODEL,
            "'data' is a ragged nested list",
            id="ragged-data",
        ),
        pytest.param(_body([_input({"a": 1})]), FP32_MODEL, "'data' must be a list", id="data-not-a-list"),
        pytest.param(
            _body([_input([1.0, "2.0", 3.0])]),
            FP32_MODEL,
            "input 'input' is FP32 but its data holds string values",
            id="string-in-fp32",
        ),
        pytest.param(
            _body([_input([1.0, True, 3.0])]),
            FP32_MODEL,
            "input 'input' is FP32 but its data holds boolean values",
            id="boolean-in-fp32",
        ),
        pytest.param(
            _body([_input([1.0, None, {}])]),
            FP32_MODEL,
            "input 'input' is FP32 but its data holds null, object values",
            id="null-and-object-in-fp32",
        ),
        pytest.param(
            _body([_input([1.0, 2.0, 1e39])]), FP32_MODEL, "value out of range for FP32", id="fp32-overflow"
        ),
        pytest.param(
            _body([_input([1, 2, 3]), _input([1, 2, 3])]),
            FP32_MODEL,
            "appears more than once",
            id="duplicate-input",
        ),
        pytest.param(
            _body([_input([1, 2, 3])], outputs=[{"name": "probabilities"}]),
            FP32_MODEL,
            "unknown output 'probabilities'; model 'mlp' has outputs ['output', 'logits']",
            id="unknown-output",
        ),
        pytest.param(
            _body([_input([1, 2, 3])], outputs="output"),
            FP32_MODEL,
            "'outputs' must be a list of {name} objects",
            id="outputs-not-a-list",
        ),
        pytest.param(
            _body([_input([1, 2, 3])], id=7), FP32_MODEL, "'id' must be a string", id="id-not-string"
        ),
        pytest.param(
            _pair([1, 2.5]), TWO_INPUT_MODEL, "is INT32 but its data holds number values", id="float-in-int32"
        ),
        pytest.param(_pair([1, 2**31]), TWO_INPUT_MODEL, "value out of range for INT32", id="int32-overflow"),
        # orjson reads an integer beyond 64 bits as a float: refused as a number where INT32 is declared.
        pytest.param(
            _pair([1, 2**70]),
            TWO_INPUT_MODEL,
            "is INT32 but its data holds number values",
            id="beyond-64-bits",
        ),
        pytest.param(
            _body([_input([[1.0, 2.0, False]])], parameters={"binary_data_output": False}),
            FP32_MODEL,
            "is FP32 but its data holds boolean values",
            id="nested-boolean-in-fp32",
        ),
        pytest.param(
            _pair([1, 2], mask=[1, 0]),
            TWO_INPUT_MODEL,
            "is BOOL but its data holds integer values",
            id="integer-in-bool",
        ),
        pytest.param(
            _body([{"name": "ids", "shape": [1, 2], "datatype": "INT32", "data": [1, 2]}]),
            TWO_INPUT_MODEL,
            "missing input(s) ['mask'] for model 'pair'",
            id="missing-input",
        ),
        pytest.param(
            _pair([1, 2, 3, 4], ids_shape=(2, 2)),
            TWO_INPUT_MODEL,
            "inputs disagree on the batch size (first dimension): [1, 2]",
            id="batch-disagreement",
        ),
    ],
)
def test_bad_input_is_refused_with_a_precise_400(body: bytes, model: ModelMetadata, message: str) -> None:
    # GIVEN a bad body / WHEN parsed
    parsed = parse_infer_request(body, model, MAX_BATCH)
    # THEN it is refused with 400 and a message that names the problem
    assert isinstance(parsed, RequestError), parsed
    assert parsed.status == 400
    assert message in parsed.message, parsed.message
