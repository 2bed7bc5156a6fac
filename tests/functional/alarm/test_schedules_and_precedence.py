"""Busy-hour windows and the precedence of DESIGN.md step 6, end to end through both functions on moto:
the metric path, alarm steps and schedule floors raise the number, a schedule ceiling caps it, and none of
them fights another. Windows open on time in their time zone, are pre-warmed by the measured warm-up, and
a schedule event decides at once; a late, foreign or mismatched one changes nothing.

The warm-up lead is the real collector with a stubbed CloudWatch client (moto cannot compute a p90).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
from botocore.stub import ANY, Stubber
from warmfleet.schedules import ScheduleWindow
from warmfleet.signals.warmup_lead import WarmupLeadCache

from tests.functional.alarm.conftest import Stack, env_windows, state_time


def measured_lead(group: str, p90: float | None) -> WarmupLeadCache:
    """The real warm-up collector, its CloudWatch answering one day's p90 (None: nothing measured)."""
    client = boto3.client("cloudwatch", region_name="us-east-1")
    stubber = Stubber(client)
    values = [] if p90 is None else [p90]
    results = [
        {"Id": "p90", "Timestamps": [datetime(2026, 11, 26, tzinfo=UTC)] * len(values), "Values": values},
        {
            "Id": "count",
            "Timestamps": [datetime(2026, 11, 26, tzinfo=UTC)] * len(values),
            "Values": [5.0] * len(values),
        },
    ]
    stubber.add_response(
        "get_metric_data",
        {"MetricDataResults": results},
        {"MetricDataQueries": ANY, "StartTime": ANY, "EndTime": ANY},
    )
    stubber.activate()
    return WarmupLeadCache(client, group)


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def window(
    name: str, expression: str, minutes: int, floor: int | None, ceiling: int | None
) -> ScheduleWindow:
    return ScheduleWindow(
        name=name, expression=expression, duration_minutes=minutes, floor=floor, ceiling=ceiling
    )


def stack_at(make_stack: Callable[..., Stack], now: datetime, p90: float | None, **options: Any) -> Stack:
    stack = make_stack(**options)
    stack.overrides["warmup_lead"] = measured_lead(stack.fleet.group, p90)
    stack.fleet.clock.now = now
    return stack


# ---------------------------------------------------------------- busy hours in New York, pre-warmed

# events/schedule/env-windows.json: weekdays 08:00 New York time (13:00 UTC in November), 8 hours, floor 2.
OPENS = utc("2026-11-27T13:00")


@pytest.mark.parametrize(
    ("minutes_before", "p90", "desired", "reason"),
    [
        pytest.param(20, None, 1, "WithinTolerance", id="default-lead-10-min-not-yet"),
        pytest.param(9, None, 2, "ScheduleFloor", id="default-lead-10-min-pre-warms"),
        pytest.param(20, 300.0, 1, "WithinTolerance", id="measured-5-min-not-yet"),
        pytest.param(4, 300.0, 2, "ScheduleFloor", id="measured-5-min-pre-warms"),
        pytest.param(20, 1500.0, 2, "ScheduleFloor", id="measured-25-min-pre-warms-earlier"),
    ],
)
def test_the_prewarm_lead_follows_the_measured_warmup(
    make_stack: Callable[..., Stack], minutes_before: int, p90: float | None, desired: int, reason: str
) -> None:
    # GIVEN one instance on target, some minutes before the window opens, with a measured p90 warm-up
    stack = stack_at(
        make_stack, OPENS - timedelta(minutes=minutes_before), p90, desired=1, windows=env_windows()
    )
    stack.fleet.put_in_flight(4)
    # WHEN the scaler ticks
    outcome = stack.tick()
    # THEN the floor applies exactly when the opening is within the lead
    assert (outcome["desired"], outcome["reason"]) == (desired, reason)


def test_the_schedule_event_opens_the_window_at_once(
    make_stack: Callable[..., Stack], aws_calls: list[str]
) -> None:
    # GIVEN one instance, the window's opening, and no tick since
    stack = stack_at(make_stack, OPENS + timedelta(seconds=20), 300.0, desired=1, windows=env_windows())
    stack.fleet.put_in_flight(4)
    # WHEN Scheduler invokes the alarm function with the window's payload
    outcome = stack.send("schedule/busy-hours-open.json")
    # THEN the floor applies at once, and the next tick agrees (nothing to fight over)
    assert (outcome["desired"], outcome["reason"], stack.fleet.desired()) == (2, "ScheduleFloor", 2)
    assert stack.stored()["tick"]["activeSchedules"] == ["busy-hours"]
    assert aws_calls.count("autoscaling.SetDesiredCapacity") == 1
    stack.fleet.put_in_flight(2)
    stack.tick()  # the tick container's first save loses to the alarm path's write; it reads again next time
    stack.fleet.put_in_flight(2)
    assert stack.tick()["desired"] == 2
    assert aws_calls.count("autoscaling.SetDesiredCapacity") == 1


