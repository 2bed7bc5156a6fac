"""The bootstrap reads every parameter `publishing.names` defines, under the variable it derives from it."""

from __future__ import annotations

import re

import pytest
from warmfleet_inference.publishing.names import StackParameter, VersionParameter

from tests.conftest import ROOT

BOOTSTRAP = (ROOT / "inference" / "bootstrap.sh").read_text()
# The user-data shim, not the bootstrap, reads these two: they say where the bootstrap itself is.
READ_BY_THE_SHIM = {VersionParameter.BOOTSTRAP_URI, VersionParameter.BOOTSTRAP_SHA256}


def _variable(prefix: str, name: str) -> str:
    # bootstrap.sh's parameters_to_shell: every character other than a letter or digit becomes "_".
    return prefix + re.sub(r"[^A-Za-z0-9]", "_", name).upper()


@pytest.mark.parametrize(
    "variable",
    [pytest.param(_variable("CFG_", p.value), id=f"stack:{p.value}") for p in StackParameter]
    + [
        pytest.param(_variable("VER_", p.value), id=f"version:{p.value}")
        for p in VersionParameter
        if p not in READ_BY_THE_SHIM
    ],
)
def test_every_parameter_is_read_by_the_bootstrap(variable: str) -> None:
    # GIVEN a parameter name / WHEN the bootstrap's source is searched for its variable / THEN it is used
    assert re.search(rf"\b{variable}\b", BOOTSTRAP), f"bootstrap.sh never reads {variable}"


def test_the_bootstrap_reads_the_paths_the_names_module_builds() -> None:
    # GIVEN the two SSM paths / THEN the bootstrap reads exactly those (stack level, then the version's)
    assert "PARAMETERS=/warmfleet/$STACK\n" in BOOTSTRAP
    assert 'read_parameters "$PARAMETERS" CFG_ --no-recursive stack' in BOOTSTRAP
    assert 'read_parameters "$PARAMETERS/versions/$VERSION" VER_ --recursive version' in BOOTSTRAP
