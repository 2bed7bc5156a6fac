"""The console scripts exist, answer --help, and refuse not-yet-available subcommands clearly."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

BIN = Path(sys.executable).parent


@pytest.mark.parametrize("script", ["warmfleet", "warmfleet-inference"])
def test_console_script_help(script: str) -> None:
    result = subprocess.run([str(BIN / script), "--help"], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    assert "usage:" in result.stdout


def test_warmfleet_without_subcommand_prints_help_and_fails() -> None:
    result = subprocess.run([str(BIN / "warmfleet")], capture_output=True, text=True, check=False)
    assert result.returncode == 2 and "usage:" in result.stdout
