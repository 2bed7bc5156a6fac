"""Turn the body of `POST /v2/models/{name}/infer` into arrays the model accepts, or say precisely why not.

Pure: bytes and the model's metadata in, an `InferRequest` or a `RequestError` out — nothing here touches the
model, so bad input never reaches it. The request format is the Open Inference Protocol's JSON
(https://kserve.github.io/website/latest/modelserving/data_plane/v2_protocol/#inference-request-json-object):
`inputs` of `{name, shape, datatype, data}` with `data` flat or nested in row-major order, and an optional
`outputs` list naming the outputs wanted. The JSON must be strict (no NaN or Infinity), every element must
have the JSON type its datatype implies (a string or a boolean where FP32 is declared is refused, not
coerced), and every value must fit the declared type.

Speed matters here as much as strictness: a batch of 32 rows of 256 floats is 8,192 numbers, so the body is
parsed with orjson (several times faster than the standard library), NumPy infers the element kind in C,
and the per-element type scan runs only when NumPy's answer could hide something — a body holding no
`true`/`false` literal cannot hold a boolean among numbers.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

import numpy as np
import orjson

from warmfleet_inference.server.model import ModelMetadata, TensorSpec

_JSON_TYPES_BY_FAMILY: dict[str, frozenset[type]] = {
    "FP": frozenset({int, float}),
    "INT": frozenset({int}),
    "UINT": frozenset({int}),
    "BOOL": frozenset({bool}),
    "BYTES": frozenset({str}),
}
_JSON_TYPE_NAMES: dict[type, str] = {
    int: "integer",
    float: "number",
    bool: "boolean",
    str: "string",
    dict: "object",
    list: "array",
    type(None): "null",
}


@dataclass(frozen=True)
class RequestError:
    """A refused request: the HTTP status to answer and a message that says what is wrong."""

    status: int
    message: str


@dataclass(frozen=True)
class InferRequest:
    """A valid request: one array per model input (all with `rows` rows) and the outputs to return."""

    request_id: str | None
    inputs: dict[str, np.ndarray]
    rows: int
    outputs: tuple[str, ...]


def parse_infer_request(
    body: bytes, metadata: ModelMetadata, max_batch_size: int
) -> InferRequest | RequestError:
    """Validate `body` against `metadata`; batches larger than `max_batch_size` rows are refused."""
    document = _decode(body)
    may_hold_booleans = b"true" in body or b"false" in body
    if isinstance(document, RequestError):
        return document
    if not isinstance(document, dict):
        return RequestError(400, "the request body must be a JSON object with an 'inputs' list")
    request_id = document.get("id")
    if request_id is not None and not isinstance(request_id, str):
        return RequestError(400, "'id' must be a string")
    outputs = _requested_outputs(document.get("outputs"), metadata)
    if isinstance(outputs, RequestError):
        return outputs
    entries = document.get("inputs")
    if not isinstance(entries, list) or not entries:
        return RequestError(400, "'inputs' must be a non-empty list of {name, shape, datatype, data} objects")
    specs = {spec.name: spec for spec in metadata.inputs}
    arrays: dict[str, np.ndarray] = {}
    for position, entry in enumerate(entries):
        array = _input_array(
            position, entry, specs, metadata.name, max_batch_size, may_hold_booleans=may_hold_booleans
        )
        if isinstance(array, RequestError):
            return array
        name = entry["name"]
        if name in arrays:
            return RequestError(400, f"input {name!r} appears more than once")
        arrays[name] = array
    missing = [name for name in specs if name not in arrays]
    if missing:
        return RequestError(400, f"missing input(s) {missing} for model {metadata.name!r}")
    rows = {array.shape[0] for array in arrays.values()}
    if len(rows) > 1:
        return RequestError(400, f"inputs disagree on the batch size (first dimension): {sorted(rows)}")
    return InferRequest(request_id=request_id, inputs=arrays, rows=rows.pop(), outputs=outputs)


def _decode(body: bytes) -> Any:
    """Strict JSON (orjson refuses NaN, Infinity, invalid UTF-8 and over-deep nesting)."""
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError as error:
        return RequestError(400, f"malformed JSON: {error.msg} at line {error.lineno} column {error.colno}")


def _requested_outputs(value: Any, metadata: ModelMetadata) -> tuple[str, ...] | RequestError:
    known = [spec.name for spec in metadata.outputs]
    if value is None:
        return tuple(known)
    if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
        return RequestError(400, "'outputs' must be a list of {name} objects")
    names = tuple(item.get("name") for item in value)
    for name in names:
        if not isinstance(name, str) or name not in known:
            return RequestError(400, f"unknown output {name!r}; model {metadata.name!r} has outputs {known}")
    return names


def _input_array(
    position: int,
    entry: Any,
    specs: dict[str, TensorSpec],
    model_name: str,
    max_batch_size: int,
    *,
    may_hold_booleans: bool,
) -> np.ndarray | RequestError:
    if not isinstance(entry, dict):
        return RequestError(400, f"inputs[{position}] must be an object with name, shape, datatype, data")
    name, shape, datatype, data = (entry.get(key) for key in ("name", "shape", "datatype", "data"))
    if not isinstance(name, str):
        return RequestError(400, f"inputs[{position}] has no 'name' string")
    if name not in specs:
        return RequestError(400, f"unknown input {name!r}; model {model_name!r} expects inputs {list(specs)}")
    spec = specs[name]
    if datatype != spec.datatype:
        return RequestError(400, f"input {name!r} has datatype {datatype!r}; the model wants {spec.datatype}")
    if not isinstance(shape, list) or not all(type(dim) is int and dim >= 0 for dim in shape):
        return RequestError(400, f"input {name!r}: 'shape' must be a list of non-negative integers")
    shape_error = _check_shape(name, shape, spec, max_batch_size)
    if shape_error is not None:
        return shape_error
    if not isinstance(data, list):
        return RequestError(400, f"input {name!r}: 'data' must be a list (flat or nested, row-major)")
    return _to_array(name, data, shape, spec, may_hold_booleans)


def _check_shape(name: str, shape: list[int], spec: TensorSpec, max_batch_size: int) -> RequestError | None:
    declared = list(spec.shape)
    fits = len(shape) == len(declared) and all(
        want in (-1, got) for got, want in zip(shape, declared, strict=True)
    )
    if not fits:
        return RequestError(400, f"input {name!r} has shape {shape}; the model expects {declared}")
    if not 1 <= shape[0] <= max_batch_size:
        return RequestError(
            400, f"input {name!r} has a batch of {shape[0]} rows; the server takes 1 to {max_batch_size}"
        )
    return None


def _to_array(
    name: str, data: list[Any], shape: list[int], spec: TensorSpec, may_hold_booleans: bool
) -> np.ndarray | RequestError:
    try:
        raw = np.asarray(data, dtype=np.object_ if spec.datatype == "BYTES" else None)
    except ValueError:
        return RequestError(400, f"input {name!r}: 'data' is a ragged nested list")
    needed = int(np.prod(shape))
    if raw.size != needed:
        return RequestError(400, f"input {name!r} has {raw.size} elements; shape {shape} needs {needed}")
    if raw.dtype.kind in "fiu" and not may_hold_booleans:
        # Only ints, floats and booleans make a numeric array, and there is no boolean in the body.
        found: set[type] = {float} if raw.dtype.kind == "f" else {int}
    else:
        flat: Any = data
        for _ in range(max(raw.ndim - 1, 0)):
            flat = itertools.chain.from_iterable(flat)
        found = set(map(type, flat))
    family = spec.datatype.rstrip("0123456789")
    foreign = found - _JSON_TYPES_BY_FAMILY[family]
    if foreign:
        kinds = sorted(_JSON_TYPE_NAMES.get(kind, kind.__name__) for kind in foreign)
        holds = ", ".join(kinds)
        return RequestError(400, f"input {name!r} is {spec.datatype} but its data holds {holds} values")
    return _cast(name, raw, spec, shape)


def _cast(name: str, raw: np.ndarray, spec: TensorSpec, shape: list[int]) -> np.ndarray | RequestError:
    out_of_range = RequestError(400, f"input {name!r} holds a value out of range for {spec.datatype}")
    if spec.dtype.kind == "f":
        with np.errstate(over="ignore"):
            array = raw.astype(spec.dtype)
        if not np.isfinite(array).all():
            return out_of_range
    elif spec.dtype.kind in "iu":
        if raw.dtype.kind not in "iu":  # integers beyond 64 bits stay Python objects
            return out_of_range
        info = np.iinfo(spec.dtype)
        if raw.size and (raw.min() < info.min or raw.max() > info.max):
            return out_of_range
        array = raw.astype(spec.dtype)
    else:
        array = raw.astype(spec.dtype)
    return array.reshape(shape)
