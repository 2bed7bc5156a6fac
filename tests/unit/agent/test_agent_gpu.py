"""The NVML sampler: no GPU (said once, never a crash), GPUs read, an NVML error mid-run retried."""

from __future__ import annotations

import logging
from dataclasses import dataclass

import pynvml
import pytest
from warmfleet_inference.agent.gpu import GpuSampler, count_gpus


@dataclass
class _Utilization:
    gpu: int


@dataclass
class _Memory:
    used: int
    total: int


class FakeGpus:
    """Stands in for the driver behind pynvml: two GPUs, or none, or one that starts failing."""

    def __init__(self, utilization: list[int], memory: list[tuple[int, int]]) -> None:
        self.utilization = utilization
        self.memory = memory
        self.init_error: int | None = None
        self.read_error: int | None = None
        self.inits = 0

    def install(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setattr(pynvml, "nvmlInit", self.init)
        monkeypatch.setattr(pynvml, "nvmlShutdown", lambda: None)
        monkeypatch.setattr(pynvml, "nvmlDeviceGetCount", lambda: len(self.utilization))
        monkeypatch.setattr(pynvml, "nvmlDeviceGetHandleByIndex", lambda index: index)
        monkeypatch.setattr(pynvml, "nvmlDeviceGetUtilizationRates", self.read_utilization)
        monkeypatch.setattr(pynvml, "nvmlDeviceGetMemoryInfo", lambda h: _Memory(*self.memory[h]))

    def init(self) -> None:
        self.inits += 1
        if self.init_error is not None:
            raise pynvml.NVMLError(self.init_error)

    def read_utilization(self, handle: int) -> _Utilization:
        if self.read_error is not None:
            raise pynvml.NVMLError(self.read_error)
        return _Utilization(self.utilization[handle])


def test_gpus_are_read_as_one_instance_wide_figure(monkeypatch: pytest.MonkeyPatch) -> None:
    # GIVEN two GPUs at 80% and 40%, with 3 of 8 GiB and 1 of 8 GiB used
    FakeGpus([80, 40], [(3 << 30, 8 << 30), (1 << 30, 8 << 30)]).install(monkeypatch)
    # WHEN sampled
    reading = GpuSampler(pynvml).sample()
    # THEN utilization is the mean and memory is used over total
    assert reading is not None
    assert (reading.utilization_percent, reading.memory_percent, reading.devices) == (60.0, 25.0, 2)


@pytest.mark.parametrize(
    ("utilization", "init_error"),
    [
        pytest.param([50], pynvml.NVML_ERROR_LIBRARY_NOT_FOUND, id="no-library"),
        pytest.param([50], pynvml.NVML_ERROR_DRIVER_NOT_LOADED, id="no-driver"),
        pytest.param([], None, id="no-device"),
    ],
)
def test_no_gpu_is_said_once_and_never_raises(
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    utilization: list[int],
    init_error: int | None,
) -> None:
    # GIVEN a box without a usable GPU
    gpus = FakeGpus(utilization, [(0, 1)] * len(utilization))
    gpus.init_error = init_error
    gpus.install(monkeypatch)
    sampler = GpuSampler(pynvml)
    # WHEN sampled every interval
    with caplog.at_level(logging.INFO, logger="warmfleet_inference.agent.gpu"):
        readings = [sampler.sample() for _ in range(5)]
    # THEN nothing is read, NVML is not retried, and the log says it once
    assert readings == [None] * 5
    assert not sampler.available
    assert gpus.inits == 1
    assert sum("no GPU on this instance" in r.message for r in caplog.records) == 1


def test_no_pynvml_module_means_no_gpu() -> None:
    # GIVEN a host where nvidia-ml-py is not installed; THEN no reading, and no crash
    sampler = GpuSampler(None)
    assert sampler.sample() is None
    assert not sampler.available


def test_an_nvml_error_mid_run_is_logged_and_retried(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    # GIVEN a GPU that reads fine, then fails twice (the second time even re-initialising), then recovers
    gpus = FakeGpus([70], [(1, 4)])
    gpus.install(monkeypatch)
    sampler = GpuSampler(pynvml)
    with caplog.at_level(logging.INFO, logger="warmfleet_inference.agent.gpu"):
        first = sampler.sample()
        gpus.read_error = pynvml.NVML_ERROR_GPU_IS_LOST
        during = sampler.sample()
        gpus.init_error = pynvml.NVML_ERROR_UNKNOWN
        still = sampler.sample()
        gpus.read_error = gpus.init_error = None
        after = sampler.sample()
    # THEN the failing intervals give no reading, the sampler keeps trying, and the readings come back
    assert first is not None and first.utilization_percent == 70.0
    assert (during, still) == (None, None)
    assert after is not None and after.memory_percent == 25.0
    assert sampler.available
    assert any("NVML read failed" in r.message for r in caplog.records)
    assert any("re-initialisation failed" in r.message for r in caplog.records)
    assert any("back after" in r.message for r in caplog.records)


@pytest.mark.parametrize(
    ("utilization", "init_error", "expected"),
    [
        pytest.param([10, 20], None, 2, id="two-gpus"),
        pytest.param([], None, 0, id="driver-but-no-device"),
        pytest.param([10], pynvml.NVML_ERROR_DRIVER_NOT_LOADED, 0, id="no-driver"),
    ],
)
def test_count_gpus_says_how_many_the_server_should_expect(
    monkeypatch: pytest.MonkeyPatch, utilization: list[int], init_error: int | None, expected: int
) -> None:
    # GIVEN NVML with these devices, or failing to start / WHEN the server counts GPUs
    gpus = FakeGpus(utilization, [(0, 1)] * len(utilization))
    gpus.init_error = init_error
    gpus.install(monkeypatch)
    # THEN it gets the device count, 0 for no driver, and never an exception
    assert count_gpus(pynvml) == expected
