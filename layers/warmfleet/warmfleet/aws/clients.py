"""The one way the functions make boto3 clients: adaptive retries for throttling and transient errors.

botocore's adaptive mode retries with client-side rate limiting, so a throttled Auto Scaling or CloudWatch API
slows the function down instead of failing the tick
(https://boto3.amazonaws.com/v1/documentation/api/latest/guide/retries.html). boto3 is imported on the first
call, not at module import: it is the costliest import of a cold start.
"""

from __future__ import annotations

from typing import Any

MAX_ATTEMPTS = 5


def adaptive_client(service: str) -> Any:
    """A boto3 client for `service` with adaptive retries (at most `MAX_ATTEMPTS` attempts per call)."""
    import boto3  # noqa: PLC0415 - see the module doc
    from botocore.config import Config  # noqa: PLC0415 - see the module doc

    return boto3.client(service, config=Config(retries={"mode": "adaptive", "max_attempts": MAX_ATTEMPTS}))  # type: ignore[call-overload]
