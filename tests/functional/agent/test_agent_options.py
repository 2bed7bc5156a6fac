"""`warmfleet-inference agent` refuses options that cannot work, before it starts anything."""

from __future__ import annotations

import argparse

import pytest
from warmfleet_inference.agent.cli import add_agent_parser
from warmfleet_inference.agent.compose import build_agent

from tests.functional.agent.conftest import Aws

BASE = ["agent", "--group", "g", "--server", "http://127.0.0.1:9", "--instance-id", "i-0123456789abcdef0"]


def parse(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    add_agent_parser(parser.add_subparsers())
    return parser.parse_args([*BASE, *argv])


def test_both_default_result_targets_are_accepted_the_bucket_first(aws: Aws, name: str) -> None:
    # GIVEN both a results bucket and a reply queue, as the bootstrap passes them from the stack's SSM
    args = parse("--queue-url", aws.queue(name), "--results-bucket", name, "--reply-queue-url", "https://q")
    # WHEN the agent is composed from them
    agent, publisher = build_agent(args)
    try:
        # THEN it starts with a queue worker whose default target (a message naming none) is the bucket
        assert agent.worker is not None
        default = agent.worker.settings.default_target("r-1")
        assert default is not None and default.s3 is not None and default.s3.bucket == name
    finally:
        assert publisher.close(timeout=5.0)


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
