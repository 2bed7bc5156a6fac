"""warmfleet's pure decision core: ``decide(inputs, policy, history, now) -> Decision``.

The one decision behind the scaler tick, the alarm path, the simulator and the
local fleet. No boto3, no environment, no clock, no randomness: everything is
passed in, and what must be remembered comes back in ``Decision.history``.

Public API (import from ``warmfleet.core``):

* :func:`decide` - the seven-step pipeline (:mod:`warmfleet.core.steps`).
* Inputs (:mod:`.inputs`, pydantic, frozen, ``model_validate(dict)``):
  :class:`DecisionInputs`, :class:`GroupCapacity`, :class:`Instance`,
  :class:`SignalReading`, :class:`LifecycleState`.
* Policy (:mod:`.policy`, pydantic, frozen): :class:`Policy`,
  :class:`SignalPolicy`, :class:`SignalKind`, :class:`Behavior`,
  :class:`ScalingRulesSpec`, :class:`RatePolicySpec`, :class:`PanicPolicy`,
  :class:`FallbackPolicy`, :class:`AlarmStep`, :class:`ScheduledCapacity`.
* Outputs (:mod:`.decision`, :mod:`.history`, immutable ``NamedTuple`` records):
  :class:`Decision`, :class:`Proposal`, :class:`StepOutcome`, :class:`Capacity`,
  :class:`History` (``to_dict()`` / ``History.from_dict()`` for storage).
* Reason codes (:mod:`.reasons`): :class:`Reason`, :class:`Step`, :class:`SignalStatus`.
* The shared rules the peers reuse: :mod:`warmfleet.core.rules`; the peers:
  :mod:`warmfleet.core.peers`.

Examples
--------
>>> from datetime import UTC, datetime
>>> policy = Policy.model_validate({"signals": [{"name": "backlog", "kind": "total", "target": 10}]})
>>> inputs = DecisionInputs.model_validate({
...     "group": {"min_size": 0, "max_size": 8, "desired_capacity": 0},
...     "signals": [{"name": "backlog", "value": 35, "timestamp": "2026-01-01T00:00:00Z"}],
... })
>>> decision = decide(inputs, policy, None, now=datetime(2026, 1, 1, tzinfo=UTC))
>>> decision.desired_capacity, str(decision.reason)
(4, 'ScaleUp')
>>> History.from_dict(decision.history.to_dict()) == decision.history
True
"""

from __future__ import annotations

from warmfleet.core.decide import decide
from warmfleet.core.decision import Capacity, Decision, Proposal, StepOutcome
from warmfleet.core.history import History
from warmfleet.core.inputs import DecisionInputs, GroupCapacity, Instance, LifecycleState, SignalReading
from warmfleet.core.policy import (
    AlarmStep,
    Behavior,
    FallbackPolicy,
    PanicPolicy,
    Policy,
    RatePolicySpec,
    ScalingRulesSpec,
    ScheduledCapacity,
    SignalKind,
    SignalPolicy,
)
from warmfleet.core.reasons import Reason, SignalStatus, Step

__all__ = [
    "AlarmStep",
    "Behavior",
    "Capacity",
    "Decision",
    "DecisionInputs",
    "FallbackPolicy",
    "GroupCapacity",
    "History",
    "Instance",
    "LifecycleState",
    "PanicPolicy",
    "Policy",
    "Proposal",
    "RatePolicySpec",
    "Reason",
    "ScalingRulesSpec",
    "ScheduledCapacity",
    "SignalKind",
    "SignalPolicy",
    "SignalReading",
    "SignalStatus",
    "Step",
    "StepOutcome",
    "decide",
]
