"""Step 4: Knative panic mode.

A signal's panic proposal (``Proposal.panic_replicas``, made in step 1 without
tolerance) uses ``panic_value`` when the collector read the short panic window,
else the reading itself. When the highest panic proposal reaches
the threshold ratio of the counted capacity the group panics: the number scales
up at once (step 5 applies no stabilization or rate limit to it) and never
decreases until a full stable window has passed below the threshold
(:mod:`warmfleet.core.rules.panic`).
"""

from __future__ import annotations

from warmfleet.core.decision import Capacity, Proposal, StepOutcome, new_record
from warmfleet.core.policy import PanicPolicy
from warmfleet.core.reasons import Reason, Step
from warmfleet.core.rules.panic import PanicState, is_over_panic_threshold, next_panic_state, ratchet

# Bound once: Enum class attribute access is slow on Python 3.11 (see steps/proposals.py).
_PANIC, _NO_CHANGE = Step.PANIC, Reason.NO_CHANGE


def panic_proposal(proposals: tuple[Proposal, ...]) -> int:
    """The highest raw proposal over the panic window of the valid signals, in serving instances."""
    best = 0
    for proposal in proposals:
        wanted = proposal.panic_replicas
        if wanted is not None and wanted > best:
            best = wanted
    return best


def panic(
    settings: PanicPolicy,
    combined: int,
    *,
    panic_desired: int,
    capacity: Capacity,
    state: PanicState,
    now: float,
) -> tuple[PanicState, StepOutcome]:
    """Step 4: enter, extend or leave panic; while panicking the number is ratcheted up."""
    if not settings.enabled:
        return state, new_record(StepOutcome, (_PANIC, combined, _NO_CHANGE, "panic mode is disabled"))
    over = is_over_panic_threshold(panic_desired, capacity.counted, settings.threshold_ratio)
    state = next_panic_state(state, over, now, settings.stable_window_seconds)
    state, value = ratchet(state, combined, panic_desired + capacity.occupying)
    if not state.panicking:
        return state, new_record(StepOutcome, (_PANIC, value, _NO_CHANGE, "not panicking"))
    message = (
        f"panic: the panic window wants {panic_desired} instances against {capacity.counted} counted "
        f"(threshold {settings.panic_threshold_percentage:g} %); holding at least {value} until "
        f"{settings.stable_window_seconds:g} s pass below it"
    )
    return state, new_record(StepOutcome, (_PANIC, value, Reason.PANIC, message))
