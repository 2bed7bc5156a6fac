"""The small JSON payloads that this stack's schedules send to its functions.

The template sets them (the Step Functions tick loop, the sweep schedule); anything else that reaches the
scaler or the sweep path is rejected. Extra keys are refused so a payload meant for another function can
never be mistaken for a tick.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict


class ScalerTick(BaseModel):
    """`{"warmfleet": "tick"}`: one scaler evaluation, four a minute from the Step Functions loop."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    warmfleet: Literal["tick"]


class SweepTick(BaseModel):
    """`{"warmfleet": "sweep"}`: the lifecycle sweep's own one-minute schedule."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    warmfleet: Literal["sweep"]
