"""EventBridge cron expressions: the six fields, their validation, and the local wall-clock times they name.

Field syntax follows the EventBridge reference (https://docs.aws.amazon.com/eventbridge/latest/userguide/
eb-scheduled-rule-pattern.html#eb-cron-expressions): ``, - * /`` everywhere, ``?`` in exactly one of the
two day fields, ``L`` and ``W`` in day-of-month (``L``, ``LW``, ``15W``), ``L`` and ``#`` in day-of-week
(``L`` is Saturday, ``6L`` the last Friday, ``2#1`` the first Monday), names ``JAN-DEC`` and ``SUN-SAT``
(1 is Sunday), years 1970-2199. A range whose start is after its end wraps (``FRI-MON``).
"""

from __future__ import annotations

import calendar
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime

_MONTHS = {name: i for i, name in enumerate(calendar.month_abbr) if name}
_MONTH_NAMES = {name.upper(): number for name, number in _MONTHS.items()}
_DAY_NAMES = {"SUN": 1, "MON": 2, "TUE": 3, "WED": 4, "THU": 5, "FRI": 6, "SAT": 7}
MIN_YEAR, MAX_YEAR = 1970, 2199


@dataclass(frozen=True)
class _Field:
    name: str
    low: int
    high: int
    names: dict[str, int]


_FIELDS = (
    _Field("minutes", 0, 59, {}),
    _Field("hours", 0, 23, {}),
    _Field("day-of-month", 1, 31, {}),
    _Field("month", 1, 12, _MONTH_NAMES),
    _Field("day-of-week", 1, 7, _DAY_NAMES),
    _Field("year", MIN_YEAR, MAX_YEAR, {}),
)


