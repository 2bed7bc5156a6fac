"""The reference model and its ONNX Runtime wrapper: deterministic bytes, protocol metadata, providers."""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper
from warmfleet_inference.exceptions import UnservableModelError
from warmfleet_inference.model_factory import ModelSpec, build_model, write_model
from warmfleet_inference.server.model import LoadedModel, warm_up
from warmfleet_inference.server.providers import select_providers

SMALL = ModelSpec(input_dim=8, hidden_dim=16, layers=2, output_dim=4)


def test_the_same_spec_gives_the_same_bytes_and_checksum(tmp_path: Path) -> None:
    # GIVEN the same spec written twice, and another seed
    first = write_model(tmp_path / "a.onnx", SMALL)
    second = write_model(tmp_path / "b.onnx", SMALL)
    other = write_model(tmp_path / "c.onnx", ModelSpec(8, 16, 2, 4, seed=8))
    # THEN the bytes are identical, the sibling checksum is their sha256, and another seed differs
    assert (tmp_path / "a.onnx").read_bytes() == (tmp_path / "b.onnx").read_bytes()
    assert first == second == hashlib.sha256((tmp_path / "a.onnx").read_bytes()).hexdigest()
    assert (tmp_path / "a.onnx.sha256").read_text() == f"{first}  a.onnx\n"
    assert other != first


def test_the_default_model_is_a_valid_multi_layer_network() -> None:
    # GIVEN the default spec / WHEN built
    model = build_model(ModelSpec())
    # THEN it passes the ONNX checker and has the documented interface and depth
    onnx.checker.check_model(model)
    assert [node.op_type for node in model.graph.node].count("MatMul") == ModelSpec().layers + 1
    assert model.graph.input[0].name == "input" and model.graph.output[0].name == "output"


@pytest.mark.parametrize("field", ["input_dim", "hidden_dim", "layers", "output_dim"])
def test_a_spec_with_a_zero_size_is_refused(field: str) -> None:
    with pytest.raises(ValueError, match=f"{field} must be at least 1"):
        ModelSpec(**{field: 0})


def test_a_loaded_model_describes_itself_in_protocol_terms_and_runs(tmp_path: Path) -> None:
    # GIVEN the small reference model loaded
    write_model(tmp_path / "mlp.onnx", SMALL)
    model = LoadedModel(tmp_path / "mlp.onnx", "mlp")
    # THEN its metadata is the protocol's, with -1 for the batch dimension, and it runs on CPU here
    assert model.metadata.as_json() == {
        "name": "mlp",
        "versions": [],
        "platform": "onnxruntime_onnx",
        "inputs": [{"name": "input", "datatype": "FP32", "shape": [-1, 8]}],
        "outputs": [{"name": "output", "datatype": "FP32", "shape": [-1, 4]}],
    }
    assert model.providers[0] == "CPUExecutionProvider"
    outputs = model.run({"input": np.ones((3, 8), dtype=np.float32)})
    assert outputs["output"].shape == (3, 4)


def test_a_model_without_a_dynamic_batch_dimension_is_refused(tmp_path: Path) -> None:
    # GIVEN a model whose input has a fixed first dimension
    graph = helper.make_graph(
        [helper.make_node("Relu", ["x"], ["y"])],
        "fixed",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [4, 2])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [4, 2])],
    )
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]), tmp_path / "fixed.onnx")
    # WHEN loaded / THEN it is refused, saying why
    refusal = "'x' has shape \\[4, 2\\]; warmfleet batches along a dynamic first"
    with pytest.raises(UnservableModelError, match=refusal):
        LoadedModel(tmp_path / "fixed.onnx", "fixed")


@pytest.mark.parametrize(
    ("available", "chosen"),
    [
        pytest.param(["CPUExecutionProvider"], ["CPUExecutionProvider"], id="cpu-only"),
        pytest.param(
            ["TensorrtExecutionProvider", "CUDAExecutionProvider", "CPUExecutionProvider"],
            ["CUDAExecutionProvider", "CPUExecutionProvider"],
            id="gpu-build",
        ),
        pytest.param(
            ["AzureExecutionProvider", "CPUExecutionProvider"], ["CPUExecutionProvider"], id="azure"
        ),
    ],
)
def test_cuda_is_chosen_when_onnxruntime_offers_it(available: list[str], chosen: list[str]) -> None:
    assert select_providers(available) == chosen


class CountingModel:
    def __init__(self) -> None:
        self.rows: list[int] = []

    def run(self, inputs: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        self.rows.append(inputs["input"].shape[0])
        return {}

    def sample_inputs(self, batch_size: int) -> dict[str, np.ndarray]:
        return {"input": np.zeros((batch_size, 2), dtype=np.float32)}


def test_warm_up_runs_n_inferences_at_each_batch_size() -> None:
    # GIVEN a model counting its runs / WHEN warmed with 3 iterations at 1, 8 and 32
    model = CountingModel()
    runs = warm_up(model, (1, 8, 32), iterations=3)
    # THEN it ran 3 times at each size, in order
    assert runs == 9 and model.rows == [1, 1, 1, 8, 8, 8, 32, 32, 32]


def test_warm_up_stops_before_the_next_inference_once_asked() -> None:
    # GIVEN a warm-up asked to stop after its fourth inference
    model = CountingModel()
    runs = warm_up(model, (1, 8), iterations=3, should_stop=lambda: len(model.rows) >= 4)
    # THEN it ran exactly four and returned
    assert runs == 4 and model.rows == [1, 1, 1, 8]
