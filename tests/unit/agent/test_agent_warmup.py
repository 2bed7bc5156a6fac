"""The warm-up verdict: ready, failed (and why), or keep waiting."""

from __future__ import annotations

import pytest
from warmfleet_inference.agent.events import WarmupFailureReason
from warmfleet_inference.agent.server_client import Readiness, ServerState
from warmfleet_inference.agent.warmup import judge_warmup


@pytest.mark.parametrize(
    ("readiness", "answered_before", "waited", "ready", "failure", "reason_part"),
    [
        pytest.param(Readiness(ServerState.READY), True, 5, True, None, "", id="ready"),
        pytest.param(Readiness(ServerState.LOADING), True, 5, None, None, "", id="loading-keeps-waiting"),
        pytest.param(
            Readiness(ServerState.UNREACHABLE, "refused"), False, 5, None, None, "", id="not-up-yet"
        ),
        pytest.param(
            Readiness(ServerState.FAILED, "checksum mismatch"),
            True,
            5,
            False,
            WarmupFailureReason.SERVER_FAILED,
            "checksum mismatch",
            id="server-failed",
        ),
        pytest.param(
            Readiness(ServerState.UNREACHABLE, "refused"),
            True,
            5,
            False,
            WarmupFailureReason.SERVER_EXITED,
            "stopped answering",
            id="server-exited",
        ),
        pytest.param(
            Readiness(ServerState.WARMING, "3 of 5 warm-up inferences"),
            True,
            60,
            False,
            WarmupFailureReason.TIMEOUT,
            "last state warming: 3 of 5",
            id="timeout-names-last-state",
        ),
        pytest.param(
            Readiness(ServerState.UNREACHABLE, "refused"),
            False,
            60,
            False,
            WarmupFailureReason.TIMEOUT,
            "not ready after 60s",
            id="never-answered",
        ),
        pytest.param(
            Readiness(ServerState.READY),
            True,
            600,
            True,
            None,
            "",
            id="ready-at-the-deadline-is-ready",
        ),
    ],
)
def test_judge_warmup(
    readiness: Readiness,
    answered_before: bool,
    waited: float,
    ready: bool | None,
    failure: WarmupFailureReason | None,
    reason_part: str,
) -> None:
    # GIVEN the latest readiness answer and the time waited (timeout 60 s)
    verdict = judge_warmup(readiness, answered_before=answered_before, waited=waited, timeout=60)
    # THEN the verdict is as expected, and a failure says why in words
    if ready is None:
        assert verdict is None
        return
    assert verdict is not None
    assert (verdict.ready, verdict.failure) == (ready, failure)
    assert reason_part in verdict.reason
