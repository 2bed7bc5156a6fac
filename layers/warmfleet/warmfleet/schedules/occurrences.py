"""When a schedule expression fires, as instants: the next occurrence after a time, the latest one before.

Scheduler evaluates cron and one-time expressions in the schedule's time zone and follows daylight saving
(https://docs.aws.amazon.com/scheduler/latest/UserGuide/schedule-types.html#daylist-savings-time): a local
time that does not exist on the spring-forward day is skipped, and a local time that happens twice on the
fall-back day fires once, at its first occurrence. A rate counts elapsed time from the start date (a day is
24 hours), so it ignores daylight saving. Everything here is pure: ``now`` is passed in.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, tzinfo

from warmfleet.schedules.cron import CronExpression
from warmfleet.schedules.expressions import AtExpression, RateExpression, ScheduleExpression

#: How far ahead a cron expression is searched (a 29 February schedule can wait eight years).
HORIZON_DAYS = 10 * 366


def resolve_local(naive: datetime, zone: tzinfo) -> datetime | None:
    """The instant (in UTC) of a local wall-clock time: None in a gap, the first of two in a fold.

    Instants are kept in UTC because Python adds a ``timedelta`` to a zoned datetime on the wall clock.
    """
    first = naive.replace(tzinfo=zone, fold=0).astimezone(UTC)
    if first.astimezone(zone).replace(tzinfo=None) != naive:
        return None
    return first


def _local_date(instant: datetime, zone: tzinfo) -> date:
    return instant.astimezone(zone).date()


def next_occurrence(
    expression: ScheduleExpression, zone: tzinfo, after: datetime, *, start: datetime | None = None
) -> datetime | None:
    """The first time the expression fires strictly after ``after`` (None if it never does again).

    ``start`` is the schedule's start date: a rate's first occurrence, and no occurrence precedes it.

    Examples
    --------
    >>> from zoneinfo import ZoneInfo
    >>> from warmfleet.schedules.expressions import parse_expression
    >>> berlin = ZoneInfo("Europe/Berlin")
    >>> after = datetime(2026, 3, 28, 12, 0, tzinfo=UTC)  # Saturday; clocks go forward on Sunday
    >>> found = next_occurrence(parse_expression("cron(0 8 * * ? *)"), berlin, after)
    >>> found.isoformat(), found.astimezone(berlin).isoformat()
    ('2026-03-29T06:00:00+00:00', '2026-03-29T08:00:00+02:00')
    """
    after, start = after.astimezone(UTC), start.astimezone(UTC) if start is not None else None
    # Before the start date the first occurrence may be the start itself; after it, strictly later.
    bound, strict = (start, False) if start is not None and start > after else (after, True)
    if isinstance(expression, RateExpression):
        if start is None:
            raise ValueError(f"{expression.text!r}: a rate schedule needs its start date")
        if not strict:
            return start
        return start + (int((after - start) / expression.period) + 1) * expression.period
    if isinstance(expression, AtExpression):
        instant = resolve_local(expression.local_time, zone)
        return instant if instant is not None and instant > after and instant >= bound else None
    return _next_cron(expression, zone, bound, strict=strict)


def _next_cron(expression: CronExpression, zone: tzinfo, after: datetime, *, strict: bool) -> datetime | None:
    first_day = _local_date(after, zone)
    last_day = first_day + timedelta(days=HORIZON_DAYS)
    for naive in expression.local_times(first_day):
        if naive.date() > last_day:
            return None
        instant = resolve_local(naive, zone)
        if instant is not None and (instant > after or (not strict and instant == after)):
            return instant
    return None


def latest_occurrence(
    expression: ScheduleExpression,
    zone: tzinfo,
    at: datetime,
    *,
    not_before: datetime,
    start: datetime | None = None,
) -> datetime | None:
    """The last time the expression fired at or before ``at`` and not before ``not_before`` (or None).

    Examples
    --------
    >>> from zoneinfo import ZoneInfo
    >>> from warmfleet.schedules.expressions import parse_expression
    >>> at = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)
    >>> latest_occurrence(parse_expression("rate(1 day)"), UTC, at, not_before=at - timedelta(days=2),
    ...                   start=datetime(2026, 11, 1, 6, 0, tzinfo=UTC)).isoformat()
    '2026-11-27T06:00:00+00:00'
    """
    at, start = at.astimezone(UTC), start.astimezone(UTC) if start is not None else None
    not_before = not_before.astimezone(UTC)
    lower = max(not_before, start) if start is not None else not_before
    if at < lower:
        return None
    if isinstance(expression, RateExpression):
        if start is None:
            raise ValueError(f"{expression.text!r}: a rate schedule needs its start date")
        occurrence = start + int((at - start) / expression.period) * expression.period
        return occurrence if occurrence >= lower else None
    if isinstance(expression, AtExpression):
        instant = resolve_local(expression.local_time, zone)
        return instant if instant is not None and lower <= instant <= at else None
    stop = _local_date(lower, zone)
    for naive in expression.local_times(_local_date(at, zone), forward=False):
        if naive.date() < stop:
            return None
        instant = resolve_local(naive, zone)
        if instant is not None and instant <= at:
            return instant if instant >= lower else None
    return None