@pytest.mark.parametrize(
    ("fixture", "now", "status", "reason"),
    [
        pytest.param(
            "schedule/busy-hours-open.json",
            OPENS + timedelta(hours=8, minutes=5),
            "ignored",
            "window-closed",
            id="late",
        ),
        pytest.param(
            "schedule/foreign-unknown-window.json", OPENS, "rejected", "malformed", id="unknown-window"
        ),
        pytest.param(
            "schedule/busy-hours-open-with-ceiling.json",
            OPENS,
            "rejected",
            "malformed",
            id="payload-disagrees",
        ),
    ],
)
def test_schedule_events_that_change_nothing(
    make_stack: Callable[..., Stack],
    aws_calls: list[str],
    fixture: str,
    now: datetime,
    status: str,
    reason: str,
) -> None:
    stack = stack_at(make_stack, now, 300.0, desired=1, windows=env_windows())
    aws_calls.clear()
    outcome = stack.send(fixture)
    assert (outcome["status"], outcome["reason"]) == (status, reason)
    assert aws_calls == []
    assert stack.fleet.stored_item() is None


def test_after_the_window_the_metric_path_decides_again(make_stack: Callable[..., Stack]) -> None:
    # GIVEN the window's floor holding two instances on a light load, in its last minute
    stack = stack_at(
        make_stack, OPENS + timedelta(hours=8, minutes=-1), 300.0, desired=1, windows=env_windows()
    )
    for _ in range(4):
        stack.fleet.put_in_flight(1)
        assert stack.tick()["reason"] == "ScheduleFloor"
    assert stack.fleet.desired() == 2
    # WHEN the window closes THEN the number is the metric's again at once, as when the HPA's minReplicas is
    # lowered: the floor was never the metric's recommendation, so no stabilization window remembers it
    stack.fleet.put_in_flight(1)
    assert (stack.tick()["reason"], stack.fleet.desired()) == ("ScaleDown", 1)
    assert stack.stored()["tick"]["activeSchedules"] == []


# ------------------------------------------------ precedence (DESIGN.md step 6), both functions

ALARM_AT = state_time("alarm/alarm.json")  # Friday 2026-11-27 10:20:20 UTC; the in-flight alarm steps +2


@pytest.mark.parametrize(
    ("windows", "desired", "in_flight", "expected", "reason"),
    [
        pytest.param((), 2, 4, 4, "AlarmStep", id="alarm-step-alone"),
        pytest.param(
            (window("cap", "cron(0 10 ? * FRI *)", 60, 1, 3),),
            2,
            4,
            3,
            "ScheduleCeiling",
            id="schedule-ceiling-caps-the-alarm-step",
        ),
        pytest.param(
            (window("floor", "cron(0 10 ? * FRI *)", 60, 5, None),),
            2,
            4,
            7,
            "AlarmStep",
            id="alarm-step-on-top-of-the-schedule-floor",
        ),
        pytest.param(
            (window("floor", "cron(0 10 ? * FRI *)", 60, 2, None),),
            2,
            12,
            8,
            "AlarmStep",
            id="alarm-step-on-top-of-the-metric",
        ),
        pytest.param(
            (
                window("floor", "cron(0 10 ? * FRI *)", 60, 4, None),
                window("cap", "cron(0 9 * * ? *)", 120, None, 5),
            ),
            2,
            4,
            5,
            "ScheduleCeiling",
            id="overlapping-windows-ceiling-wins",
        ),
    ],
)
def test_precedence_through_the_tick_and_the_alarm(
    make_stack: Callable[..., Stack],
    windows: tuple[ScheduleWindow, ...],
    desired: int,
    in_flight: float,
    expected: int,
    reason: str,
) -> None:
    # GIVEN the windows open at 10:20 UTC, and the scaler ticking on the load
    stack = stack_at(make_stack, ALARM_AT - timedelta(seconds=30), 300.0, desired=desired, windows=windows)
    stack.fleet.put_in_flight(in_flight)
    stack.tick(advance=30)
    # WHEN the in-flight alarm goes to ALARM (the same total load, spread over the group the tick set)
    stack.fleet.put_in_flight(in_flight * desired / stack.fleet.desired())
    outcome = stack.send("alarm/alarm.json")
    # THEN step 6 orders them: the step and the floors raise, the ceiling caps
    assert (outcome["desired"], outcome["reason"], stack.fleet.desired()) == (expected, reason, expected)
    # AND the ticks after it keep that number (they run the same decision with the same state)
    for _ in range(3):
        stack.fleet.put_in_flight(in_flight * desired / expected)
        stack.tick()
    assert stack.fleet.desired() == expected


# ---------------------------------------------------------------- time zone across the spring-forward

BERLIN_MORNINGS = (
    ScheduleWindow(
        name="mornings",
        expression="cron(0 8 ? * MON-FRI *)",
        timezone="Europe/Berlin",
        duration_minutes=60,
        floor=3,
    ),
)


@pytest.mark.parametrize(
    ("now", "desired"),
    [
        pytest.param("2026-03-27T07:00", 3, id="friday-cet-opens-at-07-utc"),
        pytest.param("2026-03-30T06:00", 3, id="monday-cest-opens-at-06-utc"),
        pytest.param("2026-03-30T07:00", 1, id="monday-cest-closed-at-07-utc"),
        pytest.param("2026-03-27T06:30", 1, id="friday-cet-not-yet-at-0630-utc"),
    ],
)
def test_a_window_opens_on_its_wall_clock_across_the_spring_forward(
    make_stack: Callable[..., Stack], now: str, desired: int
) -> None:
    # GIVEN weekday mornings at 08:00 Berlin time, and a measured 5-minute warm-up
    stack = stack_at(make_stack, utc(now), 300.0, desired=1, windows=BERLIN_MORNINGS)
    stack.fleet.put_in_flight(4)
    # WHEN the scaler ticks THEN the floor follows the Berlin wall clock on both sides of the change
    assert stack.tick()["desired"] == desired
