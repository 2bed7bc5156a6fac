"""Load an ONNX model into ONNX Runtime and describe it in Open Inference Protocol terms.

Providers are chosen, and the session's checked against the GPUs NVML sees, by `providers.py`. The
metadata maps ONNX element types to the protocol's datatypes
(https://kserve.github.io/website/latest/modelserving/data_plane/v2_protocol/#tensor-data-types) and every
non-numeric dimension to -1. warmfleet batches along dimension 0, so a model whose inputs or outputs do not
have a dynamic first dimension is refused at load.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import onnxruntime as ort

from warmfleet_inference.agent.gpu import count_gpus
from warmfleet_inference.exceptions import UnservableModelError
from warmfleet_inference.server.providers import (
    intra_op_threads,
    judge_providers,
    preload_cuda_libraries,
    select_providers,
)

LOGGER = logging.getLogger(__name__)
PLATFORM = "onnxruntime_onnx"

# ONNX element type -> (protocol datatype, NumPy dtype).
ONNX_TYPES: dict[str, tuple[str, np.dtype[Any]]] = {
    "tensor(float)": ("FP32", np.dtype(np.float32)),
    "tensor(double)": ("FP64", np.dtype(np.float64)),
    "tensor(float16)": ("FP16", np.dtype(np.float16)),
    "tensor(int8)": ("INT8", np.dtype(np.int8)),
    "tensor(int16)": ("INT16", np.dtype(np.int16)),
    "tensor(int32)": ("INT32", np.dtype(np.int32)),
    "tensor(int64)": ("INT64", np.dtype(np.int64)),
    "tensor(uint8)": ("UINT8", np.dtype(np.uint8)),
    "tensor(uint16)": ("UINT16", np.dtype(np.uint16)),
    "tensor(uint32)": ("UINT32", np.dtype(np.uint32)),
    "tensor(uint64)": ("UINT64", np.dtype(np.uint64)),
    "tensor(bool)": ("BOOL", np.dtype(np.bool_)),
    "tensor(string)": ("BYTES", np.dtype(np.object_)),
}


@dataclass(frozen=True)
class TensorSpec:
    """One input or output: its name, protocol datatype, NumPy dtype and shape (-1 where dynamic)."""

    name: str
    datatype: str
    dtype: np.dtype[Any]
    shape: tuple[int, ...]

    def as_json(self) -> dict[str, Any]:
        return {"name": self.name, "datatype": self.datatype, "shape": list(self.shape)}


@dataclass(frozen=True)
class ModelMetadata:
    """What `GET /v2/models/{name}` returns, and what request validation checks against."""

    name: str
    inputs: tuple[TensorSpec, ...]
    outputs: tuple[TensorSpec, ...]
    platform: str = PLATFORM

    def as_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "versions": [],
            "platform": self.platform,
            "inputs": [spec.as_json() for spec in self.inputs],
            "outputs": [spec.as_json() for spec in self.outputs],
        }


def _tensor_spec(node: Any) -> TensorSpec:
    if node.type not in ONNX_TYPES:
        raise UnservableModelError(
            f"tensor {node.name!r} has element type {node.type}, which warmfleet cannot serve"
        )
    datatype, dtype = ONNX_TYPES[node.type]
    shape = tuple(dim if isinstance(dim, int) and dim >= 0 else -1 for dim in node.shape)
    if not shape or shape[0] != -1:
        raise UnservableModelError(
            f"tensor {node.name!r} has shape {list(shape)}; warmfleet batches along a dynamic first dimension"
        )
    return TensorSpec(name=node.name, datatype=datatype, dtype=dtype, shape=shape)


def session_options(requested: list[str], configured_threads: int = 0) -> ort.SessionOptions:
    """The server's session options (the benchmark's raw baseline uses them too)."""
    options = ort.SessionOptions()
    # Spinning intra-op threads burn the cores between batches that the HTTP event loop needs; measured
    # here it cost the server more CPU per request than it saved in wake-up latency.
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    options.intra_op_num_threads = intra_op_threads(
        requested, len(os.sched_getaffinity(0)), configured_threads
    )
    return options


class LoadedModel:
    """An ONNX Runtime session and its metadata; `run` is called from one worker thread at a time."""

    def __init__(self, path: Path, name: str, intra_op_threads: int = 0) -> None:
        requested = select_providers(ort.get_available_providers())
        options = session_options(requested, intra_op_threads)
        LOGGER.info(
            "loading %s with providers %s, %s intra-op thread(s) (onnxruntime %s)",
            path,
            requested,
            options.intra_op_num_threads or "ONNX Runtime's default",
            ort.__version__,
        )
        if preload_cuda_libraries(ort, requested):
            LOGGER.info("loaded the CUDA and cuDNN libraries with onnxruntime.preload_dlls()")
        self._session = ort.InferenceSession(str(path), sess_options=options, providers=requested)
        self.providers: list[str] = list(self._session.get_providers())
        self.provider_judgement = judge_providers(requested, self.providers, count_gpus())
        LOGGER.log(self.provider_judgement.level, "model %r: %s", name, self.provider_judgement.message)
        self.metadata = ModelMetadata(
            name=name,
            inputs=tuple(_tensor_spec(node) for node in self._session.get_inputs()),
            outputs=tuple(_tensor_spec(node) for node in self._session.get_outputs()),
        )
        self._output_names = [spec.name for spec in self.metadata.outputs]

    def run(self, inputs: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        """Run one batch; returns every output by name."""
        values = self._session.run(self._output_names, inputs)
        return dict(zip(self._output_names, values, strict=True))

    def sample_inputs(self, batch_size: int) -> dict[str, np.ndarray]:
        """Deterministic inputs of `batch_size` rows (dynamic inner dimensions as 1), for warm-up."""
        rng = np.random.default_rng(0)
        sample: dict[str, np.ndarray] = {}
        for spec in self.metadata.inputs:
            shape = (batch_size, *(dim if dim > 0 else 1 for dim in spec.shape[1:]))
            if spec.dtype == np.object_:
                sample[spec.name] = np.full(shape, "warmup", dtype=np.object_)
            else:
                sample[spec.name] = rng.random(shape).astype(spec.dtype)
        return sample


class WarmupTarget(Protocol):
    """What warm-up needs of a model: sample inputs and a run."""

    def run(self, inputs: dict[str, np.ndarray]) -> dict[str, np.ndarray]: ...

    def sample_inputs(self, batch_size: int) -> dict[str, np.ndarray]: ...


def warm_up(
    model: WarmupTarget,
    batch_sizes: tuple[int, ...],
    iterations: int,
    should_stop: Callable[[], bool] = lambda: False,
) -> int:
    """Run `iterations` inferences at each batch size before the server reports ready; return how many ran.

    `should_stop` is asked before each inference, so a drain during warm-up ends it within one inference.
    """
    runs = 0
    for batch_size in batch_sizes:
        sample = model.sample_inputs(batch_size)
        for _ in range(iterations):
            if should_stop():
                return runs
            model.run(sample)
            runs += 1
    return runs
