"""Which ONNX Runtime execution providers the server asks for, and whether the session really got them.

`CUDAExecutionProvider` comes first whenever the installed onnxruntime offers it (onnxruntime-gpu), with the
CPU provider behind it as ONNX Runtime's own fallback. That fallback is silent: when the CUDA or cuDNN
libraries cannot be loaded, the session is created on CPU and only ONNX Runtime's log says why. So, before a
CUDA session, `preload_cuda_libraries` calls `onnxruntime.preload_dlls()` where it exists (onnxruntime-gpu
>= 1.21 installed from pip with the `[cuda,cudnn]` extras keeps those libraries in the nvidia-* wheels,
which the dynamic loader does not search;
https://onnxruntime.ai/docs/execution-providers/CUDA-ExecutionProvider.html#preload-dlls), and afterwards
`judge_providers` compares what the session runs on with whether NVML sees a GPU: a GPU instance whose model
runs on CPU is logged as an error, with the likely cause.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from enum import StrEnum
from types import ModuleType

LOGGER = logging.getLogger(__name__)
CUDA_PROVIDER = "CUDAExecutionProvider"
CPU_PROVIDER = "CPUExecutionProvider"
# On the CPU provider the model's intra-op threads and the HTTP event loop share the cores. On a small
# machine leaving one core to the event loop cut the server's CPU per row by about a fifth at batch 32 (3 of
# 3 A/B runs of bench/bench_server.py on 2 CPUs); larger machines keep ONNX Runtime's default (one thread
# per physical core), which was not measured against it.
SMALL_MACHINE_CPUS = 4


class ProviderOutcome(StrEnum):
    """How the session's providers compare with the hardware."""

    CUDA = "cuda"  # runs on the GPU
    CPU_NO_GPU = "cpu-no-gpu"  # no GPU here: CPU is right
    CPU_NO_CUDA_BUILD = "cpu-no-cuda-build"  # a GPU, but onnxruntime (not onnxruntime-gpu) is installed
    CPU_CUDA_FAILED = "cpu-cuda-failed"  # a GPU and onnxruntime-gpu, but CUDA did not initialise


@dataclass(frozen=True)
class ProviderJudgement:
    outcome: ProviderOutcome
    message: str

    @property
    def level(self) -> int:
        """ERROR for a GPU instance serving on CPU: it works, at a fraction of the throughput paid for."""
        degraded = {ProviderOutcome.CPU_NO_CUDA_BUILD, ProviderOutcome.CPU_CUDA_FAILED}
        return logging.ERROR if self.outcome in degraded else logging.INFO


def select_providers(available: list[str]) -> list[str]:
    """CUDA first when onnxruntime offers it (CPU stays as ONNX Runtime's fallback), else CPU alone."""
    if CUDA_PROVIDER in available:
        return [CUDA_PROVIDER, CPU_PROVIDER]
    return [CPU_PROVIDER]


def intra_op_threads(requested: list[str], cpus: int, configured: int = 0) -> int:
    """The session's intra-op thread count (0: ONNX Runtime's default).

    `configured` (> 0) wins; else on the CPU provider of a machine with at most `SMALL_MACHINE_CPUS` CPUs,
    one fewer than its CPUs (at least 1), so the event loop keeps a core; else ONNX Runtime's default.
    """
    if configured > 0:
        return configured
    if requested[0] == CPU_PROVIDER and cpus <= SMALL_MACHINE_CPUS:
        return max(1, cpus - 1)
    return 0


def preload_cuda_libraries(ort: ModuleType, requested: list[str]) -> bool:
    """Load CUDA and cuDNN before a CUDA session, where this onnxruntime can; True when it did."""
    preload = getattr(ort, "preload_dlls", None)
    if requested[0] != CUDA_PROVIDER or preload is None:
        return False
    try:
        preload()
    except Exception as error:  # the session creation that follows says what is really missing
        LOGGER.warning("onnxruntime.preload_dlls() failed: %s", error)
        return False
    return True


def judge_providers(requested: list[str], actual: list[str], gpus: int) -> ProviderJudgement:
    """Compare the providers the session runs on with the GPUs NVML sees (`gpus`)."""
    if actual and actual[0] == CUDA_PROVIDER:
        return ProviderJudgement(ProviderOutcome.CUDA, f"the model runs on {CUDA_PROVIDER} ({gpus} GPU(s))")
    if gpus == 0:
        return ProviderJudgement(ProviderOutcome.CPU_NO_GPU, f"no GPU: the model runs on {actual}")
    if CUDA_PROVIDER not in requested:
        return ProviderJudgement(
            ProviderOutcome.CPU_NO_CUDA_BUILD,
            f"NVML sees {gpus} GPU(s) but the installed onnxruntime has no {CUDA_PROVIDER}: the model "
            f"runs on {actual}; install onnxruntime-gpu[cuda,cudnn] instead of onnxruntime",
        )
    return ProviderJudgement(
        ProviderOutcome.CPU_CUDA_FAILED,
        f"NVML sees {gpus} GPU(s) and {CUDA_PROVIDER} was requested, but the session runs on {actual}: "
        "CUDA or cuDNN did not load (see ONNX Runtime's errors above; onnxruntime-gpu[cuda,cudnn] and a "
        "driver matching its CUDA major version are needed)",
    )
