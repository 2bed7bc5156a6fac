"""A stateful, in-memory model of an Auto Scaling group's lifecycle hooks (moto has none).

It implements the `LifecycleHooks` port with the semantics AWS documents
(https://docs.aws.amazon.com/autoscaling/ec2/userguide/lifecycle-hooks-overview.html): a launching instance
waits in `Pending:Wait` and a terminating one in `Terminating:Wait`, each holding one action with a token and
a heartbeat deadline; CompleteLifecycleAction moves it on (launch: CONTINUE to InService, ABANDON to
Terminated; terminate: either result to Terminated); RecordLifecycleActionHeartbeat pushes the deadline out
by the hook's heartbeat timeout, never past the global timeout (100 heartbeats or 48 h, the smaller); a
deadline that passes applies the hook's default result. A token or instance with no active action gets the
same answer AWS gives. The tests and the local fleet use it; the contract test holds it to the adapter.
"""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from warmfleet.aws.lifecycle_hooks import HookAction, HookCallStatus

GLOBAL_TIMEOUT_CAP_SECONDS = 48 * 3600


@dataclass
class _PendingAction:
    hook_name: str
    token: str
    terminating: bool
    heartbeat_timeout: float
    default_result: str
    deadline: float
    global_deadline: float


@dataclass
class _Instance:
    group_name: str
    state: str
    action: _PendingAction | None = None


class InMemoryLifecycleHooks:
    """The hook state machine of one or more groups, on an injected clock (epoch seconds)."""

    def __init__(self, clock: Callable[[], float]) -> None:
        self._clock = clock
        self._instances: dict[str, _Instance] = {}
        self._tokens = (str(uuid.UUID(int=n)) for n in itertools.count(1))
        self.calls: list[tuple[str, HookAction, str | None]] = []

    # --- what AWS would do on its own ---------------------------------------------------------------
    def launch(
        self,
        group_name: str,
        instance_id: str,
        hook_name: str,
        heartbeat_timeout: float,
        *,
        default: str = "ABANDON",
        token: str | None = None,
    ) -> str:
        """A new instance enters `Pending:Wait`; returns its action token (the event would carry it)."""
        return self._hold(
            group_name,
            instance_id,
            "Pending:Wait",
            _PendingAction(
                hook_name, token or next(self._tokens), False, heartbeat_timeout, default, 0.0, 0.0
            ),
        )

    def terminate(
        self,
        group_name: str,
        instance_id: str,
        hook_name: str,
        heartbeat_timeout: float,
        *,
        default: str = "CONTINUE",
        token: str | None = None,
    ) -> str:
        """The group chose this instance for termination: it enters `Terminating:Wait`."""
        return self._hold(
            group_name,
            instance_id,
            "Terminating:Wait",
            _PendingAction(
                hook_name, token or next(self._tokens), True, heartbeat_timeout, default, 0.0, 0.0
            ),
        )

    def remove(self, instance_id: str) -> None:
        """The instance is gone (terminated from outside, or a spot interruption)."""
        self._instances.pop(instance_id, None)

    def state(self, instance_id: str) -> str | None:
        self._expire()
        instance = self._instances.get(instance_id)
        return None if instance is None else instance.state

    def _hold(self, group: str, instance_id: str, state: str, action: _PendingAction) -> str:
        now = self._clock()
        action.deadline = now + action.heartbeat_timeout
        action.global_deadline = now + min(100 * action.heartbeat_timeout, GLOBAL_TIMEOUT_CAP_SECONDS)
        self._instances[instance_id] = _Instance(group, state, action)
        return action.token

    def _expire(self) -> None:
        now = self._clock()
        for instance in self._instances.values():
            action = instance.action
            if action is not None and now >= min(action.deadline, action.global_deadline):
                self._finish(instance, action.default_result)

    @staticmethod
    def _finish(instance: _Instance, result: str) -> None:
        assert instance.action is not None
        launched = not instance.action.terminating and result == "CONTINUE"
        instance.state = "InService" if launched else "Terminated"
        instance.action = None

    def _find(self, action: HookAction) -> _Instance | None:
        self._expire()
        for instance_id, instance in self._instances.items():
            pending = instance.action
            if (
                pending is None
                or instance.group_name != action.group_name
                or pending.hook_name != action.hook_name
            ):
                continue
            if (action.token is not None and pending.token == action.token) or (
                action.token is None and instance_id == action.instance_id
            ):
                return instance
        return None

    # --- the LifecycleHooks port ----------------------------------------------------------------------
    def complete(self, action: HookAction, result: str) -> HookCallStatus:
        self.calls.append(("complete", action, result))
        if result not in ("CONTINUE", "ABANDON"):
            raise ValueError(f"LifecycleActionResult must be CONTINUE or ABANDON, got {result!r}")
        instance = self._find(action)
        if instance is None:
            return HookCallStatus.NO_ACTIVE_ACTION
        self._finish(instance, result)
        return HookCallStatus.DONE

    def heartbeat(self, action: HookAction) -> HookCallStatus:
        self.calls.append(("heartbeat", action, None))
        instance = self._find(action)
        if instance is None or instance.action is None:
            return HookCallStatus.NO_ACTIVE_ACTION
        pending = instance.action
        pending.deadline = min(self._clock() + pending.heartbeat_timeout, pending.global_deadline)
        return HookCallStatus.DONE

    def group_states(self, group_name: str) -> dict[str, str]:
        self._expire()
        return {
            instance_id: instance.state
            for instance_id, instance in self._instances.items()
            if instance.group_name == group_name and instance.state != "Terminated"
        }

    def instance_state(self, instance_id: str) -> str | None:
        state = self.state(instance_id)
        return None if state == "Terminated" else state
