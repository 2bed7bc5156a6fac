"""EventBridge Scheduler schedule expressions: parse and validate ``cron(...)``, ``rate(...)``, ``at(...)``.

The syntax is Scheduler's own ("Schedule types on EventBridge Scheduler",
https://docs.aws.amazon.com/scheduler/latest/UserGuide/schedule-types.html): a cron expression has six
fields ``minutes hours day-of-month month day-of-week year``, exactly one of the two day fields is ``?``,
days of the week are 1-7 or SUN-SAT (1 is Sunday), and ``L``, ``W`` and ``#`` work as in the EventBridge
reference; a rate is ``rate(value minute|minutes|hour|hours|day|days)``; a one-time schedule is
``at(yyyy-mm-ddThh:mm:ss)`` in the schedule's time zone. Parsing is pure and every error is a
``ValueError`` whose message names the expression and the part that is wrong, so a bad window fails the
deploy checks or the function's start-up with a sentence, not a stack trace.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from warmfleet.schedules.cron import CronExpression, parse_cron

__all__ = ["AtExpression", "CronExpression", "RateExpression", "ScheduleExpression", "parse_expression"]

_WRAPPED = re.compile(r"^(cron|rate|at)\((.*)\)$", re.DOTALL)
_RATE_UNITS = {
    "minute": 60,
    "minutes": 60,
    "hour": 3600,
    "hours": 3600,
    "day": 86400,
    "days": 86400,
}


@dataclass(frozen=True)
class RateExpression:
    """``rate(value unit)``: every ``period`` of elapsed time from the schedule's start date.

    Scheduler counts a day as 24 hours of elapsed time, so a rate does not follow daylight saving.
    """

    text: str
    period: timedelta


@dataclass(frozen=True)
class AtExpression:
    """``at(yyyy-mm-ddThh:mm:ss)``: one wall-clock time in the schedule's time zone."""

    text: str
    local_time: datetime


ScheduleExpression = CronExpression | RateExpression | AtExpression


def _parse_rate(text: str, body: str) -> RateExpression:
    parts = body.split()
    if len(parts) != 2:
        raise ValueError(f"{text!r}: a rate expression is rate(value unit), e.g. rate(5 minutes)")
    value, unit = parts
    if not value.isdigit() or int(value) <= 0:
        raise ValueError(f"{text!r}: the rate value {value!r} must be a positive whole number")
    if unit not in _RATE_UNITS:
        raise ValueError(f"{text!r}: the rate unit {unit!r} must be one of {', '.join(_RATE_UNITS)}")
    return RateExpression(text, timedelta(seconds=int(value) * _RATE_UNITS[unit]))


def _parse_at(text: str, body: str) -> AtExpression:
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}", body.strip()):
        raise ValueError(f"{text!r}: a one-time expression is at(yyyy-mm-ddThh:mm:ss)")
    try:
        local = datetime.fromisoformat(body.strip())
    except ValueError as error:
        raise ValueError(f"{text!r}: {error}") from None
    return AtExpression(text, local)


def parse_expression(text: str) -> ScheduleExpression:
    """Parse a Scheduler expression, or raise ``ValueError`` saying what is wrong.

    Examples
    --------
    >>> parse_expression("rate(2 hours)").period
    datetime.timedelta(seconds=7200)
    >>> parse_expression("cron(0 8 ? * MON-FRI *)").matches_weekday(2)
    True
    >>> parse_expression("cron(0 8 * * MON-FRI *)")
    Traceback (most recent call last):
    ...
    ValueError: 'cron(0 8 * * MON-FRI *)': exactly one of day-of-month and day-of-week must be '?'
    """
    match = _WRAPPED.match(text.strip())
    if not match:
        raise ValueError(f"{text!r}: a schedule expression is cron(...), rate(...) or at(...)")
    kind, body = match.groups()
    if kind == "rate":
        return _parse_rate(text, body)
    if kind == "at":
        return _parse_at(text, body)
    return parse_cron(text, body)
