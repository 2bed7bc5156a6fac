"""Busy-hour windows: open, pre-warm and closed phases, overlapping windows, daylight saving, the pre-warm
lead from the measured warm-up, and invalid windows refused with a sentence."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from warmfleet.schedules import (
    DEFAULT_LEAD_SECONDS,
    LeadSource,
    ScheduleWindow,
    WindowPhase,
    load_windows,
    prewarm_lead,
    schedule_bounds,
    window_status,
)

# Weekdays 08:00-18:00 New York time (13:00-23:00 UTC in winter, 12:00-22:00 UTC in summer).
OFFICE = ScheduleWindow(
    name="office",
    expression="cron(0 8 ? * MON-FRI *)",
    timezone="America/New_York",
    duration_minutes=600,
    floor=4,
    ceiling=20,
)
# A nightly batch at 21:00 UTC for two hours that caps the fleet.
BATCH = ScheduleWindow(
    name="batch", expression="cron(0 21 * * ? *)", duration_minutes=120, floor=2, ceiling=6
)
# A launch-day surge: a one-time window with a high floor.
LAUNCH = ScheduleWindow(
    name="launch",
    expression="at(2026-12-01T09:00:00)",
    timezone="Europe/Berlin",
    duration_minutes=180,
    floor=12,
)


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


@pytest.mark.parametrize(
    ("window", "now", "lead", "phase"),
    [
        pytest.param(OFFICE, "2026-11-27T12:49", 600, WindowPhase.CLOSED, id="before-lead"),
        pytest.param(OFFICE, "2026-11-27T12:50", 600, WindowPhase.PREWARM, id="lead-starts"),
        pytest.param(OFFICE, "2026-11-27T12:59", 600, WindowPhase.PREWARM, id="just-before"),
        pytest.param(OFFICE, "2026-11-27T13:00", 600, WindowPhase.OPEN, id="opens"),
        pytest.param(OFFICE, "2026-11-27T22:59", 600, WindowPhase.OPEN, id="last-minute"),
        pytest.param(OFFICE, "2026-11-27T23:00", 600, WindowPhase.CLOSED, id="closes"),
        pytest.param(OFFICE, "2026-11-28T13:00", 600, WindowPhase.CLOSED, id="saturday"),
        pytest.param(OFFICE, "2026-11-30T12:40", 1200, WindowPhase.PREWARM, id="monday-longer-lead"),
        pytest.param(OFFICE, "2026-07-01T12:00", 600, WindowPhase.OPEN, id="summer-opens-an-hour-earlier"),
        pytest.param(OFFICE, "2026-07-01T22:00", 600, WindowPhase.CLOSED, id="summer-closes-an-hour-earlier"),
        pytest.param(BATCH, "2026-11-27T22:30", 600, WindowPhase.OPEN, id="batch-open"),
        pytest.param(LAUNCH, "2026-12-01T07:55", 600, WindowPhase.PREWARM, id="one-time-pre-warm"),
        pytest.param(LAUNCH, "2026-12-01T10:59", 600, WindowPhase.OPEN, id="one-time-open"),
        pytest.param(LAUNCH, "2026-12-01T11:00", 600, WindowPhase.CLOSED, id="one-time-over"),
    ],
)
def test_window_phase(window: ScheduleWindow, now: str, lead: float, phase: WindowPhase) -> None:
    # GIVEN a window and a pre-warm lead WHEN asked at an instant THEN its phase
    assert window_status(window, utc(now), lead).phase is phase


def test_a_window_across_the_fall_back_lasts_its_duration_of_elapsed_time() -> None:
    # GIVEN a 10-hour window opening at 20:00 Berlin time on the night the clocks go back
    window = ScheduleWindow(
        name="night", expression="cron(0 20 * * ? *)", timezone="Europe/Berlin", duration_minutes=600, floor=1
    )
    # WHEN it opens on 24 October (CEST, UTC+2)
    status = window_status(window, utc("2026-10-24T18:00"), 0)
    # THEN it closes ten hours later by the clock of the world: 04:00 UTC, 05:00 on the Berlin wall clock
    assert status.phase is WindowPhase.OPEN
    assert status.closes_at == utc("2026-10-25T04:00")


@pytest.mark.parametrize(
    ("now", "floor", "ceiling", "active"),
    [
        pytest.param("2026-11-27T10:00", None, None, (), id="none-active"),
        pytest.param("2026-11-27T12:55", 4, None, ("office",), id="office-pre-warm-floor-only"),
        pytest.param("2026-11-27T15:00", 4, 20, ("office",), id="office-open"),
        pytest.param("2026-11-27T20:55", 4, 20, ("office", "batch"), id="batch-pre-warm-inside-office"),
        pytest.param(
            "2026-11-27T21:30", 4, 6, ("office", "batch"), id="overlap-highest-floor-lowest-ceiling"
        ),
        pytest.param("2026-11-28T21:30", 2, 6, ("batch",), id="batch-alone-on-saturday"),
    ],
)
def test_overlapping_windows(
    now: str, floor: int | None, ceiling: int | None, active: tuple[str, ...]
) -> None:
    # GIVEN the office and batch windows with a 10-minute lead WHEN the bounds are asked
    bounds = schedule_bounds((OFFICE, BATCH), utc(now), 600)
    # THEN the highest floor of open or pre-warming windows and the lowest ceiling of open ones
    assert (bounds.floor, bounds.ceiling, bounds.active) == (floor, ceiling, active)


def test_a_rate_window_counts_from_its_start() -> None:
    # GIVEN every 6 hours for 1 hour, from 2026-11-27 00:00 UTC
    window = ScheduleWindow.model_validate(
        {
            "name": "r",
            "expression": "rate(6 hours)",
            "duration_minutes": 60,
            "floor": 3,
            "start": "2026-11-27T00:00:00Z",
        }
    )
    # WHEN asked inside the third window, and just before the fourth
    # THEN open, then pre-warm
    assert window_status(window, utc("2026-11-27T12:30"), 300).phase is WindowPhase.OPEN
    assert window_status(window, utc("2026-11-27T17:56"), 300).phase is WindowPhase.PREWARM


@pytest.mark.parametrize(
    ("measured", "seconds", "source"),
    [
        pytest.param(None, DEFAULT_LEAD_SECONDS, LeadSource.DEFAULT, id="nothing-measured"),
        pytest.param(0.0, DEFAULT_LEAD_SECONDS, LeadSource.DEFAULT, id="zero-is-not-a-measure"),
        pytest.param(float("nan"), DEFAULT_LEAD_SECONDS, LeadSource.DEFAULT, id="nan"),
        pytest.param(95.0, 120.0, LeadSource.MEASURED, id="rounded-up-to-a-minute"),
        pytest.param(420.0, 420.0, LeadSource.MEASURED, id="whole-minutes-kept"),
        pytest.param(9000.0, 3600.0, LeadSource.MEASURED, id="capped-at-an-hour"),
    ],
)
def test_prewarm_lead_follows_the_measured_warmup(
    measured: float | None, seconds: float, source: LeadSource
) -> None:
    # GIVEN the p90 warm-up measured (or not) WHEN the lead is derived THEN it follows the measure
    lead = prewarm_lead(measured)
    assert (lead.seconds, lead.source) == (seconds, source)


def test_a_longer_measured_warmup_starts_the_prewarm_earlier() -> None:
    # GIVEN 20 minutes before the office opens
    now = utc("2026-11-27T12:40")
    # WHEN warm-ups were measured at 5 minutes, then at 25 minutes
    # THEN the first lead leaves the floor off, the second raises it
    assert schedule_bounds((OFFICE,), now, prewarm_lead(300.0).seconds).floor is None
    assert schedule_bounds((OFFICE,), now, prewarm_lead(1500.0).seconds).floor == 4


BASE: dict[str, Any] = {"name": "w", "expression": "cron(0 8 * * ? *)", "duration_minutes": 60, "floor": 1}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        pytest.param({"expression": "cron(0 8 * * *)"}, "six fields", id="bad-cron"),
        pytest.param({"expression": "rate(5 minutes)"}, "needs a start", id="rate-without-start"),
        pytest.param({"timezone": "Mars/Olympus"}, "not an IANA time zone", id="bad-zone"),
        pytest.param({"floor": None}, "needs a floor or a ceiling", id="no-bounds"),
        pytest.param({"floor": 5, "ceiling": 2}, "floor 5 is above ceiling 2", id="floor-above-ceiling"),
        pytest.param({"duration_minutes": 0}, "duration_minutes", id="zero-duration"),
        pytest.param({"until": "x"}, "until", id="unknown-key"),
    ],
)
def test_invalid_windows_are_refused_with_a_sentence(change: dict[str, Any], message: str) -> None:
    # GIVEN a window document with one mistake WHEN loaded THEN a ValueError names the window and the problem
    with pytest.raises(ValueError, match=message) as raised:
        load_windows([{**BASE, **change}], origin="SCHEDULE_WINDOWS")
    assert "SCHEDULE_WINDOWS[0]" in str(raised.value)


@pytest.mark.parametrize(
    ("document", "message"),
    [
        pytest.param("{not json", "not valid JSON", id="not-json"),
        pytest.param('{"name": "w"}', "JSON list", id="not-a-list"),
        pytest.param([BASE, BASE], "unique", id="duplicate-names"),
    ],
)
def test_invalid_window_documents(document: Any, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        load_windows(document)


def test_no_windows() -> None:
    # GIVEN no windows configured THEN nothing is loaded and no bound applies
    assert load_windows("") == ()
    bounds = schedule_bounds((), utc("2026-01-01T00:00"), 600)
    assert (bounds.floor, bounds.ceiling, bounds.statuses) == (None, None, ())


def test_status_for_the_log() -> None:
    status = window_status(OFFICE, utc("2026-11-27T15:00"), 600)
    assert status.as_dict() == {
        "name": "office",
        "phase": "open",
        "opensAt": "2026-11-27T13:00:00+00:00",
        "closesAt": "2026-11-27T23:00:00+00:00",
    }
    assert status.closes_at is not None and status.closes_at - status.opens_at == timedelta(hours=10)  # type: ignore[operator]
