"""Step 3: the highest valid proposal; invalid signals never cause a scale-in; the fallback holds or raises.

The HPA's rule for failed metrics (``computeReplicasForMetrics``): scale up on the
signals that remain, but never scale down while any signal is missing or stale,
and hold when none is valid. After more than ``failure_threshold`` consecutive
failures of a signal, warmfleet's fallback (KEDA's rule, restricted to the
behaviours that never lower) proposes for it.
"""

from __future__ import annotations

from warmfleet.core.decision import Proposal, StepOutcome, new_record
from warmfleet.core.policy import FallbackPolicy
from warmfleet.core.reasons import Reason, SignalStatus, Step
from warmfleet.core.rules.fallback import fallback_active, fallback_replicas

_FAILED = frozenset({SignalStatus.MISSING, SignalStatus.STALE})
# Bound once: Enum class attribute access is slow on Python 3.11 (see steps/proposals.py).
_COMBINE, _NO_CHANGE, _WITHIN_TOLERANCE = Step.COMBINE, Reason.NO_CHANGE, Reason.WITHIN_TOLERANCE


def combine(proposals: tuple[Proposal, ...], current: int, fallback: FallbackPolicy) -> StepOutcome:
    """Step 3 (see the module doc); ``current`` is the group's desired capacity."""
    winner: Proposal | None = None  # the first proposal with the highest desired count
    best = -1
    invalid: list[str] = []
    failing: list[str] = []
    for proposal in proposals:
        wanted = proposal.desired
        if wanted is None:
            invalid.append(proposal.signal)
            if proposal.status in _FAILED and fallback_active(proposal.failures, fallback.failure_threshold):
                failing.append(proposal.signal)
        elif wanted > best:
            winner, best = proposal, wanted
    if winner is None:
        value, reason = current, Reason.NO_VALID_SIGNAL
        message = f"no valid signal ({', '.join(invalid)}): hold {current}"
    elif invalid and best < current:
        value, reason = current, Reason.SCALE_IN_HELD_SIGNALS_INVALID
        message = (
            f"proposals want {best} but {', '.join(invalid)} cannot be read: no scale-in, hold {current}"
        )
    else:
        value = best
        if best > current:
            reason = Reason.SCALE_UP
        elif best < current:
            reason = Reason.SCALE_DOWN
        else:
            reason = _WITHIN_TOLERANCE if winner.reason is _WITHIN_TOLERANCE else _NO_CHANGE
        message = f"{winner.signal} proposes {best} ({winner.message})"
    if failing:
        target = fallback_replicas(fallback.behavior, fallback.replicas, current)
        if target > value:
            names = ", ".join(failing)
            message = (
                f"{names} failed more than {fallback.failure_threshold} times in a row: fallback to {target}"
            )
            return new_record(StepOutcome, (Step.COMBINE, target, Reason.FALLBACK, message))
    return new_record(StepOutcome, (_COMBINE, value, reason, message))
