"""What ``decide()`` remembers between calls: a bounded, JSON-serialisable value.

The scaler stores it (DynamoDB), the simulator keeps it in memory; ``decide()``
returns the next one. It holds the recommendations a stabilization window can
still see, the scale events a rate policy can still see, the consecutive
failures of each signal (for the fallback), the panic state and the alarm floors
of the alarms still in ALARM. Times are seconds since the epoch.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any, NamedTuple

from pydantic import BaseModel, ConfigDict, Field

from warmfleet.core.rules.panic import PanicState
from warmfleet.core.rules.rate_limit import ScaleEvent
from warmfleet.core.rules.stabilization import Recommendation

HISTORY_VERSION = 1

# The defaults are shared by every History, so they are immutable.
_NO_COUNTS: Mapping[str, int] = MappingProxyType({})


class History(NamedTuple):
    """The state carried from one decision to the next (empty for a group never seen).

    A ``NamedTuple``, like the other records ``decide()`` builds on every call.

    Examples
    --------
    >>> History.from_dict(History().to_dict()) == History()
    True
    """

    recommendations: tuple[Recommendation, ...] = ()
    scale_up_events: tuple[ScaleEvent, ...] = ()
    scale_down_events: tuple[ScaleEvent, ...] = ()
    signal_failures: Mapping[str, int] = _NO_COUNTS
    panic: PanicState = PanicState()
    alarm_floors: Mapping[str, int] = _NO_COUNTS

    @property
    def size(self) -> int:
        """The number of stored entries (the quantity ``decide()`` keeps bounded)."""
        return (
            len(self.recommendations)
            + len(self.scale_up_events)
            + len(self.scale_down_events)
            + len(self.signal_failures)
            + len(self.alarm_floors)
        )

    def to_dict(self) -> dict[str, Any]:
        """A JSON-serialisable dict (the inverse of :meth:`from_dict`)."""
        return {
            "version": HISTORY_VERSION,
            "recommendations": [{"replicas": r.replicas, "at": r.at} for r in self.recommendations],
            "scale_up_events": [{"change": e.change, "at": e.at} for e in self.scale_up_events],
            "scale_down_events": [{"change": e.change, "at": e.at} for e in self.scale_down_events],
            "signal_failures": dict(self.signal_failures),
            "panic": {"panic_since": self.panic.panic_since, "max_panic_pods": self.panic.max_panic_pods},
            "alarm_floors": dict(self.alarm_floors),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> History:
        """Validate a stored history; a bad document raises ``pydantic.ValidationError`` naming the field."""
        doc = _HistoryDocument.model_validate(data)
        return cls(
            recommendations=tuple(Recommendation(r.replicas, r.at) for r in doc.recommendations),
            scale_up_events=tuple(ScaleEvent(e.change, e.at) for e in doc.scale_up_events),
            scale_down_events=tuple(ScaleEvent(e.change, e.at) for e in doc.scale_down_events),
            signal_failures=dict(doc.signal_failures),
            panic=PanicState(panic_since=doc.panic.panic_since, max_panic_pods=doc.panic.max_panic_pods),
            alarm_floors=dict(doc.alarm_floors),
        )


class _Strict(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class _RecommendationDoc(_Strict):
    replicas: int = Field(ge=0)
    at: float


class _EventDoc(_Strict):
    change: int = Field(ge=0)
    at: float


class _PanicDoc(_Strict):
    panic_since: float | None = None
    max_panic_pods: int = Field(default=0, ge=0)


class _HistoryDocument(_Strict):
    version: int = Field(default=HISTORY_VERSION, ge=HISTORY_VERSION, le=HISTORY_VERSION)
    recommendations: tuple[_RecommendationDoc, ...] = ()
    scale_up_events: tuple[_EventDoc, ...] = ()
    scale_down_events: tuple[_EventDoc, ...] = ()
    signal_failures: dict[str, int] = Field(default_factory=dict)
    panic: _PanicDoc = Field(default_factory=_PanicDoc)
    alarm_floors: dict[str, int] = Field(default_factory=dict)
