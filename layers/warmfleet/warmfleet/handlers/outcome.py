"""What a function returns for an event it did not act on, and the shared parse-or-reject step.

A rejected or ignored event is not an error to retry: EventBridge would only deliver it again. The function
logs the outcome and returns it, and nothing was changed.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from warmfleet.exceptions import InvalidEventError


class OutcomeStatus(StrEnum):
    DONE = "done"
    IGNORED = "ignored"
    REJECTED = "rejected"


class RejectReason(StrEnum):
    MALFORMED = "malformed"
    NOT_THIS_FUNCTION = "not-this-function"
    FOREIGN_GROUP = "foreign-group"
    FOREIGN_ALARM = "foreign-alarm"


@dataclass(frozen=True)
class Outcome:
    """The result of one invocation: a status, a reason code and a message for the log."""

    status: OutcomeStatus
    reason: str
    message: str

    def as_dict(self) -> dict[str, Any]:
        return {"status": str(self.status), "reason": str(self.reason), "message": self.message}


def rejected(reason: RejectReason, message: str) -> Outcome:
    return Outcome(OutcomeStatus.REJECTED, reason, message)


ModelT = TypeVar("ModelT", bound=BaseModel)


def parse_event(model: type[ModelT], event: object) -> ModelT:
    """Parse `event` with `model`, or raise `InvalidEventError` listing every field that is wrong."""
    if not isinstance(event, dict):
        raise InvalidEventError(f"expected a JSON object, got {type(event).__name__}")
    try:
        return model.model_validate(event)
    except ValidationError as error:
        problems = "; ".join(
            f"{'.'.join(str(part) for part in item['loc']) or '<event>'}: {item['msg']}"
            for item in error.errors()
        )
        raise InvalidEventError(f"not a valid {model.__name__}: {problems}") from None
