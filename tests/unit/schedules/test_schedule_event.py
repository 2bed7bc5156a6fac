"""The busy-hours schedule payload: every `events/schedule/` sample parses with `ScheduleEvent`, every
`invalid-*` one is refused naming what is wrong, and the window's end is read from an instant or interval."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from warmfleet.exceptions import InvalidEventError
from warmfleet.handlers.outcome import parse_event
from warmfleet.models import ScheduleEvent

from tests.conftest import EVENTS, load_event

FIXTURES = sorted(p.name for p in (EVENTS / "schedule").glob("*.json") if not p.name.startswith("env-"))


def test_there_are_valid_and_invalid_samples() -> None:
    assert any(name.startswith("invalid-") for name in FIXTURES)
    assert any(not name.startswith("invalid-") for name in FIXTURES)


@pytest.mark.parametrize("name", FIXTURES)
def test_fixture_parses_or_is_refused(name: str) -> None:
    # GIVEN a sample payload WHEN parsed with the schedule model
    event = load_event(f"schedule/{name}")
    if name.startswith("invalid-"):
        # THEN an invalid one is refused with a message naming the field
        with pytest.raises(InvalidEventError, match="not a valid ScheduleEvent"):
            parse_event(ScheduleEvent, event)
    else:
        # THEN a valid (or merely foreign) one parses
        assert isinstance(parse_event(ScheduleEvent, event), ScheduleEvent)


@pytest.mark.parametrize(
    ("name", "opens", "closes"),
    [
        pytest.param(
            "busy-hours-open.json",
            datetime(2026, 11, 27, 13, tzinfo=UTC),
            datetime(2026, 11, 27, 21, tzinfo=UTC),
            id="interval",
        ),
        pytest.param(
            "busy-hours-until-instant.json", None, datetime(2026, 11, 27, 21, tzinfo=UTC), id="instant"
        ),
    ],
)
def test_window_end(name: str, opens: datetime | None, closes: datetime) -> None:
    # GIVEN the template's interval form (scheduled time / duration) or a plain instant THEN the end is known
    event = parse_event(ScheduleEvent, load_event(f"schedule/{name}"))
    assert (event.opens_at, event.closes_at) == (opens, closes)


@pytest.mark.parametrize(
    ("until", "message"),
    [
        pytest.param("2026-11-27T13:00:00Z/P", "ISO 8601 duration", id="empty-duration"),
        pytest.param("2026-11-27T13:00:00Z/PT", "ISO 8601 duration", id="empty-time-part"),
        pytest.param("2026-11-27T13:00:00Z/PT0M", "empty duration", id="zero-duration"),
        pytest.param("tomorrow", "ISO 8601 date and time", id="not-a-time"),
    ],
)
def test_bad_until_is_named(until: str, message: str) -> None:
    event = {**load_event("schedule/busy-hours-open.json"), "until": until}
    with pytest.raises(InvalidEventError, match=message):
        parse_event(ScheduleEvent, event)


def test_durations_with_days_and_hours() -> None:
    event = parse_event(
        ScheduleEvent,
        {**load_event("schedule/busy-hours-open.json"), "until": "2026-11-27T13:00:00Z/P1DT2H30M"},
    )
    assert event.closes_at == datetime(2026, 11, 28, 15, 30, tzinfo=UTC)
