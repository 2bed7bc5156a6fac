"""Build the canary inference from a model's metadata (Open Inference Protocol v2), and check its answer.

The canary is one request of batch size 1: every dimension given as -1 (the batch, or any other dynamic one)
becomes 1, and every element is the zero of its datatype, so the request is deterministic and valid for any
model whose metadata the server publishes. Pure functions; the verifier sends the request. Protocol:
https://kserve.github.io/website/latest/modelserving/data_plane/v2_protocol/
"""

from __future__ import annotations

import math
from typing import Any

from warmfleet.exceptions import VerificationError

_ZERO_BY_DATATYPE: dict[str, Any] = {
    "BOOL": False,
    "BYTES": "",
    **{name: 0 for name in ("INT8", "INT16", "INT32", "INT64", "UINT8", "UINT16", "UINT32", "UINT64")},
    **{name: 0.0 for name in ("FP16", "FP32", "FP64", "BF16")},
}


def canary_from_metadata(metadata: object) -> dict[str, Any]:
    """The infer request body for `GET /v2/models/{name}`'s answer; raises `VerificationError` if unusable."""
    if (
        not isinstance(metadata, dict)
        or not isinstance(metadata.get("inputs"), list)
        or not metadata["inputs"]
    ):
        raise VerificationError("model metadata has no inputs to build a canary from")
    inputs: list[dict[str, Any]] = []
    for tensor in metadata["inputs"]:
        try:
            name, datatype, shape = str(tensor["name"]), str(tensor["datatype"]), list(tensor["shape"])
            dims = [1 if int(dim) < 0 else int(dim) for dim in shape]
        except (KeyError, TypeError, ValueError) as error:
            raise VerificationError(f"model metadata input {tensor!r} is malformed: {error}") from None
        if datatype not in _ZERO_BY_DATATYPE:
            raise VerificationError(f"input {name!r} has datatype {datatype!r}, which has no canary value")
        inputs.append(
            {
                "name": name,
                "datatype": datatype,
                "shape": dims,
                "data": [_ZERO_BY_DATATYPE[datatype]] * math.prod(dims),
            }
        )
    return {"id": "warmfleet-canary", "inputs": inputs}


def check_infer_response(body: object) -> str:
    """A short description of a valid infer response; raises `VerificationError` when it is not one."""
    if not isinstance(body, dict) or not isinstance(body.get("outputs"), list) or not body["outputs"]:
        raise VerificationError(f"infer response has no outputs: {str(body)[:200]}")
    names = [str(output.get("name", "?")) for output in body["outputs"] if isinstance(output, dict)]
    return f"outputs {', '.join(names)}"


def model_name_from_listing(listing: object) -> str:
    """The one model a server lists (`{"models": [{"name": ...}]}` or `{"models": ["name"]}`)."""
    models = listing.get("models") if isinstance(listing, dict) else None
    if not isinstance(models, list) or len(models) != 1:
        raise VerificationError("MODEL_NAME is not set and the server does not list exactly one model")
    only = models[0]
    name = only.get("name") if isinstance(only, dict) else only
    if not isinstance(name, str) or not name:
        raise VerificationError(f"the server's model listing is malformed: {str(listing)[:200]}")
    return name
