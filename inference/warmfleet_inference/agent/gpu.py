"""GPU utilization and memory from NVML (nvidia-ml-py), degrading to "no GPU metric" instead of failing.

On an instance without an NVIDIA driver (a CPU test box, the local fleet) NVML cannot initialise: the
sampler says so once in the log and returns nothing from then on, so no GPU metric is published and the
agent carries on. An NVML error after a successful start (a driver hiccup, a GPU that fell off the bus) is
logged and NVML is re-initialised on the next interval. Several GPUs are reported as one instance-wide
figure: mean utilization, and memory used over memory total.
See https://docs.nvidia.com/deploy/nvml-api/group__nvmlDeviceQueries.html.
"""

from __future__ import annotations

import contextlib
import logging
from dataclasses import dataclass
from types import ModuleType

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class GpuReading:
    """Instance-wide GPU utilization and memory utilization, in percent."""

    utilization_percent: float
    memory_percent: float
    devices: int


def _load_pynvml() -> ModuleType | None:
    try:
        import pynvml  # noqa: PLC0415 - optional at runtime: the module is absent on some hosts
    except ImportError:
        return None
    module: ModuleType = pynvml
    return module


def count_gpus(nvml: ModuleType | None = None) -> int:
    """How many GPUs NVML sees (0 without nvidia-ml-py, a driver or a device); NVML is shut down after."""
    nvml = nvml if nvml is not None else _load_pynvml()
    if nvml is None:
        return 0
    try:
        nvml.nvmlInit()
    except nvml.NVMLError:
        return 0
    try:
        return int(nvml.nvmlDeviceGetCount())
    except nvml.NVMLError:
        return 0
    finally:
        with contextlib.suppress(nvml.NVMLError):
            nvml.nvmlShutdown()


class GpuSampler:
    """Read NVML once per interval; `sample()` returns None when there is no GPU reading to publish."""

    def __init__(self, nvml: ModuleType | None) -> None:
        """`nvml` is the pynvml module (None where it is not installed); see `from_environment()`."""
        self._nvml = nvml
        self._initialised = False
        self._absent = False
        self._seen_gpu = False
        self._failures = 0

    @classmethod
    def from_environment(cls) -> GpuSampler:
        """A sampler over the installed pynvml, or over nothing when nvidia-ml-py is absent."""
        return cls(_load_pynvml())

    @property
    def available(self) -> bool:
        """False once NVML said there is no GPU (no library, no driver, no device)."""
        return not self._absent

    def _initialise(self) -> bool:
        nvml = self._nvml
        if nvml is None:
            self._mark_absent("nvidia-ml-py (pynvml) is not installed")
            return False
        try:
            nvml.nvmlInit()
            count = int(nvml.nvmlDeviceGetCount())
        except nvml.NVMLError as error:
            if self._seen_gpu:
                # This box had a GPU a moment ago: a failing re-initialisation is a fault, retried.
                self._failures += 1
                logger.warning("NVML re-initialisation failed (%d in a row): %s", self._failures, error)
            else:
                self._mark_absent(f"NVML unavailable ({error})")
            return False
        if count == 0:
            self._mark_absent("NVML reports no GPU device")
            nvml.nvmlShutdown()
            return False
        self._initialised = True
        self._seen_gpu = True
        return True

    def _mark_absent(self, why: str) -> None:
        self._absent = True
        logger.info("no GPU on this instance: %s; GPU metrics will not be published", why)

    def sample(self) -> GpuReading | None:
        """One reading, or None (no GPU, said once; or an NVML error this interval, logged and retried)."""
        if self._absent:
            return None
        if not self._initialised and not self._initialise():
            return None
        nvml = self._nvml
        assert nvml is not None  # _initialise() succeeded
        try:
            reading = self._read(nvml)
        except nvml.NVMLError as error:
            self._failures += 1
            logger.warning(
                "NVML read failed (%d in a row), re-initialising next interval: %s", self._failures, error
            )
            self._reset(nvml)
            return None
        if self._failures:
            logger.info("NVML readings are back after %d failure(s)", self._failures)
            self._failures = 0
        return reading

    @staticmethod
    def _read(nvml: ModuleType) -> GpuReading:
        count = int(nvml.nvmlDeviceGetCount())
        utilization = 0.0
        used = total = 0.0
        for index in range(count):
            handle = nvml.nvmlDeviceGetHandleByIndex(index)
            utilization += float(nvml.nvmlDeviceGetUtilizationRates(handle).gpu)
            memory = nvml.nvmlDeviceGetMemoryInfo(handle)
            used += float(memory.used)
            total += float(memory.total)
        return GpuReading(
            utilization_percent=utilization / count,
            memory_percent=100.0 * used / total if total else 0.0,
            devices=count,
        )

    def _reset(self, nvml: ModuleType) -> None:
        self._initialised = False
        with contextlib.suppress(nvml.NVMLError):  # already broken: the next nvmlInit() is what matters
            nvml.nvmlShutdown()

    def close(self) -> None:
        if self._initialised and self._nvml is not None:
            self._reset(self._nvml)
