"""`warmfleet decide` on the example files in events/decide/ (in process, through its own parser)."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pytest
from warmfleet.cli_decide import add_decide_parser
from warmfleet.core import History

from tests.conftest import EVENTS

DECIDE = EVENTS / "decide"
NOW = "2026-01-01T12:00:00Z"


def run(*argv: str) -> int:
    parser = argparse.ArgumentParser(prog="warmfleet")
    add_decide_parser(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["decide", *argv])
    return int(args.run(args))


@pytest.mark.parametrize(
    ("policy", "history", "desired", "reason"),
    [
        pytest.param("policy.yaml", "history.json", 9, "ScaleUp", id="yaml-policy-with-history"),
        pytest.param("policy.json", None, 9, "ScaleUp", id="json-policy-without-history"),
    ],
)
def test_decide_prints_the_decision(
    policy: str,
    history: str | None,
    desired: int,
    reason: str,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    # GIVEN the example policy, inputs and (optionally) history
    out = tmp_path / "history-out.json"
    argv = ["--policy", str(DECIDE / policy), "--inputs", str(DECIDE / "inputs.json"), "--now", NOW]
    if history:
        argv += ["--history", str(DECIDE / history)]
    # WHEN decide runs
    code = run(*argv, "--history-out", str(out))
    printed = json.loads(capsys.readouterr().out)
    # THEN it prints the decision with its proposals and steps, and writes the new history
    assert code == 0
    assert (printed["desired_capacity"], printed["reason"]) == (desired, reason)
    assert [s["step"] for s in printed["steps"]] == [
        "proposals",
        "warming",
        "combine",
        "panic",
        "behaviour",
        "limits",
        "bounds",
    ]
    assert History.from_dict(json.loads(out.read_text())).recommendations[-1].replicas == desired


def test_history_out_feeds_the_next_decision(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    # GIVEN a first decision's history
    first = tmp_path / "first.json"
    base = ["--policy", str(DECIDE / "policy.yaml"), "--inputs", str(DECIDE / "inputs.json")]
    assert run(*base, "--now", NOW, "--history-out", str(first)) == 0
    capsys.readouterr()
    # WHEN the next tick reads it back THEN it is accepted and carried on
    assert run(*base, "--now", "2026-01-01T12:00:15Z", "--history", str(first)) == 0
    assert json.loads(capsys.readouterr().out)["current_capacity"] == 6


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        pytest.param(
            ["--policy", str(DECIDE / "policy-invalid.yaml"), "--inputs", str(DECIDE / "inputs.json")],
            ["signals.0.target", "fallback.behavior"],
            id="invalid-policy-names-fields",
        ),
        pytest.param(
            ["--policy", str(DECIDE / "policy.yaml"), "--inputs", str(DECIDE / "inputs-invalid.json")],
            ["min_size (5) is above max_size (2)", "timestamp"],
            id="invalid-inputs-names-fields",
        ),
        pytest.param(
            ["--policy", str(DECIDE / "missing.yaml"), "--inputs", str(DECIDE / "inputs.json")],
            ["missing.yaml: cannot read"],
            id="missing-file",
        ),
        pytest.param(
            [
                "--policy",
                str(DECIDE / "policy.yaml"),
                "--inputs",
                str(DECIDE / "inputs.json"),
                "--now",
                "noon",
            ],
            ["not an ISO 8601 time"],
            id="bad-now",
        ),
        pytest.param(
            [
                "--policy",
                str(DECIDE / "policy.yaml"),
                "--inputs",
                str(DECIDE / "inputs.json"),
                "--now",
                "2026-01-01",
            ],
            ["needs a UTC offset"],
            id="naive-now",
        ),
    ],
)
def test_bad_input_exits_2_and_writes_nothing(
    argv: list[str], expected: list[str], capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    # GIVEN a bad file or time WHEN decide runs
    out = tmp_path / "history-out.json"
    code = run(*argv, "--history-out", str(out))
    captured = capsys.readouterr()
    # THEN it exits 2, names the problem on stderr, prints and writes nothing
    assert code == 2 and captured.out == "" and not out.exists()
    for fragment in expected:
        assert fragment in captured.err
