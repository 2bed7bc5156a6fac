"""The README's decision-core examples are real: the policy, inputs and history parse, and the decision shown
is the one `warmfleet decide` prints for them."""

from __future__ import annotations

import argparse
import json
import re
import shlex
from pathlib import Path

import pytest
import yaml
from warmfleet.cli_decide import add_decide_parser
from warmfleet.core import DecisionInputs, History, Policy

from tests.conftest import ROOT

SECTION = re.search(r"<!-- BEGIN:core -->(.*)<!-- END:core -->", (ROOT / "README.md").read_text(), re.S)


def blocks(language: str) -> list[str]:
    assert SECTION is not None, "README has no core section"
    return re.findall(rf"```{language}\n(.*?)```", SECTION.group(1), re.S)


def run_decide(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="warmfleet")
    add_decide_parser(parser.add_subparsers(dest="command"))
    args = parser.parse_args(argv)
    return int(args.run(args))


def test_readme_command_runs_on_the_example_files(tmp_path: Path) -> None:
    # GIVEN the command line the README shows
    command = " ".join(blocks("bash")[0].replace("\\\n", " ").split())
    argv = shlex.split(command)[1:]
    argv[argv.index("--history-out") + 1] = str(tmp_path / "history.json")
    # WHEN it runs from the repository root THEN it succeeds and writes a loadable history
    paths = [a for a in argv if a.startswith("events/")]
    argv = [str(ROOT / a) if a in paths else a for a in argv]
    assert run_decide(argv) == 0
    assert History.from_dict(json.loads((tmp_path / "history.json").read_text()))


def test_readme_examples_parse_and_the_shown_decision_is_real(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    # GIVEN the README's policy, inputs, decision excerpt and history
    (policy_text,) = blocks("yaml")
    inputs_text, decision_text, history_text = blocks("json")
    Policy.model_validate(yaml.safe_load(policy_text))
    DecisionInputs.model_validate_json(inputs_text)
    (tmp_path / "policy.yaml").write_text(policy_text)
    (tmp_path / "inputs.json").write_text(inputs_text)
    # WHEN warmfleet decide runs on them at the README's time
    out = tmp_path / "history-out.json"
    argv = ["decide", "--policy", str(tmp_path / "policy.yaml"), "--inputs", str(tmp_path / "inputs.json")]
    assert run_decide([*argv, "--now", "2026-01-01T12:00:00Z", "--history-out", str(out)]) == 0
    printed = json.loads(capsys.readouterr().out)
    # THEN every field of the README's excerpt is what it prints, and its history is the one shown
    shown = json.loads(decision_text)
    assert {key: printed[key] for key in shown} == shown
    assert History.from_dict(json.loads(out.read_text())) == History.from_dict(json.loads(history_text))
