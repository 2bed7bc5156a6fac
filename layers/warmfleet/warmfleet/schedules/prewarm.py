"""The pre-warm lead: how long before a window opens its floor must apply so the capacity is warm in time.

A launch is useful once it has passed the warm-up gate, so the lead is the measured warm-up time: the p90
of the ``WarmupSeconds`` metric that the lifecycle function publishes for each instance it lets into
service (namespace ``warmfleet``, dimension ``{AutoScalingGroupName}``), over the last day
(:mod:`warmfleet.signals.warmup_lead` reads it). Before any warm-up has been measured the lead is
:data:`DEFAULT_LEAD_SECONDS`, ten minutes: a GPU instance's boot, model download and load usually take
five to ten. The lead is rounded up to a whole minute, Scheduler's own precision.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import StrEnum

#: The lead before any warm-up has been measured (seconds).
DEFAULT_LEAD_SECONDS = 600.0
#: A lead is never longer than this: a stuck measurement must not hold a floor for hours (seconds).
MAX_LEAD_SECONDS = 3600.0


class LeadSource(StrEnum):
    MEASURED = "measured"
    DEFAULT = "default"


@dataclass(frozen=True)
class PrewarmLead:
    seconds: float
    source: LeadSource
    measured_p90_seconds: float | None = None


def prewarm_lead(
    measured_p90_seconds: float | None, *, default_seconds: float = DEFAULT_LEAD_SECONDS
) -> PrewarmLead:
    """The lead from the measured p90 warm-up (None: nothing measured yet, use ``default_seconds``).

    Examples
    --------
    >>> prewarm_lead(None).seconds, str(prewarm_lead(None).source)
    (600.0, 'default')
    >>> prewarm_lead(251.5).seconds
    300.0
    """
    if measured_p90_seconds is None or not math.isfinite(measured_p90_seconds) or measured_p90_seconds <= 0:
        return PrewarmLead(default_seconds, LeadSource.DEFAULT)
    lead = min(MAX_LEAD_SECONDS, math.ceil(measured_p90_seconds / 60) * 60.0)
    return PrewarmLead(lead, LeadSource.MEASURED, measured_p90_seconds)
