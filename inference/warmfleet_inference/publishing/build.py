"""Build what an instance installs: the project's wheel and a pinned requirements file for its dependencies.

Why a wheel plus pinned requirements, not a full wheelhouse: the project's own code is one pure-Python wheel
(`py3-none-any`, both packages of the one pyproject), but its runtime dependencies are binary wheels for the
instance's platform and Python (onnxruntime-gpu alone is hundreds of megabytes of CUDA libraries), which this
machine cannot build for and which would be copied into the bucket once per version. So the publisher pins
every dependency to the version this environment was tested with (the closure of the project's
requirements, read from the installed distributions' metadata, which `constraints.txt` fixed) and the
bootstrap installs them from PyPI, or from a wheelhouse mirror for subnets without internet access. On a
GPU instance `onnxruntime` is replaced by `onnxruntime-gpu` (they provide the same module and must never be
installed together), pinned separately because its releases lag the CPU package's, with its `cuda` and
`cudnn` extras so that CUDA and cuDNN come from PyPI and the AMI need only provide the NVIDIA driver.

The wheel is built from a copy of the sources in a temporary directory, so a build never writes into the
working tree that other processes are using.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from enum import StrEnum
from importlib import metadata
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

PROJECT_DISTRIBUTION = "warmfleet"
# The newest onnxruntime-gpu on PyPI with CUDA 12 wheels when this was written (its releases lag the CPU
# package's); the model is built at opset 17 / IR 8 so any onnxruntime since 1.13 loads it.
DEFAULT_ONNXRUNTIME_GPU = "1.31.1"
# What the wheel build needs from the source tree: the packaging metadata and the two packages.
_SOURCES = ("pyproject.toml", "README.md", "layers/warmfleet/warmfleet", "inference/warmfleet_inference")


class Accelerator(StrEnum):
    """Which ONNX Runtime build the instances get."""

    GPU = "gpu"
    CPU = "cpu"


def find_project_dir() -> Path:
    """The source tree this module runs from (the directory holding `pyproject.toml`)."""
    candidate = Path(__file__).resolve().parents[3]
    if not (candidate / "pyproject.toml").is_file():
        raise FileNotFoundError(
            f"no pyproject.toml in {candidate}: publish runs from a checkout of warmfleet "
            "(pass --project-dir)"
        )
    return candidate


def build_wheel(project_dir: Path, out_dir: Path) -> Path:
    """Build the project's wheel into `out_dir` from a copy of its sources; return the wheel's path."""
    missing = [name for name in _SOURCES if not (project_dir / name).exists()]
    if missing:
        raise FileNotFoundError(f"{project_dir} is not a warmfleet checkout: missing {', '.join(missing)}")
    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="warmfleet-wheel-") as scratch:
        source = Path(scratch) / "src"
        for name in _SOURCES:
            origin, target = project_dir / name, source / name
            if origin.is_dir():
                shutil.copytree(origin, target, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
            else:
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(origin, target)
        built = Path(scratch) / "wheels"
        # No build isolation: the build backend is already in this environment, and the build then needs
        # no network.
        command = [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--quiet"]
        result = subprocess.run(
            [*command, "--wheel-dir", str(built), str(source)], capture_output=True, text=True, check=False
        )
        if result.returncode != 0:
            raise RuntimeError(f"building the wheel failed:\n{result.stdout}{result.stderr}")
        wheels = sorted(built.glob("*.whl"))
        if len(wheels) != 1:
            raise RuntimeError(f"expected one wheel from the build, found {[w.name for w in wheels]}")
        return Path(shutil.copy2(wheels[0], out_dir / wheels[0].name))


def pinned_requirements(
    accelerator: Accelerator,
    onnxruntime_gpu: str = DEFAULT_ONNXRUNTIME_GPU,
    distribution: str = PROJECT_DISTRIBUTION,
) -> list[str]:
    """`name==version` for every runtime dependency of `distribution`, as installed here, sorted.

    Example
    -------
    >>> "onnxruntime-gpu[cuda,cudnn]==1.31.1" in pinned_requirements(Accelerator.GPU)  # doctest: +SKIP
    True
    """
    pins: dict[str, str] = {}
    pending: list[tuple[str, frozenset[str]]] = [(distribution, frozenset())]
    seen: set[tuple[str, frozenset[str]]] = set()
    while pending:
        name, extras = pending.pop()
        if (name, extras) in seen:
            continue
        seen.add((name, extras))
        dist = metadata.distribution(name)
        if name != distribution:
            pins[name] = dist.version
        for text in dist.requires or []:
            requirement = Requirement(text)
            if requirement.marker is not None and not any(
                requirement.marker.evaluate({"extra": extra}) for extra in (extras or {""})
            ):
                continue
            pending.append((canonicalize_name(requirement.name), frozenset(requirement.extras)))
    if accelerator is Accelerator.GPU and pins.pop("onnxruntime", None) is not None:
        # The extras install the CUDA 12 runtime and cuDNN 9 from PyPI (nvidia-*-cu12), so the instance
        # needs only the AMI's NVIDIA driver, whatever CUDA toolkits the AMI carries.
        pins["onnxruntime-gpu[cuda,cudnn]"] = onnxruntime_gpu
    return [f"{name}=={version}" for name, version in sorted(pins.items())]


def requirements_text(pins: list[str], accelerator: Accelerator) -> str:
    """The requirements file the bootstrap installs, with a header saying where it came from."""
    header = (
        f"# Runtime dependencies of the warmfleet instance side ({accelerator} build), pinned to the\n"
        "# versions `warmfleet-inference publish` ran with. The bootstrap installs them, then the wheel\n"
        "# with --no-deps.\n"
    )
    return header + "".join(f"{pin}\n" for pin in pins)
