"""Pause switch collector: the SSM parameter that pauses acting (decisions are still made and logged).

The parameter holds `true` or `false`. It is read at most once per `max_age_seconds` in a warm container
(the same idea as Powertools' parameter cache), so a steady tick rarely pays a GetParameter; pausing takes
effect within that age. A value that is neither `true` nor `false`, or a parameter that cannot be read and
was never read before, counts as paused: acting on an unreadable switch is the one unsafe choice. The
group tag `warmfleet:paused` (read with the group, see `warmfleet.signals.group`) pauses as well.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from aws_lambda_powertools import Logger

if TYPE_CHECKING:
    from mypy_boto3_ssm import SSMClient

logger = Logger(child=True)

DEFAULT_MAX_AGE_SECONDS = 60.0


def parse_pause_value(raw: str | None) -> bool | None:
    """True/False for `true`/`false` (any case, trimmed); None for anything else."""
    value = (raw or "").strip().lower()
    return {"true": True, "false": False}.get(value)


class PauseSwitch:
    """Reads the pause parameter through an injected SSM client, caching the answer for `max_age_seconds`."""

    def __init__(
        self, client: SSMClient, name: str, *, max_age_seconds: float = DEFAULT_MAX_AGE_SECONDS
    ) -> None:
        self._client = client
        self._name = name
        self._max_age = max_age_seconds
        self._value: bool | None = None
        self._read_at: datetime | None = None

    def paused(self, now: datetime) -> bool:
        if self._read_at is not None and (now - self._read_at).total_seconds() < self._max_age:
            return bool(self._value)
        try:
            raw = self._client.get_parameter(Name=self._name)["Parameter"].get("Value")
        except Exception as error:
            logger.error(
                "pause parameter could not be read", extra={"parameter": self._name, "error": str(error)}
            )
            # Keep the last value read; with none, stay paused until the switch can be read.
            return True if self._value is None else self._value
        value = parse_pause_value(raw)
        if value is None:
            logger.error(
                "pause parameter is neither true nor false: paused",
                extra={"parameter": self._name, "value": raw},
            )
            value = True
        self._value, self._read_at = value, now
        return value
