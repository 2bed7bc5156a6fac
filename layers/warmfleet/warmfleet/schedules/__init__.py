"""Scheduled capacity: busy-hour windows in EventBridge Scheduler syntax, in a time zone, and their pre-warm.

Pure (no boto3, no clock): ``now`` is passed in. The scaler tick and the alarm function both turn the
configured windows into the ``schedule_floor`` / ``schedule_ceiling`` that ``warmfleet.core.decide`` reads,
so the metric path, the alarm steps and the schedules meet in one decision.

Public API:

* :func:`parse_expression` - ``cron(...)``, ``rate(...)``, ``at(...)``; ``ValueError`` with a sentence.
* :func:`next_occurrence`, :func:`latest_occurrence` - instants, daylight saving as Scheduler does it.
* :class:`ScheduleWindow`, :func:`load_windows`, :func:`window_status`, :func:`schedule_bounds`.
* :func:`prewarm_lead` - the lead from the measured p90 warm-up, or :data:`DEFAULT_LEAD_SECONDS`.
* :func:`windows_from_env` (``SCHEDULE_WINDOWS``), :func:`check_policy_schedules` - start-up checks.

Examples
--------
>>> from datetime import UTC, datetime
>>> windows = load_windows('[{"name": "busy", "expression": "cron(0 8 ? * MON-FRI *)",'
...                        ' "timezone": "America/New_York", "duration_minutes": 600, "floor": 4}]')
>>> bounds = schedule_bounds(windows, datetime(2026, 11, 27, 12, 55, tzinfo=UTC), prewarm_lead(None).seconds)
>>> bounds.floor, bounds.active
(4, ('busy',))
"""

from __future__ import annotations

from warmfleet.schedules.config import SCHEDULE_WINDOWS_VARIABLE, check_policy_schedules, windows_from_env
from warmfleet.schedules.cron import CronExpression
from warmfleet.schedules.expressions import AtExpression, RateExpression, ScheduleExpression, parse_expression
from warmfleet.schedules.occurrences import latest_occurrence, next_occurrence, resolve_local
from warmfleet.schedules.prewarm import DEFAULT_LEAD_SECONDS, LeadSource, PrewarmLead, prewarm_lead
from warmfleet.schedules.windows import (
    ScheduleBounds,
    ScheduleWindow,
    WindowPhase,
    WindowStatus,
    load_windows,
    schedule_bounds,
    window_status,
    zone_of,
)

__all__ = [
    "DEFAULT_LEAD_SECONDS",
    "SCHEDULE_WINDOWS_VARIABLE",
    "AtExpression",
    "CronExpression",
    "LeadSource",
    "PrewarmLead",
    "RateExpression",
    "ScheduleBounds",
    "ScheduleExpression",
    "ScheduleWindow",
    "WindowPhase",
    "WindowStatus",
    "check_policy_schedules",
    "latest_occurrence",
    "load_windows",
    "next_occurrence",
    "parse_expression",
    "prewarm_lead",
    "resolve_local",
    "schedule_bounds",
    "window_status",
    "windows_from_env",
    "zone_of",
]
