"""The alarms and the dashboard read exactly the metrics of DESIGN.md's contract.

The template's side comes from tools/template_metrics.py; the agent's side from its own metric names and
dimension sets, so a rename on either side fails here.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from datetime import UTC, datetime
from typing import Any

import pytest
from warmfleet.core import DecisionInputs, Policy, decide
from warmfleet_inference.agent.metrics import NAMESPACE, MetricName, dimension_sets

from .template_support import ROOT, metrics_read, resources_of_type

# Published by the lifecycle function (Powertools EMF, {AutoScalingGroupName}, service dimension off).
LIFECYCLE_METRICS = {"WarmupSeconds", "DrainSeconds", "Abandoned"}


def _warmfleet_reads(sam_template: dict[str, Any]) -> set[tuple[str, str, tuple[str, ...]]]:
    return {read for read in metrics_read(sam_template) if read[0] == "warmfleet"}


def test_every_warmfleet_metric_read_is_published(sam_template: dict[str, Any]) -> None:
    # GIVEN what the agent publishes (each metric under the group dimension, among others)
    group_dimensions = tuple(sorted(d["Name"] for d in dimension_sets("group", "i-0")[0]))
    published = {(NAMESPACE, str(name), group_dimensions) for name in MetricName}
    published |= {("warmfleet", name, ("AutoScalingGroupName",)) for name in LIFECYCLE_METRICS}
    # THEN every warmfleet metric an alarm or the dashboard reads is one of them
    reads = _warmfleet_reads(sam_template)
    assert reads <= published, sorted(reads - published)
    # AND every published metric is on the dashboard
    assert {name for _, name, _ in reads} == {str(name) for name in MetricName} | LIFECYCLE_METRICS


@pytest.mark.parametrize(
    ("alarm", "metric"),
    [
        pytest.param("InFlightHighAlarm", "InFlightRequests", id="in-flight"),
        pytest.param("LatencyHighAlarm", "RequestLatencyP95", id="latency-p95"),
    ],
)
def test_step_alarms_are_high_resolution_per_instance_means(
    transformed: dict[str, Any], alarm: str, metric: str
) -> None:
    properties = transformed["Resources"][alarm]["Properties"]
    # THEN the alarm reads the group-wide series every 10 s; Average over it is the per-instance mean
    assert (properties["Namespace"], properties["MetricName"]) == ("warmfleet", metric)
    assert properties["Dimensions"] == [
        {"Name": "AutoScalingGroupName", "Value": {"Fn::Sub": "${AWS::StackName}-fleet"}}
    ]
    assert properties["Statistic"] == "Average"
    assert properties["Period"] == 10
    assert properties["TreatMissingData"] == "notBreaching"


def test_dead_letter_alarm_watches_every_dead_letter_queue(transformed: dict[str, Any]) -> None:
    queries = transformed["Resources"]["DeadLetterQueuesNotEmptyAlarm"]["Properties"]["Metrics"]
    watched = {
        query["MetricStat"]["Metric"]["Dimensions"][0]["Value"]["Fn::GetAtt"][0]
        for query in queries
        if "MetricStat" in query
    }
    queues = set(resources_of_type(transformed, "AWS::SQS::Queue"))
    assert watched == queues - {"InferenceQueue", "ReplyQueue"}


def test_metrics_tool_prints_the_same_list() -> None:
    # GIVEN the command a wiring test can run WHEN it lists the warmfleet metrics
    result = subprocess.run(
        [sys.executable, str(ROOT / "tools" / "template_metrics.py"), "--namespace", "warmfleet"],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    rows = json.loads(result.stdout)
    # THEN it prints one row per metric, with the group dimension only
    assert {row["metric"] for row in rows} == {str(name) for name in MetricName} | LIFECYCLE_METRICS
    assert all(row["dimensions"] == ["AutoScalingGroupName"] for row in rows)


def test_decision_widget_reads_the_fields_the_decision_logs(sam_template: dict[str, Any]) -> None:
    # GIVEN the dashboard's log widget over the scaler and alarm log groups
    body = sam_template["Resources"]["Dashboard"]["Properties"]["DashboardBody"]["Fn::Sub"][0]
    widgets = json.loads(body.replace("${", "SUB_").replace('}"', '"'))["widgets"]
    (query,) = [widget["properties"]["query"] for widget in widgets if widget["type"] == "log"]
    fields = set(re.findall(r"decision\.(\w+)", query))
    # THEN every field it shows is one a logged decision has (warmfleet.core.Decision.to_dict)
    group = {"min_size": 1, "max_size": 4, "desired_capacity": 2}
    decision = decide(
        DecisionInputs.model_validate({"group": group}), Policy(), None, datetime(2026, 1, 1, tzinfo=UTC)
    )
    decision_keys = set(decision.to_dict())
    assert fields
    assert fields <= decision_keys, fields - decision_keys
