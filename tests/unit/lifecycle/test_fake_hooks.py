"""The fake's time behaviour, which the contract test (instantaneous) does not reach: heartbeat deadlines,
default results on timeout, and the global timeout cap."""

from __future__ import annotations

import pytest
from warmfleet.aws import HookAction, HookCallStatus
from warmfleet.lifecycle import InMemoryLifecycleHooks


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


@pytest.mark.parametrize(
    ("hold", "default", "after"),
    [
        pytest.param("launch", "ABANDON", None, id="launch-default-abandon-terminates"),
        pytest.param("launch", "CONTINUE", "InService", id="launch-default-continue-serves"),
        pytest.param("terminate", "CONTINUE", None, id="terminate-times-out-to-terminated"),
    ],
)
def test_timeout_applies_the_default_result(hold: str, default: str, after: str | None) -> None:
    # GIVEN an instance held by a hook with a 60 s heartbeat timeout
    clock = Clock()
    hooks = InMemoryLifecycleHooks(clock)
    token = getattr(hooks, hold)("g", "i-1", "h", 60, default=default)
    # WHEN 60 s pass without a heartbeat
    clock.now = 60
    # THEN the default result applies and the token is spent
    assert hooks.instance_state("i-1") == after
    assert hooks.complete(HookAction("g", "h", "i-1", token), "CONTINUE") is HookCallStatus.NO_ACTIVE_ACTION


def test_heartbeat_extends_the_deadline_up_to_the_global_cap() -> None:
    # GIVEN a launch with a 60 s heartbeat timeout (global cap 100 x 60 s)
    clock = Clock()
    hooks = InMemoryLifecycleHooks(clock)
    action = HookAction("g", "h", "i-1", hooks.launch("g", "i-1", "h", 60))
    # WHEN it is heartbeated every 50 s
    for tick in range(1, 200):
        clock.now = tick * 50
        if hooks.heartbeat(action) is not HookCallStatus.DONE:
            break
    # THEN it stays in Pending:Wait until the 6000 s cap, no longer
    assert clock.now == 6000
    assert hooks.state("i-1") == "Terminated"


def test_wrong_hook_or_group_finds_no_action() -> None:
    hooks = InMemoryLifecycleHooks(Clock())
    token = hooks.launch("g", "i-1", "h", 60)
    assert (
        hooks.complete(HookAction("g", "other", "i-1", token), "CONTINUE") is HookCallStatus.NO_ACTIVE_ACTION
    )
    assert (
        hooks.complete(HookAction("other", "h", "i-1", None), "CONTINUE") is HookCallStatus.NO_ACTIVE_ACTION
    )
    with pytest.raises(ValueError, match="CONTINUE or ABANDON"):
        hooks.complete(HookAction("g", "h", "i-1", token), "DEFAULT")
