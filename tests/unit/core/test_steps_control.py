"""Steps 4-7 of decide() (panic, behaviour, floors/steps/ceilings, bounds) and their precedence."""

from __future__ import annotations

from datetime import timedelta

import pytest
from warmfleet.core import AlarmStep, DecisionInputs, History, Policy, Reason, decide
from warmfleet.core.policy import Behavior, RatePolicySpec, ScalingRulesSpec
from warmfleet.core.rules.panic import PanicState
from warmfleet.core.rules.rate_limit import ScaleEvent
from warmfleet.core.rules.stabilization import Recommendation

from tests.unit.core.builders import BACKLOG, EMPTY, GPU, NOW, fleet, inputs, policy, reading

T = NOW.timestamp()


def recommendations(*values: tuple[int, float]) -> History:
    """A history holding recommendations ``(replicas, age_seconds)``."""
    return History(recommendations=tuple(Recommendation(r, T - age) for r, age in values))


STEP_TWENTY = AlarmStep(alarm_name="backlog-spike", add_instances=20)


@pytest.mark.parametrize(
    ("case_inputs", "case_policy", "history", "desired", "reason"),
    [
        pytest.param(
            inputs(2, signals=(reading("gpu", 150.0),)),
            policy(panic=True),
            EMPTY,
            6,
            Reason.SCALE_UP,
            id="panic-threshold-reached-scales-at-once",
        ),
        pytest.param(
            inputs(6, signals=(reading("gpu", 10.0),)),
            policy(panic=True),
            History(panic=PanicState(panic_since=T - 30, max_panic_pods=6)),
            6,
            Reason.PANIC,
            id="panic-holds-inside-stable-window",
        ),
        pytest.param(
            inputs(6, signals=(reading("gpu", 10.0),)),
            policy(
                panic=True,
                behavior=Behavior(
                    scale_down=ScalingRulesSpec(
                        stabilization_window_seconds=0,
                        policies=(RatePolicySpec(type="Percent", value=100, period_seconds=15),),
                    )
                ),
            ),
            History(panic=PanicState(panic_since=T - 61, max_panic_pods=6)),
            2,
            Reason.SCALE_DOWN,
            id="panic-ends-after-stable-window",
        ),
        pytest.param(
            inputs(4, signals=(reading("gpu", 20.0),)),
            policy(),
            recommendations((4, 100.0)),
            4,
            Reason.SCALE_DOWN_STABILIZED,
            id="scale-down-stabilized-by-window",
        ),
        pytest.param(
            inputs(4, signals=(reading("gpu", 20.0),)),
            policy(),
            recommendations((4, 301.0)),
            2,
            Reason.SCALE_DOWN,
            id="scale-down-after-window",
        ),
        pytest.param(
            inputs(10, signals=(reading("gpu", 250.0),)),
            policy(),
            EMPTY,
            20,
            Reason.SCALE_UP_LIMIT,
            id="scale-up-rate-limited",
        ),
        pytest.param(
            inputs(10, signals=(reading("gpu", 250.0),)),
            policy(),
            History(scale_up_events=(ScaleEvent(5, T - 10),)),
            10,
            Reason.SCALE_UP_LIMIT,
            id="scale-up-rate-limit-counts-recent-events",
        ),
        pytest.param(
            inputs(4, signals=(reading("gpu", 50.0),), alarms=("backlog-spike",)),
            policy(alarm_steps=(STEP_TWENTY,)),
            EMPTY,
            24,
            Reason.ALARM_STEP,
            id="alarm-step-applies-at-once-past-rate-limit",
        ),
        pytest.param(
            inputs(24, signals=(reading("gpu", 50.0),), alarms=("backlog-spike",)),
            policy(alarm_steps=(STEP_TWENTY,)),
            History(alarm_floors={"backlog-spike": 24}),
            24,
            Reason.WITHIN_TOLERANCE,
            id="alarm-step-does-not-compound",
        ),
        pytest.param(
            inputs(4, signals=(reading("gpu", 50.0),), alarms=("capped",)),
            policy(alarm_steps=(AlarmStep(alarm_name="capped", add_percent=100, ceiling=6),)),
            EMPTY,
            6,
            Reason.ALARM_STEP,
            id="alarm-step-stops-at-its-ceiling",
        ),
        pytest.param(
            inputs(4, signals=(reading("gpu", 50.0),), alarms=("someone-else",)),
            policy(alarm_steps=(STEP_TWENTY,)),
            EMPTY,
            4,
            Reason.WITHIN_TOLERANCE,
            id="unknown-alarm-ignored",
        ),
        pytest.param(
            inputs(4, signals=(reading("gpu", 50.0),), floor=7),
            policy(),
            EMPTY,
            7,
            Reason.SCHEDULE_FLOOR,
            id="schedule-floor-raises",
        ),
        pytest.param(
            inputs(4, signals=(reading("gpu", 20.0),), ceiling=3),
            policy(),
            recommendations((9, 10.0)),
            3,
            Reason.SCHEDULE_CEILING,
            id="ceiling-beats-stabilization-window",
        ),
        pytest.param(
            inputs(4, signals=(reading("gpu", 50.0),), alarms=("backlog-spike",), ceiling=10),
            policy(alarm_steps=(STEP_TWENTY,)),
            EMPTY,
            10,
            Reason.SCHEDULE_CEILING,
            id="ceiling-beats-alarm-step",
        ),
        pytest.param(
            inputs(4, signals=(reading("gpu", 50.0),), floor=50, max_size=12),
            policy(),
            EMPTY,
            12,
            Reason.MAX_SIZE,
            id="max-size-beats-floor",
        ),
        pytest.param(
            inputs(4, signals=(reading("gpu", 50.0),), ceiling=1, min_size=3),
            policy(),
            EMPTY,
            3,
            Reason.MIN_SIZE,
            id="min-size-beats-ceiling",
        ),
        pytest.param(
            inputs(4, instances=fleet(ready=4, protected=3), signals=(reading("gpu", 5.0),)),
            policy(
                behavior=Behavior(
                    scale_down=ScalingRulesSpec(
                        stabilization_window_seconds=0,
                        policies=(RatePolicySpec(type="Percent", value=100, period_seconds=15),),
                    )
                )
            ),
            EMPTY,
            3,
            Reason.SCALE_IN_PROTECTED,
            id="protected-instances-stay",
        ),
        pytest.param(
            inputs(4, signals=(reading("gpu", 200.0),), paused=True),
            policy(),
            EMPTY,
            4,
            Reason.PAUSED,
            id="pause-beats-everything",
        ),
        pytest.param(
            inputs(3, signals=(reading("gpu", 10.0), reading("backlog", None))),
            policy(GPU, BACKLOG),
            EMPTY,
            3,
            Reason.SCALE_IN_HELD_SIGNALS_INVALID,
            id="missing-signal-beats-scale-in-proposal",
        ),
    ],
)
def test_decide_precedence(
    case_inputs: DecisionInputs, case_policy: Policy, history: History, desired: int, reason: Reason
) -> None:
    # GIVEN a group, a policy and a history WHEN decide() runs
    decision = decide(case_inputs, case_policy, history, now=NOW)
    # THEN the step with precedence sets the number and the reason names it
    assert (decision.desired_capacity, decision.reason) == (desired, reason), decision.message


