"""What ``decide()`` returns: the number, why, every proposal and step, and the next history.

Every record here is a typed ``NamedTuple``: immutable like a frozen dataclass,
and built at a tenth of its cost (a frozen dataclass sets each field through
``object.__setattr__``), which matters because ``decide()`` builds about fifteen
of them per call (five proposals, seven steps, the capacity, the history, itself).
"""

from __future__ import annotations

from typing import Any, NamedTuple

from warmfleet.core.history import History
from warmfleet.core.policy import SignalKind
from warmfleet.core.reasons import Reason, SignalStatus, Step

#: ``new_record(StepOutcome, (step, value, reason, message))`` builds a record from the tuple of all
#: its fields in one C call, as ``NamedTuple._make`` does inside. ``StepOutcome(...)`` first runs the
#: NamedTuple's generated Python ``__new__``: about three times the cost, on every record of every call.
#: mypy does not check the fields of such a call; ``tests/unit/core/test_properties.py`` checks every
#: field of every record ``decide()`` returns.
new_record = tuple.__new__


class Proposal(NamedTuple):
    """One signal's proposal; ``replicas`` is None when the signal could not propose.

    >>> p = Proposal("gpu", SignalKind.AVERAGE, SignalStatus.VALID, 90.0, 1.8, 4, 4, 0, Reason.SCALE_UP, "")
    >>> p.to_dict()["desired"]
    4

    ``replicas`` is in instances that serve (step 1); ``desired`` adds the
    instances that occupy the group without serving (step 2's rule), so it
    compares with the group's desired capacity. ``panic_replicas`` is the raw
    proposal (no tolerance) over the panic window, which step 4 tests.
    """

    signal: str
    kind: SignalKind
    status: SignalStatus
    value: float | None
    ratio: float | None
    replicas: int | None
    desired: int | None
    failures: int
    reason: Reason
    message: str
    panic_replicas: int | None = None

    def to_dict(self) -> dict[str, Any]:
        """A JSON-serialisable dict."""
        return {
            "signal": self.signal,
            "kind": str(self.kind),
            "status": str(self.status),
            "value": self.value,
            "ratio": self.ratio,
            "replicas": self.replicas,
            "desired": self.desired,
            "failures": self.failures,
            "reason": str(self.reason),
            "message": self.message,
            "panic_replicas": self.panic_replicas,
        }


class StepOutcome(NamedTuple):
    """The number one step produced, and why.

    >>> StepOutcome(Step.BOUNDS, 10, Reason.MAX_SIZE, "capped").to_dict()["reason"]
    'MaxSize'"""

    step: Step
    value: int
    reason: Reason
    message: str

    def to_dict(self) -> dict[str, Any]:
        """A JSON-serialisable dict."""
        return {
            "step": str(self.step),
            "value": self.value,
            "reason": str(self.reason),
            "message": self.message,
        }


class Capacity(NamedTuple):
    """How the group's instances count (step 2).

    ``counted`` (ready + warming + unseen) is the capacity already bought;
    ``occupying`` (unhealthy, or launching past the warm-up budget) holds a place
    in the desired capacity without serving and without counting. Build it with
    :meth:`of`, which derives those two.

    >>> Capacity.of(ready=3, warming=1, unseen=0, stuck=1, unhealthy=0, standby=0, terminating=0,
    ...             protected=0).counted
    4
    """

    ready: int
    warming: int
    unseen: int
    stuck: int
    unhealthy: int
    standby: int
    terminating: int
    protected: int
    counted: int
    occupying: int

    @classmethod
    def of(
        cls,
        *,
        ready: int,
        warming: int,
        unseen: int,
        stuck: int,
        unhealthy: int,
        standby: int,
        terminating: int,
        protected: int,
    ) -> Capacity:
        """The counts, with ``counted`` and ``occupying`` derived from them."""
        return cls(
            ready,
            warming,
            unseen,
            stuck,
            unhealthy,
            standby,
            terminating,
            protected,
            ready + warming + unseen,
            stuck + unhealthy,
        )

    def to_dict(self) -> dict[str, int]:
        """A JSON-serialisable dict."""
        return {
            "ready": self.ready,
            "warming": self.warming,
            "unseen": self.unseen,
            "stuck": self.stuck,
            "unhealthy": self.unhealthy,
            "standby": self.standby,
            "terminating": self.terminating,
            "protected": self.protected,
            "counted": self.counted,
            "occupying": self.occupying,
        }


class Decision(NamedTuple):
    """The outcome of one ``decide()`` call.

    ``desired_capacity`` is what to set (the current desired capacity when the
    group is paused); ``recommended_capacity`` is what the pipeline computed.
    ``remove_count`` is how many instances a scale-in removes (which ones is the
    adapter's job).

    >>> from datetime import UTC, datetime
    >>> from warmfleet.core import DecisionInputs, Policy, decide
    >>> group = {"min_size": 2, "max_size": 4, "desired_capacity": 3}
    >>> inputs = DecisionInputs.model_validate({"group": group})
    >>> decision = decide(inputs, Policy(), None, datetime(2026, 1, 1, tzinfo=UTC))
    >>> decision.desired_capacity, decision.changed, str(decision.reason)
    (3, False, 'NoValidSignal')
    """

    desired_capacity: int
    recommended_capacity: int
    current_capacity: int
    remove_count: int
    reason: Reason
    message: str
    paused: bool
    proposals: tuple[Proposal, ...]
    steps: tuple[StepOutcome, ...]
    capacity: Capacity
    history: History

    @property
    def changed(self) -> bool:
        """True when the decision sets a new desired capacity."""
        return self.desired_capacity != self.current_capacity

    def to_dict(self, *, include_history: bool = False) -> dict[str, Any]:
        """A JSON-serialisable dict (the history only when asked: it is stored, not printed)."""
        result: dict[str, Any] = {
            "desired_capacity": self.desired_capacity,
            "recommended_capacity": self.recommended_capacity,
            "current_capacity": self.current_capacity,
            "remove_count": self.remove_count,
            "changed": self.changed,
            "reason": str(self.reason),
            "message": self.message,
            "paused": self.paused,
            "capacity": self.capacity.to_dict(),
            "proposals": [p.to_dict() for p in self.proposals],
            "steps": [s.to_dict() for s in self.steps],
        }
        if include_history:
            result["history"] = self.history.to_dict()
        return result
