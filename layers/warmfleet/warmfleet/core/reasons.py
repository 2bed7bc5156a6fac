"""The reason codes and step names every decision carries.

A :class:`Reason` says why a step produced its number; the :class:`Decision`
carries the reason of the last step that changed the number, so an operator (and
a metric dimension) can tell a scale-out from an alarm step from a held
scale-in. :class:`Step` names the seven pipeline steps of ``decide()`` in order.
"""

from __future__ import annotations

from enum import StrEnum


class Step(StrEnum):
    """The pipeline steps of :func:`warmfleet.core.decide`, in the order they run.

    >>> [str(step) for step in Step][:3]
    ['proposals', 'warming', 'combine']"""

    PROPOSALS = "proposals"
    WARMING = "warming"
    COMBINE = "combine"
    PANIC = "panic"
    BEHAVIOUR = "behaviour"
    LIMITS = "limits"
    BOUNDS = "bounds"


class SignalStatus(StrEnum):
    """Whether a signal could make a proposal.

    >>> SignalStatus("stale") is SignalStatus.STALE
    True"""

    VALID = "valid"
    MISSING = "missing"
    STALE = "stale"
    NO_READY_INSTANCES = "no_ready_instances"


class Reason(StrEnum):
    """Why a step (and so the decision) produced its number.

    >>> str(Reason.SCALE_DOWN_STABILIZED)
    'ScaleDownStabilized'"""

    # proposals and combine
    NO_CHANGE = "NoChange"
    WITHIN_TOLERANCE = "WithinTolerance"
    SCALE_UP = "ScaleUp"
    SCALE_DOWN = "ScaleDown"
    INACTIVE = "Inactive"
    SIGNAL_MISSING = "SignalMissing"
    SIGNAL_STALE = "SignalStale"
    NO_READY_INSTANCES = "NoReadyInstances"
    SCALE_IN_HELD_SIGNALS_INVALID = "ScaleInHeldSignalsInvalid"
    NO_VALID_SIGNAL = "NoValidSignal"
    FALLBACK = "Fallback"
    # warming
    WARMING_COUNTED = "WarmingCounted"
    # panic
    PANIC = "Panic"
    # behaviour
    SCALE_UP_STABILIZED = "ScaleUpStabilized"
    SCALE_DOWN_STABILIZED = "ScaleDownStabilized"
    SCALE_UP_LIMIT = "ScaleUpLimit"
    SCALE_DOWN_LIMIT = "ScaleDownLimit"
    # floors, steps and ceilings
    ALARM_STEP = "AlarmStep"
    SCHEDULE_FLOOR = "ScheduleFloor"
    SCHEDULE_CEILING = "ScheduleCeiling"
    # group bounds
    MIN_SIZE = "MinSize"
    MAX_SIZE = "MaxSize"
    SCALE_IN_PROTECTED = "ScaleInProtected"
    # the whole decision
    PAUSED = "Paused"
