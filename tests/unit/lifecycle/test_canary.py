"""The canary request built from v2 model metadata, and the checks on the answers."""

from __future__ import annotations

from typing import Any

import pytest
from warmfleet.exceptions import VerificationError
from warmfleet.lifecycle.canary import canary_from_metadata, check_infer_response, model_name_from_listing


@pytest.mark.parametrize(
    ("inputs", "expected"),
    [
        pytest.param(
            [{"name": "input", "datatype": "FP32", "shape": [-1, 3]}],
            [{"name": "input", "datatype": "FP32", "shape": [1, 3], "data": [0.0, 0.0, 0.0]}],
            id="batch-dimension-becomes-1",
        ),
        pytest.param(
            [
                {"name": "ids", "datatype": "INT64", "shape": [-1, -1]},
                {"name": "mask", "datatype": "BOOL", "shape": [2]},
            ],
            [
                {"name": "ids", "datatype": "INT64", "shape": [1, 1], "data": [0]},
                {"name": "mask", "datatype": "BOOL", "shape": [2], "data": [False, False]},
            ],
            id="several-inputs-and-datatypes",
        ),
        pytest.param(
            [{"name": "text", "datatype": "BYTES", "shape": [-1]}],
            [{"name": "text", "datatype": "BYTES", "shape": [1], "data": [""]}],
            id="bytes",
        ),
    ],
)
def test_canary_from_metadata(inputs: list[dict[str, Any]], expected: list[dict[str, Any]]) -> None:
    assert canary_from_metadata({"name": "m", "inputs": inputs})["inputs"] == expected


@pytest.mark.parametrize(
    "metadata",
    [
        pytest.param({"name": "m"}, id="no-inputs"),
        pytest.param({"inputs": []}, id="empty-inputs"),
        pytest.param({"inputs": [{"name": "x", "datatype": "FP8", "shape": [1]}]}, id="unknown-datatype"),
        pytest.param({"inputs": [{"name": "x", "datatype": "FP32"}]}, id="no-shape"),
        pytest.param("not json", id="not-an-object"),
    ],
)
def test_unusable_metadata_is_a_verification_error(metadata: object) -> None:
    with pytest.raises(VerificationError):
        canary_from_metadata(metadata)


def test_infer_response_needs_outputs() -> None:
    assert check_infer_response({"outputs": [{"name": "output"}]}) == "outputs output"
    with pytest.raises(VerificationError, match="no outputs"):
        check_infer_response({"error": "bad"})


@pytest.mark.parametrize(
    ("listing", "name"),
    [
        pytest.param({"models": [{"name": "mlp"}]}, "mlp", id="objects"),
        pytest.param({"models": ["mlp"]}, "mlp", id="names"),
        pytest.param({"models": ["a", "b"]}, None, id="ambiguous"),
        pytest.param({"error": "not found"}, None, id="no-listing"),
    ],
)
def test_model_name_from_listing(listing: object, name: str | None) -> None:
    if name is None:
        with pytest.raises(VerificationError, match="MODEL_NAME"):
            model_name_from_listing(listing)
    else:
        assert model_name_from_listing(listing) == name
