"""The alarms and the dashboard read exactly the metrics of DESIGN.md's contract.

The template's side comes from tools/template_metrics.py; the agent's side from its own metric names and
dimension sets, the scaler's from the EMF documents it prints for a decision, so a rename on either side
fails here (tests/functional/test_metric_wiring.py compares the same reads with every publisher).
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
from warmfleet.handlers.scaler_act import emit_decision_metrics
from warmfleet_inference.agent.metrics import NAMESPACE, MetricName, dimension_sets

from .template_support import ROOT, metrics_read, resources_of_type

# Published by the lifecycle function (Powertools EMF, {AutoScalingGroupName}, service dimension off).
LIFECYCLE_METRICS = {"WarmupSeconds", "DrainSeconds", "Abandoned"}
# Published by the scaler (EMF, warmfleet.handlers.scaler_act.emit_decision_metrics): capacity, each signal's
# proposal (dimension Signal), the decision's reason (dimension Reason), failed collectors.
SCALER_METRICS = {"DesiredCapacity", "ProposedCapacity", "Decisions", "CollectorFailures"}
EVERY_METRIC = {str(name) for name in MetricName} | LIFECYCLE_METRICS | SCALER_METRICS


Metric = tuple[str, str, tuple[str, ...]]


def _warmfleet_reads(sam_template: dict[str, Any]) -> set[Metric]:
    return {read for read in metrics_read(sam_template) if read[0] == "warmfleet"}


def _scaler_publishes(capsys: pytest.CaptureFixture[str]) -> set[Metric]:
    """(namespace, name, dimension names) of the EMF documents the scaler prints for one decision."""
    policy = Policy.model_validate({"signals": [{"name": "InFlightRequests", "target": 4}]})
    now = datetime(2026, 11, 27, tzinfo=UTC)
    inputs = DecisionInputs.model_validate(
        {
            "group": {"min_size": 1, "max_size": 10, "desired_capacity": 1},
            "instances": [
                {"instance_id": "i-0", "lifecycle_state": "InService", "launch_time": "2026-11-26T00:00:00Z"}
            ],
            "signals": [{"name": "InFlightRequests", "value": 8, "timestamp": now.isoformat()}],
        }
    )
    capsys.readouterr()
    emit_decision_metrics("group", decide(inputs, policy, None, now=now), collector_errors=0)
    return {
        (directive["Namespace"], metric["Name"], tuple(sorted(dimensions)))
        for line in capsys.readouterr().out.splitlines()
        for directive in json.loads(line)["_aws"]["CloudWatchMetrics"]
        for dimensions in directive["Dimensions"]
        for metric in directive["Metrics"]
    }


def test_every_warmfleet_metric_read_is_published(
    sam_template: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    # GIVEN what the agent publishes (each metric under the group dimension, among others), the
    # lifecycle function's warm-up and drain figures, and the scaler's own decision metrics
    group_dimensions = tuple(sorted(d["Name"] for d in dimension_sets("group", "i-0")[0]))
    published = {(NAMESPACE, str(name), group_dimensions) for name in MetricName}
    published |= {("warmfleet", name, ("AutoScalingGroupName",)) for name in LIFECYCLE_METRICS}
    scaler = _scaler_publishes(capsys)
    assert {name for _, name, _ in scaler} == SCALER_METRICS
    published |= scaler
    # THEN every warmfleet metric an alarm or the dashboard reads is one of them
    reads = _warmfleet_reads(sam_template)
    assert reads <= published, sorted(reads - published)
    # AND every published metric is on the dashboard, the scaler's with the dimensions it publishes them by
    assert {name for _, name, _ in reads} == EVERY_METRIC
    assert scaler <= reads, sorted(scaler - reads)


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


@pytest.mark.parametrize(
    ("alarm", "datapoints"),
    [
        pytest.param("InFlightHighAlarm", {"Ref": "InFlightAlarmDatapoints"}, id="in-flight-parameter"),
        pytest.param("LatencyHighAlarm", 2, id="latency-fixed"),
    ],
)
def test_step_alarms_ignore_a_single_noisy_datapoint_by_default(
    transformed: dict[str, Any], alarm: str, datapoints: Any
) -> None:
    # GIVEN a step alarm's M of N (a breach adds a whole step of GPU instances)
    properties = transformed["Resources"][alarm]["Properties"]
    assert properties["DatapointsToAlarm"] == datapoints
    assert properties["EvaluationPeriods"] == 3
    # THEN by default two breaching 10-s datapoints of three are needed, and no choice asks for more than N
    if isinstance(datapoints, dict):
        spec = transformed["Parameters"][datapoints["Ref"]]
        assert spec["Default"] == 2
        assert sorted(spec["AllowedValues"]) == [1, 2, 3]


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
    # THEN it prints one row per metric, under the group dimension (and the scaler's Signal or Reason)
    assert {row["metric"] for row in rows} == EVERY_METRIC
    assert all(row["dimensions"][0] == "AutoScalingGroupName" for row in rows)
    extra = {row["metric"]: row["dimensions"][1:] for row in rows if len(row["dimensions"]) > 1}
    assert extra == {"ProposedCapacity": ["Signal"], "Decisions": ["Reason"]}


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
