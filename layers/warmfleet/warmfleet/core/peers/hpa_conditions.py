"""The HPA's status conditions as an ordered list: set in place or append, remove.

Mirrors ``setCondition`` / ``removeCondition`` on ``HorizontalPodAutoscalerStatus``:
setting a type already present updates its status and reason where it stands; a
new type goes last.
"""

from __future__ import annotations

from collections.abc import Iterable

ABLE_TO_SCALE = "AbleToScale"
SCALING_ACTIVE = "ScalingActive"
SCALING_LIMITED = "ScalingLimited"
SCALED_TO_ZERO = "ScaledToZero"


class Conditions:
    """An ordered, mutable list of ``(type, status, reason)`` used inside one reconcile."""

    def __init__(self, initial: Iterable[tuple[str, str, str]] = ()) -> None:
        self._items: list[tuple[str, str, str]] = list(initial)

    def set(self, kind: str, status: bool, reason: str) -> None:
        """Set ``kind`` to ``status``/``reason`` in place, or append it."""
        item = (kind, "True" if status else "False", reason)
        for index, existing in enumerate(self._items):
            if existing[0] == kind:
                self._items[index] = item
                return
        self._items.append(item)

    def remove(self, kind: str) -> None:
        """Remove ``kind`` if present."""
        self._items = [item for item in self._items if item[0] != kind]

    def is_true(self, kind: str) -> bool:
        """True when ``kind`` is present with status True."""
        return any(item[0] == kind and item[1] == "True" for item in self._items)

    def as_tuple(self) -> tuple[tuple[str, str, str], ...]:
        """The conditions, in order."""
        return tuple(self._items)
