"""The HPA tolerance band: a usage ratio close enough to 1 changes nothing.

Mirrors ``Tolerances.isWithin`` of the Kubernetes HPA replica calculator
(https://kubernetes.io/docs/tasks/run-application/horizontal-pod-autoscale/#algorithm-details),
including the per-direction tolerances of the ``HPAConfigurableTolerance`` feature.
"""

from __future__ import annotations

from dataclasses import dataclass

DEFAULT_TOLERANCE = 0.1


@dataclass(frozen=True, slots=True)
class Tolerance:
    """Per-direction tolerance around a usage ratio of 1.

    Examples
    --------
    >>> Tolerance().within(1.05)
    True
    >>> Tolerance(scale_down=0.1, scale_up=0.01).within(1.02)
    False
    """

    scale_down: float = DEFAULT_TOLERANCE
    scale_up: float = DEFAULT_TOLERANCE

    def within(self, ratio: float) -> bool:
        """Return True when ``ratio`` lies in ``[1 - scale_down, 1 + scale_up]`` (False for NaN)."""
        return (1.0 - self.scale_down) <= ratio <= (1.0 + self.scale_up)
