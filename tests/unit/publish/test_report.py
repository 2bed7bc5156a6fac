"""The bootstrap's failure event is the agent's `Instance Warm-up Failed`; the lifecycle parses it."""

from __future__ import annotations

import json

import pytest
from warmfleet.models import InstanceEvent, InstanceWarmupFailedDetail
from warmfleet_inference.publishing import report

from tests.conftest import load_event


def test_the_failure_entry_parses_as_the_lifecycle_functions_instance_event(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # GIVEN a bootstrap that failed while installing
    argv = [
        "--group",
        "g-1",
        "--instance-id",
        "i-0123456789abcdef0",
        "--model-version",
        "v7",
        "--reason",
        "bootstrap failed during install: pip exited 1",
        "--waited-seconds",
        "41.5",
    ]
    # WHEN the report module prints its PutEvents entries
    assert report.main(argv) == 0
    [entry] = json.loads(capsys.readouterr().out)
    # THEN the entry is the warm-up failure the lifecycle function parses, with the reason kept
    envelope = load_event("instance/warmup-failed.json")
    envelope |= {
        "detail-type": entry["DetailType"],
        "source": entry["Source"],
        "detail": json.loads(entry["Detail"]),
    }
    event = InstanceEvent.model_validate(envelope)
    assert isinstance(event.detail, InstanceWarmupFailedDetail)
    assert event.detail.reason == "bootstrap failed during install: pip exited 1"
    # AND it carries the bootstrap's own reason code, not one of the agent's own warm-up failures
    assert json.loads(entry["Detail"])["reasonCode"] == "bootstrap-failed"
    assert (event.detail.instance_id, event.detail.model_version, event.detail.warmup_seconds) == (
        "i-0123456789abcdef0",
        "v7",
        41.5,
    )


def test_a_blank_reason_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["--group", "g", "--instance-id", "i-0123456789abcdef0", "--model-version", "v", "--reason", " "]
    with pytest.raises(SystemExit) as exit_info:
        report.main(argv)
    assert exit_info.value.code == 2
    assert "--reason" in capsys.readouterr().err
