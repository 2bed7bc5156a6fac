"""Assemble a `LifecycleGate` from the function's configuration and the adapters (the composition root's and
the tests' one way to build it)."""

from __future__ import annotations

import time
from collections.abc import Callable

from warmfleet.aws.lifecycle_hooks import InstanceAddresses, LifecycleHooks
from warmfleet.aws.rollout_signal import RolloutSignals
from warmfleet.config import LifecycleConfig
from warmfleet.lifecycle.actions import ActionRunner, ActionStore, GateSettings, MetricsSink
from warmfleet.lifecycle.gate import LifecycleGate
from warmfleet.lifecycle.transitions import Limits
from warmfleet.lifecycle.verify import HttpClient, InstanceVerifier, VerifySettings

# The template gives the function 60 s; the sweep's verifications get 40 of them, heartbeats the rest.
SWEEP_VERIFY_SECONDS = 40


def build_gate(
    config: LifecycleConfig,
    *,
    store: ActionStore,
    hooks: LifecycleHooks,
    addresses: InstanceAddresses,
    metrics: MetricsSink,
    clock: Callable[[], float] = time.time,
    http: HttpClient | None = None,
    rollout: RolloutSignals | None = None,
) -> LifecycleGate:
    limits = Limits(
        warmup_budget=config.warmup_budget_seconds,
        hook_heartbeat=config.hook_heartbeat_seconds,
        drain_timeout=config.drain_timeout_seconds,
        verify_attempts=config.verify_attempts,
    )
    settings = GateSettings(
        config.group_name,
        config.launch_hook_name,
        config.terminate_hook_name,
        limits,
        max_sweep_verifications=max(1, SWEEP_VERIFY_SECONDS // config.verify_timeout_seconds),
    )
    verifier = InstanceVerifier(
        VerifySettings(
            config.app_port,
            config.verify_timeout_seconds,
            config.model_name,
            config.canary_request,
            config.ready_path,
        ),
        http=http,
    )
    return LifecycleGate(ActionRunner(settings, store, hooks, addresses, verifier, metrics, clock, rollout))
