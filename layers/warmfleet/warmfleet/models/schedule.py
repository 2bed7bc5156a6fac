"""The payload a busy-hours schedule (EventBridge Scheduler) sends to the alarm function when a window opens.

`{"warmfleet": "schedule", "window": NAME, "floor": N, "ceiling": M | null, "until": UNTIL}`, where UNTIL is
the window's end: an ISO 8601 instant, or an ISO 8601 interval `<start>/<duration>`. The template sends
`<aws.scheduler.scheduled-time>/PT<minutes>M`, because Scheduler substitutes the scheduled time
(https://docs.aws.amazon.com/scheduler/latest/UserGuide/managing-schedule-context-attributes.html) but cannot
add to it. Extra keys are refused, like the other schedule payloads.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Literal, Self

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

_DURATION = re.compile(
    r"^P(?:(?P<days>\d+)D)?(?:T(?:(?P<hours>\d+)H)?(?:(?P<minutes>\d+)M)?(?:(?P<seconds>\d+)S)?)?$"
)


def _instant(text: str) -> datetime:
    try:
        value = datetime.fromisoformat(text.strip())
    except ValueError:
        raise ValueError(f"{text!r} is not an ISO 8601 date and time") from None
    if value.tzinfo is None:
        raise ValueError(f"{text!r} has no time zone (Scheduler's scheduled time ends in Z)")
    return value


def _duration(text: str) -> timedelta:
    match = _DURATION.match(text.strip())
    if not match or text.strip() in {"P", "PT"} or text.strip().endswith("T"):
        raise ValueError(f"{text!r} is not an ISO 8601 duration such as PT480M or P1DT2H")
    parts = {key: int(value) for key, value in match.groupdict().items() if value}
    duration = timedelta(**parts)
    if duration <= timedelta(0):
        raise ValueError(f"{text!r} is an empty duration")
    return duration


class ScheduleEvent(BaseModel):
    """One opening of a busy-hours window, as the schedule's target input says.

    Examples
    --------
    >>> event = ScheduleEvent.model_validate({"warmfleet": "schedule", "window": "busy-hours", "floor": 2,
    ...     "ceiling": None, "until": "2026-11-27T08:00:00Z/PT480M"})
    >>> event.opens_at.isoformat(), event.closes_at.isoformat()
    ('2026-11-27T08:00:00+00:00', '2026-11-27T16:00:00+00:00')
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    warmfleet: Literal["schedule"]
    window: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
    floor: int | None = Field(default=None, ge=0)
    ceiling: int | None = Field(default=None, ge=0)
    until: str = Field(min_length=1)

    @field_validator("until")
    @classmethod
    def _valid_until(cls, value: str) -> str:
        start, slash, rest = value.partition("/")
        _instant(start)
        if slash:
            _duration(rest)
        return value

    @model_validator(mode="after")
    def _bounds(self) -> Self:
        if self.floor is None and self.ceiling is None:
            raise ValueError("a schedule event needs a floor or a ceiling")
        if self.floor is not None and self.ceiling is not None and self.floor > self.ceiling:
            raise ValueError(f"floor ({self.floor}) is above ceiling ({self.ceiling})")
        return self

    @property
    def opens_at(self) -> datetime | None:
        """The window's scheduled start, when `until` is an interval."""
        start, slash, _ = self.until.partition("/")
        return _instant(start) if slash else None

    @property
    def closes_at(self) -> datetime:
        """When the window ends."""
        start, slash, rest = self.until.partition("/")
        return _instant(start) + _duration(rest) if slash else _instant(start)
