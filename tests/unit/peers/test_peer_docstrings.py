"""The examples in the peer modules' docstrings run and hold (they document the peers' rules)."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = [
    "warmfleet.core.peers.keda",
    "warmfleet.core.peers.keda_sqs",
    "warmfleet.core.peers.keda_formula",
    "warmfleet.core.peers.knative",
    "warmfleet.core.peers.rayserve",
]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name: str) -> None:
    # GIVEN a peer module WHEN its docstring examples run THEN none fails
    result = doctest.testmod(importlib.import_module(name))
    assert result.attempted > 0
    assert result.failed == 0
