"""`warmfleet-inference agent` refuses options that cannot work, before it starts anything."""

from __future__ import annotations

import argparse

import pytest
from warmfleet_inference.agent.cli import add_agent_parser

from tests.functional.agent.conftest import Aws

BASE = ["agent", "--group", "g", "--server", "http://127.0.0.1:9", "--instance-id", "i-0123456789abcdef0"]


def parse(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    add_agent_parser(parser.add_subparsers())
    return parser.parse_args([*BASE, *argv])


def test_two_default_result_targets_exit_2(aws: Aws, name: str, capsys: pytest.CaptureFixture[str]) -> None:
    # GIVEN both a results bucket and a reply queue as the default target
    args = parse("--queue-url", aws.queue(name), "--results-bucket", name, "--reply-queue-url", "https://q")
    # WHEN the agent runs; THEN it refuses with the reason and exit 2, before any loop starts
    assert args.run(args) == 2
    assert "at most one default result target" in capsys.readouterr().err


@pytest.mark.parametrize(
    "argv",
    [
        pytest.param(["--interval", "0"], id="zero-interval"),
        pytest.param(["--drain-timeout", "-5"], id="negative-drain-timeout"),
        pytest.param(["--interval", "often"], id="not-a-number"),
    ],
)
def test_unusable_durations_are_argument_errors(argv: list[str]) -> None:
    # GIVEN / WHEN a duration that is not a positive number / THEN argparse refuses it (exit 2)
    with pytest.raises(SystemExit) as exit_info:
        parse(*argv)
    assert exit_info.value.code == 2
