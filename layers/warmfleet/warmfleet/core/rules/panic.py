"""The Knative panic window: a load spike scales up at once and holds until a stable window passes.

Mirrors ``autoscaler.Scale`` of Knative Serving's KPA
(https://knative.dev/docs/serving/autoscaling/kpa-specific/#panic-mode-threshold-percentage):
over the threshold (``panic_desired / max(1, ready) >= threshold``) the panic time is
set to ``now`` (entering or extending panic); below it, panic ends once
``panic_since + stable_window < now``. While panicking the count is ratcheted: it
never decreases. Defaults: a 60 s stable window, a panic window of 10 % of it,
a threshold of 200 %.
"""

from __future__ import annotations

from typing import NamedTuple

DEFAULT_STABLE_WINDOW_SECONDS = 60.0
DEFAULT_PANIC_WINDOW_PERCENTAGE = 10.0
DEFAULT_PANIC_THRESHOLD_PERCENTAGE = 200.0


class PanicState(NamedTuple):
    """``panic_since`` is the last time the load was over the threshold (None: not panicking)."""

    panic_since: float | None = None
    max_panic_pods: int = 0

    @property
    def panicking(self) -> bool:
        """True while in panic mode."""
        return self.panic_since is not None


def is_over_panic_threshold(panic_desired: float, ready_count: int, threshold: float) -> bool:
    """``panic_desired / max(1, ready) >= threshold`` (threshold as a ratio: 2.0 for 200 %).

    >>> is_over_panic_threshold(4, 2, 2.0), is_over_panic_threshold(3, 2, 2.0)
    (True, False)
    """
    return panic_desired / max(1, ready_count) >= threshold


def next_panic_state(state: PanicState, over_threshold: bool, now: float, stable_window: float) -> PanicState:
    """Enter or extend panic when over the threshold; leave it after a full stable window below.

    >>> s = next_panic_state(PanicState(), True, now=10.0, stable_window=60.0)
    >>> s.panic_since, next_panic_state(s, False, now=71.0, stable_window=60.0).panicking
    (10.0, False)
    """
    if over_threshold:
        return PanicState(now, state.max_panic_pods)
    if state.panic_since is not None and state.panic_since + stable_window < now:
        return PanicState()
    return state


def ratchet(state: PanicState, stable_desired: int, panic_desired: int) -> tuple[PanicState, int]:
    """While panicking, ``max(stable, panic)`` ratcheted so it never decreases; else ``stable_desired``.

    >>> ratchet(PanicState(panic_since=0.0, max_panic_pods=5), 3, 4)
    (PanicState(panic_since=0.0, max_panic_pods=5), 5)
    """
    if state.panic_since is None:
        return state, stable_desired
    desired = max(stable_desired, panic_desired, state.max_panic_pods)
    return PanicState(state.panic_since, desired), desired
