"""The README's simulator section is real: its command runs and prints exactly the table the README shows."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest
from warmfleet.cli import main

from tests.conftest import ROOT

SECTION = re.search(r"<!-- BEGIN:sim -->(.*)<!-- END:sim -->", (ROOT / "README.md").read_text(), re.S)


def _block(language: str) -> str:
    assert SECTION is not None, "README has no simulator section"
    found = re.search(rf"```{language}\n(.*?)```", SECTION.group(1), re.S)
    assert found is not None, f"no {language} block in the simulator section"
    return found.group(1)


def test_the_readme_run_prints_the_readme_table(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # GIVEN the README's command line (its comment lines dropped) and its printed table
    lines = [line.split("#")[0] for line in _block("bash").splitlines() if not line.lstrip().startswith("#")]
    argv = shlex.split(" ".join(lines).replace("\\", " "))
    assert argv[:2] == [".venv/bin/warmfleet", "simulate"]
    # WHEN it runs from the repository root (writing elsewhere)
    monkeypatch.chdir(ROOT)
    assert main([*argv[1:], "--out", str(tmp_path)]) == 0
    # THEN it prints, row for row, the table the README shows
    printed = capsys.readouterr().out.splitlines()
    table = _block("text").strip().splitlines()
    assert printed[1 : 1 + len(table)] == table, (
        "the README's table is stale; this run printed:\n" + "\n".join(printed[1 : 1 + len(table)])
    )
