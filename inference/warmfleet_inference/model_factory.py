"""Build the project's reference ONNX model: a deterministic multi-layer perceptron.

The embedded default model, the tests and the benchmark all serve this network, so it has to be real (ONNX
Runtime runs it like any exported model) yet reproducible without a model hub: the weights come from a seeded
NumPy generator and the graph is written with `onnx.helper`, so the same arguments give the same bytes. Its
default size makes a batch of 32 cost several milliseconds on a CPU core, heavy enough that dynamic
micro-batching pays. `write_model` also writes the sibling `PATH.sha256` the server verifies on load.

Example
-------
>>> spec = ModelSpec(input_dim=8, hidden_dim=16, layers=2, output_dim=4)
>>> digest = write_model(Path("/tmp/mlp.onnx"), spec)  # doctest: +SKIP
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

INPUT_NAME = "input"
OUTPUT_NAME = "output"
# Opset 17 and IR 8 load on every ONNX Runtime since 1.13, so an instance with an older onnxruntime-gpu
# still runs the model the development machine built.
_OPSET = 17
_IR_VERSION = 8


@dataclass(frozen=True)
class ModelSpec:
    """The shape of the perceptron: `input` FP32 [-1, input_dim] -> `output` FP32 [-1, output_dim]."""

    input_dim: int = 256
    hidden_dim: int = 1536
    layers: int = 4
    output_dim: int = 16
    seed: int = 7

    def __post_init__(self) -> None:
        for name in ("input_dim", "hidden_dim", "layers", "output_dim"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be at least 1, got {getattr(self, name)}")


def build_model(spec: ModelSpec) -> onnx.ModelProto:
    """Return the perceptron as an ONNX model: `layers` hidden MatMul+Add+Relu blocks, then a linear head."""
    rng = np.random.default_rng(spec.seed)
    nodes: list[onnx.NodeProto] = []
    initializers: list[onnx.TensorProto] = []
    previous, fan_in = INPUT_NAME, spec.input_dim
    widths = [spec.hidden_dim] * spec.layers + [spec.output_dim]
    for index, width in enumerate(widths):
        # He initialisation keeps activations in a sane range through the ReLU stack.
        weight = (rng.standard_normal((fan_in, width)) * np.sqrt(2.0 / fan_in)).astype(np.float32)
        bias = (rng.standard_normal(width) * 0.01).astype(np.float32)
        initializers += [
            numpy_helper.from_array(weight, name=f"w{index}"),
            numpy_helper.from_array(bias, name=f"b{index}"),
        ]
        is_head = index == len(widths) - 1
        product, summed = f"matmul{index}", OUTPUT_NAME if is_head else f"add{index}"
        nodes.append(helper.make_node("MatMul", [previous, f"w{index}"], [product]))
        nodes.append(helper.make_node("Add", [product, f"b{index}"], [summed]))
        if not is_head:
            nodes.append(helper.make_node("Relu", [summed], [f"relu{index}"]))
            summed = f"relu{index}"
        previous, fan_in = summed, width
    graph = helper.make_graph(
        nodes,
        "warmfleet_mlp",
        [helper.make_tensor_value_info(INPUT_NAME, TensorProto.FLOAT, ["batch", spec.input_dim])],
        [helper.make_tensor_value_info(OUTPUT_NAME, TensorProto.FLOAT, ["batch", spec.output_dim])],
        initializers,
    )
    model = helper.make_model(
        graph,
        producer_name="warmfleet",
        opset_imports=[helper.make_opsetid("", _OPSET)],
    )
    model.ir_version = _IR_VERSION
    onnx.checker.check_model(model)
    return model


def write_model(path: Path, spec: ModelSpec) -> str:
    """Write the model to `path` and its checksum to `path.sha256` (sha256sum format); return the digest."""
    payload = build_model(spec).SerializeToString(deterministic=True)
    digest = hashlib.sha256(payload).hexdigest()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(payload)
    Path(f"{path}.sha256").write_text(f"{digest}  {path.name}\n", encoding="utf-8")
    return digest
