"""The scaler function's front door: accept only the tick payload that this stack's loop sends.

The Step Functions loop invokes the scaler with exactly `{"warmfleet": "tick"}`; anything else — another
function's payload, a hand-made event carrying a capacity — is rejected before any AWS call.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger

from warmfleet.config import ScalerConfig
from warmfleet.exceptions import InvalidEventError, NotYetImplementedError
from warmfleet.handlers.outcome import Outcome, RejectReason, parse_event, rejected
from warmfleet.models import ScalerTick

logger = Logger(child=True)


def classify(event: object) -> ScalerTick | Outcome:
    try:
        return parse_event(ScalerTick, event)
    except InvalidEventError as error:
        return rejected(RejectReason.MALFORMED, str(error))


def handle(event: object, config: ScalerConfig) -> dict[str, Any]:
    parsed = classify(event)
    if isinstance(parsed, Outcome):
        logger.warning("event not acted on", extra={"outcome": parsed.as_dict()})
        return parsed.as_dict()
    return on_tick(parsed, config)


def on_tick(tick: ScalerTick, config: ScalerConfig) -> dict[str, Any]:
    """Collect, decide and act once (issue 11)."""
    raise NotYetImplementedError("the scaler tick arrives with issue 11; nothing was scaled")
