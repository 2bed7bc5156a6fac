"""Alarm function: a state change of one of this stack's alarms applies (or ends) the alarm's step at once,
and a busy-hours schedule applies its window at once, through the same pipeline as the scaler.

A composition root: read the configuration from the environment (names in `warmfleet.config`; the windows
in `SCHEDULE_WINDOWS`), let `warmfleet.handlers.alarm` validate and filter, and build the scaler's runtime
(boto3 clients with adaptive retries, the policy, the collectors, the state store) once per container, on
the first event it acts on, so a rejected event costs no client. See the README, "Alarms and schedules".
"""

from __future__ import annotations

import os
from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.typing import LambdaContext
from warmfleet.config import AlarmConfig, ScalerConfig
from warmfleet.handlers import alarm

logger = Logger()
_built: list[alarm.AlarmRuntime] = []


def runtime() -> alarm.AlarmRuntime:
    """The container's runtime (built on the first acted event; a warm container reuses its clients)."""
    if not _built:
        from warmfleet.handlers import scaler  # noqa: PLC0415 - boto3 loads only for an event acted on
        from warmfleet.schedules import windows_from_env  # noqa: PLC0415 - likewise

        config = ScalerConfig.from_env(os.environ)
        built = scaler.build_runtime(config, windows=windows_from_env(os.environ))
        _built.append(alarm.AlarmRuntime(built, config))
    return _built[0]


@logger.inject_lambda_context(log_event=False)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return alarm.handle(event, AlarmConfig.from_env(os.environ), runtime)
