"""Judge the server's warm-up from its readiness answers: still waiting, warm, or failed and why.

Pure: the agent passes the latest `GET /ready` answer, whether the server has ever answered, and how long
it has waited. A server that answered once and then stops answering has exited (systemd may restart it,
but the instance is no longer the one that warmed); one that never answers is judged by the timeout.
"""

from __future__ import annotations

from dataclasses import dataclass

from warmfleet_inference.agent.events import WarmupFailureReason
from warmfleet_inference.agent.server_client import Readiness, ServerState


@dataclass(frozen=True)
class WarmupVerdict:
    """`ready` True: warm. Otherwise `failure` says why warm-up failed (`reason` in words)."""

    ready: bool
    failure: WarmupFailureReason | None = None
    reason: str = ""


def judge_warmup(
    readiness: Readiness, *, answered_before: bool, waited: float, timeout: float
) -> WarmupVerdict | None:
    """The verdict on warm-up, or None to keep waiting.

    Example
    -------
    >>> judge_warmup(Readiness(ServerState.READY), answered_before=True, waited=3, timeout=60)
    WarmupVerdict(ready=True, failure=None, reason='')
    """
    if readiness.state is ServerState.READY:
        return WarmupVerdict(ready=True)
    if readiness.state is ServerState.FAILED:
        reason = f"server reported failed: {readiness.reason or 'no reason given'}"
        return WarmupVerdict(ready=False, failure=WarmupFailureReason.SERVER_FAILED, reason=reason)
    if readiness.state is ServerState.UNREACHABLE and answered_before:
        reason = f"server stopped answering during warm-up: {readiness.reason}"
        return WarmupVerdict(ready=False, failure=WarmupFailureReason.SERVER_EXITED, reason=reason)
    if waited >= timeout:
        last = f"{readiness.state}" + (f": {readiness.reason}" if readiness.reason else "")
        reason = f"not ready after {timeout:g}s (last state {last})"
        return WarmupVerdict(ready=False, failure=WarmupFailureReason.TIMEOUT, reason=reason)
    return None
