"""The simulator's docstring examples run; the core never imports it; matplotlib loads only to plot."""

from __future__ import annotations

import doctest
import importlib
import pkgutil
import subprocess
import sys
from pathlib import Path

import pytest
import warmfleet.core
import warmfleet.sim

from tests.conftest import ROOT, imported_modules

SIM_MODULES = sorted(info.name for info in pkgutil.walk_packages(warmfleet.sim.__path__, "warmfleet.sim."))
CORE_FILES = sorted(path for root in warmfleet.core.__path__ for path in Path(root).rglob("*.py"))


@pytest.mark.parametrize("name", ["warmfleet.sim", *SIM_MODULES, "warmfleet.cli_simulate"])
def test_docstring_examples_run(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    # GIVEN one module (its examples read tests/data/traces from the repository root)
    monkeypatch.chdir(ROOT)
    # WHEN its docstring examples run THEN none fails
    assert doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS).failed == 0


def test_the_core_never_imports_the_simulator() -> None:
    # GIVEN every module of warmfleet.core WHEN its imports are read THEN none names warmfleet.sim
    offenders = [
        f"{path.name}: {name}"
        for path in CORE_FILES
        for name in imported_modules(path)
        if name.startswith("warmfleet.sim")
    ]
    assert CORE_FILES and offenders == []


def test_matplotlib_is_imported_only_to_plot() -> None:
    # GIVEN a fresh interpreter WHEN the command line and the simulator are imported
    code = "import sys, warmfleet.cli, warmfleet.sim; print('matplotlib' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    # THEN matplotlib is not loaded
    assert result.stdout.strip() == "False"
