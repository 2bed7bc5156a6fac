"""Scaler function: four times a minute, collect the group's signals, decide with warmfleet.core and
set the desired capacity.

A composition root: read the configuration from the environment (names in `warmfleet.config`), let
`warmfleet.handlers.scaler` validate the tick, and build the runtime (boto3 clients with adaptive retries,
the policy, the collectors, the state store, the busy-hour windows of `SCHEDULE_WINDOWS`) once per
container, on the first valid tick, so a rejected event costs no client and importing this module stays
cheap. See the README, "Events and handler
configuration" and "Scaler".
"""

from __future__ import annotations

import os
from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.typing import LambdaContext
from warmfleet.config import ScalerConfig
from warmfleet.handlers import scaler

logger = Logger()
_built: list[tuple[ScalerConfig, scaler.ScalerRuntime]] = []


def runtime(config: ScalerConfig) -> scaler.ScalerRuntime:
    """The container's runtime for `config` (built on first use; a warm container reuses its clients)."""
    if not _built or _built[0][0] != config:
        from warmfleet.schedules import windows_from_env  # noqa: PLC0415 - read with the runtime, once

        _built[:] = [(config, scaler.build_runtime(config, windows=windows_from_env(os.environ)))]
    return _built[0][1]


@logger.inject_lambda_context(log_event=False)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return scaler.handle(event, ScalerConfig.from_env(os.environ), runtime)
