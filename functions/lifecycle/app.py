"""Lifecycle function: holds each new instance out of service until its model is warm, and each
leaving instance until it has drained (launch/terminate hooks, instance events, the sweep).

A composition root: read the configuration from the environment (names in `warmfleet.config`), then let
`warmfleet.handlers.lifecycle` validate, filter and act. See the README, "Events and handler configuration".
"""

from __future__ import annotations

import os
from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.typing import LambdaContext
from warmfleet.config import LifecycleConfig
from warmfleet.handlers import lifecycle

logger = Logger()


@logger.inject_lambda_context(log_event=False)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return lifecycle.handle(event, LifecycleConfig.from_env(os.environ))
