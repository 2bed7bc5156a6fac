"""Alarm function: a state change of one of this stack's alarms applies (or ends) the alarm's step
at once, through the same decision as the scaler.

A composition root: read the configuration from the environment (names in `warmfleet.config`), then let
`warmfleet.handlers.alarm` validate, filter and act. See the README, "Events and handler configuration".
"""

from __future__ import annotations

import os
from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.typing import LambdaContext
from warmfleet.config import AlarmConfig
from warmfleet.handlers import alarm

logger = Logger()


@logger.inject_lambda_context(log_event=False)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return alarm.handle(event, AlarmConfig.from_env(os.environ))
