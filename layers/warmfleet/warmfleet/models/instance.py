"""The events the instance agent puts on EventBridge (DESIGN.md, "Instance events").

`source` is `warmfleet.instance`; the instance role may put no other source. The agent builds these same
shapes (inference side); the lifecycle function parses them here. `detail` carries at least `instanceId`,
`autoScalingGroupName` and `modelVersion`, and, as they apply, `warmupSeconds`, `drainSeconds`, `reason`.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Literal

from aws_lambda_powertools.utilities.parser.models import EventBridgeModel
from pydantic import BaseModel, ConfigDict, Field, model_validator

INSTANCE_EVENT_SOURCE = "warmfleet.instance"


class InstanceDetailType(StrEnum):
    WARM = "Instance Warm"
    WARMUP_FAILED = "Instance Warm-up Failed"
    DRAINED = "Instance Drained"


class InstanceEventDetail(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore", populate_by_name=True)

    instance_id: str = Field(alias="instanceId", pattern=r"^i-[0-9a-f]{8,17}$")
    auto_scaling_group_name: str = Field(alias="autoScalingGroupName", min_length=1)
    model_version: str = Field(alias="modelVersion", min_length=1)


class InstanceWarmDetail(InstanceEventDetail):
    warmup_seconds: Annotated[float, Field(ge=0)] = Field(alias="warmupSeconds")


class InstanceWarmupFailedDetail(InstanceEventDetail):
    reason: str = Field(min_length=1)
    warmup_seconds: Annotated[float, Field(ge=0)] | None = Field(default=None, alias="warmupSeconds")


class InstanceDrainedDetail(InstanceEventDetail):
    drain_seconds: Annotated[float, Field(ge=0)] = Field(alias="drainSeconds")
    reason: str | None = None


_DETAIL_MODELS: dict[InstanceDetailType, type[InstanceEventDetail]] = {
    InstanceDetailType.WARM: InstanceWarmDetail,
    InstanceDetailType.WARMUP_FAILED: InstanceWarmupFailedDetail,
    InstanceDetailType.DRAINED: InstanceDrainedDetail,
}


class InstanceEvent(EventBridgeModel):
    """One agent event; `detail` is parsed with the model its detail-type names."""

    source: Literal["warmfleet.instance"]
    detail_type: InstanceDetailType = Field(alias="detail-type")
    detail: InstanceWarmDetail | InstanceWarmupFailedDetail | InstanceDrainedDetail

    @model_validator(mode="before")
    @classmethod
    def _detail_by_type(cls, data: object) -> object:
        # A union would accept a Drained detail under "Instance Warm"; the detail-type decides the model.
        if isinstance(data, dict):
            detail_type = data.get("detail-type", data.get("detail_type"))
            detail = data.get("detail")
            if isinstance(detail, dict) and detail_type in set(InstanceDetailType):
                model = _DETAIL_MODELS[InstanceDetailType(detail_type)]
                return {**data, "detail": model.model_validate(detail)}
        return data
