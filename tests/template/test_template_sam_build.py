"""`sam build` builds the layer and every function for python3.13 on arm64."""

from __future__ import annotations

from pathlib import Path

import pytest

from .template_support import load_sam_template

pytestmark = pytest.mark.slow


@pytest.mark.parametrize("function", ["LifecycleFunction", "ScalerFunction", "AlarmFunction"], ids=str.lower)
def test_each_function_is_built_with_its_handler(sam_build_dir: Path, function: str) -> None:
    # GIVEN the built artifacts THEN the function's folder holds the handler module
    handler_module = sam_build_dir / function / "app.py"
    assert handler_module.is_file()
    assert "def lambda_handler" in handler_module.read_text(encoding="utf-8")


def test_layer_holds_the_package_and_arm64_dependencies(sam_build_dir: Path) -> None:
    # GIVEN the built layer (BuildMethod python3.13, arm64)
    python = sam_build_dir / "WarmfleetLayer" / "python"
    # THEN the warmfleet package and its runtime dependencies are in the layer's python/ folder
    assert (python / "warmfleet" / "__init__.py").is_file()
    assert (python / "aws_lambda_powertools").is_dir()
    assert (python / "pydantic").is_dir()
    # AND the IANA time-zone data the busy-hours windows' zoneinfo falls back to (the runtime may have none)
    assert (python / "tzdata" / "zoneinfo" / "Europe" / "Berlin").is_file()
    # AND pydantic-core's extension is the one built for the Lambda's CPU and runtime
    extensions = sorted(path.name for path in (python / "pydantic_core").glob("_pydantic_core*.so"))
    assert extensions == ["_pydantic_core.cpython-313-aarch64-linux-gnu.so"]


def test_built_template_points_at_the_built_code(sam_build_dir: Path) -> None:
    # GIVEN the template sam build wrote
    built = load_sam_template(sam_build_dir / "template.yaml")
    resources = built["Resources"]
    # THEN every code location is a built folder next to it
    for logical_id, key in [
        ("WarmfleetLayer", "ContentUri"),
        ("LifecycleFunction", "CodeUri"),
        ("ScalerFunction", "CodeUri"),
        ("AlarmFunction", "CodeUri"),
    ]:
        location = resources[logical_id]["Properties"][key]
        assert (sam_build_dir / location).is_dir(), (logical_id, location)