@dataclass(frozen=True)
class CronExpression:
    """A parsed ``cron(...)``: the allowed values of each field and the special day rules."""

    text: str
    minutes: frozenset[int]
    hours: frozenset[int]
    months: frozenset[int]
    years: frozenset[int]
    days_of_month: frozenset[int] | None  # None: day-of-month is '?'
    days_of_week: frozenset[int] | None  # None: day-of-week is '?'
    last_day_of_month: bool = False
    last_weekday_of_month: bool = False
    nearest_weekdays: frozenset[int] = frozenset()
    last_weekdays: frozenset[int] = frozenset()  # 'nL': the last such weekday of the month
    nth_weekdays: frozenset[tuple[int, int]] = frozenset()  # 'd#n': the n-th weekday d of the month

    def matches_weekday(self, aws_day: int) -> bool:
        """Whether the plain day-of-week set holds ``aws_day`` (1 is Sunday)."""
        return self.days_of_week is not None and aws_day in self.days_of_week

    def matches_date(self, day: date) -> bool:
        """Whether the expression fires on this local date (any time of day)."""
        if day.year not in self.years or day.month not in self.months:
            return False
        if self.days_of_month is not None:
            return self._matches_day_of_month(day)
        return self._matches_day_of_week(day)

    def _matches_day_of_month(self, day: date) -> bool:
        last = calendar.monthrange(day.year, day.month)[1]
        if day.day in (self.days_of_month or ()) or (self.last_day_of_month and day.day == last):
            return True
        if self.last_weekday_of_month and day == _nearest_weekday(day.year, day.month, last):
            return True
        return any(
            day == _nearest_weekday(day.year, day.month, n) for n in self.nearest_weekdays if n <= last
        )

    def _matches_day_of_week(self, day: date) -> bool:
        aws_day = day.isoweekday() % 7 + 1
        if aws_day in (self.days_of_week or ()):
            return True
        last = calendar.monthrange(day.year, day.month)[1]
        if aws_day in self.last_weekdays and day.day + 7 > last:
            return True
        return (aws_day, (day.day - 1) // 7 + 1) in self.nth_weekdays

    def local_times(self, start: date, *, forward: bool = True) -> Iterator[datetime]:
        """Every naive local time the expression names, from ``start`` onwards (or backwards), in order."""
        times = sorted((h, m) for h in self.hours for m in self.minutes)
        if not forward:
            times.reverse()
        years = sorted(y for y in self.years if (y >= start.year if forward else y <= start.year))
        for year in years if forward else reversed(years):
            months = sorted(self.months) if forward else sorted(self.months, reverse=True)
            for month in months:
                last = calendar.monthrange(year, month)[1]
                days = range(1, last + 1) if forward else range(last, 0, -1)
                for number in days:
                    day = date(year, month, number)
                    if (day < start) if forward else (day > start):
                        continue
                    if self.matches_date(day):
                        for hour, minute in times:
                            yield datetime(year, month, number, hour, minute)


def _nearest_weekday(year: int, month: int, day: int) -> date:
    """The weekday nearest to ``day`` inside the same month (the ``W`` rule)."""
    target = date(year, month, day)
    weekday = target.weekday()  # Monday 0 .. Sunday 6
    last = calendar.monthrange(year, month)[1]
    if weekday == 5:  # Saturday: Friday before, or Monday after when the 1st is a Saturday
        return target.replace(day=day - 1) if day > 1 else target.replace(day=day + 2)
    if weekday == 6:  # Sunday: Monday after, or Friday before when it is the month's last day
        return target.replace(day=day + 1) if day < last else target.replace(day=day - 2)
    return target


def _value(field: _Field, token: str, text: str) -> int:
    upper = token.upper()
    if upper in field.names:
        return field.names[upper]
    if not upper.isdigit():
        raise ValueError(f"{text!r}: {token!r} is not a valid {field.name} value")
    number = int(upper)
    if not field.low <= number <= field.high:
        raise ValueError(f"{text!r}: {field.name} value {number} is outside {field.low}-{field.high}")
    return number


def _span(field: _Field, start: int, end: int, step: int) -> set[int]:
    if start <= end:
        return set(range(start, end + 1, step))
    if field.name == "year":
        raise ValueError(f"year range {start}-{end} runs backwards")
    cycle = list(range(start, field.high + 1)) + list(range(field.low, end + 1))
    return set(cycle[::step])


def _parse_plain(field: _Field, spec: str, text: str) -> set[int]:
    values: set[int] = set()
    for part in spec.split(","):
        base, _, step_text = part.partition("/")
        step = 1
        if step_text:
            if not step_text.isdigit() or int(step_text) == 0:
                raise ValueError(f"{text!r}: {field.name} increment {step_text!r} must be a positive number")
            step = int(step_text)
        if base == "*":
            start, end = field.low, field.high
        elif "-" in base:
            low, _, high = base.partition("-")
            start, end = _value(field, low, text), _value(field, high, text)
        else:
            start = _value(field, base, text)
            end = field.high if step_text else start
        try:
            values |= _span(field, start, end, step)
        except ValueError as error:
            raise ValueError(f"{text!r}: {error}") from None
    return values


def _parse_days_of_month(field: _Field, spec: str, text: str) -> dict[str, object]:
    plain: list[str] = []
    found: dict[str, object] = {"last_day_of_month": False, "last_weekday_of_month": False}
    nearest: set[int] = set()
    for part in spec.split(","):
        upper = part.upper()
        if upper == "L":
            found["last_day_of_month"] = True
        elif upper == "LW":
            found["last_weekday_of_month"] = True
        elif upper.endswith("W"):
            nearest.add(_value(field, upper[:-1], text))
        else:
            plain.append(part)
    found["days_of_month"] = frozenset(_parse_plain(field, ",".join(plain), text)) if plain else frozenset()
    found["nearest_weekdays"] = frozenset(nearest)
    return found


def _parse_days_of_week(field: _Field, spec: str, text: str) -> dict[str, object]:
    plain: list[str] = []
    last: set[int] = set()
    nth: set[tuple[int, int]] = set()
    for part in spec.split(","):
        upper = part.upper()
        if upper == "L":
            plain.append("7")
        elif upper.endswith("L"):
            last.add(_value(field, upper[:-1], text))
        elif "#" in upper:
            day, _, which = upper.partition("#")
            if which not in {"1", "2", "3", "4", "5"}:
                raise ValueError(f"{text!r}: in {part!r} the week of the month must be 1-5")
            nth.add((_value(field, day, text), int(which)))
        else:
            plain.append(part)
    days = frozenset(_parse_plain(field, ",".join(plain), text)) if plain else frozenset()
    return {"days_of_week": days, "last_weekdays": frozenset(last), "nth_weekdays": frozenset(nth)}


def parse_cron(text: str, body: str) -> CronExpression:
    """Parse the six fields of ``cron(body)``; ``text`` is the whole expression, for the messages."""
    parts = body.split()
    if len(parts) != 6:
        raise ValueError(
            f"{text!r}: a cron expression has six fields (minutes hours day-of-month month day-of-week "
            f"year), got {len(parts)}"
        )
    minute, hour, day_of_month, month, day_of_week, year = parts
    if (day_of_month == "?") == (day_of_week == "?"):
        raise ValueError(f"{text!r}: exactly one of day-of-month and day-of-week must be '?'")
    minutes_field, hours_field, month_field, year_field = _FIELDS[0], _FIELDS[1], _FIELDS[3], _FIELDS[5]
    plain = {
        "minutes": frozenset(_parse_plain(minutes_field, minute, text)),
        "hours": frozenset(_parse_plain(hours_field, hour, text)),
        "months": frozenset(_parse_plain(month_field, month, text)),
        "years": frozenset(_parse_plain(year_field, year, text)),
    }
    days: dict[str, object] = {"days_of_month": None, "days_of_week": None}
    if day_of_month != "?":
        days.update(_parse_days_of_month(_FIELDS[2], day_of_month, text))
    else:
        days.update(_parse_days_of_week(_FIELDS[4], day_of_week, text))
    return CronExpression(text=text, **plain, **days)  # type: ignore[arg-type]
