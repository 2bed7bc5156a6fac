"""The "CloudWatch Alarm State Change" event that EventBridge delivers to the alarm function.

Shape from the AWS documentation, "Alarm events and EventBridge"
(https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/cloudwatch-and-eventbridge.html). Only the
fields the alarm path uses are modelled; the rest (configuration, metrics) is kept loosely.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any, Literal

from aws_lambda_powertools.utilities.parser.models import EventBridgeModel
from pydantic import BaseModel, ConfigDict, Field


class AlarmStateValue(StrEnum):
    OK = "OK"
    ALARM = "ALARM"
    INSUFFICIENT_DATA = "INSUFFICIENT_DATA"


class AlarmState(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore", populate_by_name=True)

    value: AlarmStateValue
    reason: str = ""
    reason_data: str | None = Field(default=None, alias="reasonData")
    timestamp: datetime


class AlarmStateChangeDetail(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore", populate_by_name=True)

    alarm_name: str = Field(alias="alarmName", min_length=1)
    state: AlarmState
    previous_state: AlarmState | None = Field(default=None, alias="previousState")
    configuration: dict[str, Any] = Field(default_factory=dict)


class AlarmStateChangeEvent(EventBridgeModel):
    source: Literal["aws.cloudwatch"]
    detail_type: Literal["CloudWatch Alarm State Change"] = Field(alias="detail-type")
    detail: AlarmStateChangeDetail
    resources: list[str] = Field(min_length=1)

    @property
    def alarm_arn(self) -> str:
        """The alarm's ARN: EventBridge puts it first in `resources`."""
        return self.resources[0]
