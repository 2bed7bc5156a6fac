"""Occurrences as instants, in a time zone, across daylight-saving boundaries, the way Scheduler fires them.

Berlin springs forward on 2026-03-29 (02:00 -> 03:00) and falls back on 2026-10-25 (03:00 -> 02:00);
New York on 2026-03-08 and 2026-11-01; Sydney (southern hemisphere) falls back on 2026-04-05.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from warmfleet.schedules import latest_occurrence, next_occurrence, parse_expression, zone_of


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


@pytest.mark.parametrize(
    ("expression", "zone", "after", "expected"),
    [
        pytest.param("cron(0 8 * * ? *)", "UTC", "2026-11-27T08:00", "2026-11-28T08:00", id="strictly-after"),
        pytest.param(
            "cron(0 8 ? * MON-FRI *)",
            "America/New_York",
            "2026-03-06T14:00",
            "2026-03-09T12:00",
            id="new-york-weekday-after-spring-forward",
        ),
        pytest.param(
            "cron(0 8 ? * MON-FRI *)",
            "America/New_York",
            "2026-10-30T13:00",
            "2026-11-02T13:00",
            id="new-york-weekday-after-fall-back",
        ),
        pytest.param(
            "cron(30 2 * * ? *)",
            "Europe/Berlin",
            "2026-03-28T02:00",
            "2026-03-30T00:30",
            id="berlin-nonexistent-time-skipped",
        ),
        pytest.param(
            "cron(30 2 * * ? *)",
            "Europe/Berlin",
            "2026-10-24T02:00",
            "2026-10-25T00:30",
            id="berlin-repeated-time-fires-first",
        ),
        pytest.param(
            "cron(30 2 * * ? *)",
            "Europe/Berlin",
            "2026-10-25T00:30",
            "2026-10-26T01:30",
            id="berlin-repeated-time-fires-once",
        ),
        pytest.param(
            "cron(0 9 * * ? *)",
            "Australia/Sydney",
            "2026-04-03T00:00",
            "2026-04-03T22:00",
            id="sydney-before-fall-back",
        ),
        pytest.param(
            "cron(0 9 * * ? *)",
            "Australia/Sydney",
            "2026-04-03T22:00",
            "2026-04-04T23:00",
            id="sydney-after-fall-back",
        ),
        pytest.param("cron(0 8 29 2 ? *)", "UTC", "2026-01-01T00:00", "2028-02-29T08:00", id="leap-day"),
        pytest.param("cron(0 8 * * ? 2025)", "UTC", "2026-01-01T00:00", None, id="years-past"),
        pytest.param(
            "at(2026-12-24T08:30:00)", "Europe/Berlin", "2026-12-01T00:00", "2026-12-24T07:30", id="at"
        ),
        pytest.param("at(2026-12-24T08:30:00)", "Europe/Berlin", "2026-12-25T00:00", None, id="at-past"),
        pytest.param("at(2026-03-29T02:30:00)", "Europe/Berlin", "2026-03-01T00:00", None, id="at-in-gap"),
    ],
)
def test_next_occurrence(expression: str, zone: str, after: str, expected: str | None) -> None:
    # GIVEN an expression in a time zone WHEN the next occurrence after an instant is asked
    found = next_occurrence(parse_expression(expression), zone_of(zone), utc(after))
    # THEN it is the instant Scheduler would fire at (UTC shown), or None
    assert found == (utc(expected) if expected else None)


@pytest.mark.parametrize(
    ("after", "expected"),
    [
        pytest.param("2026-11-27T05:00", "2026-11-27T06:00", id="before-start"),
        pytest.param("2026-11-27T06:00", "2026-11-28T06:00", id="at-start"),
        pytest.param("2026-11-29T07:00", "2026-11-30T06:00", id="later"),
    ],
)
def test_rate_counts_from_its_start(after: str, expected: str) -> None:
    # GIVEN rate(1 day) starting 2026-11-27 06:00 UTC WHEN the next occurrence is asked THEN start + k days
    rate = parse_expression("rate(1 day)")
    assert next_occurrence(rate, UTC, utc(after), start=utc("2026-11-27T06:00")) == utc(expected)


def test_rate_ignores_daylight_saving() -> None:
    # GIVEN a daily rate started at 08:00 Berlin time before the spring-forward
    rate, berlin = parse_expression("rate(1 day)"), zone_of("Europe/Berlin")
    start = datetime(2026, 3, 28, 8, 0, tzinfo=berlin)
    # WHEN the occurrence after the change is asked
    found = next_occurrence(rate, berlin, start + timedelta(hours=1), start=start)
    # THEN it is 24 hours later, 09:00 on the wall clock (Scheduler: "a day is 24 hours")
    assert found is not None
    assert found - start == timedelta(days=1)
    assert found.astimezone(berlin).hour == 9


def test_rate_needs_a_start() -> None:
    with pytest.raises(ValueError, match="needs its start date"):
        next_occurrence(parse_expression("rate(5 minutes)"), UTC, utc("2026-01-01T00:00"))


@pytest.mark.parametrize(
    ("expression", "zone", "at", "not_before", "expected"),
    [
        pytest.param(
            "cron(0 8 * * ? *)",
            "UTC",
            "2026-11-27T08:00",
            "2026-11-26T00:00",
            "2026-11-27T08:00",
            id="inclusive",
        ),
        pytest.param(
            "cron(0 8 * * ? *)",
            "UTC",
            "2026-11-27T07:59",
            "2026-11-26T00:00",
            "2026-11-26T08:00",
            id="yesterday",
        ),
        pytest.param("cron(0 8 * * ? *)", "UTC", "2026-11-27T07:59", "2026-11-26T09:00", None, id="too-old"),
        pytest.param(
            "cron(30 2 * * ? *)",
            "Europe/Berlin",
            "2026-03-29T12:00",
            "2026-03-28T12:00",
            None,
            id="berlin-skipped-day-has-none",
        ),
        pytest.param(
            "cron(0 8 ? * MON-FRI *)",
            "America/New_York",
            "2026-11-02T12:59",
            "2026-10-30T00:00",
            "2026-10-30T12:00",
            id="new-york-friday-before-fall-back",
        ),
    ],
)
def test_latest_occurrence(
    expression: str, zone: str, at: str, not_before: str, expected: str | None
) -> None:
    # GIVEN an expression WHEN the latest occurrence in [not_before, at] is asked THEN the instant or None
    found = latest_occurrence(
        parse_expression(expression), zone_of(zone), utc(at), not_before=utc(not_before)
    )
    assert found == (utc(expected) if expected else None)
