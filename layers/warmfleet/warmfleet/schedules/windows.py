"""Busy-hour windows: a schedule expression in a time zone opens a window of fixed length with a floor and
an optional ceiling; a pre-warm applies the floor ``lead`` seconds before each opening.

A window is ``open`` from an occurrence of its expression for ``duration_minutes``; ``pre-warm`` from
``lead`` before the next occurrence until it; ``closed`` otherwise. :func:`schedule_bounds` turns the
windows into the two numbers ``warmfleet.core.decide`` reads (``schedule_floor``, ``schedule_ceiling``):
the highest floor of the windows open or pre-warming and the lowest ceiling of the windows open. A
pre-warm raises only the floor — the ceiling of a window starts with the window. Where two windows overlap
the core applies the floor first and then the ceiling, so a ceiling wins over a floor (DESIGN.md, step 6).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from functools import cached_property
from typing import Any, Self
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from warmfleet.schedules.expressions import RateExpression, ScheduleExpression, parse_expression
from warmfleet.schedules.occurrences import latest_occurrence, next_occurrence

#: Scheduler's longest sensible window here: one week.
MAX_DURATION_MINUTES = 7 * 24 * 60


class WindowPhase(StrEnum):
    CLOSED = "closed"
    PREWARM = "pre-warm"
    OPEN = "open"


def zone_of(name: str) -> ZoneInfo:
    """The IANA time zone ``name``, or ``ValueError`` naming it."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"{name!r} is not an IANA time zone (e.g. UTC, Europe/Berlin)") from None


class ScheduleWindow(BaseModel):
    """One busy-hours window, as a stack parameter set declares it.

    Examples
    --------
    >>> window = ScheduleWindow.model_validate({"name": "busy-hours", "expression": "cron(0 8 ? * MON-FRI *)",
    ...     "timezone": "Europe/Berlin", "duration_minutes": 600, "floor": 4})
    >>> window.floor, window.ceiling, str(window.zone)
    (4, None, 'Europe/Berlin')
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = Field(min_length=1)
    expression: str
    timezone: str = "UTC"
    duration_minutes: int = Field(ge=1, le=MAX_DURATION_MINUTES)
    floor: int | None = Field(default=None, ge=0)
    ceiling: int | None = Field(default=None, ge=0)
    start: AwareDatetime | None = None

    @field_validator("expression")
    @classmethod
    def _valid_expression(cls, value: str) -> str:
        parse_expression(value)
        return value

    @field_validator("timezone")
    @classmethod
    def _valid_zone(cls, value: str) -> str:
        zone_of(value)
        return value

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if self.floor is None and self.ceiling is None:
            raise ValueError(f"window {self.name!r} needs a floor or a ceiling")
        if self.floor is not None and self.ceiling is not None and self.floor > self.ceiling:
            raise ValueError(f"window {self.name!r}: floor {self.floor} is above ceiling {self.ceiling}")
        if isinstance(self.parsed, RateExpression) and self.start is None:
            raise ValueError(
                f"window {self.name!r}: {self.expression} needs a start (the schedule's StartDate): a rate "
                "counts from it"
            )
        return self

    @cached_property
    def parsed(self) -> ScheduleExpression:
        return parse_expression(self.expression)

    @cached_property
    def zone(self) -> ZoneInfo:
        return zone_of(self.timezone)

    @property
    def duration(self) -> timedelta:
        return timedelta(minutes=self.duration_minutes)


@dataclass(frozen=True)
class WindowStatus:
    """Where one window stands at ``now``; ``opens_at``/``closes_at`` of the occurrence that decides it."""

    name: str
    phase: WindowPhase
    opens_at: datetime | None
    closes_at: datetime | None

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "phase": str(self.phase),
            "opensAt": self.opens_at.isoformat() if self.opens_at else None,
            "closesAt": self.closes_at.isoformat() if self.closes_at else None,
        }


def window_status(window: ScheduleWindow, now: datetime, lead_seconds: float) -> WindowStatus:
    """Whether ``window`` is open, pre-warming (its next opening is at most ``lead_seconds`` away) or closed.

    Examples
    --------
    >>> from datetime import UTC
    >>> window = ScheduleWindow(name="w", expression="cron(0 9 * * ? *)", duration_minutes=60, floor=3)
    >>> window_status(window, datetime(2026, 1, 1, 8, 55, tzinfo=UTC), lead_seconds=600).phase
    <WindowPhase.PREWARM: 'pre-warm'>
    """
    expression, zone, start = window.parsed, window.zone, window.start
    now = now.astimezone(UTC)  # arithmetic on elapsed time, never on a zone's wall clock
    opened = latest_occurrence(expression, zone, now, not_before=now - window.duration, start=start)
    if opened is not None and now < opened + window.duration:
        return WindowStatus(window.name, WindowPhase.OPEN, opened, opened + window.duration)
    upcoming = next_occurrence(expression, zone, now, start=start)
    if upcoming is not None and (upcoming - now).total_seconds() <= lead_seconds:
        return WindowStatus(window.name, WindowPhase.PREWARM, upcoming, upcoming + window.duration)
    return WindowStatus(
        window.name, WindowPhase.CLOSED, upcoming, upcoming + window.duration if upcoming else None
    )


@dataclass(frozen=True)
class ScheduleBounds:
    """The floor and ceiling the windows set at one instant, and each window's status (for the log)."""

    floor: int | None
    ceiling: int | None
    statuses: tuple[WindowStatus, ...]

    @property
    def active(self) -> tuple[str, ...]:
        return tuple(s.name for s in self.statuses if s.phase is not WindowPhase.CLOSED)


def schedule_bounds(windows: Iterable[ScheduleWindow], now: datetime, lead_seconds: float) -> ScheduleBounds:
    """The floor (highest, open or pre-warming windows) and ceiling (lowest, open windows) at ``now``."""
    floors: list[int] = []
    ceilings: list[int] = []
    statuses: list[WindowStatus] = []
    for window in windows:
        status = window_status(window, now, lead_seconds)
        statuses.append(status)
        if status.phase is not WindowPhase.CLOSED and window.floor is not None:
            floors.append(window.floor)
        if status.phase is WindowPhase.OPEN and window.ceiling is not None:
            ceilings.append(window.ceiling)
    return ScheduleBounds(
        max(floors) if floors else None, min(ceilings) if ceilings else None, tuple(statuses)
    )


def load_windows(document: Any, *, origin: str = "schedule windows") -> tuple[ScheduleWindow, ...]:
    """Windows from a JSON text or a parsed list; ``ValueError`` naming ``origin`` and what is wrong."""
    if isinstance(document, str):
        if not document.strip():
            return ()
        try:
            document = json.loads(document)
        except json.JSONDecodeError as error:
            raise ValueError(f"{origin} is not valid JSON: {error}") from None
    if not isinstance(document, Sequence) or isinstance(document, str):
        raise ValueError(f"{origin} must be a JSON list of windows")
    windows: list[ScheduleWindow] = []
    for index, raw in enumerate(document):
        try:
            windows.append(ScheduleWindow.model_validate(raw))
        except ValidationError as error:
            problems = "; ".join(
                f"{'.'.join(str(p) for p in item['loc']) or 'window'}: {item['msg']}"
                for item in error.errors()
            )
            raise ValueError(f"{origin}[{index}] is invalid: {problems}") from None
    names = [w.name for w in windows]
    if len(names) != len(set(names)):
        raise ValueError(f"{origin}: window names must be unique, got {names}")
    return tuple(windows)
