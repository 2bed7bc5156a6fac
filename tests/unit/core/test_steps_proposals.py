"""Steps 1-3 of decide(): proposals per signal, warming capacity, combining (table tests)."""

from __future__ import annotations

import pytest
from warmfleet.core import Reason, SignalPolicy, SignalReading, SignalStatus
from warmfleet.core.decision import Capacity, Proposal
from warmfleet.core.policy import FallbackPolicy
from warmfleet.core.steps.combine import combine
from warmfleet.core.steps.proposals import propose_signal
from warmfleet.core.steps.warming import account_warming, count_capacity

from tests.unit.core.builders import BACKLOG, GPU, NOW, fleet, inputs, policy, reading

T = NOW.timestamp()


def capacity_of(desired: int, **kinds: int) -> Capacity:
    return count_capacity(inputs(desired, instances=fleet(**kinds)), 900.0, T)


@pytest.mark.parametrize(
    ("signal", "value", "age", "kinds", "desired", "expected", "reason"),
    [
        pytest.param(GPU, 100.0, 5, {"ready": 4}, 4, 8, Reason.SCALE_UP, id="average-doubles-scale-up"),
        pytest.param(
            GPU, 54.0, 5, {"ready": 4}, 4, 4, Reason.WITHIN_TOLERANCE, id="average-within-tolerance"
        ),
        pytest.param(GPU, 20.0, 5, {"ready": 4}, 4, 2, Reason.SCALE_DOWN, id="average-scale-down"),
        pytest.param(
            GPU, 90.0, 5, {"ready": 4, "warming": 4}, 8, 8, Reason.WITHIN_TOLERANCE, id="warming-absorbs-load"
        ),
        pytest.param(
            GPU, 100.0, 5, {"ready": 4, "warming": 2}, 6, 8, Reason.SCALE_UP, id="warming-counts-as-idle"
        ),
        pytest.param(
            GPU,
            60.0,
            5,
            {"ready": 4, "warming": 4},
            8,
            8,
            Reason.WARMING_COUNTED,
            id="warming-flips-direction",
        ),
        pytest.param(
            GPU, 150.0, 5, {"ready": 2}, 4, 6, Reason.SCALE_UP, id="unseen-launches-count-as-warming"
        ),
        pytest.param(BACKLOG, 35.0, 5, {"ready": 2}, 2, 4, Reason.SCALE_UP, id="total-ceil-backlog"),
        pytest.param(
            BACKLOG, 21.0, 5, {"ready": 2}, 2, 2, Reason.WITHIN_TOLERANCE, id="total-within-tolerance"
        ),
        pytest.param(BACKLOG, 0.0, 5, {"ready": 2}, 2, 0, Reason.INACTIVE, id="total-inactive-proposes-zero"),
        pytest.param(BACKLOG, 1.0, 5, {}, 0, 1, Reason.SCALE_UP, id="total-scales-from-zero"),
        pytest.param(
            SignalPolicy(name="backlog", kind="total", target=10.0, activation_threshold=5.0),
            3.0,
            5,
            {"ready": 2},
            2,
            0,
            Reason.INACTIVE,
            id="total-below-activation-threshold",
        ),
    ],
)
def test_valid_proposals(
    signal: SignalPolicy,
    value: float,
    age: float,
    kinds: dict[str, int],
    desired: int,
    expected: int,
    reason: Reason,
) -> None:
    # GIVEN a fresh reading and the group's instances
    capacity = capacity_of(desired, **kinds)
    # WHEN the signal proposes
    proposal = propose_signal(signal, reading(signal.name, value, age), capacity, 0, T)
    # THEN it proposes the expected number of serving instances, for the expected reason
    assert (proposal.status, proposal.replicas, proposal.reason) == (SignalStatus.VALID, expected, reason)


@pytest.mark.parametrize(
    ("reading_", "kinds", "status", "failures"),
    [
        pytest.param(None, {"ready": 2}, SignalStatus.MISSING, 3, id="absent-reading-is-missing"),
        pytest.param(reading("gpu", None), {"ready": 2}, SignalStatus.MISSING, 3, id="none-value-is-missing"),
        pytest.param(
            reading("gpu", 80.0, age=500), {"ready": 2}, SignalStatus.STALE, 3, id="old-reading-is-stale"
        ),
        pytest.param(
            reading("gpu", 80.0), {"warming": 2}, SignalStatus.NO_READY_INSTANCES, 2, id="no-ready-instance"
        ),
    ],
)
def test_invalid_proposals(
    reading_: SignalReading | None, kinds: dict[str, int], status: SignalStatus, failures: int
) -> None:
    # GIVEN a signal that already failed twice in a row
    capacity = capacity_of(2, **kinds)
    # WHEN its reading is missing, stale or has nothing to average over
    proposal = propose_signal(GPU, reading_, capacity, 2, T)
    # THEN it makes no proposal, and missing/stale readings count one more failure
    assert (proposal.status, proposal.replicas, proposal.failures) == (status, None, failures)


