"""The readiness state machine: every transition the table allows, and every one it refuses."""

from __future__ import annotations

import itertools

import pytest
from warmfleet_inference.server.readiness import ALLOWED_TRANSITIONS, Readiness, ReadinessState

S = ReadinessState
LEGAL = {
    (S.LOADING, S.WARMING),
    (S.LOADING, S.FAILED),
    (S.LOADING, S.DRAINING),
    (S.WARMING, S.READY),
    (S.WARMING, S.FAILED),
    (S.WARMING, S.DRAINING),
    (S.READY, S.DRAINING),
    (S.FAILED, S.DRAINING),
}


def _at(state: ReadinessState) -> Readiness:
    """A state machine driven to `state` along legal transitions."""
    readiness = Readiness()
    path = {
        S.LOADING: [],
        S.WARMING: [S.WARMING],
        S.READY: [S.WARMING, S.READY],
        S.FAILED: [S.FAILED],
        S.DRAINING: [S.DRAINING],
    }[state]
    for step in path:
        assert readiness.advance(step, f"to {step}")
    return readiness


def test_a_new_server_is_loading_and_not_ready() -> None:
    # GIVEN a fresh state machine / WHEN read / THEN it is loading, with a reason, and not ready
    snapshot = Readiness().snapshot()
    assert snapshot.state is S.LOADING and snapshot.reason and not snapshot.is_ready
    assert snapshot.as_json() == {"state": "loading", "reason": snapshot.reason}


@pytest.mark.parametrize(
    ("source", "target"),
    [pytest.param(a, b, id=f"{a}-to-{b}") for a, b in itertools.product(S, S)],
)
def test_only_the_table_s_transitions_happen(source: ReadinessState, target: ReadinessState) -> None:
    # GIVEN a machine in `source`
    readiness = _at(source)
    # WHEN asked to move to `target`
    moved = readiness.advance(target, "because")
    # THEN it moves exactly when the transition is legal, and otherwise keeps its state
    assert moved == ((source, target) in LEGAL)
    assert readiness.snapshot().state is (target if moved else source)


def test_the_table_is_the_documented_one() -> None:
    # GIVEN the module's table / THEN it holds exactly the legal transitions, and draining is terminal
    assert {(a, b) for a, targets in ALLOWED_TRANSITIONS.items() for b in targets} == LEGAL
    assert ALLOWED_TRANSITIONS[S.DRAINING] == frozenset()


def test_ready_has_no_reason_in_json_and_others_do() -> None:
    # GIVEN a ready machine and a failed one
    ready, failed = _at(S.READY), Readiness()
    failed.advance(S.FAILED, "checksum mismatch")
    # THEN ready's JSON is just the state, failed's carries the reason
    assert ready.snapshot().as_json() == {"state": "ready"}
    assert failed.snapshot().as_json() == {"state": "failed", "reason": "checksum mismatch"}
