"""Scheduler expressions: what parses, what is refused with a sentence, and which dates a cron names."""

from __future__ import annotations

from datetime import date, timedelta
from itertools import islice

import pytest
from warmfleet.schedules import AtExpression, CronExpression, RateExpression, parse_expression


@pytest.mark.parametrize(
    ("text", "period"),
    [
        pytest.param("rate(1 minute)", timedelta(minutes=1), id="one-minute"),
        pytest.param("rate(15 minutes)", timedelta(minutes=15), id="minutes"),
        pytest.param("rate(2 hours)", timedelta(hours=2), id="hours"),
        pytest.param("rate(1 day)", timedelta(days=1), id="one-day"),
        pytest.param(" rate(7 days) ", timedelta(days=7), id="padded"),
    ],
)
def test_rate_expressions_parse(text: str, period: timedelta) -> None:
    # GIVEN a valid rate WHEN parsed THEN its period is elapsed time
    parsed = parse_expression(text)
    assert isinstance(parsed, RateExpression)
    assert parsed.period == period


@pytest.mark.parametrize(
    ("text", "message"),
    [
        pytest.param("", "cron\\(...\\), rate\\(...\\) or at\\(...\\)", id="empty"),
        pytest.param("0 8 * * ? *", "cron\\(...\\), rate\\(...\\) or at\\(...\\)", id="unwrapped-cron"),
        pytest.param("every(5 minutes)", "cron\\(...\\)", id="unknown-kind"),
        pytest.param("rate(0 minutes)", "positive whole number", id="rate-zero"),
        pytest.param("rate(-5 minutes)", "positive whole number", id="rate-negative"),
        pytest.param("rate(1.5 hours)", "positive whole number", id="rate-fraction"),
        pytest.param("rate(5 weeks)", "unit 'weeks'", id="rate-weeks"),
        pytest.param("rate(5)", "rate\\(value unit\\)", id="rate-no-unit"),
        pytest.param("cron(0 8 * * *)", "six fields", id="cron-five-fields"),
        pytest.param("cron(0 8 * * ? * *)", "six fields", id="cron-seven-fields"),
        pytest.param(
            "cron(0 8 * * MON-FRI *)", "exactly one of day-of-month and day-of-week", id="no-question"
        ),
        pytest.param("cron(0 8 ? * ? *)", "exactly one of day-of-month and day-of-week", id="two-questions"),
        pytest.param("cron(60 8 * * ? *)", "minutes value 60 is outside 0-59", id="minute-60"),
        pytest.param("cron(0 24 * * ? *)", "hours value 24 is outside 0-23", id="hour-24"),
        pytest.param("cron(0 8 32 * ? *)", "day-of-month value 32", id="day-32"),
        pytest.param("cron(0 8 ? * 8 *)", "day-of-week value 8", id="weekday-8"),
        pytest.param("cron(0 8 ? * MOX *)", "'MOX' is not a valid day-of-week", id="weekday-typo"),
        pytest.param("cron(0 8 ? FOO MON *)", "'FOO' is not a valid month", id="month-typo"),
        pytest.param("cron(0 8 ? * 2#6 *)", "week of the month must be 1-5", id="nth-6"),
        pytest.param("cron(0/0 8 * * ? *)", "increment '0'", id="step-zero"),
        pytest.param("cron(0 8 * * ? 1969)", "year value 1969", id="year-too-early"),
        pytest.param("cron(0 8 * * ? 2030-2026)", "runs backwards", id="year-backwards"),
        pytest.param("at(2026-11-27 08:00:00)", "at\\(yyyy-mm-ddThh:mm:ss\\)", id="at-space"),
        pytest.param("at(2026-02-30T08:00:00)", "day is out of range", id="at-no-such-day"),
    ],
)
def test_invalid_expressions_say_why(text: str, message: str) -> None:
    # GIVEN an expression Scheduler would refuse WHEN parsed THEN a ValueError names it and the problem
    with pytest.raises(ValueError, match=message) as raised:
        parse_expression(text)
    assert repr(text) in str(raised.value)


@pytest.mark.parametrize(
    ("text", "fires", "silent"),
    [
        pytest.param("cron(0 8 ? * MON-FRI *)", [date(2026, 11, 27)], [date(2026, 11, 28)], id="weekdays"),
        pytest.param(
            "cron(0 8 ? * 2-6 *)", [date(2026, 11, 23)], [date(2026, 11, 22)], id="weekdays-numbers"
        ),
        pytest.param(
            "cron(0 8 ? * FRI-MON *)", [date(2026, 11, 29)], [date(2026, 11, 25)], id="wrapping-range"
        ),
        pytest.param(
            "cron(0 8 L * ? *)", [date(2026, 2, 28), date(2028, 2, 29)], [date(2028, 2, 28)], id="L"
        ),
        pytest.param("cron(0 8 LW * ? *)", [date(2026, 1, 30)], [date(2026, 1, 31)], id="LW-saturday"),
        pytest.param("cron(0 8 15W * ? *)", [date(2026, 11, 16)], [date(2026, 11, 15)], id="W-sunday"),
        pytest.param("cron(0 8 1W * ? *)", [date(2026, 8, 3)], [date(2026, 8, 1)], id="W-first-saturday"),
        pytest.param("cron(0 8 ? * 6L *)", [date(2026, 11, 27)], [date(2026, 11, 20)], id="last-friday"),
        pytest.param("cron(0 8 ? * 2#1 *)", [date(2026, 11, 2)], [date(2026, 11, 9)], id="first-monday"),
        pytest.param("cron(0 8 ? * L *)", [date(2026, 11, 28)], [date(2026, 11, 27)], id="L-is-saturday"),
        pytest.param("cron(0 8 1,15 JAN-MAR ? *)", [date(2026, 3, 15)], [date(2026, 4, 1)], id="lists"),
        pytest.param("cron(0 8 */10 * ? *)", [date(2026, 11, 21)], [date(2026, 11, 20)], id="day-step"),
        pytest.param("cron(0 8 * * ? 2027)", [date(2027, 1, 1)], [date(2026, 12, 31)], id="one-year"),
    ],
)
def test_cron_dates(text: str, fires: list[date], silent: list[date]) -> None:
    # GIVEN a cron expression WHEN asked about dates THEN it fires on exactly the ones its fields name
    parsed = parse_expression(text)
    assert isinstance(parsed, CronExpression)
    assert all(parsed.matches_date(day) for day in fires)
    assert not any(parsed.matches_date(day) for day in silent)


def test_cron_times_of_day() -> None:
    # GIVEN minutes and hours with steps and lists WHEN expanded THEN every named time, in order
    parsed = parse_expression("cron(0/20 8,17 * * ? *)")
    assert isinstance(parsed, CronExpression)
    times = [t.time().isoformat("minutes") for t in islice(parsed.local_times(date(2026, 1, 1)), 6)]
    assert times == ["08:00", "08:20", "08:40", "17:00", "17:20", "17:40"]


def test_at_expression_is_a_local_time() -> None:
    # GIVEN a one-time expression WHEN parsed THEN it keeps the wall-clock time, without a zone
    parsed = parse_expression("at(2026-12-24T08:30:00)")
    assert isinstance(parsed, AtExpression)
    assert parsed.local_time.isoformat() == "2026-12-24T08:30:00"