def test_paused_decision_explains_what_would_happen() -> None:
    # GIVEN a paused group under load
    decision = decide(inputs(4, signals=(reading("gpu", 100.0),), paused=True), policy(), EMPTY, now=NOW)
    # THEN nothing changes, but the recommendation and the message say what would have happened
    assert (decision.desired_capacity, decision.recommended_capacity, decision.changed) == (4, 8, False)
    assert "would set 8" in decision.message
    assert decision.history.scale_up_events == ()


def test_scale_in_reports_how_many_to_remove() -> None:
    # GIVEN 8 instances at a quarter of the target, no stabilization
    fast_down = Behavior(
        scale_down=ScalingRulesSpec(
            stabilization_window_seconds=0,
            policies=(RatePolicySpec(type="Percent", value=100, period_seconds=15),),
        )
    )
    decision = decide(inputs(8, signals=(reading("gpu", 12.5),)), policy(behavior=fast_down), EMPTY, now=NOW)
    # THEN the decision removes 6 and records the scale-down event
    assert (decision.desired_capacity, decision.remove_count) == (2, 6)
    assert decision.history.scale_down_events == (ScaleEvent(6, T),)


def test_every_step_is_reported_in_order() -> None:
    decision = decide(inputs(2, signals=(reading("gpu", 50.0),)), policy(), EMPTY, now=NOW)
    assert [str(s.step) for s in decision.steps] == [
        "proposals",
        "warming",
        "combine",
        "panic",
        "behaviour",
        "limits",
        "bounds",
    ]


def test_naive_now_is_rejected() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        decide(inputs(2), policy(), EMPTY, now=NOW.replace(tzinfo=None))


@pytest.mark.parametrize(
    ("later", "desired", "reason"),
    [
        pytest.param(0, 8, Reason.SCALE_DOWN_STABILIZED, id="first-decision-holds"),
        pytest.param(299, 8, Reason.SCALE_DOWN_STABILIZED, id="held-for-the-whole-window"),
        pytest.param(300, 2, Reason.SCALE_DOWN, id="scales-in-once-the-window-has-passed"),
    ],
)
def test_a_group_never_seen_keeps_its_count_for_one_scale_down_window(
    later: int, desired: int, reason: Reason
) -> None:
    # GIVEN 8 instances at a quarter of the target and no history (a new group, or a lost history)
    first = decide(inputs(8, signals=(reading("gpu", 12.5),)), policy(), EMPTY, now=NOW)
    # WHEN the load stays low THEN, like the HPA's initial recommendation, the count holds for 300 s
    later_inputs = inputs(8, signals=(reading("gpu", 12.5, age=-later),))
    at = NOW + timedelta(seconds=later)
    decision = first if later == 0 else decide(later_inputs, policy(), first.history, now=at)
    assert (decision.desired_capacity, decision.reason) == (desired, reason), decision.message
