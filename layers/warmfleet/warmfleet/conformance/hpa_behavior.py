"""Kubernetes HPA ``behavior`` conformance kinds for ``python -m warmfleet.conformance``.

The kinds of ``hpa_behavior.jsonl`` that exercise one rule on its own - rate
limits, stabilization (with ``behavior`` and legacy) and the legacy rules'
conversion - each translating the vector schema (``age_seconds``, ``now = 0``)
into :mod:`warmfleet.core.rules` inputs. :mod:`warmfleet.conformance.hpa` holds
the replica calculator's kinds and the whole controller's, and registers these.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from warmfleet.core.peers.hpa_controller import convert_rules_legacy
from warmfleet.core.peers.hpa_types import default_scale_down, default_scale_up
from warmfleet.core.rules.rate_limit import (
    PolicyType,
    RatePolicy,
    ScaleEvent,
    ScalingRules,
    SelectPolicy,
    rate_limit,
    scale_down_limit,
    scale_up_limit,
)
from warmfleet.core.rules.stabilization import (
    Recommendation,
    stabilize,
    stabilize_legacy,
    store_legacy,
    store_replacing_oldest,
)

Case = Mapping[str, Any]


def rules_of(raw: Case | None, default: ScalingRules) -> ScalingRules:
    """A rules object, defaulted per field (a side holding only ``tolerance`` keeps every default)."""
    if raw is None:
        return default
    window = raw.get("stabilization_window_seconds")
    policies = raw.get("policies")
    return ScalingRules(
        stabilization_window_seconds=default.stabilization_window_seconds if window is None else int(window),
        select_policy=SelectPolicy(raw.get("select_policy") or "Max"),
        policies=default.policies
        if policies is None
        else tuple(
            RatePolicy(PolicyType(p["type"]), int(p["value"]), int(p["period_seconds"])) for p in policies
        ),
    )


def events_of(raw: Any) -> tuple[ScaleEvent, ...]:
    """``[{replica_change, age_seconds}]`` at ``now = 0``."""
    return tuple(ScaleEvent(int(e["replica_change"]), -float(e["age_seconds"])) for e in raw or [])


def recommendations_of(raw: Any) -> tuple[Recommendation, ...]:
    """``[{replicas, age_seconds}]`` at ``now = 0``."""
    return tuple(Recommendation(int(r["replicas"]), -float(r["age_seconds"])) for r in raw or [])


def _rate_limit(case: Case) -> dict[str, Any]:
    replicas, reason = rate_limit(
        int(case["current_replicas"]),
        int(case["prenormalized_desired_replicas"]),
        min_replicas=int(case["min_replicas"]),
        max_replicas=int(case["max_replicas"]),
        scale_up=rules_of(case["scale_up_rules_effective"], default_scale_up()),
        scale_down=rules_of(case["scale_down_rules_effective"], default_scale_down(300)),
        up_events=events_of(case.get("scale_up_events")),
        down_events=events_of(case.get("scale_down_events")),
        now=0.0,
    )
    return {"replicas": replicas, "limiting_reason": str(reason)}


def _limit(case: Case, up: bool) -> dict[str, Any]:
    limit = scale_up_limit if up else scale_down_limit
    value = limit(
        int(case["current_replicas"]),
        rules_of(case["rules"], default_scale_up() if up else default_scale_down(300)),
        events_of(case.get("scale_up_events")),
        events_of(case.get("scale_down_events")),
        0.0,
    )
    return {"scale_up_limit" if up else "scale_down_limit": value}


def _stabilization_with_behavior(case: Case) -> dict[str, Any]:
    recs = recommendations_of(case["recommendations"])
    desired = int(case["prenormalized_desired_replicas"])
    up, down = (
        float(case["scale_up_stabilization_window_seconds"]),
        float(case["scale_down_stabilization_window_seconds"]),
    )
    result = stabilize(recs, int(case["current_replicas"]), desired, up_window=up, down_window=down, now=0.0)
    stored = store_replacing_oldest(recs, desired, up, down, 0.0)
    return {"stabilized_replicas": result, "stored_recommendations_after": [r.replicas for r in stored]}


def _stabilization_legacy(case: Case) -> dict[str, Any]:
    recs = recommendations_of(case["recommendations"])
    desired, window = (
        int(case["prenormalized_desired_replicas"]),
        float(case["downscale_stabilization_window_seconds"]),
    )
    return {
        "stabilized_replicas": stabilize_legacy(recs, desired, window, 0.0),
        "stored_recommendations_count_after": len(store_legacy(recs, desired, window, 0.0)),
    }


def _convert_rules_legacy(case: Case) -> dict[str, Any]:
    replicas, reason = convert_rules_legacy(
        int(case["current_replicas"]),
        int(case["prenormalized_desired_replicas"]),
        int(case["min_replicas"]),
        int(case["max_replicas"]),
        factor=float(case["scale_up_limit_factor"]),
        minimum=float(case["scale_up_limit_minimum"]),
    )
    return {"replicas": replicas, "limiting_reason": str(reason)}


BEHAVIOR_KINDS: dict[str, Callable[[Mapping[str, Any]], dict[str, Any]]] = {
    "rate_limit": _rate_limit,
    "scale_up_limit": lambda case: _limit(case, up=True),
    "scale_down_limit": lambda case: _limit(case, up=False),
    "stabilization_with_behavior": _stabilization_with_behavior,
    "stabilization_legacy": _stabilization_legacy,
    "convert_rules_legacy": _convert_rules_legacy,
}
