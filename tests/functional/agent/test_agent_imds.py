"""The IMDSv2 client against a real HTTP stand-in: tokens, expiry, the target lifecycle state."""

from __future__ import annotations

import pytest
from warmfleet_inference.agent.imds import ImdsClient, is_terminating

from tests.functional.agent.standins import FakeImds


def test_instance_id_needs_a_token_and_a_stale_token_is_renewed(imds: FakeImds) -> None:
    # GIVEN an IMDSv2 that answers metadata only with a session token
    client = ImdsClient(imds.url)
    # WHEN the instance id is read
    first = client.instance_id()
    # AND the token is revoked (expired) before the next read
    imds.tokens.clear()
    second = client.target_lifecycle_state()
    # THEN both reads succeed: one 401, then a fresh token
    assert first == imds.instance_id
    assert second == "InService"
    assert imds.refused_without_token == 1
    client.close()


@pytest.mark.parametrize(
    ("state", "expected", "terminating"),
    [
        pytest.param("InService", "InService", False, id="in-service"),
        pytest.param("Terminated", "Terminated", True, id="terminated"),
        pytest.param("Warmed:Terminated", "Warmed:Terminated", True, id="warm-pool-terminated"),
        pytest.param("Warmed:Stopped", "Warmed:Stopped", False, id="into-the-warm-pool"),
        pytest.param(None, None, False, id="not-in-a-group-404"),
    ],
)
def test_target_lifecycle_state(
    imds: FakeImds, state: str | None, expected: str | None, terminating: bool
) -> None:
    # GIVEN the group's target state for this instance (or no group at all)
    imds.lifecycle_state = state
    client = ImdsClient(imds.url)
    # WHEN read; THEN it is returned as is, and only Terminated states mean "drain now"
    read = client.target_lifecycle_state()
    assert read == expected
    assert is_terminating(read) is terminating
    client.close()
