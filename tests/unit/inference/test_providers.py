"""Execution providers: CUDA chosen when offered, its libraries preloaded first, the session's checked.

No GPU here: onnxruntime's provider list, `preload_dlls` and the NVML device count are monkeypatched, and
the real (CPU-only) onnxruntime then does what onnxruntime-gpu does when CUDA cannot load: it creates the
session on CPU, which the server must report loudly on a GPU instance.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import onnxruntime as ort
import pytest
from warmfleet_inference.model_factory import ModelSpec, write_model
from warmfleet_inference.server import model as model_module
from warmfleet_inference.server.model import LoadedModel
from warmfleet_inference.server.providers import (
    CPU_PROVIDER,
    CUDA_PROVIDER,
    ProviderOutcome,
    intra_op_threads,
    judge_providers,
    preload_cuda_libraries,
)

GPU_BUILD = ["TensorrtExecutionProvider", CUDA_PROVIDER, CPU_PROVIDER]
BOTH, CPU = [CUDA_PROVIDER, CPU_PROVIDER], [CPU_PROVIDER]


@pytest.mark.parametrize(
    ("requested", "actual", "gpus", "outcome", "level"),
    [
        pytest.param(
            [CUDA_PROVIDER, CPU_PROVIDER],
            [CUDA_PROVIDER, CPU_PROVIDER],
            1,
            ProviderOutcome.CUDA,
            logging.INFO,
            id="gpu-and-cuda",
        ),
        pytest.param(
            [CPU_PROVIDER], [CPU_PROVIDER], 0, ProviderOutcome.CPU_NO_GPU, logging.INFO, id="cpu-box"
        ),
        pytest.param(
            [CUDA_PROVIDER, CPU_PROVIDER],
            [CPU_PROVIDER],
            0,
            ProviderOutcome.CPU_NO_GPU,
            logging.INFO,
            id="gpu-build-without-gpu",
        ),
        pytest.param(
            [CPU_PROVIDER],
            [CPU_PROVIDER],
            2,
            ProviderOutcome.CPU_NO_CUDA_BUILD,
            logging.ERROR,
            id="gpu-but-cpu-onnxruntime",
        ),
        pytest.param(
            [CUDA_PROVIDER, CPU_PROVIDER],
            [CPU_PROVIDER],
            1,
            ProviderOutcome.CPU_CUDA_FAILED,
            logging.ERROR,
            id="gpu-but-cuda-fell-back",
        ),
    ],
)
def test_the_session_is_judged_against_the_gpus_nvml_sees(
    requested: list[str], actual: list[str], gpus: int, outcome: ProviderOutcome, level: int
) -> None:
    # GIVEN what was requested, what the session runs on and how many GPUs NVML sees / WHEN judged
    judgement = judge_providers(requested, actual, gpus)
    # THEN a GPU instance on CPU is an error naming the cause; anything else is information
    assert (judgement.outcome, judgement.level) == (outcome, level)


class FakeOrt:
    """The `onnxruntime` module as far as preloading goes, recording calls."""

    def __init__(self, preload_error: Exception | None = None) -> None:
        self.calls = 0
        self._error = preload_error

    def preload_dlls(self) -> None:
        self.calls += 1
        if self._error is not None:
            raise self._error


@pytest.mark.parametrize(
    ("requested", "fake", "preloaded", "calls"),
    [
        pytest.param([CUDA_PROVIDER, CPU_PROVIDER], FakeOrt(), True, 1, id="cuda-preloads"),
        pytest.param([CPU_PROVIDER], FakeOrt(), False, 0, id="cpu-does-not"),
        pytest.param([CUDA_PROVIDER, CPU_PROVIDER], FakeOrt(OSError("libcudnn.so.9")), False, 1, id="fails"),
        pytest.param([CUDA_PROVIDER, CPU_PROVIDER], object(), False, 0, id="old-onnxruntime-without-it"),
    ],
)
def test_cuda_libraries_are_preloaded_only_for_cuda_and_only_where_onnxruntime_can(
    requested: list[str], fake: Any, preloaded: bool, calls: int
) -> None:
    # GIVEN / WHEN preloading for these providers / THEN it ran when it could; a failure is not fatal
    assert preload_cuda_libraries(fake, requested) is preloaded
    assert getattr(fake, "calls", 0) == calls


# The CPU-only onnxruntime warns that it lacks the CUDA provider it was asked for: that is the point here.
@pytest.mark.filterwarnings("ignore:Specified provider 'CUDAExecutionProvider':UserWarning")
def test_a_gpu_instance_whose_cuda_session_falls_back_to_cpu_says_so_loudly(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    # GIVEN onnxruntime-gpu's provider list, its preload_dlls, and NVML seeing one GPU
    order: list[str] = []
    real_session = ort.InferenceSession

    def session(*args: Any, **kwargs: Any) -> Any:
        order.append(f"session {kwargs['providers']}")
        return real_session(*args, **kwargs)

    monkeypatch.setattr(ort, "get_available_providers", lambda: GPU_BUILD)
    monkeypatch.setattr(ort, "preload_dlls", lambda: order.append("preload_dlls"), raising=False)
    monkeypatch.setattr(ort, "InferenceSession", session)
    monkeypatch.setattr(model_module, "count_gpus", lambda: 1)
    write_model(tmp_path / "mlp.onnx", ModelSpec(input_dim=8, hidden_dim=16, layers=2, output_dim=4))
    # WHEN the model loads (this onnxruntime has no CUDA, so the session lands on CPU, as when CUDA fails)
    with caplog.at_level(logging.INFO, logger="warmfleet_inference.server.model"):
        model = LoadedModel(tmp_path / "mlp.onnx", "mlp")
    # THEN the CUDA libraries were preloaded before the CUDA session was asked for
    assert order == ["preload_dlls", f"session {[CUDA_PROVIDER, CPU_PROVIDER]}"]
    # AND the providers in use are known, and the fallback is logged as an error naming the cause
    assert model.providers == [CPU_PROVIDER]
    assert model.provider_judgement.outcome is ProviderOutcome.CPU_CUDA_FAILED
    errors = [record.getMessage() for record in caplog.records if record.levelno == logging.ERROR]
    assert any(
        "NVML sees 1 GPU(s)" in message and "CUDA or cuDNN did not load" in message for message in errors
    )


@pytest.mark.parametrize(
    ("requested", "cpus", "configured", "threads"),
    [
        pytest.param(CPU, 2, 0, 1, id="2-cpus-leave-one-to-http"),
        pytest.param(CPU, 4, 0, 3, id="4-cpus"),
        pytest.param(CPU, 1, 0, 1, id="1-cpu-still-one-thread"),
        pytest.param(CPU, 16, 0, 0, id="large-machine-onnxruntime-default"),
        pytest.param(BOTH, 2, 0, 0, id="cuda-onnxruntime-default"),
        pytest.param(CPU, 2, 2, 2, id="configured-wins"),
    ],
)
def test_intra_op_threads_leave_a_core_to_the_http_path_on_small_cpu_machines(
    requested: list[str], cpus: int, configured: int, threads: int
) -> None:
    # GIVEN the providers, the CPUs and --intra-op-threads / WHEN sized / THEN (0: ONNX Runtime's default)
    assert intra_op_threads(requested, cpus, configured) == threads
