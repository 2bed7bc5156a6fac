"""warmfleet.core is pure: no AWS SDK, no environment, no clock, no randomness (checked on the source)."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest
import warmfleet.core

CORE = Path(warmfleet.core.__file__).parent
MODULES = sorted(CORE.rglob("*.py"))

FORBIDDEN_MODULES = {"boto3", "botocore", "aiobotocore", "os", "random", "secrets", "time", "uuid", "socket"}
FORBIDDEN_CALLS = {"now", "utcnow", "today", "getenv", "time_ns", "perf_counter", "monotonic", "urandom"}


def _violations(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    found: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [f"import {a.name}" for a in node.names if a.name.split(".")[0] in FORBIDDEN_MODULES]
        elif (
            isinstance(node, ast.ImportFrom)
            and node.module
            and node.module.split(".")[0] in FORBIDDEN_MODULES
        ):
            found.append(f"from {node.module} import ...")
        elif isinstance(node, ast.Attribute) and node.attr in FORBIDDEN_CALLS | {"environ"}:
            found.append(f".{node.attr}")
        elif isinstance(node, ast.Name) and node.id in {"environ", "getenv"}:
            found.append(node.id)
    return found


def test_core_has_modules_to_check() -> None:
    # GIVEN the package THEN the check sees the decision, the rules and the peers
    names = {p.relative_to(CORE).as_posix() for p in MODULES}
    assert {"decide.py", "rules/rate_limit.py", "steps/behaviour.py", "peers/__init__.py"} <= names


@pytest.mark.parametrize("path", [pytest.param(p, id=p.relative_to(CORE).as_posix()) for p in MODULES])
def test_module_is_pure(path: Path) -> None:
    # GIVEN one module of warmfleet.core WHEN its syntax tree is inspected
    # THEN it imports no AWS SDK, os, time or random, and calls no clock or environment
    assert _violations(path) == []


def test_the_check_catches_impurity(tmp_path: Path) -> None:
    # GIVEN a module that reads the clock and the environment THEN the check reports each
    impure = tmp_path / "impure.py"
    impure.write_text("import os\nfrom datetime import datetime\nx = datetime.now()\ny = os.environ['A']\n")
    assert _violations(impure) == ["import os", ".now", ".environ"]


def test_importing_core_loads_no_aws_sdk() -> None:
    # GIVEN a fresh interpreter WHEN warmfleet.core is imported THEN boto3/botocore are not loaded
    code = "import sys, warmfleet.core; print(sorted(m for m in ('boto3', 'botocore') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60)
    assert out.stdout.strip() == "[]"
