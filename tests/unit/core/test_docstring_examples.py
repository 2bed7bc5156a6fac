"""Every example in the docstrings of warmfleet.core (the decision core, its rules and the HPA peer) runs."""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest
import warmfleet.core

OTHER_PEERS = ("keda", "knative", "rayserve")  # documented and tested with their own issue
MODULES = sorted(
    info.name
    for info in pkgutil.walk_packages(warmfleet.core.__path__, "warmfleet.core.")
    if not any(part.startswith(OTHER_PEERS) for part in info.name.split("."))
)


def test_the_public_api_has_examples() -> None:
    # GIVEN the names warmfleet.core exports THEN each has a docstring with an example
    missing = [
        name for name in warmfleet.core.__all__ if ">>>" not in (getattr(warmfleet.core, name).__doc__ or "")
    ]
    assert missing == []


@pytest.mark.parametrize("name", ["warmfleet.core", *MODULES])
def test_docstring_examples_run(name: str) -> None:
    # GIVEN one module WHEN its docstring examples run THEN none fails
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.failed == 0