@pytest.mark.parametrize(
    ("desired", "kinds", "counted", "occupying"),
    [
        pytest.param(3, {"ready": 3}, 3, 0, id="all-ready"),
        pytest.param(5, {"ready": 3}, 5, 0, id="unlisted-launches-count"),
        pytest.param(4, {"ready": 2, "stuck": 1, "unhealthy": 1}, 2, 2, id="stuck-and-unhealthy-occupy"),
        pytest.param(2, {"ready": 2, "standby": 1, "terminating": 2}, 2, 0, id="standby-terminating-outside"),
        pytest.param(3, {"ready": 1, "warming": 2}, 3, 0, id="warming-within-budget-counts"),
    ],
)
def test_capacity_counts(desired: int, kinds: dict[str, int], counted: int, occupying: int) -> None:
    # GIVEN instances in several lifecycle states WHEN they are counted
    capacity = capacity_of(desired, **kinds)
    # THEN only capacity already bought counts, and what cannot serve occupies
    assert (capacity.counted, capacity.occupying) == (counted, occupying)


def test_warming_past_budget_stops_counting() -> None:
    # GIVEN a launch 60 s old and a 30 s warm-up budget
    capacity = count_capacity(inputs(1, instances=fleet(warming=1, warming_age=60.0)), 30.0, T)
    # THEN a launch 60 s old with a 30 s budget is stuck, not warming
    assert (capacity.warming, capacity.stuck) == (0, 1)


def test_occupying_instances_raise_every_proposal() -> None:
    # GIVEN 2 ready instances and 2 that occupy the group without serving
    capacity = capacity_of(4, ready=2, stuck=1, unhealthy=1)
    # WHEN a signal proposes and step 2 accounts for the group
    proposal = propose_signal(GPU, reading("gpu", 100.0), capacity, 0, T)
    outcome = account_warming(capacity)
    # THEN the desired capacity adds them on top of the 4 serving instances wanted
    assert (proposal.replicas, proposal.desired, outcome.value) == (4, 6, 4)


def _proposal(
    name: str, desired: int | None, status: SignalStatus = SignalStatus.VALID, failures: int = 0
) -> Proposal:
    reason = Reason.SCALE_UP if desired is not None else Reason.SIGNAL_MISSING
    return Proposal(name, GPU.kind, status, None, None, desired, desired, failures, reason, "")


@pytest.mark.parametrize(
    ("proposals", "current", "fallback", "expected", "reason"),
    [
        pytest.param(
            (_proposal("a", 3), _proposal("b", 7)), 5, FallbackPolicy(), 7, Reason.SCALE_UP, id="max-wins"
        ),
        pytest.param(
            (_proposal("a", 2), _proposal("b", 3)),
            5,
            FallbackPolicy(),
            3,
            Reason.SCALE_DOWN,
            id="all-valid-scale-in",
        ),
        pytest.param(
            (_proposal("a", 2), _proposal("b", None, SignalStatus.MISSING, 1)),
            5,
            FallbackPolicy(),
            5,
            Reason.SCALE_IN_HELD_SIGNALS_INVALID,
            id="missing-signal-blocks-scale-in",
        ),
        pytest.param(
            (_proposal("a", 8), _proposal("b", None, SignalStatus.STALE, 1)),
            5,
            FallbackPolicy(),
            8,
            Reason.SCALE_UP,
            id="stale-signal-allows-scale-up",
        ),
        pytest.param(
            (_proposal("a", None, SignalStatus.MISSING, 1),),
            5,
            FallbackPolicy(),
            5,
            Reason.NO_VALID_SIGNAL,
            id="none-valid-holds",
        ),
        pytest.param(
            (_proposal("a", None, SignalStatus.MISSING, 4),),
            5,
            FallbackPolicy(failure_threshold=3, replicas=9),
            9,
            Reason.FALLBACK,
            id="fallback-raises-after-threshold",
        ),
        pytest.param(
            (_proposal("a", None, SignalStatus.MISSING, 3),),
            5,
            FallbackPolicy(failure_threshold=3, replicas=9),
            5,
            Reason.NO_VALID_SIGNAL,
            id="fallback-waits-until-strictly-above-threshold",
        ),
        pytest.param(
            (_proposal("a", None, SignalStatus.MISSING, 9),),
            5,
            FallbackPolicy(failure_threshold=3, replicas=2),
            5,
            Reason.NO_VALID_SIGNAL,
            id="fallback-never-lowers",
        ),
    ],
)
def test_combine(
    proposals: tuple[Proposal, ...], current: int, fallback: FallbackPolicy, expected: int, reason: Reason
) -> None:
    # GIVEN the proposals of the signals WHEN they are combined
    outcome = combine(proposals, current, fallback)
    # THEN the highest valid one wins, invalid signals never scale in, the fallback only holds or raises
    assert (outcome.value, outcome.reason) == (expected, reason)


def test_policy_builder_defaults_match_the_hpa() -> None:
    # GIVEN the default policy THEN its behaviour is the HPA's documented default
    built = policy()
    assert built.behavior.scale_down.stabilization_window_seconds == 300
    assert [(p.type, p.value, p.period_seconds) for p in built.behavior.scale_up.policies] == [
        ("Pods", 4, 15),
        ("Percent", 100, 15),
    ]
