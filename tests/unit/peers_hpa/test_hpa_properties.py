"""Properties of the HPA's behaviour rules that hold for any input (hypothesis)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from warmfleet.core.rules.rate_limit import (
    PolicyType,
    RatePolicy,
    ScaleEvent,
    ScalingRules,
    SelectPolicy,
    rate_limit,
)
from warmfleet.core.rules.stabilization import Recommendation, stabilize

policies = st.lists(
    st.builds(RatePolicy, st.sampled_from(list(PolicyType)), st.integers(1, 500), st.integers(1, 1800)),
    min_size=1,
    max_size=3,
)
rules = st.builds(ScalingRules, st.integers(0, 600), st.sampled_from(list(SelectPolicy)), policies.map(tuple))
events = st.lists(st.builds(ScaleEvent, st.integers(0, 50), st.floats(-2000, 0)), max_size=5).map(tuple)


@settings(max_examples=80, deadline=None)
@given(
    st.integers(1, 100),
    st.integers(0, 300),
    st.integers(0, 50),
    st.integers(0, 200),
    rules,
    rules,
    events,
    events,
)
def test_rate_limit_moves_toward_desired_within_bounds(
    current: int,
    desired: int,
    low: int,
    span: int,
    up: ScalingRules,
    down: ScalingRules,
    up_events: tuple[ScaleEvent, ...],
    down_events: tuple[ScaleEvent, ...],
) -> None:
    # GIVEN a current count inside [min, max] and any desired count
    min_replicas, max_replicas = min(low, current), max(current, low + span)
    result, _ = rate_limit(
        current,
        desired,
        min_replicas=min_replicas,
        max_replicas=max_replicas,
        scale_up=up,
        scale_down=down,
        up_events=up_events,
        down_events=down_events,
        now=0.0,
    )
    # THEN the result stays in bounds and never moves away from the desired count
    assert min_replicas <= result <= max_replicas
    assert min(current, desired) <= result <= max(current, desired)


@settings(max_examples=80, deadline=None)
@given(
    st.lists(st.builds(Recommendation, st.integers(0, 50), st.floats(-900, 0)), max_size=8),
    st.integers(0, 50),
    st.integers(0, 50),
    st.integers(0, 600),
    st.integers(0, 600),
)
def test_stabilized_value_lies_between_current_and_desired(
    recs: list[Recommendation], current: int, desired: int, up_window: int, down_window: int
) -> None:
    # GIVEN any stored recommendations WHEN a recommendation is stabilized
    result = stabilize(recs, current, desired, up_window=up_window, down_window=down_window, now=0.0)
    # THEN it lies between the current count and the new recommendation (never overshoots either)
    assert min(current, desired) <= result <= max(current, desired)
