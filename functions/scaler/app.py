"""Scaler function: four times a minute, collect the group's signals, decide with warmfleet.core and
set the desired capacity.

A composition root: read the configuration from the environment (names in `warmfleet.config`), then let
`warmfleet.handlers.scaler` validate, filter and act. See the README, "Events and handler configuration".
"""

from __future__ import annotations

import os
from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.typing import LambdaContext
from warmfleet.config import ScalerConfig
from warmfleet.handlers import scaler

logger = Logger()


@logger.inject_lambda_context(log_event=False)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return scaler.handle(event, ScalerConfig.from_env(os.environ))
