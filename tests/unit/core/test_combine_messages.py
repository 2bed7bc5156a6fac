"""Step 3's messages and the per-policy target text: what the one-pass combine must keep saying."""

from __future__ import annotations

import pytest
from warmfleet.core import Reason, SignalPolicy, SignalStatus
from warmfleet.core.decision import Proposal
from warmfleet.core.policy import FallbackPolicy
from warmfleet.core.steps.combine import combine

KIND = SignalPolicy(name="gpu", target=70).kind


def _valid(name: str, desired: int, reason: Reason = Reason.SCALE_UP, message: str = "") -> Proposal:
    return Proposal(name, KIND, SignalStatus.VALID, 1.0, 1.0, desired, desired, 0, reason, message or name)


def _invalid(name: str, status: SignalStatus, failures: int) -> Proposal:
    return Proposal(name, KIND, status, None, None, None, None, failures, Reason.SIGNAL_MISSING, "no reading")


@pytest.mark.parametrize(
    ("proposals", "current", "fallback", "expected"),
    [
        pytest.param(
            (_valid("a", 7, message="a says 7"), _valid("b", 7, message="b says 7"), _valid("c", 3)),
            5,
            FallbackPolicy(),
            (7, Reason.SCALE_UP, "a proposes 7 (a says 7)"),
            id="tie-names-the-first-highest",
        ),
        pytest.param(
            (_valid("a", 5, Reason.WITHIN_TOLERANCE, "inside"), _valid("b", 2)),
            5,
            FallbackPolicy(),
            (5, Reason.WITHIN_TOLERANCE, "a proposes 5 (inside)"),
            id="hold-within-tolerance-keeps-the-reason",
        ),
        pytest.param(
            (_valid("a", 5, Reason.NO_CHANGE, "same"),),
            5,
            FallbackPolicy(),
            (5, Reason.NO_CHANGE, "a proposes 5 (same)"),
            id="hold-otherwise-no-change",
        ),
        pytest.param(
            (_invalid("a", SignalStatus.MISSING, 1), _valid("b", 2), _invalid("c", SignalStatus.STALE, 1)),
            5,
            FallbackPolicy(),
            (
                5,
                Reason.SCALE_IN_HELD_SIGNALS_INVALID,
                "proposals want 2 but a, c cannot be read: no scale-in, hold 5",
            ),
            id="held-names-every-invalid-signal-in-order",
        ),
        pytest.param(
            (_invalid("a", SignalStatus.MISSING, 1), _invalid("b", SignalStatus.NO_READY_INSTANCES, 0)),
            5,
            FallbackPolicy(),
            (5, Reason.NO_VALID_SIGNAL, "no valid signal (a, b): hold 5"),
            id="no-valid-signal-names-them",
        ),
        pytest.param(
            (
                _invalid("a", SignalStatus.STALE, 4),
                _invalid("b", SignalStatus.NO_READY_INSTANCES, 9),
                _invalid("c", SignalStatus.MISSING, 5),
                _valid("d", 3),
            ),
            5,
            FallbackPolicy(failure_threshold=3, replicas=8),
            (8, Reason.FALLBACK, "a, c failed more than 3 times in a row: fallback to 8"),
            id="fallback-names-only-failed-signals-over-threshold",
        ),
    ],
)
def test_combine_messages(
    proposals: tuple[Proposal, ...],
    current: int,
    fallback: FallbackPolicy,
    expected: tuple[int, Reason, str],
) -> None:
    # GIVEN the proposals of the signals WHEN they are combined
    outcome = combine(proposals, current, fallback)
    # THEN the number, the reason and the message name the deciding signals in policy order
    assert (outcome.value, outcome.reason, outcome.message) == expected


@pytest.mark.parametrize(
    ("target", "text"),
    [
        pytest.param(70, "70", id="integral"),
        pytest.param(33.3, "33.3", id="fraction"),
        pytest.param(1234567.0, "1.23457e+06", id="large-uses-g-format"),
    ],
)
def test_target_text_is_the_g_format_of_the_target(target: float, text: str) -> None:
    # GIVEN a signal policy WHEN its target text is read (twice: it is formatted once per policy)
    signal = SignalPolicy(name="gpu", target=target)
    # THEN it is the target as the messages print it, and the policy still equals a fresh one
    assert signal.target_text == text == f"{signal.target:g}"
    assert signal.target_text is signal.target_text
    assert signal == SignalPolicy(name="gpu", target=target)
