"""The agent's HTTP view of the inference server beside it: readiness, metrics, drain and inference.

Speaks the warmfleet server's endpoints (`GET /ready`, `GET /metrics`, `POST /drain`,
`POST /v2/models/{name}/infer`). The readiness and metrics URLs can be pointed elsewhere for a server the
agent did not start (bring your own: vLLM, Triton, TGI); such a server's readiness is read from the HTTP
status alone (200 ready, anything else not yet) unless it answers the warmfleet JSON shape.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import httpx


class ServerState(StrEnum):
    """The readiness states of the server (`GET /ready`), plus what the agent sees when it cannot ask."""

    READY = "ready"
    LOADING = "loading"
    WARMING = "warming"
    FAILED = "failed"
    DRAINING = "draining"
    UNREACHABLE = "unreachable"
    NOT_READY = "not-ready"  # a 503 without the warmfleet body (a bring-your-own server)


@dataclass(frozen=True)
class Readiness:
    """One answer of `GET /ready`."""

    state: ServerState
    reason: str = ""


@dataclass(frozen=True)
class InferenceReply:
    """The status and JSON body of one `POST /v2/models/{name}/infer`."""

    status_code: int
    body: dict[str, Any]


class ServerClient:
    """HTTP calls to the local inference server; every call has a timeout, none retries on its own."""

    def __init__(
        self,
        server_url: str,
        *,
        ready_url: str | None = None,
        metrics_url: str | None = None,
        drain_url: str | None = None,
        timeout: float = 5.0,
        infer_timeout: float = 300.0,
    ) -> None:
        base = server_url.rstrip("/")
        self.server_url = base
        self.ready_url = ready_url or f"{base}/ready"
        self.metrics_url = metrics_url or f"{base}/metrics"
        self.drain_url = drain_url or f"{base}/drain"
        self._infer_timeout = infer_timeout
        self._http = httpx.Client(timeout=timeout)

    def readiness(self) -> Readiness:
        try:
            response = self._http.get(self.ready_url)
        except httpx.TransportError as error:
            return Readiness(ServerState.UNREACHABLE, f"{type(error).__name__}: {error}")
        if response.status_code == 200:
            return Readiness(ServerState.READY)
        try:
            body = response.json()
            state = ServerState(body["state"])
            return Readiness(state, str(body.get("reason") or ""))
        except (ValueError, KeyError, TypeError):
            return Readiness(ServerState.NOT_READY, f"HTTP {response.status_code}")

    def metrics_text(self) -> str:
        """The Prometheus text of `GET /metrics`; raises httpx.HTTPError when the server cannot answer."""
        response = self._http.get(self.metrics_url)
        response.raise_for_status()
        return response.text

    def drain(self) -> bool:
        """Ask the server to drain; False when it cannot be asked (already gone, or no drain endpoint)."""
        try:
            response = self._http.post(self.drain_url)
        except httpx.TransportError:
            return False
        return response.status_code < 300

    def infer(self, model: str, request: dict[str, Any]) -> InferenceReply:
        """One KServe v2 inference; transport errors raise httpx.TransportError for the caller to judge."""
        response = self._http.post(
            f"{self.server_url}/v2/models/{model}/infer", json=request, timeout=self._infer_timeout
        )
        try:
            body = response.json()
        except ValueError:
            body = {"error": response.text[:500]}
        if not isinstance(body, dict):
            body = {"error": f"unexpected response body: {str(body)[:200]}"}
        return InferenceReply(response.status_code, body)

    def close(self) -> None:
        self._http.close()
