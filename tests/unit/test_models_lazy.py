"""`warmfleet.models` loads each model module only when one of its names is used (the scaler's cold start)."""

from __future__ import annotations

import subprocess
import sys

import pytest
import warmfleet.models


@pytest.mark.parametrize("name", warmfleet.models.__all__)
def test_every_exported_name_resolves(name: str) -> None:
    assert getattr(warmfleet.models, name).__name__ == name


def test_unknown_name_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="NoSuchModel"):
        _ = warmfleet.models.NoSuchModel  # type: ignore[attr-defined]


def test_the_tick_model_does_not_load_the_event_models() -> None:
    # GIVEN a fresh interpreter WHEN only the scaler's tick model is imported
    probe = (
        "import sys\n"
        "from warmfleet.models import ScalerTick\n"
        "print(sorted(m for m in sys.modules if m.startswith('warmfleet.models.')))\n"
    )
    loaded = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout
    # THEN neither the alarm, lifecycle nor instance models (nor Powertools' parser models) were loaded
    assert loaded.strip() == "['warmfleet.models.ticks']"
