"""Warm before InService, drain before terminate: the lifecycle gate (DESIGN.md, "Lifecycle").

`transitions` holds the pure rules, `records` what is remembered per action, `canary` and `verify` the
HTTP verification of a warm instance, `actions` and `gate` carry the rules out through the adapters in
`warmfleet.aws`, `rollout` tells a CloudFormation roll-out how each launch ended, and `fake_hooks` and
`fake_rollout` are the stateful fakes of the hook state machine and of the signalled resource for tests and
the local fleet.
"""

from __future__ import annotations

from warmfleet.lifecycle.actions import ActionRunner, GateSettings
from warmfleet.lifecycle.build import build_gate
from warmfleet.lifecycle.fake_hooks import InMemoryLifecycleHooks
from warmfleet.lifecycle.fake_rollout import InMemoryRolloutSignals
from warmfleet.lifecycle.gate import LifecycleGate
from warmfleet.lifecycle.records import ActionKind, ActionPhase, ActionRecord, AgentReport, HookResult, Reason
from warmfleet.lifecycle.transitions import Limits
from warmfleet.lifecycle.verify import InstanceVerifier, VerificationResult, VerifyOutcome, VerifySettings

__all__ = [
    "ActionKind",
    "ActionPhase",
    "ActionRecord",
    "ActionRunner",
    "AgentReport",
    "GateSettings",
    "HookResult",
    "InMemoryLifecycleHooks",
    "InMemoryRolloutSignals",
    "InstanceVerifier",
    "LifecycleGate",
    "Limits",
    "Reason",
    "VerificationResult",
    "VerifyOutcome",
    "VerifySettings",
    "build_gate",
]
