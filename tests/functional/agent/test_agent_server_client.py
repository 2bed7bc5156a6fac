"""The agent's view of the server's readiness, against the stand-in over real HTTP."""

from __future__ import annotations

import pytest
from warmfleet_inference.agent.server_client import Readiness, ServerClient, ServerState

from tests.functional.agent.standins import FakeInferenceServer


@pytest.mark.parametrize(
    ("state", "reason", "plain", "expected"),
    [
        pytest.param("ready", "", False, Readiness(ServerState.READY), id="ready"),
        pytest.param("warming", "2 of 3", False, Readiness(ServerState.WARMING, "2 of 3"), id="warming"),
        pytest.param(
            "failed", "bad checksum", False, Readiness(ServerState.FAILED, "bad checksum"), id="failed"
        ),
        pytest.param("draining", "", False, Readiness(ServerState.DRAINING), id="draining"),
        pytest.param("loading", "", True, Readiness(ServerState.NOT_READY, "HTTP 503"), id="byo-503-no-body"),
        pytest.param("ready", "", True, Readiness(ServerState.READY), id="byo-200"),
    ],
)
def test_readiness_is_read_from_the_server(
    server: FakeInferenceServer, state: str, reason: str, plain: bool, expected: Readiness
) -> None:
    # GIVEN the server in a readiness state (answering like warmfleet's server or like another one)
    server.state, server.reason, server.plain_readiness = state, reason, plain
    client = ServerClient(server.url)
    # WHEN the agent asks; THEN it reads the state and the reason
    assert client.readiness() == expected
    client.close()


def test_a_stopped_server_is_unreachable_and_cannot_be_drained(server: FakeInferenceServer) -> None:
    # GIVEN a server that has exited
    client = ServerClient(server.url)
    server.stop()
    # WHEN the agent asks; THEN it is unreachable, and a drain request reports that it was not accepted
    assert client.readiness().state is ServerState.UNREACHABLE
    assert client.drain() is False
    client.close()


def test_byo_urls_replace_the_default_paths(server: FakeInferenceServer) -> None:
    # GIVEN a server whose readiness and metrics live at other URLs
    client = ServerClient(
        "http://127.0.0.1:9", ready_url=f"{server.url}/ready", metrics_url=f"{server.url}/metrics"
    )
    # WHEN the agent reads them; THEN it uses those URLs, not the base URL's paths
    assert client.readiness().state is ServerState.READY
    assert "warmfleet_inflight_requests 0" in client.metrics_text()
    client.close()
