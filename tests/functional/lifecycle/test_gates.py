"""Lifecycle actions of a hook that is not this stack's are ignored before any AWS call (another team's
hook on the same group is theirs to complete), as are malformed and foreign events (test_handler_gates)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.conftest import FakeLambdaContext, load_event, load_function


@pytest.mark.parametrize(
    "fixture",
    [
        pytest.param("lifecycle/foreign-hook-other-hook.json", id="another-hook"),
        pytest.param(
            "lifecycle/foreign-hook-terminate-on-launch-hook.json", id="terminate-on-the-launch-hook"
        ),
    ],
)
def test_foreign_hook_is_ignored_without_aws_calls(
    fixture: str,
    function_env: Callable[[str], None],
    lambda_context: FakeLambdaContext,
    aws_calls: list[str],
) -> None:
    # GIVEN the lifecycle function as deployed
    function_env("lifecycle")
    # WHEN a lifecycle action of a hook it does not own arrives
    outcome = load_function("lifecycle").lambda_handler(load_event(fixture), lambda_context)
    # THEN it is ignored with a reason, and nothing was called
    assert (outcome["status"], outcome["reason"]) == ("ignored", "foreign-hook")
    assert "not this stack's" in outcome["message"]
    assert aws_calls == []
