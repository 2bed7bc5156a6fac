"""Loading the busy-hour windows from a function's environment, and checking them against the policy.

`SCHEDULE_WINDOWS` holds a JSON list of :class:`~warmfleet.schedules.ScheduleWindow` documents (the template
builds it from the `BusyHours*` parameters); empty or absent means no window. The core policy may also name
windows (`Policy.schedules`: name, expression, floor, ceiling), but only a window here says its time zone
and length, so every policy window must have its twin here with the same expression, floor and ceiling.
A mistake is a `ConfigurationError` at the first event, before anything is decided.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from warmfleet.core.policy import ScheduledCapacity
from warmfleet.exceptions import ConfigurationError
from warmfleet.schedules.windows import ScheduleWindow, load_windows

SCHEDULE_WINDOWS_VARIABLE = "SCHEDULE_WINDOWS"


def windows_from_env(env: Mapping[str, str]) -> tuple[ScheduleWindow, ...]:
    """The windows of `SCHEDULE_WINDOWS`, or `ConfigurationError` naming the variable and the mistake.

    Examples
    --------
    >>> windows_from_env({"SCHEDULE_WINDOWS": '[{"name": "w", "expression": "cron(0 8 ? * MON-FRI *)",'
    ...                   ' "timezone": "Europe/Paris", "duration_minutes": 60, "floor": 2}]'})[0].name
    'w'
    >>> windows_from_env({"SCHEDULE_WINDOWS": '[{"name": "w", "expression": "cron(0 8 * * *)",'
    ...                   ' "duration_minutes": 60, "floor": 2}]'})
    Traceback (most recent call last):
    ...
    warmfleet.exceptions.ConfigurationError: environment variable SCHEDULE_WINDOWS[0] is invalid: ...
    """
    try:
        return load_windows(
            env.get(SCHEDULE_WINDOWS_VARIABLE, ""), origin=f"environment variable {SCHEDULE_WINDOWS_VARIABLE}"
        )
    except ValueError as error:
        raise ConfigurationError(str(error)) from None


def check_policy_schedules(schedules: Iterable[ScheduledCapacity], windows: Iterable[ScheduleWindow]) -> None:
    """Every window the policy names has its twin in `SCHEDULE_WINDOWS`, or `ConfigurationError`."""
    known = {window.name: window for window in windows}
    for scheduled in schedules:
        twin = known.get(scheduled.name)
        if twin is None:
            raise ConfigurationError(
                f"POLICY.schedules names window {scheduled.name!r}, which {SCHEDULE_WINDOWS_VARIABLE} "
                "does not declare: its time zone and length are unknown, so it would never apply"
            )
        expected = (scheduled.schedule_expression or twin.expression, scheduled.floor, scheduled.ceiling)
        if expected != (twin.expression, twin.floor, twin.ceiling):
            raise ConfigurationError(
                f"window {scheduled.name!r} differs between POLICY.schedules {expected} and "
                f"{SCHEDULE_WINDOWS_VARIABLE} {(twin.expression, twin.floor, twin.ceiling)}"
            )
