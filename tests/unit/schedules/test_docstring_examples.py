"""Every docstring example of warmfleet.schedules runs, and the package stays pure (no AWS, no clock)."""

from __future__ import annotations

import ast
import doctest
import importlib
import pkgutil
from pathlib import Path

import pytest
import warmfleet.schedules

PACKAGE = Path(warmfleet.schedules.__file__).parent
MODULES = sorted(
    info.name for info in pkgutil.walk_packages(warmfleet.schedules.__path__, "warmfleet.schedules.")
)
FORBIDDEN = {"boto3", "botocore", "os", "time", "random"}


@pytest.mark.parametrize("name", ["warmfleet.schedules", *MODULES])
def test_docstring_examples_run(name: str) -> None:
    # GIVEN one module WHEN its docstring examples run THEN none fails
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.failed == 0


@pytest.mark.parametrize("path", sorted(PACKAGE.glob("*.py")), ids=lambda p: p.name)
def test_module_is_pure(path: Path) -> None:
    # GIVEN one module WHEN its imports and calls are inspected THEN no AWS SDK, environment or clock
    tree = ast.parse(path.read_text())
    imported = {a.name.split(".")[0] for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    imported |= {n.module.split(".")[0] for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module}
    calls = {n.attr for n in ast.walk(tree) if isinstance(n, ast.Attribute)}
    assert not imported & FORBIDDEN
    assert not calls & {"now", "utcnow", "today", "environ", "getenv"}
